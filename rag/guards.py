"""Guards around answering: personal data, crisis, instructions aimed at the model, and scope.

Pure rules, no I/O, run on every question before it is stored, logged or sent to a model:

- `redact_pii` replaces PESEL, NIP, ID-card and passport numbers, phone numbers, e-mail addresses
  and account numbers with tags. Numbers that carry a check digit are redacted only when it holds
  (so amounts, dates, article numbers and case signatures survive), or when the resident named
  them ("PESEL: …", "nr dowodu …"): a mistyped number is still personal data.
- `detect_crisis` spots suicidal intent and violence happening now; the answer then leads with
  emergency numbers (`crisis_preamble`). A neutral question about procedures is not a crisis.
- `classify_request` sorts out attempts to override the assistant's instructions and requests
  outside the CUS's remit; `neutralise_passage` defuses such instructions planted in documents.

The phrase lists match a folded view of the text (lower case, no diacritics, words separated by
single spaces), so "Chcę się zabić!" and "chce sie zabic" are the same to them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal, assert_never

from rag.lexical import fold

CrisisKind = Literal["suicide", "violence"]
RequestKind = Literal["ok", "injection", "out_of_scope"]

PII_NOTICE = (
    "Dla Twojego bezpieczeństwa usunęliśmy z pytania dane osobowe – nie podawaj w czacie numeru "
    "PESEL, telefonu, dowodu osobistego, konta ani adresu e-mail."
)


@dataclass(frozen=True, slots=True)
class Redaction:
    """A text with personal data replaced by tags ("[PESEL]", "[TELEFON]", …)."""

    text: str
    kinds: tuple[str, ...]  # what was found, in detection order: "email", "iban", "pesel", …

    @property
    def found(self) -> bool:
        return bool(self.kinds)


# --- personal data -------------------------------------------------------------------------


def _pesel_ok(number: str) -> bool:
    digits = [int(c) for c in number]
    weighted = sum(w * d for w, d in zip((1, 3, 7, 9) * 3, digits[:10], strict=False))
    if (10 - weighted % 10) % 10 != digits[10]:
        return False
    # The month carries the century: +80 for the 1800s, +0, +20, +40, +60 for 1900–2299.
    year, month, day = int(number[:2]), int(number[2:4]), int(number[4:6])
    century = {0: 1900, 1: 2000, 2: 2100, 3: 2200, 4: 1800}.get(month // 20)
    if century is None:
        return False
    try:
        dt.date(century + year, month % 20, day)
    except ValueError:
        return False
    return True


def _nip_ok(number: str) -> bool:
    separators = set(re.findall(r"\D", number))
    if len(separators) > 1 or (separators and len(re.findall(r"\D", number)) != 3):
        return False  # "0,00099039 17" in a table is no NIP: a NIP is grouped consistently
    digits = [int(c) for c in re.sub(r"\D", "", number)]
    check = sum(w * d for w, d in zip((6, 5, 7, 2, 3, 4, 5, 6, 7), digits, strict=False)) % 11
    return check == digits[9]


def _weighted_ok(number: str, weights: tuple[int, ...]) -> bool:
    # ID card and passport: letters count A=10…Z=35; the first digit is the check digit, weighted
    # so that the whole sum is 0 mod 10 (specimens ABA300000 and ZS0000177 hold).
    chars = number.replace(" ", "").upper()
    return sum(w * int(c, 36) for w, c in zip(weights, chars, strict=True)) % 10 == 0


def _id_card_ok(number: str) -> bool:
    return number[:3].isupper() and _weighted_ok(number, (7, 3, 1, 9, 7, 3, 1, 7, 3))


def _passport_ok(number: str) -> bool:
    return (
        number[:2].isupper()
        and " " not in number
        and _weighted_ok(number, (7, 3, 9, 1, 7, 3, 1, 7, 3))
    )


def _iban_ok(number: str) -> bool:
    if number[:2].upper() == "PL":
        return True
    digits = re.sub(r"\D", "", number)
    return int(digits[2:] + "2521" + digits[:2]) % 97 == 1  # "PL" is 25 21 in the mod-97 check


def _phone_ok(number: str) -> bool:
    digits = re.sub(r"\D", "", number)[-9:]
    # "100 000 000" is an amount; our own helplines are not the resident's data.
    return not digits.endswith("000000") and digits not in _PUBLIC_NUMBERS


def _labelled(label: str, number: str, *, gap: int = 25) -> re.Pattern[str]:
    # An optional word naming the number ("PESEL:", "nr dowodu osobistego") within `gap` chars.
    return re.compile(
        rf"(?:(?P<label>\b(?:{label}))[^\d\n]{{0,{gap}}}?)?(?P<num>{number})", re.IGNORECASE
    )


@dataclass(frozen=True, slots=True)
class _Detector:
    kind: str
    tag: str
    pattern: re.Pattern[str]
    valid: Callable[[str], bool]


_PUBLIC_NUMBERS = frozenset({"800120002", "800702222"})  # helplines we print ourselves

_DETECTORS = (
    _Detector(
        "email",
        "[E-MAIL]",
        re.compile(
            r"(?<![\w.+-])(?P<num>[\w.+-]+@[\w-]+(?:\.[\w-]+)+)"
        ),  # from a token start: linear
        lambda _: True,
    ),
    _Detector(
        "iban",
        "[IBAN]",
        _labelled(
            r"kont\w*|rachun\w*|iban|nrb",
            r"(?<![\w+])(?:PL ?)?\d{2}(?:[ -]?\d{4}){6}(?!\d)",
        ),
        _iban_ok,
    ),
    _Detector("pesel", "[PESEL]", _labelled(r"pesel\w*", r"(?<![\d+])\d{11}(?!\d)"), _pesel_ok),
    _Detector(
        "nip",
        "[NIP]",
        _labelled(
            r"nip\w*",
            r"(?<![\d+,.-])(?:\d{3}[- ]?\d{3}[- ]?\d{2}[- ]?\d{2}"
            r"|\d{3}[- ]?\d{2}[- ]?\d{2}[- ]?\d{3})(?!-?\d)",
        ),
        _nip_ok,
    ),
    _Detector(
        "id_card",
        "[DOWÓD]",
        _labelled(r"dow[oó]d\w*", r"(?<![^\W\d_])[a-z]{3} ?\d{6}(?!\d)"),
        _id_card_ok,
    ),
    _Detector(
        "passport",
        "[PASZPORT]",
        _labelled(r"paszport\w*", r"(?<![^\W\d_])[a-z]{2} ?\d{7}(?!\d)"),
        _passport_ok,
    ),
    _Detector(
        "phone",
        "[TELEFON]",
        re.compile(
            # Mobile 3-3-3, landline (2) 3-2-2 or (2) 7, and 3-2-2-2; never a part of a longer run
            # of digits, and never an amount ("123 456 789 zł").
            r"(?<![\w+])(?<!\d[ -])(?P<num>(?:(?:\+|00) ?48[ -]?)?"
            r"(?:\d{3}[ -]?\d{3}[ -]?\d{3}|\(?\d{2}\)?[ -]?\d{3}[ -]?\d{2}[ -]?\d{2}"
            r"|\d{3}[ -]\d{2}[ -]\d{2}[ -]\d{2}|\(\d{2}\) ?\d{7}))"
            r"(?!\d|[ -]\d|,\d| ?(?:zł|zl|pln|złotych|zlotych|gr)\b)",
            re.IGNORECASE,
        ),
        _phone_ok,
    ),
)


def redact_pii(text: str, *, keep: Collection[str] = ()) -> Redaction:
    """Replace personal data in `text` with tags such as "[PESEL]" or "[TELEFON]".

    Args:
        text: a question (or any text about to be stored, logged or sent to a model).
        keep: exact substrings never redacted, e.g. the CUS contact sentence in an answer.

    Returns:
        The redacted text and the kinds found ("email", "iban", "pesel", "nip", "id_card",
        "passport", "phone"), in that order.
    """
    kept = {f"\ue000{chr(0xE001 + i)}": part for i, part in enumerate(k for k in keep if k)}
    for placeholder, part in kept.items():
        text = text.replace(part, placeholder)
    kinds: list[str] = []
    for detector in _DETECTORS:
        text = detector.pattern.sub(_replacer(detector, kinds), text)
    for placeholder, part in kept.items():
        text = text.replace(placeholder, part)
    return Redaction(text=text, kinds=tuple(kinds))


def _replacer(detector: _Detector, kinds: list[str]) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        labelled = match.groupdict().get("label") is not None
        if not labelled and not detector.valid(match["num"]):
            return match.group(0)
        if detector.kind not in kinds:
            kinds.append(detector.kind)
        return match.group(0)[: match.start("num") - match.start()] + detector.tag

    return replace


# --- crisis --------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")


def _phrases(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# Phrases match the folded word view (see `_words`): lower case, ASCII, single spaces.
# Suicidal intent: first-person or present intent. A past loss ("po samobójstwie ojca",
# "popełnił samobójstwo") is not a crisis of the asker; an attempt or thoughts of anyone are.
CRISIS_SUICIDE = _phrases(
    r"\bsie (?:zabic|zabije|powiesic|powiesze|otruc|otruje|zastrzele)\b",
    r"\b(?:zabic|zabije|zabilbym|zabilabym|powiesic|powiesze|otruc|otruje) sie\b",
    r"\bnie chce (?:mi sie )?(?:juz )?(?:dalej )?zyc\b",
    r"\bnie (?:mam|ma|widze) (?:juz )?(?:po co|dla kogo|sensu|celu) (?:dalej )?zyc\b",
    r"\bnie widze (?:juz )?sensu (?:w )?(?:zyciu|zycia|dalszego zycia)\b",
    r"\bmam dosc (?:tego )?zycia\b",
    r"\b(?:chce|chcialbym|chcialabym|wole|wolalbym|wolalabym|pragne) (?:juz )?umrzec\b",
    r"\b(?:mysl\w*|popelnic|popelnie|popelni|planuj\w*|prob\w*|zamierz\w*) (?:\w+ ){0,2}samob",
    r"\b(?:odebra|odbior|odbiore)\w* sobie zyci[ae]\b",
    r"\bskoncz\w* (?:ze soba|z (?:tym )?wszystkim|z (?:moim |swoim )?zyciem|to wszystko)\b",
    r"\bto wszystko skoncz\w*",
    r"\btargn\w* sie na (?:wlasne |swoje )?zycie\b",
    r"\b(?:rzuc\w*|skocz\w*|skacze) (?:sie )?(?:pod (?:pociag|samochod|auto|tramwaj)"
    r"|z (?:mostu|okna|dachu|balkonu|bloku|wiezowca|wiaduktu))",
    r"\bnalyk\w* sie (?:\w+ )?(?:tabletek|prochow|lekow)\b",
    r"\b(?:polkn|lykn|wezm|zazy|wypij)\w* (?:wszystkie|cale opakowanie|garsc|cala paczke) "
    r"(?:\w+ )?(?:tabletek|tabletki|lekow|leki|prochow|prochy)\b",
    r"\b(?:lepiej|najlepiej) (?:by |dla wszystkich )?(?:bylo |bedzie )?(?:gdyby|jakby|zeby|jesli) "
    r"mnie (?:juz )?nie (?:bylo|bedzie)\b",
    r"\bnie dam (?:juz )?rady (?:dalej )?zyc\b",
    r"\bzrobie sobie (?:cos|krzywde)\b|\bsamookalecz|\btne sie\b|\bokaleczam sie\b",
    r"\bzasnac i (?:sie )?nie obudzic\b|\bnie chce sie (?:juz )?obudzic\b",
    r"\b(?:kill myself|suicidal|end my life|want to die)\b",
)

# Violence: verbs report it happening (to the asker or to someone they see); the noun
# "przemoc" counts only with a first-person marker, so "jak działa Niebieska Karta przy
# przemocy domowej?" stays an information question.
_VICTIM = r"(?:mnie|nas|ja|go|dzieci|dziecko|corke|syna|zone|mame|matke|babcie|siostre|brata)"
_HURTS = (
    r"(?:kopal\w*|dusi|dusil\w*|szarpie|szarpal\w*|popycha|uderzyl\w*|neka|przesladuje"
    r"|wyzywa|poniza|straszy|zabije|zabija)"
)
_PERSON = (
    r"(?:maz|partner|partnerka|zona|konkubent|konkubina|chlopak|narzeczony|byly|byla|ojciec"
    r"|ojczym|tata|tato|tesc|matka|mama|macocha|syn|corka|brat|siostra|sasiad|sasiadka|wujek"
    r"|dziadek|on|ona)"
)
CRISIS_VIOLENCE = _phrases(
    r"\b(?:bije|bija|bil|bila|bili|pobil\w*|katuje|katowal\w*|zneca sie|znecal\w* sie"
    r"|znecaja sie|zgwalcil\w*|gwalci|molestuje|molestowal\w*)\b",
    r"\b(?:jest|sa|zostal|zostala|zostalo|zostali|zostalam|zostalem|bywa|bywaja|bylam|bylem) "
    r"(?:\w+ )?(?:bit[aey]|bity|bici|pobit[aey]|pobity|pobici|katowan\w*|zgwalcon\w*"
    r"|molestowan\w*)\b",
    rf"\b{_VICTIM} (?:\w+ ){{0,2}}{_HURTS}\b",
    rf"\b{_HURTS} {_VICTIM}\b",
    r"\bchce (?:mnie|nas) zabic\b|\b(?:mnie|nas) (?:\w+ )?kopie\b|\bkopie (?:mnie|nas)\b",
    r"\bgrozi\w* (?:mi |mnie |nam |dzieciom )?(?:ze |smiercia|pobiciem|zabiciem|nozem|bronia)",
    rf"\b{_PERSON} (?:mi |mnie |nam )?(?:ciagle |caly czas |znowu )?grozi\w*",
    r"\bboje sie (?:wrocic|wracac|isc|pojsc|przyjsc|zostac) (?:\w+ )?(?:do )?domu\b",
    r"\bboje sie o (?:swoje |moje |nasze )?zycie\b",
    r"\bboje sie (?:go|jej|ich|meza|partnera|ojca|ojczyma|konkubenta|bylego|zony|partnerki)\b",
    r"\bucie\w* (?:\w+ ){0,3}przed (?:mezem|partnerem|konkubentem|ojcem|ojczymem|nim|oprawca"
    r"|bylym|zona|synem)\b",
    r"\b(?:doznaje|doswiadczam|doznajemy|doswiadczamy|jestem ofiara|jestesmy ofiarami"
    r"|stosuje wobec (?:mnie|nas))(?: \w+){0,2} przemoc",
    r"\bprzemoc\w* (?:\w+ )?wobec (?:mnie|nas|moich|mojego|mojej)\b",
    r"\b(?:u mnie|u nas|w moim domu|w naszym domu|w mojej rodzinie|w naszej rodzinie"
    r"|w domu jest|w domu dochodzi do)(?: \w+){0,3} przemoc",
    r"\b(?:hits me|beats me|abuses me|threatens to kill)\b",
)


def _words(text: str) -> str:
    """Folded words separated by single spaces ("Chcę się, zabić!" → "chce sie zabic")."""
    return " ".join(_WORD.findall(fold(text)))


def detect_crisis(text: str) -> CrisisKind | None:
    """Whether a question reports suicidal intent or violence happening to someone now.

    A neutral question about procedures ("jak działa Niebieska Karta?") or a past loss
    ("zasiłek pogrzebowy po samobójstwie ojca") is not a crisis: the preamble would not fit it.
    Violence wins over suicide when both appear: its preamble carries every helpline.

    Args:
        text: the question (redacted or not; diacritics and case do not matter).

    Returns:
        "violence", "suicide", or None.
    """
    words = _words(text)
    if CRISIS_VIOLENCE.search(words):
        return "violence"
    if CRISIS_SUICIDE.search(words):
        return "suicide"
    return None


_HELPLINES = (
    "- 116 123 – kryzysowy telefon zaufania dla dorosłych,\n"
    "- 116 111 – telefon zaufania dla dzieci i młodzieży,\n"
    "- 800 70 2222 – Centrum Wsparcia dla osób w stanie kryzysu psychicznego "
    "(także przy myślach samobójczych)."
)


def crisis_preamble(kind: CrisisKind) -> str:
    """The text that leads the answer in a crisis: 112 first, then the helplines.

    Args:
        kind: what `detect_crisis` found.

    Returns:
        Polish text naming only 112, 116 123, 116 111, 800 70 2222 and, for violence,
        the Niebieska Linia 800 120 002.
    """
    match kind:
        case "suicide":
            return (
                "Jeśli myślisz o odebraniu sobie życia albo grozi Ci niebezpieczeństwo, zadzwoń "
                "teraz pod numer alarmowy 112. Nie musisz zostawać z tym sam(a) – możesz od razu "
                "porozmawiać z kimś, kto pomoże:\n" + _HELPLINES
            )
        case "violence":
            return (
                "Jeśli Tobie lub komuś obok grozi niebezpieczeństwo, zadzwoń teraz pod numer "
                "alarmowy 112. Możesz też szukać wsparcia tutaj:\n"
                "- 800 120 002 – Niebieska Linia, dla osób doznających przemocy domowej i "
                "świadków przemocy,\n" + _HELPLINES
            )
        case _:
            assert_never(kind)


# --- instructions and scope ----------------------------------------------------------------

# What an instruction to the assistant is about (its rules, prompt, filters).
_TARGET = (
    r"(?:instrukcj|polecen|zasad|regul|wytyczn|ograniczen|filtr|zabezpieczen|promp|ustawien)\w*"
)
INJECTION = _phrases(
    # Override the instructions.
    r"\b(?:zignoruj|ignoruj|zignorujcie|pomin|pomijaj|zapomnij|porzuc|odrzuc|nadpisz|anuluj|wylacz"
    r"|zlam|obejdz|uniewaznij|zmien|zmodyfikuj|nie (?:sluchaj|przestrzegaj|stosuj sie do"
    rf"|trzymaj sie|zwracaj uwagi na)) (?:\w+ ){{0,4}}{_TARGET}",
    r"\bzapomnij (?:o )?(?:wszystk\w*|tym)(?: \w+){0,3} (?:powiedzian|kazan|napisan|ustalon)",
    # A new role.
    r"\bod (?:teraz|tej chwili|dzis|tej pory|tego momentu) (?:\w+ )?(?:jestes|bedziesz|masz byc"
    r"|odpowiadasz|odpowiadaj|dzialasz|dzialaj|zachowujesz|zachowuj|nazywasz|mowisz|nie jestes)\b",
    r"\budawaj\b|\bwciel\w* sie\b|\bzachowuj sie jak\b|\brole ?play|\bjailbreak|\bbez cenzury\b",
    r"\b(?:odegraj|zagraj|graj|przyjmij|odgrywaj) (?:\w+ ){0,2}rol[ae]\b",
    r"\b(?:wyobraz sobie|zalozmy|przyjmijmy) ze (?:jestes|nie jestes|nie masz|nie obowiazuj)",
    # Not "bądź inny…": in legal text "bądź" means "or".
    r"\bbadz (?:teraz )?(?:moim|moja|kims)\b",
    r"\b(?:stan sie|zmien sie w) (?:teraz )?(?:moim|moja|innym|inna|nowym|nowa|kims)\b",
    r"\b(?:jestes|bedziesz) (?:teraz |juz )?(?:kims innym|innym asystentem|nowym asystentem"
    r"|wolnym|niezalezn\w*|bez ograniczen|bez zasad|nieograniczon\w*|hakerem)\b",
    r"\bnie jestes (?:juz )?(?:asystentem|botem|chatbotem|modelem|urzednikiem)\b",
    r"\btryb\w* (?:deweloper|developer|programist|debug|administratora|admina|serwisowy"
    r"|bez ogranicz|bez cenzury|boga|god)",  # not "w trybie administracyjnym"
    r"\b(?:developer|dev|god|debug|admin) mode\b|\bdo anything now\b",
    r"\b(?:odpowiadaj|odpowiedz|pisz|mow|dzialaj) (?:\w+ ){0,2}bez (?:zadnych )?(?:ograniczen"
    r"|filtrow|zasad)\b",
    # Prompt extraction.
    r"\bpromp[tc]",
    r"\b(?:instrukcj|polecen|wiadomosc|komunikat|wytyczn)\w* systemow",
    r"\b(?:wypisz|pokaz|podaj|wyswietl|ujawnij|zdradz|przekaz|wklej|powtorz|zacytuj|napisz"
    r"|wydrukuj|przytocz|wymien|przepisz) (?:mi )?(?:\w+ ){0,3}(?:swoj|twoj|ukryt|tajn|poczatkow"
    rf"|pierwotn|wewnetrzn|otrzyman)\w* (?:\w+ )?{_TARGET}",
    r"\b(?:jakie|jaki|jaka) (?:masz|dostales|dostalas|otrzymales|otrzymalas) (?:\w+ )?"
    r"(?:instrukcj|polecen|wytyczn|ukryte zasad)",
    r"\bpowtorz (?:\w+ ){0,3}(?:powyzej|wyzej|poprzedni\w*|od poczatku|slowo w slowo|doslownie)\b",
    r"\b(?:wypisz|pokaz|przepisz|zacytuj|wklej) (?:\w+ ){0,3}(?:powyzej|wyzej)\b",
    r"\b(?:twoje|oto) nowe (?:instrukcj|polecen|zasad|zadani|wytyczn)",
    # English.
    r"\b(?:ignore|disregard|forget|override|bypass)(?: \w+){0,4} (?:instructions?|prompts?|rules"
    r"|guidelines|guardrails)\b",
    r"\byou are now\b|\bfrom now on you\b|\b(?:act|behave) as (?:a|an|my|if)\b"
    r"|\bpretend (?:to be|you are|that)\b",
    r"\b(?:reveal|print|show|repeat|output|display|leak)(?: \w+){0,3} (?:instructions|rules)\b",
    r"\bnew instructions\b|\byour (?:instructions|rules|guidelines)\b|\bsystem message\b",
)
# Chat-template and role markers, matched on the folded text with its punctuation.
INJECTION_MARKERS = re.compile(
    r"^\s*(?:system|assistant|asystent|user|uzytkownik|developer)\s*:"
    r"|<\|?/?(?:system|im_start|im_end|assistant|user|endoftext)\|?>|\[/?(?:inst|system|sys)\]"
    r"|<<\s*/?sys\s*>>|#{2,}\s*(?:system|instruction|instrukcj)",
    re.MULTILINE,
)
_DAN = re.compile(r"\bDAN\b")  # the "Do Anything Now" persona; "dań" (dishes) folds to "dan"

# In documents only: lines speaking to a model. A resident may well write "asystencie, …".
ADDRESSED_TO_AI = _phrases(
    r"\b(?:jesli|jezeli|gdy|kiedy) (?:jestes|czytasz to jako) (?:\w+ )?(?:asystent\w*|model\w*|ai"
    r"|sztuczn\w* inteligencj\w*|chatbot\w*|botem|llm)\b",
    r"\b(?:uwaga|informacja|wiadomosc|polecenie|instrukcja|notatka) dla (?:ai|asystent\w*|model\w*"
    r"|chatbot\w*|llm|bota|sztucznej inteligencji|chatgpt)\b",
    r"\b(?:drogi|droga|szanowny) (?:asystencie|modelu|chatbocie|bocie)\b",
    r"\bjako (?:model jezykowy|sztuczna inteligencja)\b",
    r"\b(?:if you are|as) an? (?:ai|assistant|language model|llm)\b"
    r"|\bnote to (?:the )?(?:ai|assistant|model)\b",
)

# Never CUS matters, whatever else the question mentions: politics, homework, small talk.
OUT_OF_SCOPE = _phrases(
    r"\bwybor(?:y|ach|ami|ow)\b|\bwyborcz|\bsondaz|\breferend|\bkto (?:wygra|wygral) wybor",
    r"\bna kogo (?:\w+ )?(?:za)?glosowac\b|\b(?:za)?glos(?:owac|uj\w*|owal\w*) na\b",
    r"\b(?:partia|partii|partie|partiach|partyjn\w*)\b",
    r"\b(?:pis|pisu|konfederacj\w*|lewic\w*|prawic\w*|psl|platform\w* obywatelsk\w*"
    r"|koalicj\w* obywatelsk\w*|trzeci\w* drog\w*)\b",
    r"\b(?:tusk|kaczynsk|nawrock|trzaskowsk|mentzen|holowni|morawieck|bosak|czarzast|zandberg"
    r"|ziobr|biedron|korwin|putin|trump|zelensk)\w*",
    r"\bpolity[kc]\w*\b(?! (?:spoleczn|mieszkaniow|czynszow|senioraln|rodzinn|prorodzinn|miasta"
    r"|gminy|miejsk|lokaln))",
    r"\b(?:co (?:sadzisz|myslisz|uwazasz) o|jak oceniasz|twoja opinia o|twoje zdanie o"
    r"|czy popierasz|kto jest lepszy)(?: \w+){0,4} (?:rzad|prezydent|premier|sejm|senat|minist"
    r"|opozycj|unii|unia|aborcj|imigrant|uchodzc|wojn)",
    r"\b(?:napisz|napisac|napiszesz|stworz|wygeneruj|zredaguj|uloz"
    r"|pomoz\w* (?:mi )?(?:napisac|z|w))(?: \w+){0,4} (?:wypracowani|esej|rozprawk|referat"
    r"|wiersz|piosenk|opowiadani|bajk|rymowank|limeryk|charakterystyk|recenzj|zyczeni)",
    r"\b(?:prac\w* domow(?:a|ej)|zadani\w* domow|prac\w* (?:zaliczeniow|licencjack|magistersk"
    r"|dyplomow)|lektur\w*|sprawdzian|klasowk|kartkowk|matur)",
    r"\b(?:rownani\w*|calk(?:a|i|e|ami|owanie)|pochodn\w* funkcji|logarytm\w*|pierwiastek"
    r"|pierwiastka|twierdzeni\w* pitagorasa|funkcj\w* kwadratow\w*|ulamk\w*|trygonometri\w*"
    r"|matematyk\w*|algebr\w*|geometri\w*)\b|\boblicz (?:pole|obwod|objetosc)|\brozwiaz (?:zadanie"
    r"|rownanie|uklad)",
    r"\b(?:python\w*|javascript|typescript|java|html|css|sql|php|programowani\w*|zaprogramuj\w*"
    r"|debuguj\w*)\b|\bnapisz (?:mi )?(?:\w+ )?(?:kod|skrypt|aplikacj\w*|algorytm\w*|makro)\b",
    r"\b(?:pogod(?:a|y|e|zie)|horoskop\w*|dowcip\w*|kawal(?:y|ow)?|wynik\w* meczu|lotto"
    r"|totolotek|krzyzowk\w*)\b|\bprzepis na (?:ciasto|obiad|zupe|pierogi|sernik|bigos"
    r"|nalesniki)\b|\bopowiedz (?:mi )?(?:\w+ )?(?:zart|bajke|historyjke)",
)

# Other offices' matters: out of scope unless the question ties them to a CUS matter
# ("czy emerytura liczy się do dochodu przy dodatku mieszkaniowym?").
OTHER_OFFICE = _phrases(
    r"\bpit(?:u|em|y|a)?\b|\bpodat(?:ek|ku|ki|kow|kiem|kowe|kowy|kowego|kowej|kowa)\b"
    r"|\burzed?\w* skarbow|\bzwrot\w* podatku|\bvat\b",
    r"\bzus\w*|\bkrus\w*|\bemerytur\w*|\brent(?:a|y|e|ie|ami|ach)?\b|\bl4\b"
    r"|\bzwolnieni\w* lekarsk|\bzasil\w* (?:chorobow|macierzynsk|rehabilitacyjn)"
    r"|\burlop\w* (?:macierzynsk|rodzicielsk|wychowawcz|ojcowsk)|\bkapital\w* poczatkow",
    r"\burzed?\w* pracy\b|\bpup\b|\bjako bezrobotn|\bzasil\w* dla bezrobotn|\bofert\w* pracy"
    r"|\bpracodawc\w*|\bumow\w* o prace\b|\bnadgodzin",
    r"\bpaszport\w*|\bdowod\w* osobist|\bmeldun\w*|\b(?:za|wy)meldowa\w*|\bakt\w* (?:urodzenia"
    r"|malzenstwa|zgonu)\b|\busc\b|\burzed?\w* stanu cywilnego|\bslub\w*|\bzmian\w* (?:nazwiska"
    r"|imienia)\b|\bobywatelstw\w*",
    r"\bpraw\w* jazdy\b|\brejestracj\w* (?:samochod|auta|pojazd|motocykl)|\bzarejestrowac "
    r"(?:samochod|auto|pojazd)|\bdowod\w* rejestracyjn|\bwydzial\w* komunikacji|\btablic\w* "
    r"rejestracyjn|\bprzeglad\w* techniczn|\bmandat\w*|\bfotoradar|\bpunkt\w* karn",
    r"\brozwod\w*|\bseparacj\w*|\b(?:przyjac|przyjecie|odrzucic|odrzucenie|dzial) spadk"
    r"|\bspadek po\b|\bdziedzicz|\btestament|\bnotariusz|\bnotarialn|\bsprawa karna|\bsprawy karnej"
    r"|\bupadlosc\w* konsumenck|\bkredyt\w* hipoteczn",
    r"\bco mi jest\b|\bjaka to choroba\b|\bzdiagnozuj|\bpostaw\w* diagnoz|\bjak\w* (?:lek|leki"
    r"|lekarstw\w*|antybiotyk\w*|tabletk\w*) (?:na|brac)\b|\bdawk\w* (?:leku|lekow)|\bobjaw"
    r"|\bboli mnie\b|\bbol\w* (?:glowy|brzucha|zeba|plecow|gardla)\b|\bczy to (?:rak|nowotwor"
    r"|zawal|udar|grypa|covid|ciaza|depresja)\b|\bwysypk|\bgoraczk|\bantybiotyk|\bprzetlumacz"
    r"|\btranslate\b",
)

# Words that make a question a CUS matter even when another office is mentioned.
CUS_DOMAIN = _phrases(
    r"\bzasil\w*\b(?! (?:chorobow|macierzynsk|rehabilitacyjn|dla bezrobotn))",
    r"\bdodat\w* (?:mieszkaniow|energetyczn|oslonow|rodzinn|do zasil|weglow|grzewcz"
    r"|dla gospodarstw)|\bdodatk\w* mieszkaniow",
    r"\bswiadcz\w*\b(?! (?:przedemerytaln|postojow|honorow|kompensacyjn|emerytaln))",
    r"\b(?:cus|cusu|ops|opsu|mops|mopsu|gops|mopr|pcpr)\b|\bcentr\w* uslug spoleczn"
    r"|\bosrod\w* pomocy\b|\bpomoc\w* spoleczn|\bpracowni\w* socjaln|\basystent\w* rodziny",
    r"\bmieszka\w* (?:komunaln|socjaln|gminn|chronion|wspomagan|z zasobu|treningow)"
    r"|\blokal\w* (?:socjaln|komunaln|zamienn)|\bpomieszczeni\w* tymczasow|\bnajm\w*|\bnajem\b"
    r"|\bczynsz\w*|\beksmisj\w*|\beksmit\w*",
    r"(?<!podatek )(?<!podatku )\bdochod\w*|\bkryteri\w* dochod",
    r"\bniebiesk\w* kar|\bprzemoc\w*|\binterwencj\w* kryzysow",
    r"\b(?:800|500) ?plus\b|\bfundusz\w* alimentacyjn|\bbecikow|\bdobry start\b"
    r"|\bkart\w* duzej rodziny\b",
    r"\bdps\b|\bdom\w* pomocy spoleczn|\buslug\w* (?:opiekuncz|spoleczn|sasiedzk)|\bopiek\w*"
    r"|\bpiecz\w* zastepcz|\brodzin\w* zastepcz|\bbezdomn\w*|\bnoclegowni|\bogrzewalni"
    r"|\bwywiad\w* srodowiskow|\bposil\w*|\bstolowk\w*|\bpielegnacyjn\w*",
    # Counting it towards income, attaching it to an application: a CUS question about it.
    r"\bwlicz\w*|\bliczy sie\b|\bdolacz\w*|\bzaswiadczeni\w*",
    # The asker describing their situation ("mam rentę", "jestem na L4"), often a follow-up.
    rf"\b(?:mam|mamy|pobieram|dostaje|otrzymuje|jestem na|{_PERSON} (?:ma|jest na)) "
    r"(?:\w+ )?(?:emerytur|rent[aeyz]|zasil\w* (?:chorobow|macierzynsk|dla bezrobotn)|l4"
    r"|zwolnieni|urlop)",
)


def classify_request(text: str) -> RequestKind:
    """Whether a question is for the CUS assistant, tries to override it, or is off its remit.

    Another office's matter mentioned inside a CUS question ("czy emerytura z ZUS liczy się do
    dochodu przy dodatku mieszkaniowym?") stays "ok"; politics, homework and attempts to change
    the assistant's instructions never do.

    Args:
        text: the question (redacted or not; diacritics and case do not matter).

    Returns:
        "injection", "out_of_scope" or "ok".
    """
    if _is_injection(text):
        return "injection"
    words = _words(text)
    if OUT_OF_SCOPE.search(words):
        return "out_of_scope"
    if OTHER_OFFICE.search(words) and not CUS_DOMAIN.search(words):
        return "out_of_scope"
    return "ok"


def _is_injection(text: str) -> bool:
    return bool(
        _DAN.search(text) or INJECTION_MARKERS.search(fold(text)) or INJECTION.search(_words(text))
    )


_OFFICES = (
    "podatki i PIT – urząd skarbowy; emerytury, renty i zasiłek chorobowy – ZUS; praca i zasiłek "
    "dla bezrobotnych – powiatowy urząd pracy; dowód osobisty i meldunek – urząd gminy (sprawy "
    "obywatelskie); paszport – punkt paszportowy urzędu wojewódzkiego; prawo jazdy i rejestracja "
    "pojazdu – wydział komunikacji; zdrowie – lekarz, a w nagłym zagrożeniu życia – 112."
)


def redirect_message(kind: Literal["injection", "out_of_scope"], *, contact: str) -> str:
    """A polite answer to a request the assistant will not follow.

    Args:
        kind: what `classify_request` found.
        contact: a ready sentence with the CUS contact (built by the caller from settings).

    Returns:
        Polish text that says what the assistant helps with and where to go instead.
    """
    scope = (
        "Pomagam w sprawach Centrum Usług Społecznych: dodatek mieszkaniowy, mieszkania komunalne "
        "i socjalne, eksmisje, pomoc społeczna, świadczenia rodzinne, usługi społeczne, odwołania."
    )
    match kind:
        case "injection":
            body = (
                "Nie mogę zmienić swoich zasad ani pokazać instrukcji, według których działam. "
                f"{scope} Zadaj proszę pytanie w jednej z tych spraw."
            )
        case "out_of_scope":
            body = (
                f"Ta sprawa wykracza poza to, w czym mogę pomóc. {scope} W innych sprawach: "
                f"{_OFFICES}"
            )
        case _:
            assert_never(kind)
    return f"{body} {contact}".strip()


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
REMOVED_MARKER = "[pominięto fragment skierowany do asystenta]"


def neutralise_passage(text: str) -> str:
    """Remove sentences of a passage that give instructions to an AI assistant.

    Only the offending sentences go (replaced by a marker); the legal text around them stays
    word for word, so quotes and citations still match the source.

    Args:
        text: a retrieved passage about to be put in a prompt.

    Returns:
        The passage, unchanged when it holds no such instruction.
    """
    if not _addresses_ai(text):
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not _addresses_ai(line):
            continue
        sentences = _SENTENCE_END.split(line.strip())
        flagged = [_addresses_ai(s) for s in sentences]
        kept: list[str] = []
        for sentence, bad in zip(sentences, flagged, strict=True):
            if not bad:
                kept.append(sentence)
            elif not kept or kept[-1] != REMOVED_MARKER:
                kept.append(REMOVED_MARKER)
        if not any(flagged):  # the instruction spans sentences: the whole line goes
            kept = [REMOVED_MARKER]
        lines[i] = line[: len(line) - len(line.lstrip())] + " ".join(kept)
    return "\n".join(lines)


def _addresses_ai(text: str) -> bool:
    return _is_injection(text) or bool(ADDRESSED_TO_AI.search(_words(text)))

"""Crisis: suicidal intent, violence happening now, danger to life; the answer leads with help.

`detect_crisis` spots them in a question; `crisis_preamble` is the text that then comes before
anything else in the answer: 112 first, then the helplines. A neutral question about procedures
("jak działa Niebieska Karta?") or a past loss is not a crisis: the preamble would not fit it.
"""

from __future__ import annotations

from typing import Literal, assert_never

from rag.guards.matching import folded_words, phrases

CrisisKind = Literal["suicide", "violence", "emergency"]


# Suicidal intent: first-person or present intent. A past loss ("po samobójstwie ojca",
# "popełnił samobójstwo") is not a crisis of the asker; an attempt or thoughts of anyone are.
CRISIS_SUICIDE = phrases(
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
    r"|wyzywa|poniza\w*|straszy|zabije|zabija|poturbowal\w*|pobije)"
)
_PERSON = (
    r"(?:maz|partner|partnerka|zona|konkubent|konkubina|chlopak|narzeczony|byly|byla|ojciec"
    r"|ojczym|tata|tato|tesc|matka|mama|macocha|syn|corka|brat|siostra|sasiad|sasiadka|wujek"
    r"|dziadek|on|ona)"
)
CRISIS_VIOLENCE = phrases(
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
    # thrown out, controlled, robbed of one's money: violence too, and it happens now
    r"\bwyrzucil\w* (?:mnie|nas)(?: \w+){0,4} (?:z domu|z mieszkania|na ulice|na dwor)\b",
    r"\bnie pozwala (?:mi |nam )?(?:wyjsc|wychodzic) z domu\b",
    r"\bzabiera (?:mi |nam )?(?:cala |calą )?(?:wyplate|pensje|pieniadze|emeryture|rente)\b",
    r"\b(?:pije|pijany|pijana) i (?:krzyczy|awanturuje sie|bije|wyzywa)\b",
)

# Acute distress without words of suicide: the helplines for people in crisis fit it.
CRISIS_DISTRESS = phrases(
    r"\bnie moge sie (?:juz )?pozbierac\b",
    r"\bmusze z kims (?:pogadac|porozmawiac)\b",
    r"\bjestem w (?:totalnej |kompletnej )?rozpaczy\b",
    r"\bnie radze sobie (?:juz )?(?:z zyciem|psychicznie|ze soba)\b",
)

# A danger to life right now (fire, gas, someone not breathing): 112 before anything else.
CRISIS_EMERGENCY = phrases(
    r"\bpali sie\b",
    r"\bdym (?:na klatce|w mieszkaniu|w bloku|w domu)\b",
    r"\b(?:ulatnia sie|czuc|czuje) gaz\b",
    r"\bnie oddycha\b|\bstracil\w* przytomnosc\b",
)


def detect_crisis(text: str) -> CrisisKind | None:
    """Whether a question reports suicidal intent or violence happening to someone now.

    A neutral question about procedures ("jak działa Niebieska Karta?") or a past loss
    ("zasiłek pogrzebowy po samobójstwie ojca") is not a crisis: the preamble would not fit it.
    Violence wins over suicide when both appear: its preamble carries every helpline.

    Args:
        text: the question (redacted or not; diacritics and case do not matter).

    Returns:
        "violence", "suicide" (also acute distress), "emergency" (fire, gas…), or None.
    """
    words = folded_words(text)
    if CRISIS_VIOLENCE.search(words):
        return "violence"
    if CRISIS_SUICIDE.search(words) or CRISIS_DISTRESS.search(words):
        return "suicide"
    if CRISIS_EMERGENCY.search(words):
        return "emergency"
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
        case "emergency":
            return (
                "Jeśli zagrożone jest czyjeś życie lub zdrowie (pożar, gaz, ktoś nie oddycha), "
                "zadzwoń teraz pod numer alarmowy 112 i wykonuj polecenia dyspozytora."
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

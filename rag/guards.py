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

The phrase lists (in `rag.guard_phrases`) match a folded view of the text (lower case, no
diacritics, words separated by single spaces), so "Chcę się zabić!" and "chce sie zabic" are the
same to them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Literal, assert_never

from rag.guard_phrases import (
    ADDRESSED_TO_AI,
    CRISIS_DISTRESS,
    CRISIS_EMERGENCY,
    CRISIS_SUICIDE,
    CRISIS_VIOLENCE,
    CUS_DOMAIN,
    INJECTION,
    INJECTION_MARKERS,
    OTHER_OFFICE,
    OUT_OF_SCOPE,
)
from rag.lexical import fold

CrisisKind = Literal["suicide", "violence", "emergency"]
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
        "violence", "suicide" (also acute distress), "emergency" (fire, gas…), or None.
    """
    words = _words(text)
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


# --- instructions and scope ----------------------------------------------------------------

_DAN = re.compile(r"\bDAN\b")  # the "Do Anything Now" persona; "dań" (dishes) folds to "dan"


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

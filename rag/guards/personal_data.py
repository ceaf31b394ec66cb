"""The resident's own personal data: found in a question or an answer and replaced by tags.

`redact_pii` replaces PESEL, NIP, ID-card and passport numbers, phone numbers, e-mail addresses
and account numbers with tags, in the ways residents write them: grouped with spaces or dashes
("44 05 14 01 359"), digit by digit ("4 4 0 5 …"), an e-mail with its "@" and dots spelled out
("jan(at)example(dot)com", "jan małpa example kropka pl"). Numbers that carry a check digit are
redacted only when it holds (so amounts, dates, article numbers and case signatures survive),
or when the resident named them ("PESEL: …", "nr dowodu …"): a mistyped number is still
personal data. A full name is redacted with the address, birth date or number that comes with
it (`rag.guards.names`). It runs before a question is stored, logged or sent to a model, and on
every answer shown.

Special categories of data (health, beliefs …) are another step: `rag.guards.special_categories`.
Requests for other people's data are another matter: `rag.guards.scope` redirects them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from rag.guards.names import redact_person

PII_NOTICE = (
    "Dla Twojego bezpieczeństwa usunęliśmy z pytania dane osobowe – nie podawaj w czacie numeru "
    "PESEL, telefonu, dowodu osobistego, konta, adresu e-mail ani adresu zamieszkania."
)


@dataclass(frozen=True, slots=True)
class Redaction:
    """A text with personal data replaced by tags ("[PESEL]", "[TELEFON]", …)."""

    text: str
    kinds: tuple[str, ...]  # what was found, in detection order: "email", "iban", "pesel", …

    @property
    def found(self) -> bool:
        return bool(self.kinds)


def _pesel_ok(number: str) -> bool:
    compact = re.sub(r"\D", "", number)  # "44 05 14 01 359" is "44051401359"
    if len(compact) != 11:
        return False
    digits = [int(c) for c in compact]
    weighted = sum(w * d for w, d in zip((1, 3, 7, 9) * 3, digits[:10], strict=False))
    if (10 - weighted % 10) % 10 != digits[10]:
        return False
    # The month carries the century: +80 for the 1800s, +0, +20, +40, +60 for 1900–2299.
    year, month, day = int(compact[:2]), int(compact[2:4]), int(compact[4:6])
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
    chars = re.sub(r"[\W_]", "", number).upper()
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
    compact = re.sub(r"[\W_]", "", number).upper()
    if compact[:2] == "PL":
        return True
    if compact[:2].isdigit():
        compact = "PL" + compact  # a Polish account number without its country code
    # ISO 13616: the country and check digits go to the end, letters count A=10…Z=35.
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _phone_ok(number: str) -> bool:
    digits = re.sub(r"\D", "", number)[-9:]
    # "100 000 000" is an amount. No resident's own number starts with 0 or 11, and 70x/80x are
    # service lines (the helplines we print among them): never the resident's data.
    return (
        not digits.endswith("000000")
        and not digits.startswith(("0", "11", "70", "80"))
        and digits not in _PUBLIC_NUMBERS
    )


def _labelled(label: str, number: str, *, gap: int = 25) -> re.Pattern[str]:
    # An optional word naming the number ("PESEL:", "nr dowodu osobistego") within `gap` chars.
    return re.compile(
        rf"(?:(?P<label>\b(?:{label}))[^\d\n]{{0,{gap}}}?)?(?P<num>{number})", re.IGNORECASE
    )


def _named(label: str, number: str, *, gap: int = 25) -> re.Pattern[str]:
    # The same with the word required: then a looser number is enough.
    return re.compile(
        rf"(?P<label>\b(?:{label}))[^\d\n]{{0,{gap}}}?(?P<num>{number})", re.IGNORECASE
    )


# One separator between the digits of a number: a space (also a non-breaking one) or a dash.
_SEP = r"[ \u00a0\u202f-]"
# Amounts are never numbers of a person: "123 456 789 zł".
_NOT_AMOUNT = r"(?! ?(?:zł|zl|pln|złotych|zlotych|gr)\b)"


def _run(n: int) -> str:
    """`n` digits, each at most one separator from the next, and not part of a longer such run
    ("44 05 14 01 359", "4 4 0 5 1 4 0 1 3 5 9", "440514-01359")."""
    return rf"(?<!\d{_SEP})\d(?:{_SEP}?\d){{{n - 1}}}(?!{_SEP}?\d)"


@dataclass(frozen=True, slots=True)
class _Detector:
    kind: str
    tag: str
    pattern: re.Pattern[str]
    valid: Callable[[str], bool]


# Helplines we print ourselves (rag/crisis/help.py): never personal data.
_PUBLIC_NUMBERS = frozenset({"800120002", "800702222", "800121212"})
_PESEL_LABEL = r"p\W?e\W?s\W?e\W?l\w*"  # also "P E S E L", "P.E.S.E.L."
_AT_WORD = r"(?:at|małpa|malpa|małpka|malpka)"
_DOT_WORD = r"(?:dot|kropka)"
_AT = rf"(?:\s*[(\[{{<]\s*(?:{_AT_WORD}|@)\s*[)\]}}>]\s*|\s*@\s*|\s+{_AT_WORD}\s+)"
_DOT = rf"(?:\s*[(\[{{<]\s*(?:{_DOT_WORD}|\.)\s*[)\]}}>]\s*|\.|\s+{_DOT_WORD}\s+)"
# Spelled-out addresses ("jan małpa example kropka pl") end in a domain people use: words
# around "at" or "kropka" in a sentence do not.
_TLD = r"(?:pl|com|eu|net|org|info|biz|gov|edu|io|de|uk|ua|cz|sk|lt|by|ru|fr|it|es|nl|me|co)"
_EMAIL = (
    # From a token start; the repetitions are bounded, so the pattern stays linear.
    r"(?<![\w.+-])(?P<num>[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    rf"|[\w+-]+(?:{_DOT}[\w+-]+){{0,4}}{_AT}[\w-]+(?:{_DOT}[\w-]+){{0,4}}{_DOT}{_TLD}(?!\w))"
)
_PHONE = (
    # Mobile 3-3-3, landline (2) 3-2-2 or (2) 7, 3-2-2-2, digit by digit …: nine digits, never
    # a part of a longer run of digits, and never an amount ("123 456 789 zł").
    rf"(?<![\w+])(?<!\d{_SEP})(?P<num>(?:\(?(?:\+|00) ?48\)?{_SEP}?)?"
    rf"(?:\(\d{{2}}\){_SEP}?\d{{3}}{_SEP}?\d{{2}}{_SEP}?\d{{2}}|\(\d{{2}}\){_SEP}?\d{{7}}"
    rf"|\d{{3}}\.\d{{3}}\.\d{{3}}|\d(?:{_SEP}?\d){{8}}))"
    rf"(?!{_SEP}?\d|[.,]\d){_NOT_AMOUNT}"
)

DETECTORS = (  # every kind of personal data redacted, in the order it is looked for
    _Detector("email", "[E-MAIL]", re.compile(_EMAIL, re.IGNORECASE), lambda _: True),
    _Detector(
        "iban",
        "[IBAN]",
        _labelled(
            r"kont\w*|rachun\w*|iban|nrb",
            rf"(?<![\w+])(?:PL{_SEP}?)?{_run(26)}"
            # Foreign accounts (a Ukrainian UA…, a German DE…): letters, then groups of four.
            rf"|(?<![\w+])(?-i:(?!PL)[A-Z]{{2}}\d{{2}}(?:{_SEP}?[A-Z0-9]{{4}}){{2,7}}"
            rf"(?:{_SEP}?[A-Z0-9]{{1,3}})?)(?!\w)",
        ),
        _iban_ok,
    ),
    _Detector(
        "pesel",
        "[PESEL]",
        _labelled(_PESEL_LABEL, rf"(?<![\d+])(?:\d{{11}}(?!\d)|{_run(11)}){_NOT_AMOUNT}"),
        _pesel_ok,
    ),
    # "PESEL 4405140135": named, a number with a digit missing or too many is still one.
    _Detector(
        "pesel", "[PESEL]", _named(_PESEL_LABEL, rf"(?<![\d+])(?:{_run(10)}|{_run(12)})"), _pesel_ok
    ),
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
        _labelled(
            r"dow[oó]d\w*",
            rf"(?<![^\W\d_])[a-z]{{3}}{_SEP}?\d{{3}}{_SEP}?\d{{3}}(?!{_SEP}?\d)",
        ),
        _id_card_ok,
    ),
    _Detector(
        "passport",
        "[PASZPORT]",
        _labelled(r"paszport\w*", r"(?<![^\W\d_])[a-z]{2} ?\d{7}(?!\d)"),
        _passport_ok,
    ),
    _Detector("phone", "[TELEFON]", re.compile(_PHONE, re.IGNORECASE), _phone_ok),
)


def redact_pii(text: str, *, keep: Collection[str] = (), people: bool = True) -> Redaction:
    """Replace personal data in `text` with tags such as "[PESEL]" or "[TELEFON]".

    Args:
        text: a question (or any text about to be stored, logged or sent to a model).
        keep: exact substrings never redacted, e.g. the CUS contact sentence in an answer.
        people: also a full name with its address or birth date; False for a field that holds
            the resident's name on purpose (the callback request's "name").

    Returns:
        The redacted text and the kinds found ("email", "iban", "pesel", "nip", "id_card",
        "passport", "phone", then "name", "address", "birth_date"), in that order.
    """
    kept = {f"\ue000{chr(0xE001 + i)}": part for i, part in enumerate(k for k in keep if k)}
    for placeholder, part in kept.items():
        text = text.replace(part, placeholder)
    kinds: list[str] = []
    for detector in DETECTORS:
        text = detector.pattern.sub(_replacer(detector, kinds), text)
    if people:
        text, found = redact_person(text, identified=bool(kinds))
        kinds.extend(found)
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

"""The resident's own personal data: found in a question or an answer and replaced by tags.

`redact_pii` replaces PESEL, NIP, ID-card and passport numbers, phone numbers, e-mail addresses
and account numbers with tags. Numbers that carry a check digit are redacted only when it holds
(so amounts, dates, article numbers and case signatures survive), or when the resident named
them ("PESEL: …", "nr dowodu …"): a mistyped number is still personal data. It runs before a
question is stored, logged or sent to a model, and on every answer shown.

Requests for other people's data are another matter: `rag.guards.scope` redirects them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

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


# Helplines we print ourselves (rag/crisis/help.py): never personal data.
_PUBLIC_NUMBERS = frozenset({"800120002", "800702222", "800121212"})

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

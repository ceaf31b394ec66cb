"""A person's full name together with where they live or when they were born.

"Jan Kowalski, ul. Lipowa 5/3, ur. 12.03.1980" identifies a resident; each part alone mostly
does not, and each alone is common in ordinary questions: a street ("60-123 Poznań, ul. Długa
5/12" is the centre's own address), a date, a capitalised pair ("Niebieska Linia", "al. Jana
Pawła II"). So the parts are redacted together: a full name, a street address and a birth date
each go when at least two of them are in the text, or one of them beside an identifier that
`rag.guards.personal_data` already replaced (a PESEL, a phone number).

A full name is a first name (`first_names.txt`, in its case forms: "Jana", "Annie") with a
surname beside it, or the words after "nazywam się" / "imię i nazwisko".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

from rag.lexical import fold

NAME_TAG = "[IMIĘ I NAZWISKO]"
ADDRESS_TAG = "[ADRES]"
BIRTH_DATE_TAG = "[DATA URODZENIA]"

_UPPER = "A-ZĄĆĘŁŃÓŚŹŻ"
_LOWER = "a-ząćęłńóśźż"
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_CAPITALISED = re.compile(rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?|[{_UPPER}]{{2,}}")
# Surnames by their endings, for names typed in lower case ("jan kowalski") or surname first.
_SURNAME_ENDING = re.compile(
    r"(?:[scz]k|dzk)(?:i|a|iego|iej|iemu|im|ą|ie)$|(?:owicz|ewicz|czyk|czak|niak|szyn)\w{0,3}$"
)
# Capitalised words that stand before or after a name without being a surname.
_NOT_SURNAME = frozenset(
    fold(w)
    for w in "pan pani panu panem panią państwo ksiądz doktor dr mgr prof syn córka mąż żona "
    "brat siostra matka ojciec mama tata babcia dziadek wnuk wnuczka ul al os pl cus ops mops gops "
    "zus krus nfz pcpr pfron dps sko pesel nip iban".split()
)
# Words that end a name after "nazywam się" ("nazywam się Jan Kowalski i mieszkam …").
_STOP = frozenset(
    fold(w)
    for w in "i a oraz lub albo ale czy że z w we na do od po przy mieszkam mieszka jestem jest "
    "mam ma tel telefon ur urodzony urodzona pesel".split()
)
_CUE = re.compile(
    r"\b(?:nazywam\s+się|nazywam\s+sie|imię\s+i\s+nazwisko|imie\s+i\s+nazwisko|nazwisko)\s*:?\s*",
    re.IGNORECASE,
)

_STREET_WORD = r"(?:\d{1,2}\s+)?[^\W\d_][\w.'’-]*"
_HOUSE = (
    r"\d{1,4}[a-zA-Z]?(?:\s*/\s*\d{1,4}[a-zA-Z]?|\s*(?:m\.?|lok\.?|mieszk\.?)\s*\d{1,4}[a-zA-Z]?)?"
    r"(?!\w)"
)
_ADDRESS = re.compile(
    r"(?:(?<![\w.])(?:ul\.?|ulic[aąyi]|al\.|alej[aąei]|os\.|osiedl[eau]|pl\.|plac|placu)\s*"
    rf"(?:{_STREET_WORD}\s+){{1,4}}?{_HOUSE}"
    rf"|(?<=przy\s)(?:[{_UPPER}][\w.'’-]*\s+){{1,3}}?{_HOUSE}"
    rf"|\b\d{{2}}-\d{{3}}\s+[{_UPPER}][\w-]*(?:\s+[{_UPPER}][\w-]*)?)"
)
_MONTHS = (
    "stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|wrzesnia|października"
    "|pazdziernika|listopada|grudnia"
)
_BIRTH = re.compile(
    r"\b(?:ur\.|urodz\w*|data\s+urodzenia|dat[aąy]\s+ur\.?|d\.\s?ur\.)\s*:?\s*"
    r"(?:(?:dnia|w\s+dniu)\s+)?"
    r"(?P<date>\d{1,2}\s?[./-]\s?\d{1,2}\s?[./-]\s?(?:\d{4}|\d{2})(?!\d)"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}\s+(?:{_MONTHS})\s+\d{{4}})(?:\s?r\.)?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    kind: str
    tag: str


def redact_person(text: str, *, identified: bool) -> tuple[str, tuple[str, ...]]:
    """Replace a full name, a street address and a birth date that come together with tags.

    Args:
        text: a text whose identifiers are already replaced by tags.
        identified: whether identifiers were found in it (then one part alone is enough).

    Returns:
        The text and the kinds replaced ("name", "address", "birth_date"), in that order.
    """
    addresses = [_Span(m.start(), m.end(), "address", ADDRESS_TAG) for m in _ADDRESS.finditer(text)]
    births = [
        _Span(m.start("date"), m.end("date"), "birth_date", BIRTH_DATE_TAG)
        for m in _BIRTH.finditer(text)
    ]
    taken = [(s.start, s.end) for s in addresses + births]
    names = [s for s in _names(text) if not any(a < s.end and s.start < b for a, b in taken)]
    found = [group for group in (names, addresses, births) if group]
    if len(found) + identified < 2:
        return text, ()
    spans = sorted((s for group in found for s in group), key=lambda s: s.start)
    pieces: list[str] = []
    at = 0
    for span in spans:
        if span.start < at:
            continue  # overlapping: the first one already covers it
        pieces += [text[at : span.start], span.tag]
        at = span.end
    pieces.append(text[at:])
    return "".join(pieces), tuple(group[0].kind for group in found)


def has_full_name(text: str) -> bool:
    """Whether the text names a person in full (a listed first name with a surname)."""
    return bool(_names(text))


def _names(text: str) -> list[_Span]:
    words = list(_WORD.finditer(text))
    spans: list[_Span] = []
    cues = {m.end() for m in _CUE.finditer(text)}
    i = 0
    while i < len(words):
        span = _cued(text, words, i, cues) or _full_name(text, words, i)
        if span is None:
            i += 1
            continue
        spans.append(span)
        while i < len(words) and words[i].start() < span.end:
            i += 1
    return spans


def _next_to(text: str, left: re.Match[str], right: re.Match[str]) -> bool:
    return not text[left.end() : right.start()].strip()


def _cued(text: str, words: list[re.Match[str]], i: int, cues: set[int]) -> _Span | None:
    # "nazywam się Jan Kowalski", "imię i nazwisko: jan kowalski": the next two or three words.
    if words[i].start() not in cues:
        return None
    taken = [words[i]]
    for word in words[i + 1 : i + 3]:
        if not _next_to(text, taken[-1], word) or fold(word.group()) in _STOP:
            break
        taken.append(word)
    if len(taken) < 2 and not _CAPITALISED.fullmatch(taken[0].group()):
        return None
    return _Span(taken[0].start(), taken[-1].end(), "name", NAME_TAG)


def _full_name(text: str, words: list[re.Match[str]], i: int) -> _Span | None:
    first = words[i].group()
    rest = words[i + 1 : i + 3]
    if _is_first_name(first) and rest and _next_to(text, words[i], rest[0]):
        end = rest[0]
        # A second given name: "Jan Maria Rokita".
        if (
            len(rest) == 2
            and _is_first_name(end.group())
            and _next_to(text, end, rest[1])
            and _surname(rest[1].group(), capitalised=first[0].isupper())
        ):
            end = rest[1]
        if _surname(end.group(), capitalised=first[0].isupper()):
            return _Span(words[i].start(), end.end(), "name", NAME_TAG)
    # Surname first, as on forms: "Kowalski Jan", "KOWALSKA Anna".
    if (
        rest
        and _next_to(text, words[i], rest[0])
        and (_SURNAME_ENDING.search(first.lower()) or (first.isupper() and len(first) > 1))
        and _CAPITALISED.fullmatch(first)
        and _is_first_name(rest[0].group())
        and rest[0].group()[0].isupper()
        and fold(first) not in _NOT_SURNAME
    ):
        return _Span(words[i].start(), rest[0].end(), "name", NAME_TAG)
    return None


def _surname(word: str, *, capitalised: bool) -> bool:
    if fold(word) in _NOT_SURNAME or fold(word) in _STOP:
        return False
    if capitalised:
        return bool(_CAPITALISED.fullmatch(word))
    return bool(_SURNAME_ENDING.search(word.lower()))


def _is_first_name(word: str) -> bool:
    return fold(word) in _first_name_forms()


@functools.cache
def _first_name_forms() -> frozenset[str]:
    """Every case form of the listed first names, folded (read once, on first use)."""
    listed = resources.files("rag.guards").joinpath("first_names.txt").read_text("utf-8")
    names = [line.strip().lower() for line in listed.splitlines()]
    return frozenset(
        fold(form) for name in names if name and not name.startswith("#") for form in _forms(name)
    )


# Dative and locative of feminine names soften the stem: Agnieszka → Agnieszce, Marta → Marcie.
_SOFTENED = (("k", "ce"), ("g", "dze"), ("t", "cie"), ("d", "dzie"), ("r", "rze"), ("ł", "le"))


def _forms(name: str) -> set[str]:
    forms = {name}
    if name.endswith("a"):  # Anna, Katarzyna, Maria
        stem = name[:-1]
        forms |= {stem + ending for ending in ("y", "i", "ę", "ą", "o", "ie", "e")}
        forms |= {stem[: -len(hard)] + soft for hard, soft in _SOFTENED if stem.endswith(hard)}
    elif name.endswith("y"):  # Jerzy
        forms |= {name[:-1] + "ego", name[:-1] + "emu", name + "m"}
    elif name.endswith("i"):  # Antoni, Andrij
        forms |= {name + "ego", name + "emu", name + "m"}
    else:  # Jan, Piotr; the mobile e of Marek → Marka, Paweł → Pawła
        stems = {name}
        if len(name) > 3 and name[-2] == "e" and name[-1] in "kcł":
            stems.add(name[:-2] + name[-1])
        for stem in stems:
            forms |= {stem + e for e in ("a", "u", "owi", "em", "iem", "ie", "ze", "e")}
        if name.endswith("ł"):
            forms.add(name[:-1] + "le")  # Michał → Michale
    return forms

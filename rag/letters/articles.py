"""Which articles a letter cites: "art. 127 § 1 i 2 KPA", "art. 35–36 Kodeksu postępowania
administracyjnego", "art. 106 ust. 6 ustawy o pomocy społecznej".

An article is its number and its act. The act is the first act named after the reference in
the same sentence, so "art. 128 i art. 129 Kodeksu postępowania administracyjnego" gives both
to the code; a reference with no act named after it (a letter's own shorthand) has act None.
Paragraphs and points (§, ust., pkt) are not compared: a letter that cites art. 129 § 2 where
the template gives art. 129 § 1 and 2 cites the same article.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_REFERENCE = re.compile(r"\bart\.\s*(\d+)([a-z]?)(?:\s*[–—-]\s*(\d+)([a-z]?))?", re.IGNORECASE)
_CODE = re.compile(r"\b(?:kodeks\w*\s+postępowania\s+administracyjnego|k\.?p\.?a\.?)", re.I)
_STATUTE = re.compile(r"\bustaw\w*\b[^;\n]*?\bo\s+(\w+)(?:\s+(\w+))?", re.IGNORECASE)
# A sentence ends at a full stop that does not follow an abbreviation ("art.", "ust.", "r.").
_SENTENCE_END = re.compile(
    r"(?<!\bart)(?<!\bust)(?<!\bpkt)(?<!\bpoz)(?<!\bnr)(?<!\br)\.(?=\s|$)|\n\n"
)
# A range longer than this is a typo, not a citation of every article in it.
_MAX_RANGE = 20


@dataclass(frozen=True, slots=True, order=True)
class Article:
    number: str  # "127", "127a"
    act: str | None  # "kpa", "o pomocy społecznej"; None when the text does not say

    def __str__(self) -> str:
        return f"art. {self.number}" + (f" ({self.act})" if self.act else "")


def _act_after(text: str, start: int) -> str | None:
    end_match = _SENTENCE_END.search(text, start)
    span = text[start : end_match.start() if end_match else len(text)]
    found: list[tuple[int, str]] = []
    if code := _CODE.search(span):
        found.append((code.start(), "kpa"))
    if statute := _STATUTE.search(span):
        words = " ".join(w for w in statute.groups() if w)
        found.append((statute.start(), f"o {words.lower()}"))
    return min(found)[1] if found else None


def _numbers(first: str, first_letter: str, last: str | None, last_letter: str) -> list[str]:
    if last is None:
        return [first + first_letter.lower()]
    low, high = int(first), int(last)
    if first_letter or last_letter or not 0 < high - low <= _MAX_RANGE:
        return [first + first_letter.lower(), last + last_letter.lower()]
    return [str(n) for n in range(low, high + 1)]


def cited_articles(text: str) -> frozenset[Article]:
    """Every article `text` cites, a range ("art. 35–36") counted as each article in it."""
    articles: set[Article] = set()
    for match in _REFERENCE.finditer(text):
        act = _act_after(text, match.end())
        first, first_letter, last, last_letter = match.groups()
        for number in _numbers(first, first_letter or "", last, last_letter or ""):
            articles.add(Article(number, act))
    return frozenset(articles)


def uncovered(cited: Iterable[Article], allowed: Iterable[Article]) -> list[Article]:
    """The cited articles that `allowed` does not hold, in order.

    A citation without its act is covered by the same number in any act; one with an act
    needs that act (or an allowed entry that names none).
    """
    pool = set(allowed)
    numbers = {a.number for a in pool}
    unnamed = {a.number for a in pool if a.act is None}
    return sorted(
        a
        for a in set(cited)
        if not (a in pool or (a.act is None and a.number in numbers) or a.number in unnamed)
    )

"""Amounts and deadlines that several documents state must agree with one another.

Each fact is a sentence pattern with a captured value and the values the law allows today.
A sentence that explicitly talks about a past or superseded value (e.g. "the act still prints
461 zł", "until 31 December 2024 it was 776 zł") is exempt. Each fact must be found in at least
two documents, so a pattern that stops matching fails loudly instead of checking nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.loaders import discover, split_front_matter

KB = Path(__file__).resolve().parent.parent / "knowledge_base"

_HISTORY = re.compile(
    r"poprzedn|wcześniej|dawn|histor|nieaktualn|do 31 grudnia 202[0-4]|w latach 20|"
    r"w tekście ustaw|w treści ustaw|w ustawie (?:nadal )?(?:widnieje|zapisan|podan)|"
    r"przypis|był[aoy]?\b|obowiązywał|2022|2023|2024 r|stara",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-ZĄĆĘŁŃÓŚŹŻ0-9„(*])|\n\s*\n|\n\s*[-*] |\n#+ ")
_AMOUNT = r"(?<![\d,])(?P<value>\d+(?:[  ]\d{3})*(?:,\d{2})?)\s*zł"
_WORD_NUMBERS = {"sześć": "6", "sześciu": "6", "dwunasto": "12", "czternaście": "14"}


@dataclass(frozen=True)
class Fact:
    name: str
    pattern: re.Pattern[str]
    allowed: frozenset[str]


def fact(name: str, pattern: str, *allowed: str) -> Fact:
    return Fact(name, re.compile(pattern, re.IGNORECASE), frozenset(allowed))


FACTS = [
    fact(
        "termin na odwołanie od decyzji",
        r"(?:(?:wnie\w*|złoż\w*|składa\w*)\s+odwołani\w*|odwołani\w*\s+(?:\w+\s+){0,3}?"
        r"(?:wnosi|składa|wnieść|złożyć)\w*)[^;]{0,60}?(?:w terminie|w ciągu|na|masz)\s+"
        r"(?P<value>\d+)\s*dni|termin\w* (?:na|do) (?:wniesieni\w* |złożeni\w* )?odwołani\w*"
        r"[^;\d]{0,20}?(?P<value2>\d+)\s*dni",
        "14",
    ),
    fact(
        "okres przyznania dodatku mieszkaniowego",
        r"(?:dodat\w* mieszkaniow\w*|okres przyznania)[^;]{0,80}?(?:na|przez|:)\s+(?:okres\s+)?"
        r"\**(?P<value>\d+|sześciu|sześć)\s*miesi",
        "6",
    ),
    fact(
        "becikowe: kwota i próg dochodowy",
        r"(?:becikowe|jednorazow\w* zapomog\w*)[^;]{0,80}?" + _AMOUNT,
        "1000",
        "1922",
    ),
    fact(
        "przywrócenie terminu: termin na prośbę",
        r"przywróceni\w* termin\w*[^;]{0,120}?(?P<value>\d+)\s*dni",
        "7",
    ),
    fact(
        "kaucja: najwyżej wielokrotność czynszu",
        r"kaucj\w*[^;]{0,100}?(?P<value>dwunasto|\d+)[\s-]*(?:krotn|×|razy)",
        "12",
    ),
]


@dataclass(frozen=True)
class Amount:
    """An amount in force: stated in `min_docs` documents at least, and no sentence about the
    same subject may give one of the superseded values as current."""

    name: str
    subject: re.Pattern[str]
    current: str
    superseded: frozenset[str]
    min_docs: int = 2


def amount(name: str, subject: str, current: str, *superseded: str, min_docs: int = 2) -> Amount:
    return Amount(
        name, re.compile(subject, re.IGNORECASE), current, frozenset(superseded), min_docs
    )


AMOUNTS = [
    amount(
        "kryterium dochodowe osoby samotnie gospodarującej (od 1.01.2025)",
        r"samotnie gospodaruj",
        "1010",
        *("776", "701", "634", "461"),
    ),
    amount(
        "kryterium dochodowe na osobę w rodzinie, pomoc społeczna (od 1.01.2025)",
        r"kryteri\w*[^;]*na osobę w rodzinie|osob\w* w rodzinie[^;]*kryteri",
        "823",
        *("600", "528", "514", "316"),
    ),
    amount(
        "zasiłek stały: górna granica (od 1.01.2025)",
        r"zasił\w* stał",
        "1229",
        "1000",
        "719",
        "645",
        "604",
        "529",
    ),
    amount("zasiłek pielęgnacyjny", r"zasił\w* pielęgnacyjn", "215,84", "184,42", "153", "144"),
    amount(
        "świadczenie pielęgnacyjne w 2026 r.",
        r"świadczeni\w* pielęgnacyjn",
        "3386",
        *("3287", "2988", "2458", "2119", "1971", "620"),
        min_docs=1,
    ),
    amount(
        "kryterium zasiłku rodzinnego",
        r"zasił\w* rodzinn",
        "674",
        *("504", "583", "539", "623"),
    ),
]
_ANY_AMOUNT = re.compile(_AMOUNT)


@pytest.mark.parametrize("checked", AMOUNTS, ids=[a.name for a in AMOUNTS])
def test_amount_in_force_everywhere(checked: Amount) -> None:
    stating: set[str] = set()
    stale: list[str] = []
    for name, sentences in DOCUMENTS.items():
        for sentence in sentences:
            values = {_normalise(m["value"]) for m in _ANY_AMOUNT.finditer(sentence)}
            if checked.current in values:
                stating.add(name)
            if not checked.subject.search(sentence) or _HISTORY.search(sentence):
                continue
            if values & checked.superseded:
                stale.append(f"{name}: {sorted(values & checked.superseded)} in: {sentence[:200]}")
    assert not stale, "\n".join(stale)
    assert len(stating) >= checked.min_docs, f"{checked.current} zł stated in {sorted(stating)}"


def _normalise(value: str) -> str:
    value = value.replace(" ", "").replace("\u00a0", "").lower()
    return _WORD_NUMBERS.get(value, value)


def _sentences(path: Path) -> list[str]:
    _, body = split_front_matter(path.read_text(encoding="utf-8"))
    return [" ".join(s.replace("**", "").split()) for s in _SENTENCE.split(body) if s.strip()]


DOCUMENTS = {p.relative_to(KB).as_posix(): _sentences(p) for p in discover(KB)}


@pytest.mark.parametrize("checked", FACTS, ids=[f.name for f in FACTS])
def test_fact_agrees_across_documents(checked: Fact) -> None:
    found: dict[str, set[str]] = {}
    wrong: list[str] = []
    for name, sentences in DOCUMENTS.items():
        for sentence in sentences:
            if _HISTORY.search(sentence):
                continue
            for match in checked.pattern.finditer(sentence):
                raw = match.groupdict().get("value") or match.groupdict().get("value2")
                if raw is None:
                    continue
                value = _normalise(raw)
                found.setdefault(name, set()).add(value)
                if value not in checked.allowed:
                    wrong.append(f"{name}: {value!r} in: {sentence.strip()[:200]}")
    assert not wrong, "\n".join(wrong)
    assert len(found) >= 2, f"'{checked.name}' found in {sorted(found)} only: check the pattern"

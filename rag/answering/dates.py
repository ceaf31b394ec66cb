"""The days a resident's own case comes to: the last day to appeal a decision, the months a housing
allowance is granted for.

"Dostałam decyzję w piątek 27 listopada, do kiedy mogę się odwołać?": the base states the rule
(14 days from delivery, the day of delivery not counted, a deadline that ends on a Saturday or a
public holiday moves to the next working day), the resident wants the day. Like the calculators
(`rag.calculators`), the day is worked out step by step, each step under its provision, and the
curated facts that state the rule are cited beside it; a date the message does not give is never
guessed, and then nothing here answers.

Only what is certain from the message is worked out: the day the decision was delivered or the
application made, said as a date ("27 listopada", "27.11.2026", "w piątek 17 kwietnia") or
relative to today ("wczoraj", "3 dni temu", "dzisiaj"). A date without a year is the latest such
day not after today, since both are past events.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answering.facts import SourcedFact
from rag.calculators.calculation import Step
from rag.calculators.money import day
from rag.lexical import fold

KPA = "Kodeksu postępowania administracyjnego"
UDM = "ustawy o dodatkach mieszkaniowych"
APPEAL_DAYS = 14  # art. 129 § 2 k.p.a.
HOUSING_MONTHS = 6  # art. 7 ust. 5 ustawy o dodatkach mieszkaniowych

# Days off by statute (ustawa o dniach wolnych od pracy, art. 1): (month, day), and since when.
_FIXED_HOLIDAYS: tuple[tuple[int, int, int], ...] = (
    (1, 1, 1951), (1, 6, 2011), (5, 1, 1951), (5, 3, 1990), (8, 15, 1989), (11, 1, 1951),
    (11, 11, 1989), (12, 24, 2025), (12, 25, 1951), (12, 26, 1951),
)  # fmt: skip
# Easter Sunday and Monday, Pentecost Sunday, Corpus Christi: days after Easter Sunday.
_EASTER_OFFSETS = (0, 1, 49, 60)
_WEEKDAYS = ("poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela")


def easter(year: int) -> dt.date:
    """Easter Sunday of the Gregorian calendar (the anonymous computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday_shift) // 433
    month = (h + weekday_shift - 7 * m + 90) // 25
    return dt.date(year, month, (h + weekday_shift - 7 * m + 33 * month + 19) % 32)


def holidays(year: int) -> frozenset[dt.date]:
    """The public holidays of a year (Sundays aside)."""
    fixed = {dt.date(year, m, d) for m, d, since in _FIXED_HOLIDAYS if year >= since}
    sunday = easter(year)
    return frozenset(fixed | {sunday + dt.timedelta(days=n) for n in _EASTER_OFFSETS})


def day_off(when: dt.date) -> bool:
    """A Saturday, or a day off by statute (Sundays and public holidays): art. 57 § 4 k.p.a."""
    return when.weekday() >= 5 or when in holidays(when.year)


@dataclass(frozen=True, slots=True)
class DatedAnswer:
    """A day worked out for the person: the answer in one sentence, then the working."""

    lead: str
    steps: tuple[Step, ...]


# --- reading the day from the message ------------------------------------------------------------

_MONTHS = {
    "stycz": 1, "lut": 2, "marc": 3, "kwie": 4, "maj": 5, "maja": 5, "czerw": 6, "lip": 7,
    "sierp": 8, "wrze": 9, "pazdz": 10, "listop": 11, "grud": 12,
}  # fmt: skip
_DATE = re.compile(
    r"\b(\d{1,2})\s*(?:\.|/)\s*(\d{1,2})(?:\s*(?:\.|/)\s*(\d{4}))?\b(?![.,]\d)|"
    r"\b(\d{1,2})\s+(stycz\w*|lut\w*|marc\w*|kwie\w*|maj\w*|czerw\w*|lip\w*|sierp\w*|wrze\w*|"
    r"pazdz\w*|listop\w*|grud\w*)(?:\s+(\d{4}))?"
)
_RELATIVE = re.compile(
    r"\b(?:(dzis|dzisiaj)|(wczoraj)|(przedwczoraj)|(\d{1,2}|dwa|trzy|cztery|piec) dni temu|"
    r"(tydzien) temu)\b"
)
_COUNTS = {"dwa": 2, "trzy": 3, "cztery": 4, "piec": 5}


def _explicit(found: re.Match[str], today: dt.date) -> dt.date | None:
    try:
        if found.group(1):
            day_, month = int(found.group(1)), int(found.group(2))
            year = int(found.group(3)) if found.group(3) else None
        else:
            day_ = int(found.group(4))
            word = found.group(5)
            month = next(n for stem, n in _MONTHS.items() if word.startswith(stem))
            year = int(found.group(6)) if found.group(6) else None
        if year is not None:
            return dt.date(year, month, day_)
        said = dt.date(today.year, month, day_)
        return said if said <= today else said.replace(year=today.year - 1)
    except (ValueError, StopIteration):
        return None


def _relative(found: re.Match[str], today: dt.date) -> dt.date:
    if found.group(1):
        return today
    if found.group(2):
        return today - dt.timedelta(days=1)
    if found.group(3):
        return today - dt.timedelta(days=2)
    if found.group(5):
        return today - dt.timedelta(days=7)
    count = found.group(4)
    return today - dt.timedelta(days=_COUNTS.get(count) or int(count))


def day_of(sentence: str, today: dt.date) -> dt.date | None:
    """The one day a (folded) sentence names, or None when it names none or several."""
    explicit = {d for m in _DATE.finditer(sentence) if (d := _explicit(m, today)) is not None}
    if len(explicit) == 1:
        return explicit.pop()  # "dzisiaj, mamy 20 stycznia": the date said wins
    if explicit:
        return None
    relative = {_relative(m, today) for m in _RELATIVE.finditer(sentence)}
    return relative.pop() if len(relative) == 1 else None


def _sentences(folded: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?\n])\s+", folded) if s.strip()]


def _event_day(texts: Sequence[str], event: re.Pattern[str], today: dt.date) -> dt.date | None:
    """The day of the event a sentence of the person's messages names, latest message first."""
    for text in reversed(texts):
        for sentence in _sentences(fold(text)):
            if event.search(sentence) and (when := day_of(sentence, today)) is not None:
                return when if when <= today else None
    return None


# --- the two days ----------------------------------------------------------------------------

_DELIVERED = re.compile(
    r"\b(?:dostal\w*|odebral\w*|doreczon\w*|doreczyl\w*|doreczeni\w*|przyszl\w*|przyszedl|"
    r"otrzymal\w*|odebran\w*|wreczon\w*|przyniosl\w*)\b"
)
_APPEAL = re.compile(r"\bodwol\w*")
_UNTIL = re.compile(
    r"\bdo kiedy\b|\bile (?:mam |jeszcze )?czasu\b|\bjaki (?:mam )?termin\b|\bdo ktorego\b|"
    r"\bkiedy (?:mija|uplywa|konczy|minie|uplynie|sie konczy)\b|\bostatni dzien\b|\bzdaz\w*|"
    r"\bczy (?:jeszcze )?(?:moge|moglabym|moglbym|zdaze)\b|\bnie jest za pozno\b"
)
_APPLIED = re.compile(r"\b(?:zlozyl\w*|zlozon\w*|skladal\w*|zlozylismy|zlozymy|zloze)\b")
_HOUSING = re.compile(r"\bdodat\w* mieszkaniow\w*|\bmieszkaniowk\w*")
_PERIOD = re.compile(
    r"\bod kiedy\b|\bdo kiedy\b|\bna jak dlugo\b|\bna ile (?:miesiecy|czasu)\b|\bjaki okres\b|"
    r"\bna jaki okres\b|\bkiedy (?:sie )?(?:skonczy|konczy)\b"
)


def appeal_deadline(delivered: dt.date, today: dt.date) -> DatedAnswer:
    """The last day to appeal a decision delivered on `delivered` (art. 129 § 2, art. 57 k.p.a.)."""
    end = delivered + dt.timedelta(days=APPEAL_DAYS)
    steps = [
        Step(
            f"Decyzję doręczono {day(delivered)}; dnia doręczenia nie liczy się, termin biegnie "
            "od następnego dnia.",
            f"art. 57 § 1 {KPA}",
        ),
        Step(
            f"{APPEAL_DAYS} dni od doręczenia mija {day(end)} ({_WEEKDAYS[end.weekday()]}).",
            f"art. 129 § 2 {KPA}",
        ),
    ]
    last = end
    while day_off(last):
        last += dt.timedelta(days=1)
    if last != end:
        why = "sobota" if end.weekday() == 5 else "dzień ustawowo wolny od pracy"
        steps.append(
            Step(
                f"{day(end).capitalize()} to {why}: termin przesuwa się na najbliższy dzień "
                f"roboczy, {day(last)} ({_WEEKDAYS[last.weekday()]}).",
                f"art. 57 § 4 {KPA}",
            )
        )
    steps.append(
        Step(
            "Termin jest zachowany, jeśli do tego dnia złożysz odwołanie w urzędzie, który wydał "
            "decyzję, albo nadasz je w placówce Poczty Polskiej.",
            f"art. 57 § 5 {KPA}",
        )
    )
    if last < today:
        steps.append(
            Step(
                "Po terminie: jeśli spóźnienie nie było z Twojej winy (np. choroba, szpital), w "
                "ciągu 7 dni od ustania przeszkody złóż prośbę o przywrócenie terminu razem z "
                "odwołaniem.",
                f"art. 58 § 1–2 {KPA}",
            )
        )
        lead = (
            f"Termin na odwołanie od decyzji doręczonej {day(delivered)} minął {day(last)} "
            f"({_WEEKDAYS[last.weekday()]}). Jeśli spóźnienie nie było z Twojej winy, możesz "
            "prosić o przywrócenie terminu."
        )
    else:
        lead = (
            f"Odwołanie możesz złożyć najpóźniej {day(last)} ({_WEEKDAYS[last.weekday()]}): "
            f"{APPEAL_DAYS} dni liczy się od doręczenia decyzji {day(delivered)}"
        )
        lead += "." if not lead.endswith(".") else ""
    return DatedAnswer(lead, tuple(steps))


def housing_period(applied: dt.date) -> DatedAnswer:
    """The months a housing allowance applied for on `applied` is granted for (art. 7 ust. 5)."""
    first = (applied.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    month, year = first.month - 1 + HOUSING_MONTHS, first.year
    after = dt.date(year + month // 12, month % 12 + 1, 1)
    last = after - dt.timedelta(days=1)
    steps = (
        Step(
            f"Wniosek złożony {day(applied)}: dodatek liczy się od 1. dnia następnego miesiąca, "
            f"{day(first)}, na {HOUSING_MONTHS} miesięcy, czyli do {day(last)}",
            f"art. 7 ust. 5 {UDM}",
        ),
    )
    lead = (
        f"Jeśli dodatek zostanie przyznany, dostaniesz go za okres od {day(first)} do "
        f"{day(last)}: {HOUSING_MONTHS} miesięcy od miesiąca po złożeniu wniosku "
        f"({day(applied)}). Na dalsze miesiące trzeba złożyć nowy wniosek."
    )
    return DatedAnswer(lead, steps)


# "art. 129 § 2 i art. 57 § 1 i 4", "art. 7 ust. 5", "art. 57 § 2–3a": an article, then the
# paragraphs (§) or sections (ust.) it names.
_CITED = re.compile(
    r"art\.\s*(\d+[a-z]?)((?:\s*(?:§|ust\.)\s*[\d\w–\-, ]*?(?:\s+i\s+\d+\w*)*)?)"
    r"(?=\s+(?:i\s+art\.|[A-ZŁŚŻa-ząćęłńóśźż]{3,})|[,;)]|$)"
)


def cited_units(provision: str) -> set[tuple[str, str]]:
    """The (article, paragraph or section) pairs a provision cites; ("57", "") for an article
    named whole. "art. 57 § 2–3a" gives 57/2, 57/3 and 57/3a."""
    found: set[tuple[str, str]] = set()
    for m in _CITED.finditer(provision):
        article, rest = m.group(1), m.group(2) or ""
        units = re.findall(r"\d+[a-z]?|[–-]", rest)
        if not units:
            found.add((article, ""))
            continue
        previous: str | None = None
        pending = False
        for unit in units:
            if unit in "–-":
                pending = True
                continue
            if pending and previous and previous.isdigit():
                high = int(re.match(r"\d+", unit).group())  # type: ignore[union-attr]
                found.update((article, str(n)) for n in range(int(previous) + 1, high + 1))
            found.add((article, unit))
            previous, pending = unit, False
    return found


def rule_facts(
    steps: Sequence[Step],
    facts: Sequence[SourcedFact],
    on: dt.date,
    *,
    topic: str = "procedura",
    limit: int = 4,
) -> tuple[list[SourcedFact], dict[int, list[int]]]:
    """For each step, the fact that states the rule it applies: one whose provision cites the
    step's article and paragraph in the same act. Of several, a document of `topic` alone (the
    general procedure rather than one benefit's), then the one citing least besides (the rule
    itself rather than a summary of several). Numbered in the order of the steps, at most
    `limit`."""
    usable = [
        (n, _act(f.fact.provision), cited_units(f.fact.provision))
        for n, f in enumerate(facts)
        if f.valid_on(on) and "mieszkaniec" in f.document.meta.audience
    ]
    chosen: list[int] = []
    markers: dict[int, list[int]] = {}
    for i, step in enumerate(steps):
        act = _act(step.provision) if step.provision else None
        wanted = cited_units(step.provision) if step.provision else set()
        matching = [(n, units) for n, a, units in usable if a == act and units & wanted]
        if act is None or not matching:
            continue
        best, _ = max(
            matching,
            key=lambda pair: (
                tuple(facts[pair[0]].document.meta.topics) == (topic,),
                len(pair[1] & wanted) / len(pair[1]),
                -pair[0],
            ),
        )
        if best not in chosen:
            if len(chosen) == limit:
                continue
            chosen.append(best)
        markers[i] = [chosen.index(best) + 1]
    return [facts[n] for n in chosen], markers


def _act(provision: str) -> str | None:
    folded = fold(provision)
    return next((act for act in _ACTS if act in folded), None)


_ACTS = ("postepowania administracyjnego", "dodatkach mieszkaniowych")


def dated_answer(texts: Sequence[str], *, today: dt.date | None = None) -> DatedAnswer | None:
    """The day the person's question is about, worked out, or None when it is no such question
    or the messages do not give the day it counts from.

    Args:
        texts: the person's messages, oldest first; the last one asks.
        today: the date to count "wczoraj" and a date without a year from.
    """
    if not texts:
        return None
    today = today or dt.date.today()
    asked = fold(texts[-1])
    every = fold(" ".join(texts))
    if _APPEAL.search(asked) and _UNTIL.search(asked):
        delivered = _event_day(texts, _DELIVERED, today)
        return appeal_deadline(delivered, today) if delivered is not None else None
    if _HOUSING.search(every) and _PERIOD.search(asked):
        applied = _event_day(texts, _APPLIED, today)
        return housing_period(applied) if applied is not None else None
    return None

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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rag.answering.facts import SourcedFact, act_of
from rag.answering.situation import MONTH_STEMS, month_of
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

_DATE = re.compile(
    # "27.11", "27.11.2026", "27/11/2026" (a slash only with the year: "1/2 etatu" is no date)
    r"\b(\d{1,2})\s*\.\s*(\d{1,2})(?:\s*\.\s*(\d{4}))?\b(?![.,]\d)|"
    r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b|"
    rf"\b(\d{{1,2}})\s+((?:{'|'.join(MONTH_STEMS)})\w*)(?:\s+(\d{{4}}))?"
)
# "decyzja z 20 listopada", "pismo z dnia 20.11": the day it was issued, not delivered.
_ISSUED = re.compile(r"\b(?:z dnia|z dn\.?|datowan\w*|wydan\w*|z)\s*$")
# "mamy 20 stycznia", "dzis jest 20 stycznia": today's date, said.
_TODAY_SAID = re.compile(r"\b(?:mamy|dzis jest|dzisiaj jest|jest dzis|jest dzisiaj)\s*$")
_RELATIVE = re.compile(
    r"\b(?:(dzis|dzisiaj)|(wczoraj)|(przedwczoraj)|(\d{1,2}|dwa|trzy|cztery|piec) dni temu)\b"
)
# A date without a year read as last year's that far back was more likely a slip or a future day.
_LAST_YEAR_AT_MOST = dt.timedelta(days=60)
_COUNTS = {"dwa": 2, "trzy": 3, "cztery": 4, "piec": 5}


def _explicit(found: re.Match[str], today: dt.date) -> dt.date | None:
    try:
        if found.group(1):
            day_, month = int(found.group(1)), int(found.group(2))
            year = int(found.group(3)) if found.group(3) else None
        elif found.group(4):
            day_, month, year = int(found.group(4)), int(found.group(5)), int(found.group(6))
        else:
            named = month_of(found.group(8))
            if named is None:
                return None
            day_, month = int(found.group(7)), named
            year = int(found.group(9)) if found.group(9) else None
        if year is not None:
            return dt.date(year, month, day_)
        said = dt.date(today.year, month, day_)
        if said <= today:
            return said
        said = said.replace(year=today.year - 1)
        return said if today - said <= _LAST_YEAR_AT_MOST else None
    except ValueError:
        return None


def _relative(found: re.Match[str], today: dt.date) -> dt.date:
    if found.group(1):
        return today
    if found.group(2):
        return today - dt.timedelta(days=1)
    if found.group(3):
        return today - dt.timedelta(days=2)
    count = found.group(4)
    return today - dt.timedelta(days=_COUNTS.get(count) or int(count))


def day_of(sentence: str, today: dt.date) -> dt.date | None:
    """The one day a (folded) sentence says something happened, or None when it names none,
    several, or only the day a document was issued ("decyzja z 20 listopada")."""
    explicit: set[dt.date] = set()
    said_today = False
    for m in _DATE.finditer(sentence):
        before = sentence[: m.start()]
        if _ISSUED.search(before):
            return None  # the issue date is not the day it came: nothing is guessed
        when = _explicit(m, today)
        if when is None:
            return None
        said_today |= bool(_TODAY_SAID.search(before))
        explicit.add(when)
    relative = {_relative(m, today) for m in _RELATIVE.finditer(sentence)}
    if said_today and len(explicit) == 1:
        return explicit.pop()  # "złożyłam dzisiaj, mamy 20 stycznia": the date said is today
    if explicit and relative and explicit != relative:
        return None  # "wniosek 10 listopada, decyzja wczoraj": which is which is not guessed
    days = explicit or relative
    return days.pop() if len(days) == 1 else None


def _sentences(folded: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?\n])\s+", folded) if s.strip()]


def _event_day(
    texts: Sequence[str], event: re.Pattern[str], today: dt.date, *, named: str = ""
) -> dt.date | None:
    """The day of the event the person's messages name (in a sentence that matches `event` and
    contains `named`), or None when none does, or when sentences matching `event` name different
    days (two decisions, "drugą dostałam 1 grudnia": which one is meant is not guessed)."""
    days: dict[dt.date, bool] = {}
    for text in texts:
        for sentence in _sentences(fold(text)):
            if event.search(sentence) and (when := day_of(sentence, today)) is not None:
                days[when] = days.get(when, False) or named in sentence
    if len(days) != 1:
        return None
    ((when, is_named),) = days.items()
    return when if is_named and when <= today else None


# --- the two days ----------------------------------------------------------------------------

# Something came (the decision must be named in that sentence: `_event_day`'s `named`); not an
# awizo, a notice left by the post: the decision counts as delivered 14 days later (art. 44).
_DELIVERED = re.compile(
    r"^(?!.*\bawiz)(?=.*\b(?:dostal\w*|odebral\w*|doreczon\w*|doreczyl\w*|doreczeni\w*|"
    r"przyszla|przyszedl|przyszlo|otrzymal\w*|odebran\w*|wreczon\w*|przyniosl\w*)\b)"
)
# What k.p.a.'s 14 days to appeal to the SKO do not cover: a court's judgment or order, a
# bailiff, another office's procedure (ZUS, KRUS, tax), a tenancy notice, the SKO's own decision
# (no appeal from it), a postanowienie (zażalenie, 7 days), or a deadline the person was given.
_NOT_KPA_APPEAL = re.compile(
    r"\b(?:sad\w*|sadow\w*|wyrok\w*|nakaz\w*|postanowien\w*|zazaleni\w*|sko\b|kolegi\w*|zus\w*|"
    r"krus\w*|skarbow\w*|podatk\w*|wypowiedz\w*|mandat\w*|komornik\w*|eksmisj\w*|"
    r"uczelni\w*|szkol\w*|pracodawc\w*)|\b\d+\s*dni\b"
)
_APPEAL = re.compile(r"\bodwol\w*")
_UNTIL = re.compile(
    r"\bdo kiedy\b|\bile (?:mam |jeszcze )?czasu\b|\bjaki (?:mam )?termin\b|\bdo ktorego\b|"
    r"\bkiedy (?:mija|uplywa|konczy|minie|uplynie|sie konczy)\b|\bostatni dzien\b|\bzdaz\w*|"
    r"\bczy (?:jeszcze )?(?:moge|moglabym|moglbym|zdaze)\b|\bnie jest za pozno\b"
)
_HOUSING = r"(?:dodat\w* mieszkaniow\w*|mieszkaniowk\w*)"
# The application for the housing allowance itself, named in the sentence that dates it.
_APPLIED = re.compile(
    rf"^(?=.*\b{_HOUSING})(?=.*\b(?:zlozyl\w*|zlozon\w*|skladal\w*|zlozylismy|zlozymy)\b)"
)
# The months it is paid for, not when the decision comes ("do kiedy rozpatrzą?").
_PERIOD = re.compile(
    r"^(?!.*\b(?:rozpatrz\w*|decyzj\w*|odpowiedz\w*|odpisz\w*|zalatw\w*))"
    r"(?=.*(?:\bod kiedy\b|\bna jak dlugo\b|\bna ile (?:miesiecy|czasu)\b|\bna jaki okres\b|"
    r"\bjaki okres\b|\bkiedy (?:sie )?(?:skonczy|konczy)\b|"
    r"\bdo kiedy\b.*\b(?:dostaw\w*|bede|wyplac\w*|przysluguj\w*|przyznaj\w*|placic|beda)\b))"
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
            "decyzję, nadasz je w placówce Poczty Polskiej albo wyślesz na adres do doręczeń "
            "elektronicznych urzędu.",
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
            f"{APPEAL_DAYS} dni liczy się od doręczenia decyzji {day(delivered)}"  # ends "r."
        )
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
    limit: int = 5,
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


_ACTS = ("postepowania administracyjnego", "dodatkach mieszkaniowych")


def _act(provision: str) -> str | None:
    return act_of(provision, _ACTS)


def dated_answer(texts: Sequence[str], *, today: dt.date | None = None) -> DatedAnswer | None:
    """The day the person's question is about, worked out, or None when it is no such question
    or the messages do not give the day it counts from.

    Args:
        texts: the person's messages, oldest first; the last one asks.
        today: the date to count "wczoraj" and a date without a year from.
    """
    if not texts:
        return None
    today = today or warsaw_today()
    asked = fold(texts[-1])
    every = fold(" ".join(texts))
    if _APPEAL.search(asked) and _UNTIL.search(asked):
        if _NOT_KPA_APPEAL.search(every):
            return None  # not the 14 days to the SKO: the passages say what applies
        delivered = _event_day(texts, _DELIVERED, today, named="decyzj")
        return appeal_deadline(delivered, today) if delivered is not None else None
    if re.search(rf"\b{_HOUSING}", every) and _PERIOD.search(asked):
        applied = _event_day(texts, _APPLIED, today, named="wnios")
        return housing_period(applied) if applied is not None else None
    return None


def warsaw_today() -> dt.date:
    """Today in Poland (a server's clock may run on UTC: just after midnight it is still
    yesterday there)."""
    try:
        return dt.datetime.now(ZoneInfo("Europe/Warsaw")).date()
    except ZoneInfoNotFoundError:  # no time-zone database on this machine
        return dt.date.today()

"""The days a resident's own case comes to (`rag.answering.dates`): written out by hand from the
calendar and the k.p.a., so a wrong holiday, count or reading fails here."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.answering import dates
from rag.answering.dates import (
    appeal_deadline,
    cited_units,
    dated_answer,
    day_of,
    easter,
    holidays,
    housing_period,
)
from rag.calculators.money import day
from rag.index import ServedIndex
from rag.lexical import PolishAnalyzer
from tests.test_answering import (  # noqa: F401 (fixtures)
    assistant,
    data_dir,
    served,
    with_the_facts,
)

TODAY = dt.date(2026, 12, 7)  # a Monday


@pytest.mark.parametrize(
    ("year", "sunday"),
    [(2024, dt.date(2024, 3, 31)), (2025, dt.date(2025, 4, 20)), (2026, dt.date(2026, 4, 5)),
     (2027, dt.date(2027, 3, 28)), (2038, dt.date(2038, 4, 25))],
)  # fmt: skip
def test_easter_sunday(year: int, sunday: dt.date) -> None:
    assert easter(year) == sunday


def test_the_public_holidays_of_2026() -> None:
    days = holidays(2026)
    assert dt.date(2026, 4, 6) in days  # Easter Monday
    assert dt.date(2026, 6, 4) in days  # Corpus Christi
    assert dt.date(2026, 12, 24) in days  # Christmas Eve, a day off since 2025
    assert dt.date(2024, 12, 24) not in holidays(2024)
    assert dt.date(2026, 12, 31) not in days
    assert len(days) == 14


@pytest.mark.parametrize(
    ("delivered", "last"),
    [
        (dt.date(2026, 11, 27), dt.date(2026, 12, 11)),  # a Friday: 14 days on, a Friday
        # 1 May (holiday), 2 May (Saturday), 3 May (Sunday and holiday): Monday 4 May
        (dt.date(2026, 4, 17), dt.date(2026, 5, 4)),
        # 24, 25, 26 December, then a weekend: Monday 29 December
        (dt.date(2025, 12, 10), dt.date(2025, 12, 29)),
        (dt.date(2026, 12, 6), dt.date(2026, 12, 21)),  # ends on a Sunday
    ],
)
def test_the_last_day_to_appeal(delivered: dt.date, last: dt.date) -> None:
    found = appeal_deadline(delivered, delivered)
    working = "\n".join(step.text for step in found.steps)
    assert f"najpóźniej {last.day} " in found.lead
    assert "dnia doręczenia nie liczy się" in working
    provisions = [step.provision for step in found.steps]
    assert ("art. 57 § 4 Kodeksu postępowania administracyjnego" in provisions) == (
        last != delivered + dt.timedelta(days=14)
    )


def test_a_deadline_already_past_says_so_and_points_to_restoring_it() -> None:
    found = appeal_deadline(dt.date(2026, 11, 2), TODAY)
    assert found.lead.startswith(
        "Termin na odwołanie od decyzji doręczonej 2 listopada 2026 r. minął"
    )
    assert found.steps[-1].provision == "art. 58 § 1–2 Kodeksu postępowania administracyjnego"


@pytest.mark.parametrize(
    ("applied", "first", "last"),
    [
        (dt.date(2026, 1, 20), dt.date(2026, 2, 1), dt.date(2026, 7, 31)),
        (dt.date(2026, 3, 15), dt.date(2026, 4, 1), dt.date(2026, 9, 30)),  # the base's example
        (dt.date(2026, 8, 31), dt.date(2026, 9, 1), dt.date(2027, 2, 28)),
        (dt.date(2026, 12, 1), dt.date(2027, 1, 1), dt.date(2027, 6, 30)),
    ],
)
def test_the_months_a_housing_allowance_is_granted_for(
    applied: dt.date, first: dt.date, last: dt.date
) -> None:
    assert f"od {day(first)} do {day(last)}" in housing_period(applied).lead


@pytest.mark.parametrize(
    ("sentence", "said"),
    [
        ("dostalam decyzje wczoraj", dt.date(2026, 12, 6)),
        ("odebralem ja 3 dni temu", dt.date(2026, 12, 4)),
        ("przyszla 27.11", dt.date(2026, 11, 27)),
        ("doreczona 27.11.2025", dt.date(2025, 11, 27)),
        ("w piatek 17 kwietnia 2026 odebralam", dt.date(2026, 4, 17)),
        ("zlozylam dzisiaj wniosek, mamy 20 stycznia", dt.date(2026, 1, 20)),  # said wins
        ("dostalam ja 20 listopada", dt.date(2026, 11, 20)),
        ("dostalam ja 20 grudnia", None),  # last year's would be a year ago: a slip, not guessed
        ("decyzja z 20 listopada, dostalam ja wczoraj", None),  # issued, not delivered
        ("decyzja z dnia 20.11 przyszla", None),
        ("zlozylam wniosek 10 listopada, decyzje dostalam wczoraj", None),  # which is which?
        ("pracuje na 1/2 etatu", None),
        ("przyszla 27/11/2026", dt.date(2026, 11, 27)),
        ("jedna przyszla 3 grudnia, druga 5 grudnia", None),  # two days: none is guessed
        ("decyzja przyszla niedawno", None),
    ],
)
def test_the_day_a_sentence_names(sentence: str, said: dt.date | None) -> None:
    assert day_of(sentence, TODAY) == said


@pytest.mark.parametrize(
    "texts",
    [
        ["do kiedy mozna sie odwolac od decyzji?"],
        ["dostalam decyzje 1 grudnia, co dalej?"],
        # An awizo: the decision counts as delivered 14 days later (art. 44 k.p.a.).
        ["dostalam awizo z decyzja 20 listopada, do kiedy moge sie odwolac?"],
        # Two decisions: which one is not guessed.
        [
            "Pierwszą decyzję dostałam 20 listopada. Drugą dostałam 1 grudnia.",
            "Do kiedy mogę się odwołać od pierwszej?",
        ],
        ["dostalam przelew 27 listopada, do kiedy moge sie odwolac?"],  # no decision named
        # Not the 14 days to the SKO: a court, ZUS, a postanowienie, the SKO itself, a notice,
        # or a deadline the person was given.
        ["dostalam wyrok sadu 27 listopada, do kiedy moge sie odwolac?"],
        ["decyzje z ZUS dostalam 27 listopada, do kiedy odwolanie?"],
        ["postanowienie dostalam 27 listopada, do kiedy moge sie odwolac?"],
        ["decyzje SKO dostalam 27 listopada, do kiedy moge sie odwolac?"],
        ["decyzje dostalam 27 listopada, napisali ze odwolanie w ciagu 30 dni. do kiedy?"],
        # The housing allowance: when the decision comes is not the months it is paid for.
        ["Złożyłam wniosek o dodatek mieszkaniowy 27 listopada, do kiedy będzie decyzja?"],
        ["Mam dodatek mieszkaniowy. Złożyłam wniosek o zasiłek 27 listopada, do kiedy dostanę?"],
    ],
)
def test_no_day_is_worked_out_where_it_could_be_the_wrong_one(texts: list[str]) -> None:
    assert dated_answer(texts, today=TODAY) is None


def test_a_decision_delivered_yesterday() -> None:
    found = dated_answer(
        ["wczoraj listonosz przyniosl decyzje z MOPS, ile mam czasu na odwolanie?"], today=TODAY
    )
    assert found is not None
    assert "najpóźniej 21 grudnia 2026 r. (poniedziałek)" in found.lead  # the 20th is a Sunday


def test_the_day_said_in_an_earlier_message_counts() -> None:
    found = dated_answer(
        [
            "Złożyłam dzisiaj wniosek o dodatek mieszkaniowy, mamy 20 stycznia.",
            "A jak przyznają, to od kiedy do kiedy będę go dostawał?",
        ],
        today=TODAY,
    )
    assert found is not None
    assert "od 1 lutego 2026 r. do 31 lipca 2026 r." in found.lead


def test_provisions_are_read_to_the_paragraph() -> None:
    both = "art. 129 § 2 i art. 57 § 1 i 4 Kodeksu postępowania administracyjnego"
    assert cited_units(both) == {("129", "2"), ("57", "1"), ("57", "4")}
    assert cited_units("art. 57 § 2–3a Kodeksu") == {("57", "2"), ("57", "3"), ("57", "3a")}
    assert cited_units("art. 7 ust. 5 ustawy o dodatkach mieszkaniowych") == {("7", "5")}


QUESTION = "dostałam decyzję o odmowie zasiłku 27 listopada, do kiedy mogę się odwołać?"


def test_the_assistant_answers_with_the_day_and_cites_the_procedure(
    served: ServedIndex,  # noqa: F811
    analyzer: PolishAnalyzer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dates, "warsaw_today", lambda: TODAY)
    chat = with_the_facts(served, analyzer)
    answer = chat.ask(QUESTION)
    assert answer.answer.startswith("Odwołanie możesz złożyć najpóźniej")
    direct = answer.direct_answer
    assert direct is not None
    assert "najpóźniej" in direct
    assert answer.citations
    for citation in answer.citations:
        assert "Kodeksu postępowania administracyjnego" in citation.provision
        assert f"[{citation.n}]" in answer.answer
    # Without a curated fact stating the rule, no day is worked out: the passages answer.
    plain = assistant(served, analyzer).ask(QUESTION)
    assert "najpóźniej 11 grudnia" not in plain.answer

"""'Co mi się należy?' (`rag.answering.overview`): every calculator the situation lets run, a
line each, and nothing the message does not let a calculator check."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.answering.analysis import Lexicon as ResidentsWords
from rag.answering.overview import asks_overview, overview
from rag.index import ServedIndex
from rag.lexical import PolishAnalyzer
from rag.runtime import knowledge_base_facts
from rag.settings import Settings
from tests.test_answering import (  # noqa: F401 (fixtures)
    KB,
    data_dir,
    served,
    with_the_facts,
)

ON = dt.date(2026, 3, 1)  # criteria of 2026 and the family-benefit period 2025/26 in the rules
PENSIONER = "mam 72 lata, mieszkam sama, emerytura 1100 zł. jaka pomoc mi przysługuje?"


@pytest.mark.parametrize(
    ("text", "general"),
    [
        ("co mi sie nalezy z MOPS-u?", True),
        ("Jaka pomoc mi przysługuje?", True),
        ("na co mogę liczyć, jestem sama z dzieckiem", True),
        ("o co mogę się starać w CUS?", True),
        ("co mogę dostać, zarabiam 2000", True),
        ("ile wynosi zasiłek stały?", False),
        ("czy należy mi się dodatek mieszkaniowy?", False),  # one benefit named: its calculator
        ("co mi się stało z wnioskiem?", False),
        ("co mi się należy z MOPS-u? mam 1200 renty", True),
        ("co mi się należy od gminy", True),
        ("po rozwodzie co mi się należy z majątku? zarabiam 3000", False),  # a court's
        ("co mi się należy od pracodawcy jak mnie zwolni? zarabiam 3500", False),
        ("co mi się należy z ZUS po wypadku?", False),
    ],
)
def test_a_general_question_about_help(text: str, general: bool) -> None:
    assert asks_overview(text) == general


def test_a_pensioner_over_the_criterion_hears_what_is_possible_whatever_the_income() -> None:
    facts, _ = knowledge_base_facts(Settings())
    found = overview([PENSIONER], facts=facts, on=ON)
    assert found is not None
    assert found.calculators == ("kryterium_dochodowe", "zasilek_staly")  # 72 and single
    lines = found.text.splitlines()
    assert lines[1].startswith("- Pomoc społeczna (zasiłki z MOPS/CUS): dochód przekracza")
    assert lines[2].startswith("- Zasiłek stały: zasiłek stały nie przysługuje")
    assert lines[3].startswith("- Pomoc jest jednak możliwa i przy wyższym dochodzie:")
    assert "ps-kto-bez-wzgledu-na-dochod" in [f.id for f in found.cited]
    for n in range(1, len(found.cited) + 1):
        assert f"[{n}]" in found.text  # every cited fact is pointed to


def test_children_a_flat_and_a_birth_add_their_calculators() -> None:
    found = overview(
        [
            "jest nas czworo, maz zarabia 3200 netto, dzieci 2 i 5 lat, mieszkanie 50 m2 "
            "komunalne, czynsz z oplatami 900 zl. co nam sie nalezy?"
        ],
        on=ON,
    )
    assert found is not None
    assert found.calculators == ("kryterium_dochodowe", "zasilek_rodzinny", "dodatek_mieszkaniowy")


@pytest.mark.parametrize(
    "text",
    [
        "co mi sie nalezy? jestem sama z dzieckiem",  # no income said: nothing to check
        "ile wynosi zasilek staly? mam 900 zl renty",  # not a general question
    ],
)
def test_no_overview_without_an_income_or_a_general_question(text: str) -> None:
    assert overview([text], on=ON) is None


def test_the_assistant_answers_the_pensioner_instead_of_sending_her_to_zus(
    served: ServedIndex,  # noqa: F811
    analyzer: PolishAnalyzer,
) -> None:
    chat = with_the_facts(served, analyzer, lexicon=ResidentsWords.load(KB / "slownik.yaml"))
    answer = chat.ask(PENSIONER)
    assert not answer.refused, answer.answer
    assert "Zasiłek stały:" in answer.answer
    assert answer.citations

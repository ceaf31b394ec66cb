"""Calculator rules: the shipped files hold together, agree with the knowledge base's curated facts
where both state a figure, and a broken file says where it is broken."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from ingest.loaders import discover, load_document
from rag.answering.facts import SourcedFact, load_facts
from rag.calculators import CALCULATORS, RulesError, compute, load_rules, read_rules
from rag.calculators.money import zl
from rag.calculators.rules import rules_files

KB = Path(__file__).resolve().parents[1] / "knowledge_base"


@pytest.fixture(scope="module")
def facts() -> dict[str, SourcedFact]:
    documents = [load_document(p, root=KB, strict=True) for p in discover(KB)]
    served, _ = load_facts(KB, documents)
    return {f.id: f for f in served}


def _stated(fact: SourcedFact, unit: str) -> set[Decimal]:
    return {Decimal(str(v.amount)) for v in fact.fact.values if v.unit == unit}


def test_the_shipped_rules_load_and_every_figure_is_used() -> None:
    rules = load_rules()
    assert [p.name for p in rules_files()] == [
        "dodatek_mieszkaniowy.yaml",
        "pomoc_spoleczna.yaml",
        "swiadczenia_rodzinne.yaml",
    ]
    used = {key for c in CALCULATORS.values() for key in c.figures}
    assert used == set(rules.figures)


def test_every_null_figure_says_why_and_every_period_names_a_provision() -> None:
    for figure in load_rules().figures.values():
        for period in figure.periods:
            assert "art." in period.provision, figure.key
            if period.value is None:
                assert "nie podają" in period.source or "nie podaje" in period.source, figure.key


def test_each_figure_agrees_with_the_facts_that_state_it(facts: dict[str, SourcedFact]) -> None:
    checked = 0
    for figure in load_rules().figures.values():
        for period in figure.periods:
            if period.value is None:
                continue
            values = (
                set(period.value.values())
                if not isinstance(period.value, Decimal)
                else {period.value}
            )
            for fact_id in period.facts:
                assert fact_id in facts, f"{figure.key}: no curated fact {fact_id} (or it fails)"
                stated = _stated(facts[fact_id], figure.unit)
                assert values <= stated, (
                    f"{figure.key} from {period.valid_from} is {sorted(values)}, "
                    f"but {fact_id} states {sorted(stated)} {figure.unit}"
                )
                checked += 1
    assert checked >= 60


@pytest.mark.parametrize(
    ("fact_id", "payload", "stated"),
    [
        # the bases of zasiłek stały the facts give: 130 % of 1 010 zł and of 823 zł
        ("ps-staly-ile-samotna", {"household_size": 1, "household_income": 0}, "1313"),
        (
            "ps-staly-ile-rodzina",
            {"household_size": 2, "household_income": 0, "own_income": 0},
            "1069.90",
        ),
    ],
)
def test_figures_the_calculator_derives_agree_with_the_facts(
    facts: dict[str, SourcedFact], fact_id: str, payload: dict[str, object], stated: str
) -> None:
    calc = compute(
        "zasilek_staly", {**payload, "age": 70, "excluded_benefit": False}, dt.date(2025, 6, 1)
    )
    assert Decimal(stated) in _stated(facts[fact_id], "zł")
    assert any(f"= {zl(Decimal(stated))}." in step.text for step in calc.steps)


GOOD_PERIOD = "      - {valid_from: 2025-01-01, value: 5, source: wartość do testu pliku}\n"


def _figure(unit: str, *periods: str) -> str:
    head = "figures:\n  x:\n    title: liczba do testu\n    provision: art. 1 ustawy\n"
    return f"{head}    unit: {unit}\n    periods:\n" + "".join(periods)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("figures: [", "not valid YAML"),
        (_figure("kg", GOOD_PERIOD), "figures.x.unit"),
        (_figure("zł", GOOD_PERIOD, GOOD_PERIOD), "overlap"),
        (
            _figure(
                "zł",
                "      - {valid_from: 2025-01-01, valid_to: 2024-01-01, value: 1, "
                "source: wartość do testu pliku}\n",
            ),
            "valid_to is before valid_from",
        ),
    ],
)
def test_a_broken_rules_file_says_where(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "zle.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        read_rules([path])
    assert "zle.yaml" in str(caught.value)
    assert where in str(caught.value)


def test_a_figure_defined_twice_is_refused(tmp_path: Path) -> None:
    shipped = rules_files()
    copy = tmp_path / "kopia.yaml"
    copy.write_text(shipped[0].read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(RulesError, match="defined in another file too"):
        read_rules([*shipped, copy])

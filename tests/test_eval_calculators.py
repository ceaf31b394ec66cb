"""The calculators suite: its split is fixed, and the chat's sums hold their measured level."""

from __future__ import annotations

from pathlib import Path

from eval.calculators import half_of, load_cases, run_calculators, score_case
from rag.answering.analysis import Lexicon


def test_the_halves_are_fixed_and_both_used() -> None:
    cases = load_cases()
    halves = [half_of(str(c["id"])) for c in cases]
    assert halves == [half_of(str(c["id"])) for c in cases]
    assert 0.35 < halves.count("dev") / len(halves) < 0.65
    assert len({c["id"] for c in cases}) == len(cases)


def test_a_case_is_scored_through_the_chat_path() -> None:
    result = score_case(
        {
            "id": "t-1",
            "calculator": "zasilek_okresowy",
            "message": "mieszkam sam, mam 1500 zł renty, czy dostanę okresowy?",
            "inputs": {"household_persons": 1, "income_net_monthly_total_pln": 1500},
            "expected": {"eligible": False},
        }
    )
    assert result.chosen
    assert result.correct
    assert result.read_right == result.read_total == 2
    wrong = score_case(
        {
            "id": "t-2",
            "calculator": "zasilek_okresowy",
            "message": "mieszkam sam, mam 500 zł renty, czy dostanę okresowy?",
            "inputs": {},
            "expected": {"eligible": True, "amount_pln": 999},
        }
    )
    assert wrong.result_ok
    assert not wrong.correct  # the amount is 255 zł, not 999


def test_the_calculator_gates_hold() -> None:
    kb = Path(__file__).resolve().parents[1] / "knowledge_base"
    run = run_calculators(lexicon=Lexicon.load(kb / "slownik.yaml"))  # as the chat reads them
    failed = [g for g in run.gates if g.gate.suite == "calculators" and g.status == "fail"]
    assert not failed, [(g.gate.key, g.value) for g in failed]
    assert any(g.gate.suite == "calculators" and g.status == "pass" for g in run.gates)

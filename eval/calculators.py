"""The calculators suite: sums residents ask in chat, judged the way a front-desk worker would.

`eval/calculators/cases-v1.yaml` was written by a helper from the acts and FACTS.md before any
calculator code existed: a resident's message, the values a careful worker reads from it, and
the result (eligible / not / cannot tell without asking), the amount where the rules fix one.
Each case is scored through what the chat does (`rag.answering.calculate`):

- `chosen`: the message is recognised as this calculator's sum (`is_calculable`);
- `result`: the calculator's outcome matches (a case that must ask counts as "unknown"; an
  input the calculator rejects with a Polish message counts as "unknown" too);
- `correct`: the outcome and, where the case fixes one, the amount to the grosz;
- `reading`: the share of labelled values (household, income, age, …) read right.

The file is split in two halves by a keyed hash of the case id (`SPLIT_SEED`); the reader and
the chooser were tuned on `dev` only; `held-out` is what is reported.
No model is needed: the suite runs in a second and gates the fast test suite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from eval.gates import GateResult, MetricKey, check_gates, load_gates
from rag.answering.analysis import Lexicon
from rag.answering.calculate import calculate, is_calculable
from rag.answering.situation import Situation, read_situation

CASES_PATH = Path(__file__).with_name("calculators") / "cases-v1.yaml"
SPLIT_SEED = "okienko-calc-v1"
HALVES = ("dev", "held-out")
DAY = dt.date(2026, 12, 6)  # the date the cases were written for ("in force on")
# The cases' names → the registry's.
_NAMES = {"kryterium": "kryterium_dochodowe"}
_OUTCOMES: dict[Any, str] = {
    True: "eligible",
    False: "not_eligible",
    "unknown": "unknown",
    None: "unknown",
}


def half_of(case_id: str) -> str:
    """The fixed half a case belongs to."""
    digest = hashlib.blake2b(f"{SPLIT_SEED}:{case_id}".encode(), digest_size=4).hexdigest()
    return "dev" if int(digest, 16) % 2 == 0 else "held-out"


@dataclass(frozen=True, slots=True)
class CaseResult:
    id: str
    calculator: str
    half: str
    chosen: bool
    result_ok: bool
    correct: bool
    read_right: int
    read_total: int
    got: str
    message: str


@dataclass(slots=True)
class CalculatorsRun:
    cases: list[CaseResult] = field(default_factory=list)
    gates: tuple[GateResult, ...] = ()

    def metrics(self, half: str) -> dict[str, float]:
        chosen = [c for c in self.cases if c.half == half]
        if not chosen:
            return {}
        read_total = sum(c.read_total for c in chosen)
        return {
            "chosen": sum(c.chosen for c in chosen) / len(chosen),
            "result": sum(c.result_ok for c in chosen) / len(chosen),
            "correct": sum(c.correct for c in chosen) / len(chosen),
            "reading": sum(c.read_right for c in chosen) / read_total if read_total else 0.0,
        }

    def measured(self) -> dict[MetricKey, float]:
        return {
            ("calculators", "calculators", half, metric): value
            for half in HALVES
            for metric, value in self.metrics(half).items()
        }

    @property
    def gates_passed(self) -> bool:
        return all(g.status != "fail" for g in self.gates)


def _labelled(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The case's labelled values, under the reader's names."""
    wanted: dict[str, Any] = {}
    household = next(
        (
            inputs[k]
            for k in ("household_persons", "family_members", "family_members_incl_newborn")
            if k in inputs
        ),
        None,
    )
    if isinstance(household, int) and household > 0:
        wanted["household"] = household
    for key in (
        "income_net_monthly_total_pln",
        "household_income_net_monthly_total_pln",
        "family_income_net_monthly_avg_prev_year_pln",
        "household_income_net_monthly_avg_3m_pln",
    ):
        value = inputs.get(key)
        if isinstance(value, int | float) and value >= 0:
            wanted["household_income"] = value
            break
    simple = {
        "applicant_income_net_monthly_pln": "own_income",
        "applicant_age_years": "age",
        "applicant_sex": "sex",
        "flat_area_m2": "flat_area",
        "rooms_kitchen_area_m2": "rooms_area",
        "housing_expenses_counted_monthly_pln": "housing_costs",
        "family_income_net_per_person_pln": "income_per_person",
        "medical_care_from_pregnancy_week": "care_week",
    }
    for key, name in simple.items():
        if key in inputs and inputs[key] is not None:
            wanted[name] = inputs[key]
    if "children" in inputs:
        wanted["children_ages"] = sorted(c["age_years"] for c in inputs["children"])
    if "birth_date" in inputs:
        wanted["birth"] = str(inputs["birth_date"])
    return wanted


def _read(situation: Situation, name: str) -> Any:
    if name == "children_ages":
        return sorted(situation.children_ages)
    if name == "birth":
        return situation.birth.isoformat() if situation.birth else None
    return getattr(situation, name)


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, int | float) and not isinstance(want, bool):
        return got is not None and abs(float(got) - float(want)) < 0.01
    return bool(got == want)


def score_case(case: Mapping[str, Any], lexicon: Lexicon | None = None) -> CaseResult:
    """One case through the chat's calculator path (with the residents' lexicon, as in chat)."""
    message = str(case["message"])
    name = _NAMES.get(case["calculator"], case["calculator"])
    expected = case.get("expected") or {}
    want = _OUTCOMES.get(expected.get("eligible"), "unknown")
    situation = read_situation(message, today=DAY)
    wanted = _labelled(case.get("inputs") or {})
    read_right = sum(_same(_read(situation, k), v) for k, v in wanted.items())
    chosen = is_calculable(message, situation, lexicon) == name
    got = "not_chosen"
    result_ok = correct = False
    if chosen:
        found = calculate(name, [message], on=DAY)
        got = found.calculation.result if found.calculation is not None else "invalid"
        result_ok = got == want or (want == "unknown" and got == "invalid")
        amount = expected.get("amount_pln")
        amount_ok = amount is None or (
            found.calculation is not None
            and found.calculation.amount is not None
            and abs(found.calculation.amount - Decimal(str(amount))) < Decimal("0.01")
        )
        correct = result_ok and amount_ok
    return CaseResult(
        id=str(case["id"]),
        calculator=name,
        half=half_of(str(case["id"])),
        chosen=chosen,
        result_ok=result_ok,
        correct=correct,
        read_right=read_right,
        read_total=len(wanted),
        got=got,
        message=message,
    )


def load_cases(path: Path = CASES_PATH) -> list[dict[str, Any]]:
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(cases, list):
        raise ValueError(f"{path}: expected a list of cases")
    return cases


def run_calculators(
    path: Path = CASES_PATH,
    *,
    lexicon: Lexicon | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CalculatorsRun:
    """Every case; `lexicon` is the residents' words the chat reads them with
    (`rag.runtime.build_lexicon`), None for none."""
    cases = load_cases(path)
    run = CalculatorsRun()
    for n, case in enumerate(cases, start=1):
        run.cases.append(score_case(case, lexicon))
        if progress is not None:
            progress(n, len(cases))
    run.gates = tuple(check_gates(load_gates(), run.measured(), model="none"))
    return run


def markdown(run: CalculatorsRun) -> str:
    lines = [
        "# Kalkulatory w czacie (eval/calculators/cases-v1.yaml)",
        "",
        "| miara | dev | held-out |",
        "|---|---:|---:|",
    ]
    dev, held = run.metrics("dev"), run.metrics("held-out")
    labels = {
        "chosen": "rozpoznany kalkulator",
        "result": "wynik (przysługuje / nie / trzeba dopytać)",
        "correct": "wynik i kwota",
        "reading": "odczytane wartości",
    }
    for key, label in labels.items():
        lines.append(f"| {label} | {dev.get(key, 0):.3f} | {held.get(key, 0):.3f} |")
    lines += ["", "## Według kalkulatora (held-out: poprawne / wszystkie)", ""]
    by_name: dict[str, list[CaseResult]] = {}
    for case in run.cases:
        if case.half == "held-out":
            by_name.setdefault(case.calculator, []).append(case)
    for name, cases in sorted(by_name.items()):
        lines.append(f"- {name}: {sum(c.correct for c in cases)} / {len(cases)}")
    lines += ["", "## Progi", ""]
    lines += [f"- {g.status}: {'/'.join(g.gate.key)} {g.gate.bound}: {g.value}" for g in run.gates
              if g.gate.suite == "calculators"]  # fmt: skip
    lines += ["", "## Błędy w held-out", ""]
    for case in run.cases:
        if case.half == "held-out" and not case.correct:
            lines.append(f"- `{case.id}` {case.calculator} → {case.got}: {case.message[:140]}")
    return "\n".join(lines) + "\n"


def write_report(run: CalculatorsRun, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "calculators.md"
    path.write_text(markdown(run), encoding="utf-8")
    return path


__all__: Sequence[str] = ("CalculatorsRun", "half_of", "run_calculators", "score_case")

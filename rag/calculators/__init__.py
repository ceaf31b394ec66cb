"""Deterministic eligibility and amount calculators for CUS benefits: rules as data, code as small
pure functions.

Use::

    from rag.calculators import CALCULATORS, InvalidInput, compute

    calc = compute("zasilek_staly", {"household_size": 1, "household_income": 600, "age": 70,
                                     "excluded_benefit": False}, dt.date(2025, 3, 1))
    calc.result   # "eligible" | "not_eligible" | "unknown"
    calc.amount   # Decimal("713.00"), per `calc.frequency` ("monthly" | "once"); None if none
    calc.missing  # input names still to ask for, e.g. ("age", "incapacity")
    calc.unknown_figures  # figures the sources lack for the date, in Polish
    calc.steps    # the working: Step(text="Zasiłek stały: 1 313 zł − 600 zł = 713 zł.",
                  #                   provision="art. 37 ust. 2 pkt 1 ustawy o pomocy społecznej")

- `CALCULATORS` maps a name to a `Calculator`: `title` and `description` in Polish,
  `input_schema()` (JSON Schema of the payload, Polish titles), `parse(payload)` (the typed
  input) and a call `calculator(typed_input, on)`.
- `compute(name, payload, on)` reads, checks and runs. Bad input raises `InvalidInput`, whose
  `errors` maps each field ("household_income", "children.0.age", "on") to a Polish sentence;
  an unknown name raises `UnknownCalculator`. A field left out is never an error: it is listed in
  `missing` when the answer needs it. Nothing is guessed: an input not given, or a figure the
  sources do not give for the date (the average wage of the housing allowance), makes the result
  "unknown" and says what it waits for; a condition already failed still answers "not_eligible".
- `on` is the application date: it picks the figures in force (social-assistance criteria before
  and after 1 January 2025, the family-benefit period, …). A date before every period the rules
  know is invalid input; a later period whose figures are not published yet answers "unknown".
  `read_date` reads one as a payload writes it ("2026-03-01"); dates are of 1900–2100.

The calculators (module → registry name):

- `social_assistance` → `kryterium_dochodowe`: the social-assistance income criterion;
- `permanent_allowance` → `zasilek_staly`; `periodic_allowance` → `zasilek_okresowy`;
- `family_allowance` → `zasilek_rodzinny` (with "złotówka za złotówkę");
- `birth_grant` → `becikowe`;
- `housing_allowance` → `dodatek_mieszkaniowy`.

Every amount, percentage and criterion lives in `rules/*.yaml` with its periods, provision and
source (`rules.py` says how to read and change them); a test holds the figures the knowledge
base's curated facts also state to those facts. An eligible result is never a decision: each
working ends with what CUS still checks (the reason for help, the interview, documents).
"""

from __future__ import annotations

from rag.calculators.calculation import Calculation, Frequency, Outcome, Step
from rag.calculators.calculator import Calculator
from rag.calculators.errors import CalculatorError, InvalidInput, RulesError, UnknownCalculator
from rag.calculators.inputs import read_date
from rag.calculators.registry import CALCULATORS, compute
from rag.calculators.rules import Rules, load_rules, read_rules

__all__ = [
    "CALCULATORS",
    "Calculation",
    "Calculator",
    "CalculatorError",
    "Frequency",
    "InvalidInput",
    "Outcome",
    "Rules",
    "RulesError",
    "Step",
    "UnknownCalculator",
    "compute",
    "load_rules",
    "read_date",
    "read_rules",
]

"""Every calculator by name, and `compute`: the one call the chat and the HTTP API need."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from rag.calculators.birth_grant import BECIKOWE
from rag.calculators.calculation import Calculation
from rag.calculators.calculator import Calculator
from rag.calculators.errors import UnknownCalculator
from rag.calculators.family_allowance import ZASILEK_RODZINNY
from rag.calculators.housing_allowance import DODATEK_MIESZKANIOWY
from rag.calculators.periodic_allowance import ZASILEK_OKRESOWY
from rag.calculators.permanent_allowance import ZASILEK_STALY
from rag.calculators.rules import Rules
from rag.calculators.social_assistance import KRYTERIUM

CALCULATORS: Mapping[str, Calculator[Any]] = {
    c.name: c
    for c in (
        KRYTERIUM,
        ZASILEK_STALY,
        ZASILEK_OKRESOWY,
        ZASILEK_RODZINNY,
        BECIKOWE,
        DODATEK_MIESZKANIOWY,
    )
}


def compute(
    name: str, payload: Mapping[str, Any], on: dt.date, *, rules: Rules | None = None
) -> Calculation:
    """Read a payload, check it and calculate with the figures in force on a date.

    Args:
        name: a key of `CALCULATORS` ("zasilek_staly").
        payload: the input as JSON gives it, fields as in the calculator's `input_schema()`;
            a field left out is not an error (the calculation lists it under `missing` if needed).
        on: the date the figures are taken for: the application date, as the acts count it.
        rules: the figures (default: the rules files shipped in `rag/calculators/rules/`).

    Returns:
        The calculation: result, amount, what is missing, what the sources lack, the steps.

    Raises:
        UnknownCalculator: no calculator of that name.
        InvalidInput: field → Polish message, for values that cannot be calculated on, fields
            that contradict each other, and a date outside every period of the rules (field "on").
    """
    calculator = CALCULATORS.get(name)
    if calculator is None:
        raise UnknownCalculator(name, tuple(CALCULATORS))
    return calculator(calculator.parse(payload), on, rules=rules)

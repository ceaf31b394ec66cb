"""What the calculators raise on purpose: bad input, an unknown calculator, broken rules files.

A figure the sources do not give is not an error: the calculation says "unknown" and names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from rag.errors import OkienkoError


class CalculatorError(OkienkoError):
    """Base of the calculators' errors."""


class InvalidInput(CalculatorError):
    """The input cannot be calculated on: each field with a message a resident understands.

    Raised for values no person has (a negative income, a household of 0), for values the
    calculator cannot read ("dużo"), for fields it does not know, and for a date outside every
    period the rules cover. A value that is merely not given yet is not invalid: the calculation
    lists it under `missing`.
    """

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors: Mapping[str, str] = MappingProxyType(dict(errors))
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


class UnknownCalculator(CalculatorError):
    """No calculator of that name is registered."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(f"no calculator {name!r} (known: {', '.join(known)})")
        self.name = name
        self.known = known


class RulesError(CalculatorError):
    """A rules file is malformed (staff edit it: the message says which file and where)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"calculator rules, {where}: {problem}")
        self.where = where
        self.problem = problem

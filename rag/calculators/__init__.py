"""Deterministic eligibility and amount calculators for CUS benefits: rules as data, code as small
pure functions.

Every amount, percentage and criterion lives in `rules/*.yaml` with its periods, provision and
source (`rules.py` says how to read and change them); a test holds the figures the knowledge
base's curated facts also state to those facts.
"""

from __future__ import annotations

from rag.calculators.errors import CalculatorError, InvalidInput, RulesError, UnknownCalculator
from rag.calculators.rules import Rules, load_rules, read_rules

__all__ = [
    "CalculatorError",
    "InvalidInput",
    "Rules",
    "RulesError",
    "UnknownCalculator",
    "load_rules",
    "read_rules",
]

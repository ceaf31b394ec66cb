"""Shared by the calculator tests: rules with a figure the sources lack filled in for a test."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from rag.calculators import Rules, load_rules
from rag.calculators.rules import Period

# Not a real average wage: the shipped rules give GUS figures only from 8 August 2025 to
# 30 April 2026, and the tests' usual date has none ("unknown"). Any value exercises the housing
# allowance's threshold and minimum on any date; this one is round to check by hand:
# thresholds 3 200 zł (40%) and 2 400 zł (30%), the smallest allowance 40 zł (0,5%).
TEST_WAGE = Decimal("8000")


def with_value(key: str, value: Decimal | int | str, rules: Rules | None = None) -> Rules:
    """The rules with one figure given a single value for every date its periods cover."""
    rules = rules if rules is not None else load_rules()
    figure = rules.figure(key)
    period = Period(
        valid_from=figure.first_day,
        valid_to=figure.last_day,
        value=Decimal(value),
        provision=figure.periods[-1].provision,
        source="wartość testowa",
    )
    return Rules({**rules.figures, key: replace(figure, periods=(period,))})


def housing_rules() -> Rules:
    """The shipped rules with `TEST_WAGE` as the average wage."""
    return with_value("przecietne_wynagrodzenie", TEST_WAGE)


def wage_gap_rules() -> Rules:
    """The shipped rules with the GUS wage known until 30 April 2026 (9 197,79 zł, the fourth
    quarter of 2025) and unknown after: as the sources stand on 2026-12-07, kept so when staff
    add later announcements."""
    rules = load_rules()
    figure = rules.figure("przecietne_wynagrodzenie")
    known = next(p for p in figure.periods if p.value == Decimal("9197.79"))
    gap = replace(
        known, valid_from=known.valid_to + dt.timedelta(days=1), valid_to=None, value=None
    )
    return Rules({**rules.figures, figure.key: replace(figure, periods=(known, gap))})

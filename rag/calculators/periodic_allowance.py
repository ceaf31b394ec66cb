"""Zasiłek okresowy (art. 38 ustawy o pomocy społecznej): for a household whose income is below
the criterion, e.g. in long illness, disability or unemployment.

The act sets a range, not one amount: at least half of the gap between criterion and income (never
below the minimum), at most the whole gap (for a person living alone, at most the per-person
criterion). CUS chooses within it; the calculation gives both ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rag.calculators.calculation import Calculation, Working
from rag.calculators.calculator import Calculator
from rag.calculators.inputs import closed, not_given
from rag.calculators.money import pct, percent_of, to_grosze_up, zl
from rag.calculators.social_assistance import (
    ACT,
    PER_PERSON,
    SINGLE,
    HouseholdIncome,
    HouseholdSize,
    criterion,
    income_rule,
)


@dataclass(frozen=True, slots=True)
class PeriodicAllowanceInput:
    """Zasiłek okresowy: for a household below the criterion, e.g. in illness or unemployment."""

    __pydantic_config__ = closed()

    household_size: HouseholdSize = None
    household_income: HouseholdIncome = None

    def problems(self, _on: dt.date, /) -> dict[str, str]:
        return {}


def _periodic(data: PeriodicAllowanceInput, w: Working) -> Calculation:
    size, income = data.household_size, data.household_income
    if size is None or income is None:
        return w.unknown(missing=not_given(household_size=size, household_income=income))
    income_rule(w)
    limit = criterion(w, size)
    if size > 1:
        family = limit * size
        w.step(
            f"Kryterium rodziny: {zl(limit)} × {size} = {zl(family)}.", f"art. 8 ust. 1 pkt 3 {ACT}"
        )
        limit = family
    who = "Dochód" if size == 1 else "Dochód rodziny"
    which = "kryterium" if size == 1 else "kryterium rodziny"
    if income >= limit:
        w.step(
            f"{who} {zl(income)} nie jest niższy od {which} {zl(limit)}: zasiłek okresowy nie "
            "przysługuje.",
            f"art. 38 ust. 1 {ACT}",
        )
        return w.not_eligible()
    gap = limit - income
    w.step(f"Różnica: {zl(limit)} − {zl(income)} = {zl(gap)}.", f"art. 38 ust. 2 {ACT}")
    upper = gap
    if size == 1:
        cap = w.figure(PER_PERSON)
        if gap > cap:
            w.step(
                f"Osobie samotnie gospodarującej zasiłek okresowy przysługuje najwyżej w wysokości "
                f"kryterium na osobę w rodzinie, czyli {zl(cap)}.",
                f"art. 38 ust. 2 pkt 1 {ACT}",
            )
            upper = cap
    share = w.figure("zasilek_okresowy_procent_gwarantowany")
    lower = to_grosze_up(percent_of(share, gap))
    w.step(
        f"Zasiłek nie może być niższy niż {pct(share)} różnicy: {pct(share)} × {zl(gap)} = "
        f"{zl(lower)}.",
        w.provision("zasilek_okresowy_procent_gwarantowany"),
    )
    floor = w.figure("zasilek_okresowy_minimum")
    if lower < floor:
        w.step(
            f"To mniej niż najniższa kwota zasiłku okresowego {zl(floor)}, więc zasiłek wynosi co "
            f"najmniej {zl(floor)}.",
            w.provision("zasilek_okresowy_minimum"),
        )
        lower = floor
    upper = max(upper, lower)
    w.step(
        f"Zasiłek okresowy: co najmniej {zl(lower)}, najwyżej {zl(upper)} miesięcznie – kwotę w "
        "tych granicach i okres wypłaty ustala CUS; rada gminy może uchwałą podnieść kwoty "
        "najniższe.",
        f"art. 38 ust. 2–6 {ACT}",
    )
    w.step(
        "Zasiłek okresowy przysługuje w szczególności z powodu długotrwałej choroby, "
        "niepełnosprawności albo bezrobocia – powód ocenia CUS w wywiadzie środowiskowym.",
        f"art. 38 ust. 1 {ACT}",
    )
    return w.eligible(lower, amount_max=upper)


ZASILEK_OKRESOWY = Calculator(
    name="zasilek_okresowy",
    title="Zasiłek okresowy",
    description="Czy osobie samotnie gospodarującej albo rodzinie przysługuje zasiłek okresowy "
    "i w jakich granicach CUS ustali jego kwotę.",
    input_type=PeriodicAllowanceInput,
    figures=(
        SINGLE,
        PER_PERSON,
        "zasilek_okresowy_procent_gwarantowany",
        "zasilek_okresowy_minimum",
    ),
    work=_periodic,
)

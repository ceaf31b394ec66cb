"""Świadczenia rodzinne: what zasiłek rodzinny and becikowe share (ustawa o świadczeniach
rodzinnych) — the family's income and the benefit period.

The income is the family's average monthly net income in the calendar year before the benefit
period (art. 3 pkt 2a), after the changes the act counts (income lost or gained, art. 5 ust.
4–4c): a resident may give it per month or for the whole year, and the working says which it
used. The benefit period runs from 1 November to 31 October (art. 3 pkt 10).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from rag.calculators.calculation import Working
from rag.calculators.inputs import Amount, People
from rag.calculators.money import monthly_from_yearly, zl

ACT = "ustawy o świadczeniach rodzinnych"

FamilySize = Annotated[
    People | None,
    Field(
        title="Liczba osób w rodzinie",
        description="Małżonkowie albo rodzice dzieci, opiekun faktyczny i dzieci na utrzymaniu do "
        "25 lat (starsze tylko w szczególnych przypadkach).",
    ),
]
MonthlyIncome = Annotated[
    Amount | None,
    Field(
        title="Dochód netto rodziny miesięcznie (zł)",
        description="Przeciętny miesięczny dochód netto całej rodziny z roku kalendarzowego przed "
        "okresem zasiłkowym (po podatku, składkach i płaconych alimentach). Podaj ten albo "
        "dochód roczny.",
    ),
]
YearlyIncome = Annotated[
    Amount | None,
    Field(
        title="Dochód netto rodziny za cały rok (zł)",
        description="Dochód netto całej rodziny za rok kalendarzowy przed okresem zasiłkowym; "
        "kalkulator dzieli go przez 12. Podaj ten albo dochód miesięczny.",
    ),
]


def income_problems(monthly: Decimal | None, yearly: Decimal | None) -> dict[str, str]:
    if monthly is not None and yearly is not None:
        return {"family_income_yearly": "Podaj dochód miesięczny albo roczny – nie oba naraz."}
    return {}


def benefit_period(on: dt.date) -> tuple[dt.date, dt.date]:
    """The benefit period (1 November – 31 October) that contains `on`."""
    start_year = on.year if on.month >= 11 else on.year - 1
    return dt.date(start_year, 11, 1), dt.date(start_year + 1, 10, 31)


def family_income(w: Working, monthly: Decimal | None, yearly: Decimal | None) -> Decimal | None:
    """The family's monthly income, with the step that says where it came from."""
    start, _ = benefit_period(w.on)
    year = start.year - 1
    if yearly is not None:
        monthly = monthly_from_yearly(yearly)
        w.step(
            f"Dochód netto rodziny za {year} r. (rok przed okresem zasiłkowym): {zl(yearly)} ÷ 12 "
            f"= {zl(monthly)} miesięcznie.",
            f"art. 3 pkt 2 i 2a {ACT}",
        )
        return monthly
    if monthly is not None:
        w.step(
            f"Przeciętny miesięczny dochód netto rodziny z {year} r. (rok przed okresem "
            f"zasiłkowym): {zl(monthly)}.",
            f"art. 3 pkt 2 i 2a {ACT}",
        )
    return monthly


def per_person(w: Working, income: Decimal, size: int) -> Decimal:
    """The family's income per head (ustawa o świadczeniach rodzinnych), written as a step."""
    return w.per_person(income, size, f"art. 3 pkt 2 {ACT}")


def years(n: int) -> str:
    """ "poniżej roku", "1 rok", "3 lata", "5 lat", "22 lata", "12 lat"."""
    if n == 0:
        return "poniżej roku"
    if n == 1:
        return "1 rok"
    if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14):
        return f"{n} lata"
    return f"{n} lat"

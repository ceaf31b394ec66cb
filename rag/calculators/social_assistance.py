"""Pomoc społeczna: the income criterion (art. 8 ustawy o pomocy społecznej), and the household,
income and criterion that zasiłek stały and zasiłek okresowy share with it.

Income is the net monthly income of the month before the application (art. 8 ust. 3), of the
whole household: one person living alone is "osoba samotnie gospodarująca", two or more living
and keeping house together are a family. A person's income per head is the household's income
divided by its size, rounded to the grosz; the working shows it that way, and uses it that way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from rag.calculators.calculation import Calculation, Working
from rag.calculators.calculator import Calculator
from rag.calculators.inputs import Amount, People, closed, not_given
from rag.calculators.money import day, zl

ACT = "ustawy o pomocy społecznej"
SINGLE = "kryterium_osoby_samotnie_gospodarujacej"
PER_PERSON = "kryterium_na_osobe_w_rodzinie"

HouseholdSize = Annotated[
    People | None,
    Field(
        title="Liczba osób w gospodarstwie domowym",
        description="1 – osoba samotnie gospodarująca; 2 i więcej – rodzina (osoby wspólnie "
        "mieszkające i gospodarujące, także niespokrewnione).",
    ),
]
HouseholdIncome = Annotated[
    Amount | None,
    Field(
        title="Dochód netto całego gospodarstwa miesięcznie (zł)",
        description="Suma dochodów netto wszystkich osób w gospodarstwie z miesiąca przed "
        "złożeniem wniosku: po podatku, składkach i płaconych alimentach. Nie wlicza się m.in. "
        "800 plus, zasiłku celowego ani pobieranego zasiłku okresowego (przy zasiłku stałym).",
    ),
]


def income_rule(w: Working) -> None:
    w.step(
        "Liczę dochód netto z miesiąca przed złożeniem wniosku: po odjęciu podatku, składek na "
        "ubezpieczenia i alimentów płaconych na inne osoby.",
        f"art. 8 ust. 3 {ACT}",
    )


def criterion(w: Working, size: int) -> Decimal:
    """The criterion that applies to the household (single person, or per person in a family)."""
    key = SINGLE if size == 1 else PER_PERSON
    value = w.figure(key)
    who = (
        "Gospodarstwo jednoosobowe: stosuje się kryterium osoby samotnie gospodarującej"
        if size == 1
        else f"Rodzina liczy {size} osoby: stosuje się kryterium na osobę w rodzinie"
        if size < 5
        else f"Rodzina liczy {size} osób: stosuje się kryterium na osobę w rodzinie"
    )
    w.step(f"{who} – {zl(value)} (kwota od {day(w.since(key))}).", w.provision(key))
    return value


def per_person(w: Working, income: Decimal, size: int) -> Decimal:
    """The household's income per head, rounded to the grosz, written as a step."""
    return w.per_person(income, size, f"art. 6 pkt 3 {ACT}")


def reason_needed(w: Working) -> None:
    w.step(
        "Sam dochód nie wystarcza: trzeba też mieć powód z ustawy, np. ubóstwo, bezrobocie, "
        "niepełnosprawność albo długotrwałą chorobę – ocenia to CUS w wywiadzie środowiskowym.",
        f"art. 7 i art. 8 ust. 1 {ACT}",
    )


# --- the income criterion ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CriterionInput:
    """Whether a household's income meets the social-assistance income criterion."""

    __pydantic_config__ = closed()

    household_size: HouseholdSize = None
    household_income: HouseholdIncome = None

    def problems(self, _on: dt.date, /) -> dict[str, str]:
        return {}


def _criterion(data: CriterionInput, w: Working) -> Calculation:
    size, income = data.household_size, data.household_income
    if size is None or income is None:
        return w.unknown(missing=not_given(household_size=size, household_income=income))
    income_rule(w)
    limit = criterion(w, size)
    if size == 1:
        measured = income
        what = "Dochód"
    else:
        w.step(
            f"Kryterium rodziny: {zl(limit)} × {size} = {zl(limit * size)}.",
            f"art. 8 ust. 1 pkt 3 {ACT}",
        )
        measured = per_person(w, income, size)
        what = "Dochód na osobę"
    if measured > limit:
        w.step(
            f"{what} {zl(measured)} przekracza kryterium {zl(limit)}: warunek dochodowy nie jest "
            "spełniony.",
            f"art. 8 ust. 1 {ACT}",
        )
        return w.not_eligible()
    w.step(
        f"{what} {zl(measured)} nie przekracza kryterium {zl(limit)}: warunek dochodowy jest "
        "spełniony.",
        f"art. 8 ust. 1 {ACT}",
    )
    reason_needed(w)
    w.step(
        "Rada gminy może uchwałą podwyższyć kryterium dla zasiłku okresowego i celowego – czy tak "
        "jest w naszym mieście, powie CUS.",
        f"art. 8 ust. 2 {ACT}",
    )
    return w.eligible(None)


KRYTERIUM = Calculator(
    name="kryterium_dochodowe",
    title="Kryterium dochodowe w pomocy społecznej",
    description="Czy dochód osoby samotnie gospodarującej albo rodziny mieści się w kryterium "
    "dochodowym pomocy społecznej.",
    input_type=CriterionInput,
    figures=(SINGLE, PER_PERSON),
    work=_criterion,
)

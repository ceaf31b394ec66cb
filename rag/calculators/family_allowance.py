"""Zasiłek rodzinny (art. 5–7 ustawy o świadczeniach rodzinnych): whether a family gets it, for
which children, and how much a month, "złotówka za złotówkę" included.

Each child is entitled by age (and, past 18, by schooling or a disability with schooling) and
gets the amount of its age band. A family whose income per head is within the criterion (higher
with a disabled child) gets the full sum; one slightly above it gets the sum less the excess,
paid only from the act's minimum. Where a child's schooling or disability is not known yet, the
best case still decides "not eligible" when even it would be; otherwise the answer waits for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from rag.calculators.calculation import Calculation, Working
from rag.calculators.calculator import Calculator
from rag.calculators.family_benefits import (
    ACT,
    FamilySize,
    MonthlyIncome,
    YearlyIncome,
    benefit_period,
    family_income,
    income_problems,
    per_person,
    years,
)
from rag.calculators.inputs import Age, Amount, closed, one_of
from rag.calculators.money import day, zl
from rag.calculators.rules import lookup

Education = Literal["szkola", "studia", "nie_uczy_sie"]
Disability = Literal[
    "brak",
    "orzeczenie_o_niepelnosprawnosci",
    "lekki_stopien",
    "umiarkowany_stopien",
    "znaczny_stopien",
]
# Raise the family's criterion (art. 5 ust. 2): a certificate of disability, moderate or severe.
_RAISES_CRITERION = ("orzeczenie_o_niepelnosprawnosci", "umiarkowany_stopien", "znaczny_stopien")
# Keep a child in school entitled until 24 (art. 6 ust. 1 pkt 3).
_MODERATE_OR_SEVERE = ("umiarkowany_stopien", "znaczny_stopien")
CRITERION = "zasilek_rodzinny_kryterium"
CRITERION_DISABLED = "zasilek_rodzinny_kryterium_dziecko_niepelnosprawne"


@dataclass(frozen=True, slots=True)
class Child:
    """A child in the family."""

    __pydantic_config__ = closed("Dziecko", "Jedno dziecko w rodzinie: wiek, nauka, orzeczenie.")

    age: Annotated[Age, Field(title="Wiek dziecka w pełnych latach")]
    education: Annotated[
        Education | None,
        one_of(
            {"szkola": "Uczy się w szkole", "studia": "Studiuje", "nie_uczy_sie": "Nie uczy się"}
        ),
        Field(title="Nauka dziecka", description="Potrzebna od 18 lat."),
    ] = None
    disability: Annotated[
        Disability | None,
        one_of(
            {
                "brak": "Brak orzeczenia",
                "orzeczenie_o_niepelnosprawnosci": "Orzeczenie o niepełnosprawności (do 16 lat)",
                "lekki_stopien": "Lekki stopień niepełnosprawności",
                "umiarkowany_stopien": "Umiarkowany stopień niepełnosprawności",
                "znaczny_stopien": "Znaczny stopień niepełnosprawności",
            }
        ),
        Field(
            title="Orzeczenie o niepełnosprawności dziecka",
            description="Dziecku do 16 lat wydaje się orzeczenie o niepełnosprawności, starszemu "
            "orzeczenie o stopniu niepełnosprawności.",
        ),
    ] = None


@dataclass(frozen=True, slots=True)
class FamilyAllowanceInput:
    """Zasiłek rodzinny for a family's children."""

    __pydantic_config__ = closed()

    family_size: FamilySize = None
    family_income_monthly: MonthlyIncome = None
    family_income_yearly: YearlyIncome = None
    children: Annotated[
        tuple[Child, ...],
        Field(title="Dzieci w rodzinie", description="Każde dziecko osobno.", max_length=15),
    ] = ()
    supplements_monthly: Annotated[
        Amount | None,
        Field(
            title="Dodatki do zasiłku rodzinnego miesięcznie (zł)",
            description="Suma przysługujących dodatków w przeliczeniu na miesiąc (art. 5 ust. 3b); "
            "liczy się przy „złotówce za złotówkę”. Bez dodatków pomiń.",
        ),
    ] = None

    def problems(self, _on: dt.date, /) -> dict[str, str]:
        found = income_problems(self.family_income_monthly, self.family_income_yearly)
        if self.family_size is not None and self.family_size < len(self.children) + 1:
            found["family_size"] = (
                "Rodzina liczy co najmniej rodzica i wszystkie dzieci z listy "
                f"({len(self.children) + 1} osoby)."
            )
        return found


@dataclass(frozen=True, slots=True)
class _Entitlement:
    amount: Decimal | None  # None: not entitled, or not known (see `missing`)
    missing: tuple[str, ...] = ()


def _child(w: Working, index: int, child: Child) -> _Entitlement:
    """Whether one child is entitled, and to how much (art. 6)."""
    where = f"children.{index}"
    who = f"Dziecko {index + 1} ({years(child.age)})"
    plain = w.figure("zasilek_rodzinny_wiek_bez_nauki")
    school = w.figure("zasilek_rodzinny_wiek_nauka_w_szkole")
    disabled = w.figure("zasilek_rodzinny_wiek_nauka_z_niepelnosprawnoscia")
    entitled: bool | None
    if child.age < plain:
        entitled = True
    elif child.age >= disabled:
        entitled = False
    elif child.education is None:
        return _Entitlement(None, (f"{where}.education",))
    elif child.education == "nie_uczy_sie":
        entitled = False
    elif child.education == "szkola" and child.age < school:
        entitled = True
    elif child.disability is None:
        return _Entitlement(None, (f"{where}.disability",))
    else:
        entitled = child.disability in _MODERATE_OR_SEVERE
    if not entitled:
        w.step(
            f"{who}: zasiłek nie przysługuje – na dziecko przysługuje do {years(int(plain))}, przy "
            f"nauce w szkole do {years(int(school))}, a przy nauce i umiarkowanym albo znacznym "
            f"stopniu niepełnosprawności do {years(int(disabled))}.",
            f"art. 6 ust. 1 {ACT}",
        )
        return _Entitlement(None)
    amount = lookup(w.table("zasilek_rodzinny_kwota"), child.age)
    if amount is None:  # the table starts at age 0, so only a broken rules file gets here
        return _Entitlement(None)
    w.step(f"{who}: zasiłek {zl(amount)} miesięcznie.", w.provision("zasilek_rodzinny_kwota"))
    return _Entitlement(amount)


def _criteria(
    w: Working, children: tuple[Child, ...]
) -> tuple[Decimal, Decimal | None, tuple[str, ...]]:
    """The criterion surely applicable, a higher one that may apply, and what would settle it."""
    low, high = w.figure(CRITERION), w.figure(CRITERION_DISABLED)
    if any(c.disability in _RAISES_CRITERION for c in children):
        w.step(
            f"W rodzinie jest dziecko z orzeczeniem o niepełnosprawności: kryterium {zl(high)} na "
            f"osobę (kwota od {day(w.since(CRITERION_DISABLED))}).",
            w.provision(CRITERION_DISABLED),
        )
        return high, None, ()
    unknown = tuple(
        f"children.{i}.disability" for i, c in enumerate(children) if c.disability is None
    )
    w.step(
        f"Kryterium dochodowe: {zl(low)} na osobę (kwota od {day(w.since(CRITERION))})"
        + (
            f"; {zl(high)}, jeśli w rodzinie jest dziecko z orzeczeniem o niepełnosprawności."
            if unknown
            else "."
        ),
        w.provision(CRITERION),
    )
    return low, (high if unknown else None), unknown


def _family_allowance(data: FamilyAllowanceInput, w: Working) -> Calculation:
    income_given = data.family_income_monthly is not None or data.family_income_yearly is not None
    size = data.family_size
    missing = (
        *(("family_size",) if size is None else ()),
        *(() if income_given else ("family_income_monthly",)),
        *(() if data.children else ("children",)),
    )
    if size is None or missing:
        return w.unknown(missing=missing)
    start, end = benefit_period(w.on)
    w.step(
        f"Okres zasiłkowy {start.year}/{end.year}: od {day(start)} do {day(end)}",
        f"art. 3 pkt 10 {ACT}",
    )
    entitlements = [_child(w, i, child) for i, child in enumerate(data.children)]
    known = sum((e.amount for e in entitlements if e.amount is not None), Decimal(0))
    pending = tuple(name for e in entitlements for name in e.missing)
    if not pending and known == 0:
        return w.not_eligible()
    supplements = data.supplements_monthly or Decimal(0)
    total = known + supplements
    if pending:
        # a child still to be settled adds at most the highest band
        best = total + max(w.table("zasilek_rodzinny_kwota").values()) * (len(pending))
    else:
        best = total
        w.step(
            f"Zasiłki rodzinne razem: {zl(known)} miesięcznie"
            + (f", z dodatkami {zl(total)}." if supplements else "."),
            f"art. 6 ust. 2 {ACT}",
        )
    income = family_income(w, data.family_income_monthly, data.family_income_yearly)
    if income is None:
        return w.unknown(missing=("family_income_monthly",))
    share = per_person(w, income, size)
    low, high, unsettled = _criteria(w, data.children)
    limit = high if high is not None else low
    floor = w.figure("zasilek_rodzinny_minimalna_wyplata")
    if share <= low and not pending:
        return _full(w, share, low, total, supplements)
    excess = max(income - limit * size, Decimal(0))
    if excess >= best or best - excess < floor:
        w.step(
            f"Dochód rodziny {zl(income)} przekracza kryterium rodziny {zl(limit)} × {size} = "
            f"{zl(limit * size)} o {zl(excess)}; po odjęciu tej kwoty od zasiłków "
            f"({zl(best)}) zostaje mniej niż {zl(floor)}, więc zasiłek nie przysługuje.",
            f"art. 5 ust. 3–3c {ACT}",
        )
        return w.not_eligible()
    if pending or (unsettled and share > low):
        asked = (*pending, *(unsettled if share > low else ()))
        return w.unknown(missing=tuple(dict.fromkeys(asked)))
    if share <= limit:
        return _full(w, share, limit, total, supplements)
    partial = total - excess
    w.step(
        f"Dochód rodziny {zl(income)} przekracza kryterium rodziny {zl(limit)} × {size} = "
        f"{zl(limit * size)} o {zl(excess)}. „Złotówka za złotówkę”: {zl(total)} − {zl(excess)} "
        f"= {zl(partial)} miesięcznie.",
        f"art. 5 ust. 3–3c {ACT}",
    )
    return _eligible(w, partial)


def _full(
    w: Working, share: Decimal, limit: Decimal, total: Decimal, supplements: Decimal
) -> Calculation:
    what = "zasiłek z dodatkami" if supplements else "zasiłek"
    w.step(
        f"Dochód na osobę {zl(share)} nie przekracza kryterium {zl(limit)}: {what} przysługuje w "
        f"pełnej wysokości, {zl(total)} miesięcznie.",
        f"art. 5 ust. 1–2 {ACT}",
    )
    return _eligible(w, total)


def _eligible(w: Working, amount: Decimal) -> Calculation:
    w.step(
        "Zasiłek nie przysługuje m.in. na dziecko w pieczy zastępczej albo w związku małżeńskim, "
        "ani samotnemu rodzicowi bez zasądzonych alimentów (z wyjątkami) – to sprawdzi CUS.",
        f"art. 7 {ACT}",
    )
    return w.eligible(amount)


ZASILEK_RODZINNY = Calculator(
    name="zasilek_rodzinny",
    title="Zasiłek rodzinny",
    description="Czy rodzinie przysługuje zasiłek rodzinny na dzieci i ile wynosi miesięcznie, "
    "także przy niewielkim przekroczeniu kryterium („złotówka za złotówkę”).",
    input_type=FamilyAllowanceInput,
    figures=(
        CRITERION,
        CRITERION_DISABLED,
        "zasilek_rodzinny_kwota",
        "zasilek_rodzinny_wiek_bez_nauki",
        "zasilek_rodzinny_wiek_nauka_w_szkole",
        "zasilek_rodzinny_wiek_nauka_z_niepelnosprawnoscia",
        "zasilek_rodzinny_minimalna_wyplata",
    ),
    work=_family_allowance,
)

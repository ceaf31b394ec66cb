"""Becikowe — jednorazowa zapomoga z tytułu urodzenia dziecka (art. 15b ustawy o świadczeniach
rodzinnych): a fixed sum per child born, for a family within the income criterion, applied for
within twelve months.

Unlike zasiłek rodzinny there is no "złotówka za złotówkę": a grosz over the criterion and the
grant is lost. The calculation date is the day the application is filed; the deadline counts as
the code of administrative procedure counts months (art. 57 § 3–4 KPA): it ends on the same day
of the month, or the month's last day, and a Saturday or Sunday moves it to Monday.
"""

from __future__ import annotations

import calendar
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
    family_income,
    income_problems,
    per_person,
)
from rag.calculators.inputs import Births, Day, Flag, closed, one_of
from rag.calculators.money import day, zl

Applicant = Literal["rodzic", "opiekun"]
KPA_DEADLINES = "art. 57 § 3 i 4 Kodeksu postępowania administracyjnego"


@dataclass(frozen=True, slots=True)
class BirthGrantInput:
    """Becikowe for a child (or children of one birth)."""

    __pydantic_config__ = closed()

    family_size: FamilySize = None
    family_income_monthly: MonthlyIncome = None
    family_income_yearly: YearlyIncome = None
    birth_date: Annotated[Day | None, Field(title="Data urodzenia dziecka")] = None
    children_born: Annotated[
        Births | None,
        Field(
            title="Liczba urodzonych dzieci", description="Przy bliźniętach 2, przy trojaczkach 3."
        ),
    ] = None
    applicant: Annotated[
        Applicant | None,
        one_of(
            {
                "rodzic": "Rodzic (matka albo ojciec)",
                "opiekun": "Opiekun (prawny, faktyczny) albo osoba przysposabiająca",
            }
        ),
        Field(
            title="Kto składa wniosek",
            description="rodzic (matka albo ojciec) albo opiekun (prawny, faktyczny, osoba "
            "przysposabiająca).",
        ),
    ] = None
    care_start_date: Annotated[
        Day | None,
        Field(
            title="Data objęcia dziecka opieką albo przysposobienia",
            description="Tylko gdy wniosek składa opiekun.",
        ),
    ] = None
    medical_care: Annotated[
        Flag | None,
        Field(
            title="Opieka medyczna od 10. tygodnia ciąży",
            description="Matka była pod opieką lekarza lub położnej najpóźniej od 10. tygodnia "
            "ciąży do porodu (zaświadczenie). Nie dotyczy opiekunów.",
        ),
    ] = None

    def problems(self, on: dt.date, /) -> dict[str, str]:
        found = income_problems(self.family_income_monthly, self.family_income_yearly)
        if self.birth_date is not None and self.birth_date > on:
            found["birth_date"] = "Data urodzenia nie może być późniejsza niż data wniosku."
        if self.care_start_date is not None:
            if self.care_start_date > on:
                found["care_start_date"] = (
                    "Data objęcia opieką nie może być późniejsza niż data wniosku."
                )
            elif self.birth_date is not None and self.care_start_date < self.birth_date:
                found["care_start_date"] = "Opieka nie mogła zacząć się przed urodzeniem dziecka."
        return found


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day `months` later, or that month's last day (art. 57 § 3 KPA)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _working_day(deadline: dt.date) -> dt.date:
    """A deadline on Saturday or Sunday ends on Monday (art. 57 § 4 KPA; holidays not known)."""
    return deadline + dt.timedelta(days={5: 2, 6: 1}.get(deadline.weekday(), 0))


def _in_time(data: BirthGrantInput, w: Working) -> tuple[bool | None, tuple[str, ...]]:
    birth = data.birth_date
    if birth is None:
        return None, ("birth_date",)
    months = int(w.figure("becikowe_termin"))
    from_birth = _working_day(add_months(birth, months))
    if data.applicant != "opiekun":
        if w.on <= from_birth:
            w.step(
                f"Wniosek złożony {day(w.on)}, w terminie {months} miesięcy od urodzenia "
                f"(do {day(from_birth)}).",
                w.provision("becikowe_termin"),
            )
            return True, ()
        if data.applicant is None:
            return None, ("applicant",)
        w.step(
            f"Termin na wniosek minął {day(from_birth)} ({months} miesięcy od urodzenia); "
            "wniosek złożony po terminie zostaje bez rozpoznania. Jeśli ostatni dzień wypadł w "
            "święto, termin przesuwa się na następny dzień roboczy – wtedy zapytaj w CUS.",
            f"{w.provision('becikowe_termin')}; {KPA_DEADLINES}",
        )
        return False, ()
    if data.care_start_date is None:
        return None, ("care_start_date",)
    limit_age = int(w.figure("becikowe_wiek_dziecka_pod_opieka"))
    adult = add_months(birth, 12 * limit_age)
    deadline = _working_day(add_months(data.care_start_date, months))
    met = w.on <= deadline and w.on < adult
    w.step(
        f"Opiekun składa wniosek w ciągu {months} miesięcy od objęcia dziecka opieką (do "
        f"{day(deadline)}), najpóźniej przed {limit_age}. urodzinami dziecka: wniosek z "
        f"{day(w.on)} {'jest' if met else 'nie jest'} w terminie.",
        w.provision("becikowe_termin"),
    )
    return met, ()


def _medical_care(data: BirthGrantInput, w: Working) -> tuple[bool | None, tuple[str, ...]]:
    provision = f"art. 15b ust. 5–7 {ACT}"
    if data.applicant == "opiekun":
        return True, ()
    if data.medical_care is None:
        return None, ("medical_care",)
    if data.medical_care:
        w.step("Matka była pod opieką medyczną od 10. tygodnia ciąży do porodu.", provision)
        return True, ()
    if data.applicant is None:
        return None, ("applicant",)
    w.step(
        "Bez opieki medycznej nad matką najpóźniej od 10. tygodnia ciąży do porodu becikowe "
        "rodzicom nie przysługuje.",
        provision,
    )
    return False, ()


def _birth_grant(data: BirthGrantInput, w: Working) -> Calculation:
    checks = [_in_time(data, w), _medical_care(data, w)]
    size = data.family_size
    income = family_income(w, data.family_income_monthly, data.family_income_yearly)
    if size is None or income is None:
        checks.append(
            (
                None,
                (
                    *(("family_size",) if size is None else ()),
                    *(("family_income_monthly",) if income is None else ()),
                ),
            )
        )
    else:
        share = per_person(w, income, size)
        limit = w.figure("becikowe_kryterium")
        met = share <= limit
        w.step(
            f"Dochód na osobę {zl(share)} {'nie przekracza' if met else 'przekracza'} kryterium "
            f"{zl(limit)}"
            + (
                "."
                if met
                else "; przy becikowym nie ma „złotówki za złotówkę”, więc nie przysługuje."
            ),
            w.provision("becikowe_kryterium"),
        )
        checks.append((met, ()))
    if data.children_born is None:
        checks.append((None, ("children_born",)))
    if any(met is False for met, _ in checks):
        return w.not_eligible()
    if any(met is None for met, _ in checks) or data.children_born is None:
        asked = (name for _, names in checks for name in names)
        return w.unknown(missing=tuple(dict.fromkeys(asked)))
    each = w.figure("becikowe_kwota")
    amount = each * data.children_born
    w.step(
        f"Becikowe: {zl(each)} × {data.children_born} = {zl(amount)} jednorazowo."
        if data.children_born > 1
        else f"Becikowe: {zl(amount)} jednorazowo.",
        w.provision("becikowe_kwota"),
    )
    w.step(
        "Becikowe nie przysługuje, gdy ktoś w rodzinie dostaje świadczenie z powodu narodzin "
        "dziecka za granicą, ani samotnemu rodzicowi bez alimentów ustalonych przez sąd (z "
        "wyjątkami) – to sprawdzi CUS.",
        f"art. 15b ust. 4 {ACT}",
    )
    return w.eligible(Decimal(amount))


BECIKOWE = Calculator(
    name="becikowe",
    title="Becikowe (jednorazowa zapomoga z tytułu urodzenia dziecka)",
    description="Czy rodzinie przysługuje becikowe na urodzone dziecko i w jakiej kwocie.",
    input_type=BirthGrantInput,
    figures=(
        "becikowe_kwota",
        "becikowe_kryterium",
        "becikowe_termin",
        "becikowe_wiek_dziecka_pod_opieka",
    ),
    work=_birth_grant,
    frequency="once",
)

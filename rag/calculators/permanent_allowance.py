"""Zasiłek stały (art. 37 ustawy o pomocy społecznej): for an adult who cannot work because of
age or total incapacity for work, with an income below the criterion.

The amount is a percentage of the criterion less the income (per head in a family), capped for a
person living alone and never below the minimum. The conditions are checked each on its own, so
one that fails answers "not eligible" even while another still waits for an answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from rag.calculators.calculation import Calculation, Working
from rag.calculators.calculator import Calculator
from rag.calculators.inputs import Age, Amount, Flag, closed, not_given, one_of
from rag.calculators.money import pct, percent_of, to_grosze, zl
from rag.calculators.social_assistance import (
    ACT,
    PER_PERSON,
    SINGLE,
    HouseholdIncome,
    HouseholdSize,
    criterion,
    income_rule,
    per_person,
)

Incapacity = Literal[
    "calkowita_niezdolnosc_do_pracy",
    "grupa_inwalidzka_I_lub_II",
    "znaczny_stopien",
    "umiarkowany_stopien",
    "lekki_stopien",
    "brak",
]
INCAPACITY_LABELS: dict[str, str] = {
    "calkowita_niezdolnosc_do_pracy": "Orzeczenie o całkowitej niezdolności do pracy",
    "grupa_inwalidzka_I_lub_II": "I albo II grupa inwalidzka",
    "znaczny_stopien": "Znaczny stopień niepełnosprawności",
    "umiarkowany_stopien": "Umiarkowany stopień niepełnosprawności",
    "lekki_stopien": "Lekki stopień niepełnosprawności",
    "brak": "Brak orzeczenia",
}
_QUALIFYING: dict[str, str] = {
    "calkowita_niezdolnosc_do_pracy": "orzeczenie o całkowitej niezdolności do pracy",
    "grupa_inwalidzka_I_lub_II": "I albo II grupa inwalidzka",
    "znaczny_stopien": "znaczny stopień niepełnosprawności",
    "umiarkowany_stopien": "umiarkowany stopień niepełnosprawności",
}


@dataclass(frozen=True, slots=True)
class PermanentAllowanceInput:
    """Zasiłek stały: an adult who cannot work because of age or total incapacity for work."""

    __pydantic_config__ = closed()

    household_size: HouseholdSize = None
    household_income: HouseholdIncome = None
    own_income: Annotated[
        Amount | None,
        Field(
            title="Twój własny dochód netto miesięcznie (zł)",
            description="Potrzebny, gdy mieszkasz z rodziną: dochód osoby, która ubiega się o "
            "zasiłek, bez dochodów pozostałych członków rodziny.",
        ),
    ] = None
    age: Annotated[Age | None, Field(title="Wiek w pełnych latach")] = None
    sex: Annotated[
        Literal["kobieta", "mezczyzna"] | None,
        one_of({"kobieta": "Kobieta", "mezczyzna": "Mężczyzna"}),
        Field(title="Płeć", description="Wiek emerytalny: kobieta 60 lat, mężczyzna 65 lat."),
    ] = None
    incapacity: Annotated[
        Incapacity | None,
        one_of(INCAPACITY_LABELS),
        Field(
            title="Orzeczenie o niezdolności do pracy albo o niepełnosprawności",
            description="Całkowitą niezdolność do pracy daje orzeczenie ZUS o całkowitej "
            "niezdolności, I lub II grupa inwalidzka albo znaczny lub umiarkowany stopień "
            "niepełnosprawności; lekki stopień nie wystarcza.",
        ),
    ] = None
    excluded_benefit: Annotated[
        Flag | None,
        Field(
            title="Prawo do świadczenia, które wyklucza zasiłek stały",
            description="Renta socjalna, świadczenie pielęgnacyjne, specjalny zasiłek opiekuńczy, "
            "zasiłek dla opiekuna albo dodatek z tytułu samotnego wychowywania dziecka po utracie "
            "zasiłku dla bezrobotnych.",
        ),
    ] = None

    def problems(self, _on: dt.date, /) -> dict[str, str]:
        own, total = self.own_income, self.household_income
        if own is None or total is None or self.household_size is None:
            return {}
        if self.household_size == 1 and own != total:
            return {
                "own_income": "Przy gospodarstwie jednoosobowym Twój dochód to dochód "
                "gospodarstwa: podaj tę samą kwotę albo tylko jedną z nich."
            }
        if own > total:
            return {"own_income": "Twój dochód nie może być wyższy niż dochód całej rodziny."}
        return {}


Check = tuple[bool | None, tuple[str, ...]]  # met, not met, or not known and what to ask


def _cannot_work(data: PermanentAllowanceInput, w: Working) -> Check:
    """Whether the person is an adult unable to work by age or total incapacity."""
    unknown_incapacity = ("incapacity",) if data.incapacity is None else ()
    if data.age is None:
        return None, ("age", *unknown_incapacity)
    if data.age < 18:
        w.step("Zasiłek stały przysługuje tylko osobie pełnoletniej.", f"art. 37 ust. 1 {ACT}")
        return False, ()
    if data.incapacity in _QUALIFYING:
        w.step(
            f"{_QUALIFYING[data.incapacity].capitalize()} oznacza całkowitą niezdolność do pracy.",
            f"art. 6 pkt 1 {ACT}",
        )
        return True, ()
    woman, man = w.figure("wiek_emerytalny_kobiety"), w.figure("wiek_emerytalny_mezczyzny")
    if (
        data.age >= max(woman, man)
        or (data.sex == "kobieta" and data.age >= woman)
        or (data.sex == "mezczyzna" and data.age >= man)
    ):
        w.step(
            f"Wiek {data.age} lat to wiek emerytalny: niezdolność do pracy z powodu wieku.",
            w.provision("wiek_emerytalny_kobiety"),
        )
        return True, ()
    if data.age >= min(woman, man) and data.sex is None:
        w.step(
            f"Wiek {data.age} lat: kobieta ma już wiek emerytalny ({woman} lat), mężczyzna jeszcze "
            f"nie ({man} lat) – potrzebna jest płeć albo orzeczenie o niezdolności do pracy.",
            w.provision("wiek_emerytalny_kobiety"),
        )
        return None, ("sex", *unknown_incapacity)
    if data.incapacity is None:
        return None, unknown_incapacity
    w.step(
        f"Wiek {data.age} lat to mniej niż wiek emerytalny (kobieta {woman}, mężczyzna {man} lat), "
        "a bez orzeczenia o całkowitej niezdolności do pracy, I lub II grupy albo znacznego lub "
        "umiarkowanego stopnia niepełnosprawności zasiłek stały nie przysługuje.",
        f"art. 37 ust. 1 i art. 6 pkt 1 i 7 {ACT}",
    )
    return False, ()


def _not_excluded(data: PermanentAllowanceInput, w: Working) -> Check:
    if data.excluded_benefit is None:
        return None, ("excluded_benefit",)
    if data.excluded_benefit:
        w.step(
            "Prawo do renty socjalnej, świadczenia pielęgnacyjnego, specjalnego zasiłku "
            "opiekuńczego, zasiłku dla opiekuna albo dodatku z tytułu samotnego wychowywania "
            "dziecka po utracie zasiłku dla bezrobotnych wyklucza zasiłek stały.",
            f"art. 37 ust. 4 {ACT}",
        )
        return False, ()
    return True, ()


def _income_measured(data: PermanentAllowanceInput) -> Decimal | None:
    """The income the criterion is held to: the person's own when living alone."""
    if data.household_size == 1:
        return data.household_income if data.household_income is not None else data.own_income
    return data.household_income


def _permanent_income(data: PermanentAllowanceInput, w: Working) -> Check:
    size, total, own = data.household_size, _income_measured(data), data.own_income
    if size is None:
        return None, ("household_size", *not_given(household_income=data.household_income))
    if total is None:
        return None, ("household_income", *(("own_income",) if size > 1 and own is None else ()))
    if size > 1 and own is None:
        return None, ("own_income",)
    income_rule(w)
    w.step("Do dochodu nie wlicza się pobieranego zasiłku okresowego.", f"art. 37 ust. 6 {ACT}")
    limit = criterion(w, size)
    if size == 1 or own is None:
        met = total < limit
        w.step(
            f"Dochód {zl(total)} {'jest' if met else 'nie jest'} niższy od kryterium {zl(limit)}: "
            f"warunek dochodowy {'jest' if met else 'nie jest'} spełniony.",
            f"art. 37 ust. 1 pkt 1 {ACT}",
        )
        return met, ()
    share = per_person(w, total, size)
    met = own < limit and share < limit
    w.step(
        f"Twój dochód {zl(own)} i dochód na osobę {zl(share)} "
        + ("są niższe od" if met else "nie są oba niższe od")
        + f" kryterium {zl(limit)}: warunek dochodowy {'jest' if met else 'nie jest'} spełniony.",
        f"art. 37 ust. 1 pkt 2 {ACT}",
    )
    return met, ()


def _permanent(data: PermanentAllowanceInput, w: Working) -> Calculation:
    checks = [_cannot_work(data, w), _not_excluded(data, w), _permanent_income(data, w)]
    if any(met is False for met, _ in checks):
        return w.not_eligible()
    size, income = data.household_size, _income_measured(data)
    if any(met is None for met, _ in checks) or size is None or income is None:
        return w.unknown(missing=tuple(name for _, names in checks for name in names))
    share = w.figure("zasilek_staly_procent_kryterium")
    key = SINGLE if size == 1 else PER_PERSON
    base = to_grosze(percent_of(share, w.figure(key)))
    what = "kryterium" if size == 1 else "kryterium na osobę"
    w.step(
        f"Podstawa zasiłku, {pct(share)} {what}: {pct(share)} × {zl(w.figure(key))} = {zl(base)}.",
        w.provision("zasilek_staly_procent_kryterium"),
    )
    measured = income if size == 1 else to_grosze(income / size)
    amount = base - measured
    w.step(
        f"Zasiłek stały: {zl(base)} − {zl(measured)} = {zl(amount)}.",
        f"art. 37 ust. 2 pkt {1 if size == 1 else 2} {ACT}",
    )
    if size == 1:
        cap = w.figure("zasilek_staly_maksimum")
        if amount > cap:
            w.step(
                f"To więcej niż najwyższa kwota {zl(cap)}, więc zasiłek wynosi {zl(cap)}.",
                w.provision("zasilek_staly_maksimum"),
            )
            amount = cap
    floor = w.figure("zasilek_staly_minimum")
    if amount < floor:
        w.step(
            f"To mniej niż najniższa kwota {zl(floor)}, więc zasiłek wynosi {zl(floor)}.",
            w.provision("zasilek_staly_minimum"),
        )
        amount = floor
    w.step(
        f"Zasiłek stały: {zl(amount)} miesięcznie. O przyznaniu decyduje CUS po wywiadzie "
        "środowiskowym.",
        f"art. 37 i art. 106 ust. 1 {ACT}",
    )
    return w.eligible(amount)


ZASILEK_STALY = Calculator(
    name="zasilek_staly",
    title="Zasiłek stały",
    description="Czy pełnoletniej osobie niezdolnej do pracy z powodu wieku albo całkowicie "
    "niezdolnej do pracy przysługuje zasiłek stały i w jakiej wysokości.",
    input_type=PermanentAllowanceInput,
    figures=(
        SINGLE,
        PER_PERSON,
        "zasilek_staly_procent_kryterium",
        "zasilek_staly_maksimum",
        "zasilek_staly_minimum",
        "wiek_emerytalny_kobiety",
        "wiek_emerytalny_mezczyzny",
    ),
    work=_permanent,
)

"""Dodatek mieszkaniowy (ustawa o dodatkach mieszkaniowych, art. 2–7): whether a household gets
it and how much a month.

The order is the act's: a title to the flat (art. 2); its area against the normative area and the
allowed excess (art. 5); the expenses on the normative area less the household's own share of its
income, capped at a share of those expenses (art. 6 ust. 1, 9, 10); the income threshold, a
percentage of the average wage, where a small excess lowers the allowance instead of refusing it
(art. 3 ust. 1, art. 6 ust. 8); and the smallest amount paid (art. 7 ust. 6). The average wage is
the quarterly GUS figure last announced before the application (art. 3 ust. 2); the rules hold the
announcements the sources give, each from its announcement to the day before the next. For a date
no announcement in the rules covers, the answer is "unknown" with the amount worked out so far as
provisional: the allowance it comes to if the income per person is within the threshold, beside
the threshold the last announcement the rules hold gave. What comes before it (a flat too large,
costs below the own share) still answers "not eligible".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from rag.calculators.calculation import Calculation, FigureUnknown, Provisional, Working
from rag.calculators.calculator import Calculator
from rag.calculators.errors import RulesError
from rag.calculators.inputs import Amount, Area, Flag, People, closed, not_given, one_of
from rag.calculators.money import (
    day,
    m2,
    pct,
    percent_of,
    to_grosze,
    to_grosze_down,
    to_grosze_up,
    zl,
)
from rag.calculators.rules import lookup

ACT = "ustawy o dodatkach mieszkaniowych"
Tenure = Literal[
    "najem", "spoldzielcze", "wlasnosc", "inny_tytul", "bez_tytulu_oczekuje", "bez_tytulu"
]
WAGE = "przecietne_wynagrodzenie"


@dataclass(frozen=True, slots=True)
class HousingAllowanceInput:
    """Dodatek mieszkaniowy for one household and the flat it lives in."""

    __pydantic_config__ = closed()

    household_size: Annotated[
        People | None,
        Field(
            title="Liczba osób w gospodarstwie domowym",
            description="Wnioskodawca i osoby, które stale z nim mieszkają i gospodarują.",
        ),
    ] = None
    household_income_monthly: Annotated[
        Amount | None,
        Field(
            title="Średni miesięczny dochód netto gospodarstwa (zł)",
            description="Średnia z 3 miesięcy przed złożeniem wniosku, dla całego gospodarstwa. "
            "Podaj ten albo dochód za 3 miesiące.",
        ),
    ] = None
    household_income_3_months: Annotated[
        Amount | None,
        Field(
            title="Dochód netto gospodarstwa za 3 miesiące (zł)",
            description="Suma z 3 miesięcy przed złożeniem wniosku; kalkulator dzieli ją przez 3.",
        ),
    ] = None
    tenure: Annotated[
        Tenure | None,
        one_of(
            {
                "najem": "Najem (także podnajem)",
                "spoldzielcze": "Spółdzielcze prawo do lokalu",
                "wlasnosc": "Własność",
                "inny_tytul": "Inny tytuł prawny (ponoszę koszty mieszkania)",
                "bez_tytulu_oczekuje": "Bez tytułu, czekam na lokal zamienny albo socjalny",
                "bez_tytulu": "Bez tytułu prawnego",
            }
        ),
        Field(
            title="Tytuł do mieszkania",
            description="Na jakiej podstawie zajmujesz mieszkanie.",
        ),
    ] = None
    flat_area: Annotated[Area | None, Field(title="Powierzchnia użytkowa mieszkania (m²)")] = None
    rooms_kitchen_area: Annotated[
        Area | None,
        Field(
            title="Powierzchnia pokoi i kuchni razem (m²)",
            description="Potrzebna, gdy mieszkanie przekracza normę o 30–50%.",
        ),
    ] = None
    disabled_needing_room: Annotated[
        Flag | None,
        Field(
            title="Mieszka osoba niepełnosprawna na wózku albo wymagająca oddzielnego pokoju",
            description="Powiększa normatywną powierzchnię; potrzebne, gdy mieszkanie jest większe "
            "od normy.",
        ),
    ] = None
    monthly_expenses: Annotated[
        Amount | None,
        Field(
            title="Miesięczne wydatki na mieszkanie (zł)",
            description="Czynsz albo opłaty eksploatacyjne, zaliczki na zarząd, ogrzewanie, woda, "
            "ścieki, odpady; bez ubezpieczenia, podatku od nieruchomości, gazu i prądu.",
        ),
    ] = None
    municipal_flat: Annotated[Flag | None, Field(title="Mieszkanie z zasobu gminy (komunalne)")] = (
        None
    )
    central_installations: Annotated[
        Flag | None,
        Field(
            title="Centralne ogrzewanie, ciepła woda i gaz z sieci",
            description="Tak, gdy mieszkanie ma wszystkie trzy; bez którejś z nich należy się "
            "ryczałt na zakup opału.",
        ),
    ] = None

    def problems(self, _on: dt.date, /) -> dict[str, str]:
        found: dict[str, str] = {}
        if self.household_income_monthly is not None and self.household_income_3_months is not None:
            found["household_income_3_months"] = (
                "Podaj dochód miesięczny albo za 3 miesiące – nie oba naraz."
            )
        area, rooms = self.flat_area, self.rooms_kitchen_area
        if area is not None and rooms is not None and rooms > area:
            found["rooms_kitchen_area"] = (
                "Pokoje i kuchnia nie mogą zajmować więcej niż całe mieszkanie."
            )
        return found


def _normative_area(
    data: HousingAllowanceInput, w: Working, size: int, area: Decimal
) -> Decimal | None:
    """The normative area for the household (None: whether it grows is still to be asked)."""
    rows = w.table("dm_norma_powierzchni")
    largest = max(rows)
    norm = rows[min(size, largest)] + max(size - largest, 0) * w.figure("dm_norma_kolejna_osoba")
    people = "osoby" if size == 1 else "osób"
    w.step(f"Normatywna powierzchnia dla {size} {people}: {m2(norm)}.", f"art. 5 ust. 1 {ACT}")
    if area <= norm:
        return norm
    if data.disabled_needing_room is None:
        return None
    if data.disabled_needing_room:
        more = w.figure("dm_norma_niepelnosprawnosc")
        norm += more
        w.step(
            f"Mieszka osoba niepełnosprawna na wózku albo wymagająca oddzielnego pokoju: norma "
            f"rośnie o {m2(more)}, do {m2(norm)}.",
            f"art. 5 ust. 3 {ACT}",
        )
    return norm


def _area_allowed(
    data: HousingAllowanceInput, w: Working, area: Decimal, norm: Decimal
) -> bool | None:
    """Whether the flat exceeds the normative area by no more than the act allows."""
    if area <= norm:
        w.step(
            f"Mieszkanie ({m2(area)}) nie jest większe od normy: dodatek liczy się od wszystkich "
            "wydatków na mieszkanie.",
            f"art. 6 ust. 9 {ACT}",
        )
        return True
    usual = w.figure("dm_przekroczenie")
    usual_limit = norm + percent_of(usual, norm)
    if area <= usual_limit:
        w.step(
            f"Mieszkanie ({m2(area)}) przekracza normę {m2(norm)} nie więcej niż o {pct(usual)} "
            f"(do {m2(usual_limit)}): warunek powierzchni jest spełniony.",
            f"art. 5 ust. 5 pkt 1 {ACT}",
        )
        return True
    raised = w.figure("dm_przekroczenie_podwyzszone")
    raised_limit = norm + percent_of(raised, norm)
    share = w.figure("dm_udzial_pokoi_i_kuchni")
    if area <= raised_limit:
        rooms = data.rooms_kitchen_area
        if rooms is None:
            return None
        if rooms <= percent_of(share, area):
            w.step(
                f"Mieszkanie ({m2(area)}) przekracza normę o więcej niż {pct(usual)}, ale pokoje i "
                f"kuchnia ({m2(rooms)}) zajmują nie więcej niż {pct(share)} powierzchni, więc "
                f"wolno ją przekroczyć o {pct(raised)} (do {m2(raised_limit)}): warunek jest "
                "spełniony.",
                f"art. 5 ust. 5 pkt 2 {ACT}",
            )
            return True
    w.step(
        f"Mieszkanie ({m2(area)}) przekracza normę {m2(norm)} bardziej, niż pozwala ustawa (o "
        f"{pct(usual)}, a gdy pokoje i kuchnia zajmują nie więcej niż {pct(share)} powierzchni – o "
        f"{pct(raised)}): dodatek nie przysługuje.",
        f"art. 5 ust. 5 {ACT}",
    )
    return False


def _own_share_rate(w: Working, size: int) -> tuple[Decimal, str]:
    rows = w.table("dm_udzial_wlasny")
    rate = lookup(rows, size)
    if rate is None:
        raise RulesError("dm_udzial_wlasny", "the table must start at one person")
    start = max(k for k in rows if k <= size)
    later = [k for k in rows if k > start]
    if start == 1 and later and later[0] == 2:
        label = "jednoosobowe"
    elif later:
        label = f"{start}–{later[0] - 1}-osobowe"
    else:
        label = f"{start}-osobowe i większe"
    return rate, label


def _housing(data: HousingAllowanceInput, w: Working) -> Calculation:
    size, area, tenure = data.household_size, data.flat_area, data.tenure
    if tenure == "bez_tytulu":
        w.step(
            "Dodatek przysługuje najemcom, członkom spółdzielni, właścicielom, osobom z innym "
            "tytułem do mieszkania, które ponoszą jego koszty, oraz osobom bez tytułu czekającym "
            "na lokal zamienny albo socjalny – bez tytułu i bez takiego oczekiwania nie "
            "przysługuje.",
            f"art. 2 ust. 1 {ACT}",
        )
        return w.not_eligible()
    if size is None or area is None:
        return w.unknown(missing=not_given(household_size=size, flat_area=area, tenure=tenure))
    # The flat against the norm needs only the household and the area: "is our flat too big,
    # which part of the costs counts?" is answered before the title to the flat or the income
    # is asked for.
    norm = _normative_area(data, w, size, area)
    if norm is None:
        return w.unknown(missing=("disabled_needing_room",))
    allowed = _area_allowed(data, w, area, norm)
    if allowed is None:
        return w.unknown(missing=("rooms_kitchen_area",))
    if not allowed:
        return w.not_eligible()
    expenses = data.monthly_expenses
    counted = expenses
    if expenses is not None and area > norm:
        counted = to_grosze(expenses / area * norm)
        w.step(
            f"Wydatki na normatywną powierzchnię: {zl(expenses)} ÷ {m2(area)} × {m2(norm)} = "
            f"{zl(counted)}.",
            f"art. 5 ust. 4 {ACT}",
        )
    if tenure is None:
        return w.unknown(missing=("tenure",))
    income = _income(data, w)
    if counted is None or income is None or data.central_installations is None:
        return w.unknown(
            missing=not_given(
                monthly_expenses=expenses,
                household_income_monthly=income,
                central_installations=data.central_installations,
            )
        )
    if not data.municipal_flat:
        w.step(
            ("Jeśli mieszkanie nie należy do zasobu gminy, " if data.municipal_flat is None else "")
            + "CUS przyjmie wydatki najwyżej w wysokości czynszu i opłat, jakie obowiązywałyby w "
            "mieszkaniu gminnym – dodatek może więc wyjść niższy.",
            f"art. 6 ust. 6 {ACT}",
        )
    rate, label = _own_share_rate(w, size)
    own = to_grosze(percent_of(rate, income))
    w.step(
        f"Udział własny (gospodarstwo {label}): {pct(rate)} × {zl(income)} = {zl(own)}.",
        w.provision("dm_udzial_wlasny"),
    )
    amount = counted - own
    if amount <= 0:
        w.step(
            f"Udział własny {zl(own)} nie jest mniejszy od wydatków {zl(counted)}: dodatek nie "
            "przysługuje.",
            f"art. 6 ust. 1 {ACT}",
        )
        return w.not_eligible()
    w.step(f"Różnica: {zl(counted)} − {zl(own)} = {zl(amount)}.", f"art. 6 ust. 1 {ACT}")
    limit_rate = w.figure("dm_limit_wydatkow")
    limit = to_grosze_down(percent_of(limit_rate, counted))
    if amount > limit:
        w.step(
            f"Dodatek nie może przekroczyć {pct(limit_rate)} wydatków: {pct(limit_rate)} × "
            f"{zl(counted)} = {zl(limit)}, więc wynosi {zl(limit)}.",
            w.provision("dm_limit_wydatkow"),
        )
        amount = limit
    else:
        w.step(
            f"Limit {pct(limit_rate)} wydatków ({zl(limit)}) nie jest przekroczony.",
            w.provision("dm_limit_wydatkow"),
        )
    w.step(
        "Rada gminy może uchwałą podwyższyć normatywną powierzchnię i dopuszczalne przekroczenie "
        "oraz zmienić limit wydatków – tu liczę według ustawy; o uchwale w naszym mieście powie "
        "CUS.",
        f"art. 5 ust. 6 i art. 6 ust. 11 {ACT}",
    )
    return _threshold_and_minimum(data, w, size, income, amount)


def _threshold_and_minimum(
    data: HousingAllowanceInput, w: Working, size: int, income: Decimal, amount: Decimal
) -> Calculation:
    key = "dm_prog_jednoosobowe" if size == 1 else "dm_prog_wieloosobowe"
    rate = w.figure(key)
    try:
        wage = w.figure(WAGE)
    except FigureUnknown as gap:
        return _without_the_wage(
            data, w, gap, rate, w.per_person(income, size, f"art. 3 ust. 1 {ACT}"), amount
        )
    # Down to the grosz: an income in grosze is "not above" 40 % of the wage exactly when it is
    # not above the rounded-down amount (9 197,79 zł: 3 679,116 zł, so up to 3 679,11 zł fits).
    threshold = to_grosze_down(percent_of(rate, wage))
    w.step(
        f"Przeciętne wynagrodzenie ogłoszone ostatnio przed dniem wniosku (przez Prezesa GUS, "
        f"stosowane od {day(w.since(WAGE))}): {zl(wage)}.",
        w.provision(WAGE),
    )
    w.step(
        f"Próg dochodowy: {pct(rate)} × {zl(wage)} = {zl(threshold)} na osobę.", w.provision(key)
    )
    share = to_grosze(income / size)
    w.step(f"Dochód na osobę: {zl(income)} ÷ {size} = {zl(share)}.", f"art. 3 ust. 1 {ACT}")
    if share > threshold:
        excess = share - threshold
        if excess >= amount:
            w.step(
                f"Dochód na osobę przekracza próg o {zl(excess)} – o nie mniej niż wyliczony "
                f"dodatek ({zl(amount)}): dodatek nie przysługuje.",
                f"art. 6 ust. 8 {ACT}",
            )
            return w.not_eligible()
        w.step(
            f"Dochód na osobę przekracza próg o {zl(excess)}, mniej niż wyliczony dodatek: "
            f"dodatek maleje o tę kwotę, {zl(amount)} − {zl(excess)} = {zl(amount - excess)}.",
            f"art. 6 ust. 8 {ACT}",
        )
        amount -= excess
    else:
        w.step(f"Dochód na osobę nie przekracza progu {zl(threshold)}.", w.provision(key))
    if not data.central_installations:
        return _with_the_fuel_lump_sum(w)
    floor_rate = w.figure("dm_minimum")
    floor = to_grosze_up(percent_of(floor_rate, wage))
    if amount < floor:
        w.step(
            f"Dodatek {zl(amount)} byłby niższy niż {pct(floor_rate)} przeciętnego wynagrodzenia "
            f"({zl(floor)}): nie przyznaje się go. CUS weźmie wynagrodzenie z dnia decyzji, które "
            "może być inne.",
            w.provision("dm_minimum"),
        )
        return w.not_eligible()
    w.step(
        f"Dodatek mieszkaniowy: {zl(amount)} miesięcznie. O przyznaniu decyduje burmistrz albo "
        "prezydent miasta (w naszym mieście może to robić CUS).",
        f"art. 7 ust. 1 i 1a {ACT}",
    )
    return w.eligible(amount)


def _with_the_fuel_lump_sum(w: Working, unknown: tuple[str, ...] = ()) -> Calculation:
    """The end of the working for a flat without central installations: the lump sum for fuel
    is the CUS's to work out (with the figures already `unknown`)."""
    price = w.rules.figure("srednia_cena_kwh")
    w.step(
        "Mieszkanie bez centralnego ogrzewania, ciepłej wody albo gazu z sieci: do dodatku "
        "należy się ryczałt na zakup opału, liczony z ceny energii elektrycznej ogłaszanej "
        "przez Prezesa URE – kalkulator go nie liczy, zrobi to CUS.",
        f"art. 6 ust. 7 i 7a oraz art. 6a {ACT}",
    )
    return w.unknown(figures=(*unknown, price.title))


# Below twice the smallest allowance paid at the last wage the rules hold, a newer (higher) wage
# could put the allowance under the minimum: then no amount is promised, even on a condition.
_CLEAR_OF_THE_MINIMUM = 2


def _without_the_wage(
    data: HousingAllowanceInput,
    w: Working,
    gap: FigureUnknown,
    rate: Decimal,
    share: Decimal,
    amount: Decimal,
) -> Calculation:
    """The end of the working when the sources lack the wage for the date: what the allowance
    comes to if the income is within the threshold, and the threshold the last wage gave."""
    unknown = (gap.figure.title,)
    last = next(
        (p for p in reversed(gap.figure.periods) if p.value is not None and p.valid_from <= w.on),
        None,
    )
    floor_then: Decimal | None = None
    over_then = False
    w.step(
        f"Źródła kalkulatora nie podają na {day(w.on)} przeciętnego wynagrodzenia, od którego "
        f"liczy się próg ({pct(rate)}).",
        w.provision(WAGE),
    )
    if last is not None and isinstance(last.value, Decimal) and last.valid_to is not None:
        then = to_grosze_down(percent_of(rate, last.value))
        floor_then = to_grosze_up(percent_of(w.figure("dm_minimum"), last.value))
        w.step(
            f"Ostatnie, jakie podają: {zl(last.value)} (stosowane od {day(last.valid_from)} do "
            f"{day(last.valid_to)}); przy nim próg wynosił {pct(rate)} × {zl(last.value)} = "
            f"{zl(then)} na osobę. Aktualną kwotę poda CUS.",
            last.provision,
        )
        over_then = share > then
        if over_then:
            w.step(
                f"Dochód na osobę ({zl(share)}) przekracza ten próg o {zl(share - then)}: przy "
                "tamtym wynagrodzeniu dodatek byłby obniżony o nadwyżkę albo nie przysługiwałby.",
                f"art. 6 ust. 8 {ACT}",
            )
    w.step(
        f"Jeśli dochód na osobę nie przekracza progu, dodatek wynosi {zl(amount)} miesięcznie; "
        "jeśli przekracza, dodatek maleje o nadwyżkę, a gdy nadwyżka jest równa dodatkowi lub "
        "większa – nie przysługuje.",
        f"art. 3 ust. 1 i art. 6 ust. 8 {ACT}",
    )
    if not data.central_installations:
        return _with_the_fuel_lump_sum(w, unknown)
    if floor_then is None or over_then or amount < _CLEAR_OF_THE_MINIMUM * floor_then:
        # Over the last known threshold, or near the smallest allowance paid: an amount "if the
        # income is within the threshold" would be the first thing read and likely not hold.
        return w.unknown(figures=unknown)
    condition = (
        f"dochód na osobę ({zl(share)}) nie przekracza progu {pct(rate)} przeciętnego wynagrodzenia"
    )
    return w.unknown(figures=unknown, provisional=Provisional(amount, condition))


def _income(data: HousingAllowanceInput, w: Working) -> Decimal | None:
    if data.household_income_3_months is not None:
        monthly = to_grosze(data.household_income_3_months / 3)
        w.step(
            f"Średni miesięczny dochód gospodarstwa z 3 miesięcy przed wnioskiem: "
            f"{zl(data.household_income_3_months)} ÷ 3 = {zl(monthly)}.",
            f"art. 3 ust. 1 {ACT}",
        )
        return monthly
    return data.household_income_monthly


DODATEK_MIESZKANIOWY = Calculator(
    name="dodatek_mieszkaniowy",
    title="Dodatek mieszkaniowy",
    description="Czy gospodarstwu domowemu przysługuje dodatek mieszkaniowy i ile wynosi "
    "miesięcznie.",
    input_type=HousingAllowanceInput,
    figures=(
        WAGE,
        "dm_prog_jednoosobowe",
        "dm_prog_wieloosobowe",
        "dm_norma_powierzchni",
        "dm_norma_kolejna_osoba",
        "dm_norma_niepelnosprawnosc",
        "dm_przekroczenie",
        "dm_przekroczenie_podwyzszone",
        "dm_udzial_pokoi_i_kuchni",
        "dm_udzial_wlasny",
        "dm_limit_wydatkow",
        "dm_minimum",
        "srednia_cena_kwh",
    ),
    work=_housing,
)

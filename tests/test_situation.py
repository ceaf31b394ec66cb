"""Reading the figures of a resident's situation: households, amounts and what they are."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from rag.answering.situation import read_situation

TODAY = dt.date(2026, 12, 6)


@pytest.mark.parametrize(
    ("text", "household"),
    [
        ("mieszkam sama, renta 900 zł", 1),
        ("Jest nas pięcioro w mieszkaniu", 5),
        ("rodzina 4 osobowa, dochód 3000", 4),
        ("ja, mąż i trójka dzieci, mąż zarabia 4000", 5),
        ("mieszkam z tatą i siostrą, tata ma emeryturę", 3),
        ("samotnie wychowuję dwoje dzieci", 3),
        ("mamy dwoje dzieci (1 i 4 lata), mąż pracuje", 4),
        ("mąż odszedł, zostałam z synkiem", 2),
        ("piecioosobwa rodzina, 60m2", 5),  # the number inside the word, typed in haste
        ("gospodarstwo domowe dwuosobowe", 2),
        ("mieszkam w pokoju dwuosobowym w akademiku", None),  # a room's, not a household's
        ("mieszkamy w pokoju dwuosobowym cała rodziną", None),
        ("ile wynosi zasiłek stały?", None),
        ("mam 900 zł renty, czy coś dostanę?", None),  # alone or not: not said
    ],
)
def test_the_household_as_residents_describe_it(text: str, household: int | None) -> None:
    assert read_situation(text, today=TODAY).household == household


def test_amounts_are_read_with_what_they_are() -> None:
    found = read_situation(
        "jest nas troje, mąż zarabia 3200 netto, ja dorabiam 600 zł, dostajemy 800+ na córkę, "
        "czynsz 1100 zł, mieszkanie 52 m2",
        today=TODAY,
    )
    assert found.household_income == Decimal(3800)  # 800+ is not income, the rent neither
    assert found.housing_costs == Decimal(1100)
    assert found.flat_area == Decimal(52)
    assert [m.what for m in found.excluded] == []  # "800+" named without its sum


def test_a_total_wins_over_parts_and_maintenance_paid_is_taken_off() -> None:
    total = read_situation("mąż 2000, ja 1500, razem 3500 zł na rękę", today=TODAY)
    assert total.household_income == Decimal(3500)
    paid = read_situation("mieszkam sam, 2100 netto, komornik ściąga 600 alimentów", today=TODAY)
    assert paid.household_income == Decimal(1500)


def test_an_amount_pointed_back_to_is_not_counted_twice() -> None:
    once = read_situation(
        "Mieszkam sama. W marcu dostałam jednorazowo 6000 zł po cioci. "
        "Czy CUS policzy mi te 6000 jako dochód?",
        today=TODAY,
    )
    assert once.household_income == Decimal(6000)
    # Two people earning the same sum are two incomes.
    both = read_situation("mąż zarabia 3000 zł, ja też 3000 zł", today=TODAY)
    assert both.household_income == Decimal(6000)


def test_by_how_much_an_income_changed_is_not_an_income() -> None:
    raised = read_situation("mam zasiłek okresowy, od marca renta mi wzrosła o 80 zł", today=TODAY)
    assert not raised.income_said
    over = read_situation("dochód 1100 zł, przekraczam próg o 90 zł", today=TODAY)
    assert over.household_income == Decimal(1100)
    for told in (
        "mam 1500 zł renty, od marca dostaję o 200 zł mniej",
        "renta 1500 zł, waloryzacja o 80 zł",
        "renta 1500 zł, po podwyżce o 200 zł",
    ):
        assert read_situation(told, today=TODAY).household_income == Decimal(1500), told


def test_yearly_gross_and_per_person_amounts_say_how_they_were_read() -> None:
    yearly = read_situation("mieszkam sam, zarobiłem 18 000 zł za cały rok", today=TODAY)
    assert yearly.household_income == Decimal(1500)
    assert yearly.notes
    gross = read_situation("zarabiam 4000 brutto, jest nas dwoje", today=TODAY)
    assert gross.gross_only
    assert gross.household_income is None  # the net, which the acts count, is not said
    per_person = read_situation("jest nas 4, wychodzi 700 zł na osobę", today=TODAY)
    assert per_person.household_income == Decimal(2800)


def test_no_income_is_zero_not_unknown() -> None:
    assert read_situation("nie mam żadnego dochodu, mieszkam sama").household_income == 0


def test_years_ages_areas_and_dates_are_not_money() -> None:
    found = read_situation(
        "mam 67 lat, w 2025 miałam 1100 zł emerytury, mieszkanie 45 m2, syn ur. 3.11.2026",
        today=TODAY,
    )
    assert [m.value for m in found.amounts] == [Decimal(1100)]
    assert found.age == 67
    assert found.sex == "K"
    assert found.birth == dt.date(2026, 11, 3)


def test_children_ages_and_a_disability_degree() -> None:
    found = read_situation(
        "córka 4 lata i syn 9 lat, syn ma orzeczenie o znacznym stopniu", today=TODAY
    )
    assert sorted(found.children_ages) == [4, 9]
    assert found.disability == "znaczny"


def test_rent_split_off_by_and_is_still_rent_and_a_pension_beside_it_income() -> None:
    found = read_situation(
        "czynsz z woda smieciami i ogrzewaniem wychodzi 700 zl, emerytury mam 2400 na reke"
    )
    assert found.housing_costs == Decimal(700)
    assert found.household_income == Decimal(2400)


@pytest.mark.parametrize(
    ("text", "rent", "income"),
    [
        ("czynsz 900 zl i mamy 3000 zl na trzy osoby", 900, 3000),
        ("oplaty 700 zl i dostaje 1500 zl z mopsu", 700, 1500),
        ("czynsz mam 800 zl i maz ma 4000 zl", 800, 4000),
        ("Płacimy czynsz 1200 zł i mamy razem 4500 zł dochodu", 1200, 4500),
    ],
)
def test_an_amount_after_the_rent_is_not_rent_too(text: str, rent: int, income: int) -> None:
    found = read_situation(text)
    assert found.housing_costs == Decimal(rent)
    assert found.household_income == Decimal(income)


@pytest.mark.parametrize(
    ("text", "income", "costs"),
    [
        (
            "Razem mamy 4500 zł dochodu, a za czynsz, ogrzewanie, wodę i śmieci płacimy 1100 zł.",
            "4500",
            "1100",
        ),
        ("czynsz placimy sami, maz ma rente 1500 zl", "1500", None),  # an income after the rent
        ("Mamy opłaty, leki, jedzenie, a żyjemy z 2500 zł", "2500", None),  # lived on, not paid
        ("Po opłaceniu czynszu, leków i jedzenia zostaje nam 800 zł", "800", None),
    ],
)
def test_costs_listed_after_the_rent_are_the_housing_costs(
    text: str, income: str, costs: str | None
) -> None:
    found = read_situation(text)
    assert found.household_income == Decimal(income)
    assert found.housing_costs == (Decimal(costs) if costs else None)

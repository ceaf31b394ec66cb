"""Calculator properties over many generated households: more income never helps, amounts stay
within the acts' minima and maxima, the same input gives the same answer, and any payload at all
gets either a calculation or Polish messages per field — never another exception."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rag.calculators import CALCULATORS, Calculation, InvalidInput, Rules, compute, load_rules
from rag.calculators.rules import read_rules, rules_files
from tests.calculator_support import TEST_WAGE, housing_rules, with_value

RANK = {"not_eligible": 0, "unknown": 1, "eligible": 2}
PROPERTIES = settings(deadline=None, max_examples=150)

# Incomes near the criteria (a few hundred to a few thousand złoty) more often than high ones.
money = st.decimals(0, 3000, places=2) | st.decimals(0, 15000, places=2)


def maybe(values: st.SearchStrategy[Any], given: int = 3) -> st.SearchStrategy[Any]:
    """A value, or (one time in `given + 1`) not given."""
    return st.one_of(*[values] * given, st.none())


@dataclass(frozen=True)
class Case:
    """A calculator, a payload without its income, the income field, a date and the rules;
    `offset` is added to every income (a family's income never below one member's own)."""

    name: str
    payload: dict[str, Any]
    income_field: str
    on: dt.date
    rules: Rules
    offset: Decimal = Decimal(0)

    def with_income(self, income: Decimal) -> Calculation:
        payload = {**_given(self.payload), self.income_field: income + self.offset}
        return compute(self.name, payload, self.on, rules=self.rules)


# Mostly dates with every figure known; sometimes one before or after (an "unknown" figure).
social_dates = st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)) | st.dates(
    dt.date(2022, 1, 1), dt.date(2029, 12, 31)
)
family_dates = st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31))
housing_dates = st.dates(dt.date(2021, 7, 1), dt.date(2029, 12, 31))
TENURES = ["najem", "wlasnosc", "spoldzielcze", "inny_tytul", "bez_tytulu_oczekuje", "bez_tytulu"]
NORMS = {1: 35, 2: 40, 3: 45, 4: 55, 5: 65, 6: 70, 7: 75, 8: 80}


@st.composite
def permanent_cases(draw: st.DrawFn) -> Case:
    size = draw(st.integers(1, 6))
    payload = {
        "household_size": size,
        "age": draw(maybe(st.integers(0, 100))),
        "sex": draw(maybe(st.sampled_from(["kobieta", "mezczyzna"]))),
        "incapacity": draw(
            maybe(
                st.sampled_from(
                    [
                        "calkowita_niezdolnosc_do_pracy",
                        "umiarkowany_stopien",
                        "lekki_stopien",
                        "brak",
                    ]
                )
            )
        ),
        "excluded_benefit": draw(maybe(st.booleans())),
        "own_income": draw(st.decimals(0, 300, places=2)) if size > 1 else None,
    }
    own = payload["own_income"] or Decimal(0)
    return Case("zasilek_staly", payload, "household_income", draw(social_dates), load_rules(), own)


@st.composite
def household_cases(draw: st.DrawFn) -> Case:
    name = draw(st.sampled_from(["kryterium_dochodowe", "zasilek_okresowy"]))
    payload = {"household_size": draw(st.integers(1, 8))}
    return Case(name, payload, "household_income", draw(social_dates), load_rules())


children = st.lists(
    st.fixed_dictionaries(
        {
            "age": st.integers(0, 26),
            "education": maybe(st.sampled_from(["szkola", "studia", "nie_uczy_sie"])),
            "disability": maybe(
                st.sampled_from(
                    ["brak", "orzeczenie_o_niepelnosprawnosci", "lekki_stopien", "znaczny_stopien"]
                )
            ),
        }
    ).map(lambda c: {k: v for k, v in c.items() if v is not None}),
    min_size=1,
    max_size=4,
)


@st.composite
def family_cases(draw: st.DrawFn) -> Case:
    kids = draw(children)
    payload = {
        "family_size": len(kids) + draw(st.integers(1, 2)),
        "children": kids,
        "supplements_monthly": draw(maybe(st.decimals(0, 400, places=2))),
    }
    return Case(
        "zasilek_rodzinny", payload, "family_income_monthly", draw(family_dates), load_rules()
    )


@st.composite
def birth_cases(draw: st.DrawFn) -> Case:
    on = draw(family_dates)
    payload = {
        "family_size": draw(st.integers(2, 6)),
        "birth_date": (
            on - dt.timedelta(days=draw(st.integers(0, 365) | st.integers(0, 800)))
        ).isoformat(),
        "children_born": draw(maybe(st.integers(1, 3), given=6)),
        "applicant": draw(maybe(st.sampled_from(["rodzic", "opiekun"]))),
        "care_start_date": draw(maybe(st.just(on.isoformat()))),
        "medical_care": draw(maybe(st.booleans(), given=6)),
    }
    return Case("becikowe", payload, "family_income_monthly", on, load_rules())


@st.composite
def housing_cases(draw: st.DrawFn) -> Case:
    size = draw(st.integers(1, 8))
    factor = st.decimals(Decimal("0.5"), Decimal("1.3"), places=2) | st.decimals(
        Decimal("0.5"), Decimal("1.6"), places=2
    )
    area = (NORMS[size] * draw(factor)).quantize(Decimal("0.1"))
    payload = {
        "household_size": size,
        "flat_area": area,
        "rooms_kitchen_area": draw(
            maybe(st.decimals(5, 60, places=1).filter(lambda r: r <= area), given=6)
        ),
        "disabled_needing_room": draw(maybe(st.booleans(), given=6)),
        "monthly_expenses": draw(st.decimals(0, 1500, places=2)),
        "tenure": draw(st.sampled_from(TENURES)),
        "municipal_flat": draw(maybe(st.booleans())),
        "central_installations": draw(st.sampled_from([True, True, True, True, False, None])),
    }
    rules = load_rules() if draw(st.integers(0, 3)) == 0 else housing_rules()
    return Case(
        "dodatek_mieszkaniowy", payload, "household_income_monthly", draw(housing_dates), rules
    )


CASES = {
    "zasilek_staly": permanent_cases(),
    "kryterium_i_zasilek_okresowy": household_cases(),
    "zasilek_rodzinny": family_cases(),
    "becikowe": birth_cases(),
    "dodatek_mieszkaniowy": housing_cases(),
}
each_calculator = pytest.mark.parametrize("kind", sorted(CASES))
more_money = st.decimals(min_value=Decimal("0.01"), max_value=5000, places=2)


@each_calculator
@PROPERTIES
@given(data=st.data(), income=money, more=more_money)
def test_more_income_never_raises_eligibility_or_the_amount(
    kind: str, data: st.DataObject, income: Decimal, more: Decimal
) -> None:
    case = data.draw(CASES[kind])
    poorer, richer = case.with_income(income), case.with_income(income + more)
    assert RANK[richer.result] <= RANK[poorer.result]
    if richer.result == poorer.result == "eligible" and poorer.amount is not None:
        assert richer.amount is not None
        assert richer.amount <= poorer.amount
        if richer.amount_max is not None and poorer.amount_max is not None:
            assert richer.amount_max <= poorer.amount_max


@PROPERTIES
@given(case=permanent_cases(), income=money, more=more_money)
def test_more_own_income_never_raises_the_permanent_allowance(
    case: Case, income: Decimal, more: Decimal
) -> None:
    assume(case.payload["household_size"] > 1)
    family = {**_given(case.payload), "household_income": income + more + 1000}
    poorer = compute(case.name, {**family, "own_income": income}, case.on)
    richer = compute(case.name, {**family, "own_income": income + more}, case.on)
    assert RANK[richer.result] <= RANK[poorer.result]
    if richer.result == poorer.result == "eligible":
        assert richer.amount == poorer.amount  # it follows the income per head, not one's own


def _given(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v is not None}


def _figure(key: str, on: dt.date) -> Decimal:
    period = load_rules().figure(key).period_on(on)
    assert period is not None
    assert isinstance(period.value, Decimal)
    return period.value


@each_calculator
@PROPERTIES
@given(data=st.data(), income=money)
def test_amounts_stay_within_the_acts_minima_and_maxima(
    kind: str, data: st.DataObject, income: Decimal
) -> None:
    case = data.draw(CASES[kind])
    calc = case.with_income(income)
    if calc.result != "eligible" or calc.amount is None:
        assert calc.amount is None
        assert calc.amount_max is None
        return
    assert calc.amount > 0
    assert calc.amount == calc.amount.quantize(Decimal("0.01"))
    on, payload = case.on, case.payload
    if case.name == "zasilek_staly":
        assert calc.amount >= _figure("zasilek_staly_minimum", on)
        if payload["household_size"] == 1:
            assert calc.amount <= _figure("zasilek_staly_maksimum", on)
    elif case.name == "zasilek_okresowy":
        floor = _figure("zasilek_okresowy_minimum", on)
        assert calc.amount_max is not None
        assert floor <= calc.amount <= calc.amount_max
        if payload["household_size"] == 1:
            assert calc.amount_max <= max(_figure("kryterium_na_osobe_w_rodzinie", on), floor)
    elif case.name == "zasilek_rodzinny":
        most = Decimal(135) * len(payload["children"]) + (payload["supplements_monthly"] or 0)
        assert _figure("zasilek_rodzinny_minimalna_wyplata", on) <= calc.amount <= most
    elif case.name == "becikowe":
        assert calc.amount == _figure("becikowe_kwota", on) * payload["children_born"]
    elif case.name == "dodatek_mieszkaniowy":
        assert calc.amount >= TEST_WAGE * _figure("dm_minimum", on) / 100
        assert calc.amount <= payload["monthly_expenses"] * _figure("dm_limit_wydatkow", on) / 100


@each_calculator
@PROPERTIES
@given(data=st.data(), income=money)
def test_the_same_input_gives_the_same_calculation(
    kind: str, data: st.DataObject, income: Decimal
) -> None:
    case = data.draw(CASES[kind])
    first = case.with_income(income)
    again = case.with_income(income)
    fresh = replace(case, rules=_reread(case.rules))
    assert first == again == fresh.with_income(income)


@functools.cache
def _files() -> Rules:
    """The rules read from the files again, apart from the process's cached `load_rules()`."""
    return read_rules(rules_files())


def _reread(rules: Rules) -> Rules:
    """The case's rules as a fresh read gives them (with the test wage if the case had one)."""
    wage = "przecietne_wynagrodzenie"
    if rules.figure(wage) == _files().figure(wage):
        return _files()
    return with_value(wage, TEST_WAGE, _files())


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**15)
    | st.floats(allow_nan=True)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


FIELDS = {name: sorted(c.input_schema()["properties"]) for name, c in CALCULATORS.items()}


@st.composite
def payloads(draw: st.DrawFn) -> tuple[str, Any]:
    name = draw(st.sampled_from(sorted(CALCULATORS)))
    keys = st.sampled_from(FIELDS[name]) | st.text(max_size=8)
    payload = draw(st.dictionaries(keys, json_values, max_size=6) | json_values)
    return name, payload


def _outcome(name: str, payload: Any, on: dt.date) -> Calculation | InvalidInput:
    try:
        return compute(name, payload, on)
    except InvalidInput as exc:
        return exc


@settings(deadline=None, max_examples=400)
@given(case=payloads(), on=st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31)))
def test_any_payload_gets_a_calculation_or_polish_messages(
    case: tuple[str, Any], on: dt.date
) -> None:
    outcome = _outcome(*case, on)
    if isinstance(outcome, Calculation):
        assert outcome.result in RANK
        return
    assert outcome.errors
    for field, message in outcome.errors.items():
        assert isinstance(field, str)
        assert message.endswith(".")
        assert "Input should" not in message
        assert "Field required" not in message

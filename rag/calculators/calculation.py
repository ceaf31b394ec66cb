"""What a calculation returns, and the working that writes it step by step.

`Calculation` is the one result type of every calculator: the outcome, the amount, what input is
still missing, which figures the sources lack, and every step of the working as a short Polish
sentence with its provision, so a resident can follow it and staff can check it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from rag.calculators.errors import CalculatorError, RulesError
from rag.calculators.money import to_grosze, zl
from rag.calculators.rules import Figure, Period, Rules, Value

Outcome = Literal["eligible", "not_eligible", "unknown"]
Frequency = Literal["monthly", "once"]


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the working: "Dochód na osobę: 3 600 zł ÷ 3 = 1 200 zł." and its provision."""

    text: str
    provision: str | None = None


@dataclass(frozen=True, slots=True)
class Provisional:
    """The amount an "unknown" calculation comes to if a condition it cannot check holds: the
    housing allowance is 340 zł "if the income per person is within the threshold", when the
    threshold's wage is not in the sources yet. `condition` reads after "jeśli"."""

    amount: Decimal
    condition: str


@dataclass(frozen=True, slots=True)
class Calculation:
    """The outcome of one calculator on one input and one date.

    Attributes:
        calculator: the registry name ("zasilek_staly").
        on: the date the figures were taken for (the application date, as the acts count it).
        result: "eligible" (the conditions the calculator checks are met), "not_eligible" (one
            of them fails), "unknown" (an input in `missing` or a figure in `unknown_figures` is
            needed first). Eligible is never a decision: CUS also checks what no calculator can
            (the reason for help, the interview, documents); the steps say which.
        amount: the amount when eligible, in złoty to the grosz, `frequency` saying per what;
            for zasiłek okresowy the amount the office must grant at least. None otherwise.
        amount_max: where the office sets the amount within a range (zasiłek okresowy), the
            most it may grant; None elsewhere.
        frequency: "monthly" or "once" (becikowe); None without an amount (or a provisional one).
        missing: names of inputs to ask for ("household_income", "children.1.education").
        unknown_figures: figures the sources do not give for the date, in Polish words.
        steps: the working in order.
        provisional: for an "unknown" result, the amount if the condition it names holds; None
            when nothing can be said before the missing value is known.
    """

    calculator: str
    on: dt.date
    result: Outcome
    amount: Decimal | None
    amount_max: Decimal | None
    frequency: Frequency | None
    missing: tuple[str, ...]
    unknown_figures: tuple[str, ...]
    steps: tuple[Step, ...]
    provisional: Provisional | None = None


class FigureUnknown(CalculatorError):
    """A figure the working needs has no value for the date (the sources do not give it)."""

    def __init__(self, figure: Figure, on: dt.date) -> None:
        super().__init__(f"{figure.key} has no value on {on.isoformat()}")
        self.figure = figure
        self.on = on


@dataclass(slots=True)
class Working:
    """The working of one calculation while it is written (a builder local to one call)."""

    calculator: str
    on: dt.date
    rules: Rules
    frequency: Frequency = "monthly"
    steps: list[Step] = field(default_factory=list)

    def step(self, text: str, provision: str | None = None) -> None:
        self.steps.append(Step(text, provision))

    def per_person(self, income: Decimal, size: int, provision: str) -> Decimal:
        """The income per head, rounded to the grosz, written as a step under `provision`."""
        share = to_grosze(income / size)
        exact = "" if share * size == income else " (w zaokrągleniu do grosza)"
        self.step(f"Dochód na osobę: {zl(income)} ÷ {size} = {zl(share)}{exact}.", provision)
        return share

    def figure(self, key: str) -> Decimal:
        """A number figure's value on the calculation's date.

        Raises:
            FigureUnknown: the sources give no value for the date; the runner turns it into an
                "unknown" calculation naming the figure.
            RulesError: the rules give a table where a number belongs.
        """
        value = self._value(key)
        if not isinstance(value, Decimal):
            raise RulesError(key, "a number is expected here, not a table")
        return value

    def table(self, key: str) -> dict[int, Decimal]:
        """A table figure's rows on the calculation's date (see `rules.lookup`)."""
        value = self._value(key)
        if isinstance(value, Decimal):
            raise RulesError(key, "a table is expected here, not a number")
        return dict(value)

    def provision(self, key: str) -> str:
        """The provision of the figure's period on the calculation's date."""
        return self._period(key).provision

    def since(self, key: str) -> dt.date:
        """The first day of the figure's period on the calculation's date."""
        return self._period(key).valid_from

    def _period(self, key: str) -> Period:
        period = self.rules.figure(key).period_on(self.on)
        if period is None:  # the runner checks the date against the calculator's figures first
            raise RulesError(key, f"no period covers {self.on.isoformat()}")
        return period

    def _value(self, key: str) -> Value:
        period = self._period(key)
        if period.value is None:
            raise FigureUnknown(self.rules.figure(key), self.on)
        return period.value

    def eligible(self, amount: Decimal | None, *, amount_max: Decimal | None = None) -> Calculation:
        return self._done("eligible", amount=amount, amount_max=amount_max)

    def not_eligible(self) -> Calculation:
        return self._done("not_eligible")

    def unknown(
        self,
        *,
        missing: tuple[str, ...] = (),
        figures: tuple[str, ...] = (),
        provisional: Provisional | None = None,
    ) -> Calculation:
        return self._done("unknown", missing=missing, figures=figures, provisional=provisional)

    def _done(
        self,
        result: Outcome,
        *,
        amount: Decimal | None = None,
        amount_max: Decimal | None = None,
        missing: tuple[str, ...] = (),
        figures: tuple[str, ...] = (),
        provisional: Provisional | None = None,
    ) -> Calculation:
        if provisional is not None:
            provisional = Provisional(to_grosze(provisional.amount), provisional.condition)
        return Calculation(
            calculator=self.calculator,
            on=self.on,
            result=result,
            amount=None if amount is None else to_grosze(amount),
            amount_max=None if amount_max is None else to_grosze(amount_max),
            frequency=self.frequency if amount is not None or provisional is not None else None,
            missing=missing,
            unknown_figures=figures,
            steps=tuple(self.steps),
            provisional=provisional,
        )

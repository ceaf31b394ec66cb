"""A calculator: its name, Polish title, typed input, the figures it reads, and its working.

Calling one validates the input (typed input is checked like a payload, so both ways in meet the
same rules), checks that the rules cover the date, runs the working and turns a figure the
sources lack into an "unknown" calculation that names it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic

from rag.calculators.calculation import Calculation, FigureUnknown, Frequency, Step, Working
from rag.calculators.errors import InvalidInput
from rag.calculators.inputs import InputT, field_title, input_schema, parse_input
from rag.calculators.money import day
from rag.calculators.rules import Rules, load_rules


@dataclass(frozen=True, slots=True)
class Calculator(Generic[InputT]):
    """One registered calculator.

    Attributes:
        name: the registry key ("zasilek_staly").
        title: what a resident calls it, in Polish.
        description: one Polish sentence on what it answers.
        input_type: the frozen dataclass its input is read into.
        figures: the rules' figures the working may read; the date must fall in a period of
            each (a period with no value is fine: the calculation then says what is unknown).
        work: the working itself, a pure function of the input and the working's figures.
        frequency: what an amount is per: "monthly", or "once" for a one-off benefit.
    """

    name: str
    title: str
    description: str
    input_type: type[InputT]
    figures: tuple[str, ...]
    work: Callable[[InputT, Working], Calculation]
    frequency: Frequency = "monthly"

    def input_schema(self) -> dict[str, Any]:
        """The JSON Schema of the input, titled and described in Polish."""
        schema = input_schema(self.input_type)
        return {**schema, "title": self.title, "description": self.description}

    def field_title(self, name: str) -> str | None:
        """A field's Polish title by its name in `missing` or `InvalidInput.errors`
        ("children.1.education" → "Dziecko 2: nauka dziecka"); None for a name the input does
        not have (an unknown field, "on")."""
        return field_title(self.input_type, name)

    def parse(self, payload: object) -> InputT:
        """The typed input from a JSON-like payload.

        Raises:
            InvalidInput: field → Polish message.
        """
        return parse_input(self.input_type, payload)

    def __call__(self, data: InputT, on: dt.date, *, rules: Rules | None = None) -> Calculation:
        """Calculate for `data` with the figures in force on `on`.

        Args:
            data: the typed input.
            on: the date the figures are taken for: the application date, as the acts count it.
            rules: the figures (default: the shipped rules files).

        Raises:
            InvalidInput: a field cannot be calculated on, fields contradict each other or the
                date, or no period of a figure the calculator reads covers `on` (field "on").
        """
        checked = self.parse(dataclasses.asdict(data))
        problems = checked.problems(on)
        if problems:
            raise InvalidInput(problems)
        rules = rules if rules is not None else load_rules()
        self._check_date(on, rules)
        working = Working(self.name, on, rules, frequency=self.frequency)
        try:
            calculation = self.work(checked, working)
        except FigureUnknown as gap:
            working.step(
                f"Źródła, z których korzysta kalkulator, nie podają na {day(on)} wartości: "
                f"{gap.figure.title}. Bez niej nie da się dokończyć wyliczenia – zapytaj w CUS.",
                working.provision(gap.figure.key),
            )
            return working.unknown(figures=(gap.figure.title,))
        if not calculation.missing:
            return calculation
        wanted = [self.field_title(name) or name for name in calculation.missing]
        ask = Step("Do wyliczenia potrzeba jeszcze: " + "; ".join(_lower(t) for t in wanted) + ".")
        return dataclasses.replace(calculation, steps=(*calculation.steps, ask))

    def _check_date(self, on: dt.date, rules: Rules) -> None:
        figures = [rules.figure(key) for key in self.figures]
        if all(f.period_on(on) is not None for f in figures):
            return
        first = max(f.first_day for f in figures)
        ends = [f.last_day for f in figures if f.last_day is not None]
        until = f" do {day(min(ends))}" if ends else ""
        raise InvalidInput(
            {
                "on": f"Kalkulator „{self.title}” zna przepisy od {day(first)}{until}; "
                f"na {day(on)} nie ma w nim danych."
            }
        )


def _lower(title: str) -> str:
    return title[0].lower() + title[1:]

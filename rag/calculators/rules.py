"""The figures the calculators use, kept as data staff maintain (`rules/*.yaml`), with periods.

Every amount, percentage and criterion is a figure; a figure has periods, each with the dates it
applies between, its value, the provision it rests on and a note on the source::

    figures:
      kryterium_na_osobe_w_rodzinie:
        title: kryterium dochodowe na osobę w rodzinie
        unit: zł
        provision: art. 8 ust. 1 pkt 2 ustawy o pomocy społecznej
        periods:
          - valid_from: 2025-01-01
            valid_to: 2027-12-31
            value: 823
            provision: art. 8 ust. 1 pkt 2 ustawy …; rozporządzenie Rady Ministrów z … (Dz.U. …)
            source: FACTS.md 1.2; baza wiedzy: pomoc-spoleczna/kryterium-dochodowe-pomoc-spoleczna
            facts: [ps-kryt-kwoty-2025]
          - valid_from: 2028-01-01
            value: null          # not in the sources yet: the calculator says "unknown"
            source: kryteria weryfikuje się w 2027 r.; nowych kwot źródła jeszcze nie podają

A value is a number or a table keyed by a lower bound (household size, a child's age): the row
used is the one with the largest key not above the looked-up number. `value: null` records a
period the sources do not give the figure for; a calculation that needs it says so instead of
guessing. A date outside every period of a figure is outside what the calculator can answer.
`facts` names the curated knowledge-base facts that state the same value; a test holds them to it.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rag.calculators.errors import RulesError

Unit = Literal["zł", "%", "m²", "lat", "miesięcy"]
Value = Decimal | Mapping[int, Decimal]


class _PeriodData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    valid_from: dt.date
    valid_to: dt.date | None = None
    value: Decimal | dict[int, Decimal] | None
    provision: str | None = Field(default=None, min_length=8)
    source: str = Field(min_length=10)
    facts: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _dates_in_order(self) -> _PeriodData:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if isinstance(self.value, dict) and not self.value:
            raise ValueError("a table needs at least one row")
        return self


class _FigureData(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=5)
    unit: Unit
    provision: str = Field(min_length=8)
    periods: tuple[_PeriodData, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _periods_do_not_overlap(self) -> _FigureData:
        ordered = sorted(self.periods, key=lambda p: p.valid_from)
        for earlier, later in itertools.pairwise(ordered):
            if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
                raise ValueError(
                    f"the periods from {earlier.valid_from} and {later.valid_from} overlap"
                )
        return self


class _RulesFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    figures: dict[str, _FigureData] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class Period:
    """A figure's value between two dates (`value` None: the sources do not give it)."""

    valid_from: dt.date
    valid_to: dt.date | None
    value: Value | None
    provision: str
    source: str
    facts: tuple[str, ...] = ()

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class Figure:
    """One amount, percentage or criterion with its history."""

    key: str
    title: str
    unit: Unit
    periods: tuple[Period, ...]  # in date order, not overlapping

    def period_on(self, day: dt.date) -> Period | None:
        """The period that applies on `day`, or None when no period covers it."""
        return next((p for p in self.periods if p.covers(day)), None)

    @property
    def first_day(self) -> dt.date:
        return self.periods[0].valid_from

    @property
    def last_day(self) -> dt.date | None:
        return self.periods[-1].valid_to


@dataclass(frozen=True, slots=True)
class Rules:
    """All figures by key, from every rules file."""

    figures: Mapping[str, Figure]

    def figure(self, key: str) -> Figure:
        """The figure named `key`.

        Raises:
            RulesError: no rules file defines it (a calculator and its data disagree).
        """
        try:
            return self.figures[key]
        except KeyError:
            raise RulesError(key, "no rules file defines this figure") from None


def lookup(table: Mapping[int, Decimal], at: int) -> Decimal | None:
    """The row of a lower-bound table for `at`: the largest key not above it (None below all)."""
    keys = [k for k in table if k <= at]
    return table[max(keys)] if keys else None


def rules_files() -> list[Path]:
    """The rules files shipped with the package, in a stable order."""
    folder = resources.files("rag.calculators").joinpath("rules")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".yaml"))


def read_rules(paths: Iterable[Path]) -> Rules:
    """The figures of the given rules files.

    Raises:
        RulesError: a file cannot be read, is not valid YAML, breaks the schema, or defines a
            figure another file defines too.
    """
    figures: dict[str, Figure] = {}
    for path in paths:
        try:
            parsed = _RulesFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except OSError as exc:
            raise RulesError(path.name, f"cannot read: {exc.strerror or exc}") from exc
        except yaml.YAMLError as exc:
            raise RulesError(path.name, f"not valid YAML: {exc}") from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "file"
            raise RulesError(f"{path.name}, {where}", first["msg"]) from exc
        for key, data in parsed.figures.items():
            if key in figures:
                raise RulesError(f"{path.name}, figures.{key}", "defined in another file too")
            figures[key] = _figure(key, data)
    return Rules(MappingProxyType(figures))


@functools.cache
def load_rules() -> Rules:
    """The shipped rules, read once per process on first use."""
    return read_rules(rules_files())


def _figure(key: str, data: _FigureData) -> Figure:
    periods = tuple(
        Period(
            valid_from=p.valid_from,
            valid_to=p.valid_to,
            value=MappingProxyType(dict(sorted(p.value.items())))
            if isinstance(p.value, dict)
            else p.value,
            provision=p.provision or data.provision,
            source=p.source,
            facts=p.facts,
        )
        for p in sorted(data.periods, key=lambda p: p.valid_from)
    )
    return Figure(key=key, title=data.title, unit=data.unit, periods=periods)

"""Regression gates: thresholds kept in `eval/gates.toml`, each with the reason for its number.

A gate names what it measures (suite, kind, subject, metric), a lower (`min`) or upper (`max`)
bound, and optionally the embedding model its number was measured with: a run with another
model skips that gate rather than judging it against a number that does not apply.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

GATES_PATH = Path(__file__).with_name("gates.toml")

# (suite, kind, subject, metric) → value, e.g. ("golden", "retrieval", "hybrid", "recall@5")
MetricKey = tuple[str, str, str, str]


class GateFileError(Exception):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class Gate(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    suite: str
    kind: Literal["retrieval", "answers", "crisis", "calculators"]
    subject: str  # a retriever ("hybrid"), an answer mode ("extractive"), a crisis detector
    metric: str
    min: float | None = None
    max: float | None = None
    model: str | None = None
    reason: str = Field(min_length=20)

    @model_validator(mode="after")
    def _one_bound(self) -> Self:
        if (self.min is None) == (self.max is None):
            raise ValueError("a gate has exactly one of min and max")
        return self

    @property
    def key(self) -> MetricKey:
        return (self.suite, self.kind, self.subject, self.metric)

    @property
    def bound(self) -> str:
        return f"≥ {self.min:g}" if self.min is not None else f"≤ {self.max:g}"

    def passes(self, value: float) -> bool:
        if self.min is not None:
            return value >= self.min
        return self.max is None or value <= self.max


class _GateFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    gate: tuple[Gate, ...]


def load_gates(path: Path = GATES_PATH) -> tuple[Gate, ...]:
    """Read the gates file.

    Raises:
        GateFileError: it cannot be read, is not TOML or breaks the schema.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        return _GateFile.model_validate(raw).gate
    except OSError as exc:
        raise GateFileError(path, f"cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise GateFileError(path, f"not valid TOML: {exc}") from exc
    except ValidationError as exc:
        raise GateFileError(path, str(exc)) from exc


Status = Literal["pass", "fail", "skipped"]


@dataclass(frozen=True, slots=True)
class GateResult:
    gate: Gate
    status: Status
    value: float | None
    note: str = ""


def check_gates(
    gates: Sequence[Gate], measured: Mapping[MetricKey, float], *, model: str
) -> list[GateResult]:
    """Judge every gate against what this run measured.

    A gate is skipped when its suite was not run or it was calibrated on another model.
    """
    results: list[GateResult] = []
    for gate in gates:
        value = measured.get(gate.key)
        if gate.model is not None and gate.model != model:
            note = f"skalibrowana dla modelu {gate.model}, uruchomiono {model}"
            results.append(GateResult(gate, "skipped", value, note))
        elif value is None:
            results.append(GateResult(gate, "skipped", None, "nie mierzono w tym przebiegu"))
        else:
            results.append(GateResult(gate, "pass" if gate.passes(value) else "fail", value))
    return results

"""Answer or refuse: a small trained classifier over what retrieval found for the message.

The hand-set thresholds of `rag.relevance` were calibrated on short questions. On residents' long
messages they fail both ways: read on the whole story, most answerable messages were refused;
read on the question part alone, most in-domain questions the base does not cover were answered.
The evidence of both readings together, with how close the best curated fact is, separates them
better than either, and a logistic regression weighs it (`eval/refusal.py` fits it on golden v3
dev and the questions the base does not cover, a wrong answer weighing three wrong refusals).

The weights are data (`refusal.json` beside this module), written by the fit, not edited by hand.
"""

from __future__ import annotations

import json
import math
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

MODEL_PATH = Path(__file__).with_name("refusal.json")


@dataclass(frozen=True, slots=True)
class Evidence:
    """What supports answering a message (each from `rag.relevance.judge` and the extractive
    answer's support, on the question part and on the whole message; the best fact's score and
    how much of the question it covers)."""

    coverage_focus: float  # share of the question part's subject lemmas in one top passage
    agreement_focus: float  # the two searches agree on the top passage (fused score / best)
    support_focus: float  # best share of the question part covered by one sentence
    coverage_whole: float  # the same three, the whole message read
    agreement_whole: float
    support_whole: float
    best_fact: float  # closeness of the question part to the nearest curated fact's questions
    fact_coverage: float  # share of the question part's words (rarer weigh more) that fact uses

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def values(self) -> tuple[float, ...]:
        return tuple(float(v) for v in astuple(self))


class RefusalModel(BaseModel):
    """Logistic regression: answer when P(answerable) ≥ threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    embedding_model: str  # the evidence's closeness figures are this model's: another one refits
    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = Field(gt=0.0, lt=1.0)
    trained_on: str = ""  # what it was fitted on, for the record
    measured: dict[str, float] = Field(default_factory=dict)  # cross-validated figures

    @model_validator(mode="after")
    def _matches_the_evidence(self) -> RefusalModel:
        if self.features != Evidence.names():
            raise ValueError(
                f"the model reads {self.features}, the pipeline gives {Evidence.names()}: refit"
            )
        if len(self.weights) != len(self.features):
            raise ValueError("one weight per feature")
        return self

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> RefusalModel:
        """Raises OSError / ValueError when the file is missing or does not fit the pipeline."""
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))

    def probability(self, evidence: Evidence) -> float:
        """P(the base answers this message)."""
        z = self.bias + sum(w * x for w, x in zip(self.weights, evidence.values(), strict=True))
        return 1.0 / (1.0 + math.exp(-max(min(z, 60.0), -60.0)))

    def answers(self, evidence: Evidence) -> bool:
        return self.probability(evidence) >= self.threshold

"""Answer or refuse: a small trained classifier over what retrieval found for the message.

The hand-set thresholds of `rag.relevance` were calibrated on short questions. On residents' long
messages they fail both ways: read on the whole story, most answerable messages were refused;
read on the question part alone, most in-domain questions the base does not cover were answered.
The evidence of both readings together, with how close the best curated facts are, separates them
better than either, and a logistic regression weighs it (`eval/refusal.py` fits it on golden v3
dev, resident messages the base answers and questions it does not cover, a wrong answer
weighing three wrong refusals).

What the evidence of one reading cannot say is whether messages like this one were answerable
before. The fit keeps the question parts of its training messages (`RefusalModel.seen`); the
model's vector of a new question is compared with theirs and the closest twenty vote
(`SeenMessages`): a question like those the base answers leans to answering, one like the
questions it does not cover leans to refusing. With the whole message's closeness to the nearest
fact, that vote raised the cross-validated share of answerable messages answered from 0.52 to
0.73 at the same refusal recall (0.925); with 90 more questions to refuse (poza-baza-v3) the fit
answers 0.70 at a refusal recall of 0.97.

The weights and the seen messages are data (`refusal.json` beside this module), written by the
fit, not edited by hand.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from rag.derived import prune_siblings, used
from rag.embedding import Embedder, signature

MODEL_PATH = Path(__file__).with_name("refusal.json")
NEIGHBOURS = 20  # how many seen messages vote
CLOSENESS = 30.0  # softmax temperature over their cosines (e5's cosines sit in a narrow band)

log = logging.getLogger(__name__)


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
    fact_whole: float  # closeness of the whole message to the nearest curated fact's questions
    seen_answerable: float  # the closest seen messages' vote (`SeenMessages.vote`)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    def values(self) -> tuple[float, ...]:
        return tuple(float(v) for v in astuple(self))


class SeenMessage(BaseModel):
    """A training message's question part and whether the base answers it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=1)
    answerable: bool


def neighbour_vote(
    similarities: npt.NDArray[np.floating], answerable: npt.NDArray[np.bool_]
) -> float:
    """The share of answerable messages among the `NEIGHBOURS` closest, weighted by
    closeness (a softmax of the cosines); 0.5 when there are none."""
    if similarities.size == 0:
        return 0.5
    closest = np.argsort(-similarities, kind="stable")[:NEIGHBOURS]
    weights = np.exp(CLOSENESS * (similarities[closest] - similarities[closest].max()))
    return float(weights @ answerable[closest] / weights.sum())


class SeenMessages:
    """The seen messages' vectors, to vote on a new question's (`neighbour_vote`): at run time,
    and in the fit (`eval.refusal`), where a training message is left out of its own vote."""

    def __init__(
        self, vectors: npt.NDArray[np.floating], answerable: npt.NDArray[np.bool_]
    ) -> None:
        if len(vectors) != len(answerable):
            raise ValueError("one label per vector")
        matrix = np.asarray(vectors, dtype=np.float64)
        self._vectors = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
        self._answerable = np.asarray(answerable, dtype=bool)

    def vote(self, vector: npt.NDArray[np.floating], *, without: int | None = None) -> float:
        """The vote on `vector`; `without`: the index of a seen message that does not vote."""
        query = np.asarray(vector, dtype=np.float64)
        norm = float(np.linalg.norm(query))
        if norm == 0.0:
            return 0.5
        similarities = self._vectors @ (query / norm)
        answerable = self._answerable
        if without is not None:
            similarities = np.delete(similarities, without)
            answerable = np.delete(answerable, without)
        return neighbour_vote(similarities, answerable)

    @classmethod
    def embedded(
        cls, embedder: Embedder, seen: Sequence[SeenMessage], cache_dir: Path | None
    ) -> SeenMessages:
        """The seen messages embedded with `embedder` (a few seconds once, on two cores), kept
        in `cache_dir` keyed by the model, its vector of a fixed text and the texts. A cache
        file that cannot be read or does not hold finite vectors of the right shape is embedded
        again and replaced; one that cannot be written is skipped.

        Raises:
            EmbeddingModelError: the model cannot embed.
        """
        digest = hashlib.blake2b(digest_size=8)
        digest.update(f"{signature(embedder)}\0".encode())
        for message in seen:
            digest.update(f"{message.text}\0".encode())
        path = cache_dir / f"seen-{digest.hexdigest()}.npy" if cache_dir is not None else None
        answerable = np.array([m.answerable for m in seen], dtype=bool)
        if path is not None:
            try:
                vectors = np.load(path, allow_pickle=False)
            except FileNotFoundError:
                pass
            except (OSError, ValueError, EOFError) as exc:  # EOFError: an empty file
                log.warning("seen messages %s unreadable, embedding again: %s", path, exc)
            else:
                if vectors.shape == (len(seen), embedder.dimension) and np.isfinite(vectors).all():
                    used(path)
                    return cls(vectors, answerable)
                log.warning("seen messages %s hold other vectors, embedding again", path)
        vectors = np.asarray(embedder.embed([m.text for m in seen], kind="query"), np.float32)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                # Written whole, then renamed: a crash mid-write leaves no half file to read.
                partial = path.with_suffix(".partial")
                with partial.open("wb") as out:
                    np.save(out, vectors, allow_pickle=False)
                partial.replace(path)
                prune_siblings(path, "seen-*.npy")
            except OSError as exc:
                log.warning("seen messages not cached at %s: %s", path, exc)
        return cls(vectors, answerable)


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
    seen: tuple[SeenMessage, ...] = ()  # the training messages, for `Evidence.seen_answerable`

    @model_validator(mode="after")
    def _matches_the_evidence(self) -> RefusalModel:
        if self.features != Evidence.names():
            raise ValueError(
                f"the model reads {self.features}, the pipeline gives {Evidence.names()}: refit"
            )
        if len(self.weights) != len(self.features):
            raise ValueError("one weight per feature")
        labels = {m.answerable for m in self.seen}
        if len(self.seen) < NEIGHBOURS or labels != {True, False}:
            raise ValueError(
                f"the seen-messages vote needs at least {NEIGHBOURS} seen messages of both kinds: "
                "refit"
            )
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


@dataclass(frozen=True, slots=True)
class Refusal:
    """The fitted model with its seen messages embedded: what the pipeline consults."""

    model: RefusalModel
    seen: SeenMessages

    @classmethod
    def of(cls, model: RefusalModel, embedder: Embedder, cache_dir: Path | None) -> Refusal:
        return cls(model, SeenMessages.embedded(embedder, model.seen, cache_dir))

    def answers(self, evidence: Evidence) -> bool:
        return self.model.answers(evidence)

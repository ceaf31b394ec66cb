"""Fit the answer-or-refuse model (`rag/answering/refusal.py`) and write its weights.

Trained on golden v3's dev half (v2's, with six cases the base now answers), on `trening-v1.yaml`
(resident messages the base answers, written from the documents) and on `poza-baza-v1/v2.yaml`
(in-domain questions the base does not cover); golden v3's held-out half and v1 are never seen,
so their figures stay honest. A wrong answer weighs three wrong refusals; the threshold is the
highest-answering one whose cross-validated refusal recall on the training cases reaches
`MIN_REFUSAL_RECALL`.

    .venv/bin/python -m eval.refusal        # needs an ingested index (`okienko ingest`)
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import typer

from eval.cases import Case, load_cases, split_cases
from rag.answering.analysis import analyse
from rag.answering.pipeline import Assistant
from rag.answering.refusal import MODEL_PATH, Evidence, RefusalModel

GOLDEN = Path(__file__).with_name("golden")
MIN_REFUSAL_RECALL = 0.92
WRONG_ANSWER_WEIGHT = 3.0
L2 = 1.0
FOLDS = 5
SEED = 7


@dataclass(frozen=True, slots=True)
class Example:
    case_id: str
    evidence: Evidence
    answerable: bool


TRAINING_FILES = ("trening-v1.yaml", "poza-baza-v1.yaml", "poza-baza-v2.yaml")


def training_cases() -> list[Case]:
    """Golden v3 dev (no crisis cases: they are answered from the crisis documents), resident
    messages the base answers (`trening-v1`) and questions it does not cover (`poza-baza-*`)."""
    dev = split_cases(load_cases(GOLDEN / "v3.yaml").cases)["dev"]
    more = [c for name in TRAINING_FILES for c in load_cases(GOLDEN / name).cases]
    return [c for c in [*dev, *more] if not c.crisis]


def collect(assistant: Assistant, cases: Sequence[Case]) -> list[Example]:
    """The evidence the pipeline gathers for each case (all turns read as one message)."""
    examples = []
    for case in cases:
        analysis = analyse(case.conversation, assistant.lexicon)
        reading = assistant.read(analysis, case.audience)
        examples.append(Example(case.id, reading.evidence, case.answerable))
    return examples


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression by gradient descent on standardised features."""
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = np.c_[(x - mean) / scale, np.ones(len(x))]
    w = np.zeros(z.shape[1])
    weight = np.where(y == 0, WRONG_ANSWER_WEIGHT, 1.0)
    for _ in range(3000):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ ((p - y) * weight) / len(y) + L2 * np.r_[w[:-1], 0.0] / len(y)
        w -= 0.5 * grad
    raw = w[:-1] / scale
    return raw, float(w[-1] - np.sum(w[:-1] * mean / scale))


def fit(examples: Sequence[Example], *, embedding_model: str) -> RefusalModel:
    """Cross-validated threshold, then the weights refitted on every example."""
    x = np.array([e.evidence.values() for e in examples], dtype=float)
    y = np.array([1.0 if e.answerable else 0.0 for e in examples])
    folds = np.random.default_rng(SEED).integers(0, FOLDS, len(examples))
    held = np.zeros(len(examples))
    for k in range(FOLDS):
        weights, bias = _fit(x[folds != k], y[folds != k])
        held[folds == k] = 1.0 / (1.0 + np.exp(-(x[folds == k] @ weights + bias)))
    best: tuple[float, float, float] | None = None  # (threshold, answered, refusal recall)
    for threshold in np.arange(0.30, 0.905, 0.01):
        answered = held >= threshold
        recall = float(np.mean(~answered[y == 0]))
        share = float(np.mean(answered[y == 1]))
        if recall >= MIN_REFUSAL_RECALL and (best is None or share > best[1]):
            best = (float(round(threshold, 2)), share, recall)
    if best is None:
        raise RuntimeError(f"no threshold reaches refusal recall {MIN_REFUSAL_RECALL}")
    weights, bias = _fit(x, y)
    return RefusalModel(
        embedding_model=embedding_model,
        features=Evidence.names(),
        weights=tuple(round(float(w), 5) for w in weights),
        bias=round(bias, 5),
        threshold=best[0],
        trained_on=(
            f"golden v3 dev + trening-v1 + poza-baza-v1/v2: {int(y.sum())} answerable, "
            f"{int(len(y) - y.sum())} to refuse"
        ),
        measured={"cv_answered": round(best[1], 3), "cv_refusal_recall": round(best[2], 3)},
    )


def main() -> int:
    from rag.runtime import build_runtime
    from rag.settings import Settings

    logging.basicConfig(level=logging.WARNING)
    runtime = build_runtime(Settings())
    try:
        model = fit(
            collect(runtime.assistant, training_cases()),
            embedding_model=runtime.embedder.model_id,
        )
    finally:
        runtime.close()
    MODEL_PATH.write_text(json.dumps(model.model_dump(), indent=2) + "\n", encoding="utf-8")
    typer.echo(f"{MODEL_PATH}: threshold {model.threshold}, cross-validated {model.measured}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

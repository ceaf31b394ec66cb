"""Sentence–question closeness for the extractive answer: values, stored vectors, the cache."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embedding import HashEmbedder
from rag.knowledge_vectors import KnowledgeVectors, content_key
from rag.sentence_vectors import SentenceSimilarity
from tests.embedders import CountingEmbedder

SENTENCES = [
    "Dodatek mieszkaniowy przyznaje się na 6 miesięcy.",
    "Zasiłek stały przysługuje osobie niezdolnej do pracy.",
    "Odwołanie wnosi się w terminie 14 dni.",
]


def test_cosines_are_the_model_s_own() -> None:
    embedder = CountingEmbedder(64)
    question = "Na jak długo przyznaje się dodatek mieszkaniowy?"
    cosines = SentenceSimilarity(embedder)(question, SENTENCES)
    reference = HashEmbedder(64)
    (q,) = reference.embed([question], kind="query")
    expected = reference.embed(SENTENCES, kind="passage") @ q
    assert cosines == pytest.approx(expected.tolist())
    assert int(np.argmax(cosines)) == 0  # the sentence sharing its words is the closest


def test_sentences_are_embedded_once_then_served_from_the_cache() -> None:
    embedder = CountingEmbedder(64)
    similarity = SentenceSimilarity(embedder)
    first = similarity("dodatek mieszkaniowy", SENTENCES)
    assert embedder.count("passage") == 3
    again = similarity("zasiłek stały", [SENTENCES[2], SENTENCES[0], SENTENCES[2]])
    assert (
        embedder.count("passage") == 3
    )  # all three were cached; a repeated sentence costs nothing
    assert similarity.embedded == 3
    assert similarity("dodatek mieszkaniowy", SENTENCES) == first
    assert len(again) == 3
    assert again[0] == again[2]


def test_the_cache_keeps_the_most_recently_used() -> None:
    embedder = CountingEmbedder(64)
    similarity = SentenceSimilarity(embedder, capacity=2)
    similarity("pytanie", SENTENCES[:2])
    similarity("pytanie", [SENTENCES[0]])  # now the most recent
    similarity("pytanie", [SENTENCES[2]])  # evicts SENTENCES[1], the least recent
    assert embedder.count("passage") == 3
    similarity("pytanie", [SENTENCES[0], SENTENCES[2]])
    assert embedder.count("passage") == 3
    similarity("pytanie", [SENTENCES[1]])
    assert embedder.count("passage") == 4


def test_no_cache_and_bad_capacity() -> None:
    embedder = CountingEmbedder(64)
    similarity = SentenceSimilarity(embedder, capacity=0)
    similarity("pytanie", SENTENCES)
    similarity("pytanie", SENTENCES)
    assert embedder.count("passage") == 6
    assert similarity("pytanie", []) == []
    with pytest.raises(ValueError, match="capacity"):
        SentenceSimilarity(embedder, capacity=-1)


def test_stored_vectors_are_used_and_only_what_they_lack_is_embedded() -> None:
    embedder = CountingEmbedder(64)
    reference = HashEmbedder(64)
    kept = SENTENCES[:2]
    stored = KnowledgeVectors(
        embedder.model_id,
        [content_key(s, "passage") for s in kept],
        reference.embed(kept, kind="passage"),
    )
    similarity = SentenceSimilarity(embedder, stored=lambda: stored)
    question = "Na jak długo przyznaje się dodatek mieszkaniowy?"
    cosines = similarity(question, SENTENCES)
    (q,) = reference.embed([question], kind="query")
    assert cosines == pytest.approx((reference.embed(SENTENCES, kind="passage") @ q).tolist())
    assert embedder.calls == [("query", [question]), ("passage", [SENTENCES[2]])]
    # The question's vector, when the caller has it, is not embedded again.
    assert similarity(question, kept, query=q) == pytest.approx(cosines[:2])
    assert len(embedder.calls) == 2

"""Sentence–question closeness for the extractive answer: values, the cache, its bound."""

from __future__ import annotations

import numpy as np
import pytest

from rag.embedding import HashEmbedder
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

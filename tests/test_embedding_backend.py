"""Choosing the embedder: backend, threads, and the cache of recent questions.

The ONNX backend on a real (tiny) model is tested in test_onnx_embedding.py; here the cache
wraps a counting embedder, and nothing loads a model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from rag.embedding import CachedEmbedder, HashEmbedder, build_embedder, signature
from rag.errors import EmbeddingModelError
from rag.settings import Settings
from tests.embedders import CountingEmbedder

QUESTIONS = [
    "Kto może dostać zasiłek stały?",
    "becikowe kto dostanie",
    "Gdzie zgłosić przemoc domową?",
]


def test_a_repeated_question_is_not_embedded_again() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, size=8)
    first = cached.embed(QUESTIONS[:1], kind="query")
    again = cached.embed(QUESTIONS[:1], kind="query")
    assert np.array_equal(first, again)
    assert np.array_equal(again, inner.embed(QUESTIONS[:1], kind="query"))
    assert inner.texts.count(QUESTIONS[0]) == 2  # the first call, and the check just above
    assert (cached.hits, cached.misses) == (1, 1)


def test_only_the_missing_texts_reach_the_model_in_input_order() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, size=8)
    cached.embed([QUESTIONS[1]], kind="query")
    inner.calls.clear()
    mixed = [QUESTIONS[0], QUESTIONS[1], QUESTIONS[0], QUESTIONS[2]]
    vectors = cached.embed(mixed, kind="query")
    assert inner.calls == [("query", [QUESTIONS[0], QUESTIONS[2]])]  # once each, no hit
    assert np.array_equal(vectors, HashEmbedder(32).embed(mixed, kind="query"))


def test_the_kind_is_part_of_the_key() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, size=8)
    cached.embed(QUESTIONS[:1], kind="query")
    cached.embed(QUESTIONS[:1], kind="passage")
    assert [kind for kind, _ in inner.calls] == ["query", "passage"]
    assert cached.held == 2


def test_a_question_cache_lets_passages_through() -> None:
    # The answer's sentences are embedded as passages; they must not flush the questions.
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, size=1, kinds=("query",))
    cached.embed(QUESTIONS[:1], kind="query")
    cached.embed(QUESTIONS[1:2], kind="passage")
    cached.embed(QUESTIONS[1:2], kind="passage")
    cached.embed(QUESTIONS[:1], kind="query")
    assert inner.count("passage") == 2
    assert inner.count("query") == 1
    assert cached.held == 1


def test_the_least_recently_used_text_is_dropped_first() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, size=2)
    cached.embed([QUESTIONS[0]], kind="query")
    cached.embed([QUESTIONS[1]], kind="query")
    cached.embed([QUESTIONS[0]], kind="query")  # now the most recent
    cached.embed([QUESTIONS[2]], kind="query")  # drops QUESTIONS[1]
    assert cached.held == 2
    inner.calls.clear()
    cached.embed([QUESTIONS[0], QUESTIONS[2]], kind="query")
    assert inner.calls == []
    cached.embed([QUESTIONS[1]], kind="query")
    assert inner.texts == [QUESTIONS[1]]


def test_a_caller_changing_its_vectors_does_not_change_the_cache() -> None:
    cached = CachedEmbedder(CountingEmbedder(), size=4)
    vectors = cached.embed(QUESTIONS, kind="query")
    expected = vectors.copy()
    vectors[:] = 0.0
    assert np.array_equal(cached.embed(QUESTIONS, kind="query"), expected)


def test_an_empty_list_gives_no_rows_and_asks_nothing() -> None:
    inner = CountingEmbedder()
    vectors = CachedEmbedder(inner, size=4).embed([], kind="query")
    assert vectors.shape == (0, 32)
    assert inner.calls == []


def test_the_cache_passes_the_model_through() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, size=4)
    assert cached  # empty, yet truthy: `embedder or build_embedder(...)` must keep it
    assert cached.model_id == inner.model_id
    assert cached.dimension == 32
    assert cached.count_tokens("wniosek o dodatek") == inner.count_tokens("wniosek o dodatek")
    with pytest.raises(ValueError, match="at least one"):
        CachedEmbedder(inner, size=0)


def test_threads_sharing_the_cache_get_the_right_vectors() -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, size=16)
    texts = [f"pytanie numer {n}" for n in range(40)]  # more than the cache holds
    expected = HashEmbedder(32).embed(texts, kind="query")
    wrong: list[int] = []
    barrier = threading.Barrier(8)

    def ask(offset: int) -> None:
        barrier.wait()
        for round_ in range(200):
            n = (offset * 7 + round_) % len(texts)
            (vector,) = cached.embed([texts[n]], kind="query")
            if not np.array_equal(vector, expected[n]):
                wrong.append(n)

    workers = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert wrong == []
    assert cached.held == 16
    assert cached.hits + cached.misses == 8 * 200
    assert cached.hits > 0


def test_settings_refuse_an_unknown_backend() -> None:
    with pytest.raises(ValidationError, match="embedding_backend"):
        Settings(embedding_backend="tensorflow")  # type: ignore[arg-type]


def test_settings_refuse_onnx_on_a_gpu() -> None:
    with pytest.raises(ValidationError, match="CPU only"):
        Settings(embedding_backend="onnx", embedding_device="cuda")
    assert Settings(embedding_backend="torch", embedding_device="cuda").embedding_device == "cuda"


def test_build_embedder_names_an_unknown_backend() -> None:
    # Settings copied with an update skip validation; the factory must still say what is wrong.
    settings = Settings().model_copy(update={"embedding_backend": "tensorflow"})
    with pytest.raises(EmbeddingModelError, match="unknown embedding backend 'tensorflow'"):
        build_embedder(settings)


def test_the_hash_fake_is_never_wrapped() -> None:
    embedder = build_embedder(Settings(embedding_model="hash:64", embedding_backend="onnx"))
    assert isinstance(embedder, HashEmbedder)


@pytest.fixture
def log_levels() -> Iterator[None]:
    """`okienko serve` raises its loggers to INFO; put them back for the tests that follow."""
    loggers = [logging.getLogger(name) for name in ("api", "rag")]
    before = [logger.level for logger in loggers]
    yield
    for logger, level in zip(loggers, before, strict=True):
        logger.setLevel(level)


@pytest.fixture
def served_settings(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """Runs of `okienko serve` record the settings they would serve with, and serve nothing."""
    import uvicorn

    import api.app
    import cli.main

    seen: list[Settings] = []

    def create_app(settings: Settings, **_: Any) -> object:
        seen.append(settings)
        return object()

    monkeypatch.setattr(api.app, "create_app", create_app)
    monkeypatch.setattr(uvicorn, "run", lambda *_, **__: None)
    monkeypatch.setattr(cli.main, "_announce_onnx_export", lambda _: None)
    for name in ("MODEL", "BACKEND", "THREADS"):
        monkeypatch.delenv(f"OKIENKO_EMBEDDING_{name}", raising=False)
    return seen


def _serve() -> None:
    from cli.main import app

    assert CliRunner().invoke(app, ["serve"]).exit_code == 0


@pytest.mark.usefixtures("log_levels")
def test_serve_runs_one_embedding_thread_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, served_settings: list[Settings]
) -> None:
    monkeypatch.setenv("OKIENKO_EMBEDDING_MODEL", "hash:64")
    _serve()
    monkeypatch.setenv("OKIENKO_EMBEDDING_THREADS", "2")
    _serve()
    assert [s.embedding_threads for s in served_settings] == [1, 2]


@pytest.mark.usefixtures("log_levels")
def test_serve_picks_onnx_for_the_default_model_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, served_settings: list[Settings]
) -> None:
    _serve()
    monkeypatch.setenv("OKIENKO_EMBEDDING_BACKEND", "torch")
    _serve()
    monkeypatch.delenv("OKIENKO_EMBEDDING_BACKEND")
    monkeypatch.setenv("OKIENKO_EMBEDDING_MODEL", "hash:64")
    _serve()
    assert [s.embedding_backend for s in served_settings] == ["onnx", "torch", "torch"]


class _Prefixed(HashEmbedder):
    """The same model id, another query prefix: what a changed e5 prompt would be."""

    def embed(self, texts: Any, *, kind: Any = "passage") -> Any:
        return super().embed([f"zapytanie: {t}" for t in texts], kind=kind)


def test_the_signature_tells_apart_what_the_model_id_does_not() -> None:
    plain, prefixed = HashEmbedder(dimension=32), _Prefixed(dimension=32)
    assert plain.model_id == prefixed.model_id
    assert signature(plain) == signature(HashEmbedder(dimension=32))  # stable across instances
    assert signature(plain) != signature(prefixed)
    assert signature(plain) != signature(HashEmbedder(dimension=64))

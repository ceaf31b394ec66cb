"""Knowledge-base vectors are made at ingest, stored with the generation and switched with it;
nothing of the knowledge base is embedded while a resident waits (issue 17)."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import Chunker
from ingest.embedding_cache import EmbeddingCache
from ingest.pipeline import Ingestor, IngestReport, Source, _knowledge_texts
from rag.documents import Chunk, DocumentMeta, ScoredChunk
from rag.embedding import HashEmbedder
from rag.extractive import extractive_answer, quotable_texts
from rag.index.edge import EdgeStore
from rag.knowledge_vectors import (
    FILE_NAME,
    KnowledgeVectors,
    StoredVectorsError,
    content_key,
    load_or_empty,
)
from rag.lexical import PolishAnalyzer
from rag.runtime import build_runtime, knowledge_base_facts
from rag.settings import Settings
from tests.embedders import CountingEmbedder

KB = Path(__file__).resolve().parent.parent / "knowledge_base"
DOCUMENTS = (
    "pomoc-spoleczna/zasilek-okresowy",
    "pomoc-spoleczna/kryterium-dochodowe-pomoc-spoleczna",
)
QUESTION = "Na jak długo przyznaje się zasiłek okresowy?"


def stored(texts: list[str], embedder: HashEmbedder) -> KnowledgeVectors:
    rows = embedder.embed(texts, kind="passage")
    keys = [content_key(t, "passage") for t in texts]
    return KnowledgeVectors(embedder.model_id, keys, rows)


def test_a_file_round_trip_keeps_every_vector_by_its_text(tmp_path: Path) -> None:
    embedder = HashEmbedder(16)
    vectors = stored(["Pierwsze zdanie.", "Drugie zdanie."], embedder)
    vectors.save(tmp_path / FILE_NAME)
    again = KnowledgeVectors.load(tmp_path / FILE_NAME, model_id=embedder.model_id)
    assert again.digest == vectors.digest
    rows, matrix = again.rows(["Drugie zdanie.", "Nieznane.", "Pierwsze zdanie."], kind="passage")
    assert rows[1] is None
    assert rows[0] is not None
    assert rows[2] is not None
    expected = embedder.embed(["Drugie zdanie.", "Pierwsze zdanie."], kind="passage")
    assert np.allclose(matrix[[rows[0], rows[2]]], expected)
    # The same text as a query is another vector; another model's are none of ours.
    assert again.rows(["Drugie zdanie."], kind="query")[0] == [None]
    assert again.get_many("hash:32", [content_key("Drugie zdanie.", "passage")]) == {}


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a zip at all", b"PK\x03\x04 truncated"],
    ids=["empty", "garbage", "truncated"],
)
def test_a_damaged_file_is_an_empty_set_and_a_warning(
    tmp_path: Path, damage: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / FILE_NAME
    path.write_bytes(damage)
    with pytest.raises(StoredVectorsError):
        KnowledgeVectors.load(path, model_id="hash:16")
    with caplog.at_level(logging.WARNING, logger="rag.knowledge_vectors"):
        vectors = load_or_empty(path, model_id="hash:16", generation="g-1")
    assert len(vectors) == 0
    assert "g-1" in caplog.text
    assert "not loaded" in caplog.text


def test_another_model_s_file_is_not_used(tmp_path: Path) -> None:
    stored(["Zdanie."], HashEmbedder(16)).save(tmp_path / FILE_NAME)
    with pytest.raises(StoredVectorsError, match="hash:16"):
        KnowledgeVectors.load(tmp_path / FILE_NAME, model_id="hash:32")


# --- ingest and serving -------------------------------------------------------------------


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    for name in DOCUMENTS:
        for suffix in (".md", ".fakty.yaml"):
            target = root / f"{name}{suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(KB / f"{name}{suffix}", target)
    return root


def settings_for(tmp_path: Path, kb: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        knowledge_base_dir=kb,
        embedding_model="hash:32",
        redis_url=None,
        llm_base_url=None,
    )


def ingest(settings: Settings, embedder: CountingEmbedder) -> IngestReport:
    facts, problems = knowledge_base_facts(settings)
    assert facts
    assert not problems
    cache = EmbeddingCache(settings.embedding_cache_path)
    try:
        return Ingestor(
            store=EdgeStore(settings.index_dir),
            embedder=embedder,
            analyzer=PolishAnalyzer(),
            chunker=Chunker(embedder.count_tokens),
            cache=cache,
        ).run(
            [Source(settings.knowledge_base_dir, strict=True)],
            questions=[q for sourced in facts for q in sourced.fact.questions],
        )
    finally:
        cache.close()


def test_ingest_stores_every_quotable_sentence_and_fact_question(tmp_path: Path, kb: Path) -> None:
    settings = settings_for(tmp_path, kb)
    embedder = CountingEmbedder()
    report = ingest(settings, embedder)
    served = EdgeStore(settings.index_dir).open_served()
    try:
        vectors = served.vectors
        chunks = served.index.hashes()
    finally:
        served.close()
    facts, _ = knowledge_base_facts(settings)
    forms = {q for sourced in facts for q in sourced.fact.questions}
    assert report.stored_vectors == len(vectors) == served.info.vectors
    assert served.info.vectors_digest == vectors.digest
    assert len(chunks) == len(report.added)
    keys = set(vectors.keys)
    assert {content_key(q, "query") for q in forms} <= keys
    assert report.vectors_embedded == report.stored_vectors  # an empty cache: all embedded once

    # Unchanged: nothing built, nothing embedded. A new question form alone: a new generation,
    # its vectors from the cache but the new one.
    calls = len(embedder.calls)
    assert ingest(settings, embedder).generation is None
    assert len(embedder.calls) == calls
    path = kb / f"{DOCUMENTS[0]}.fakty.yaml"
    form = "jak długo trwa zasiłek okresowy w praktyce"
    text = path.read_text(encoding="utf-8")
    first_forms = text.index("questions:")
    line_end = text.index("\n", first_forms)
    path.write_text(
        text[: line_end + 1] + f"      - {form}\n" + text[line_end + 1 :], encoding="utf-8"
    )
    again = ingest(settings, embedder)
    assert again.generation is not None
    assert not again.changed
    assert again.vectors_changed
    assert again.vectors_embedded == 1
    assert embedder.calls[-1] == ("query", [form])


def test_the_sentences_scored_are_the_ones_stored(analyzer: PolishAnalyzer) -> None:
    text = (
        "Zasiłek przysługuje osobie, która:\n\n- jest pełnoletnia,\n- nie pracuje.\n\n"
        "Wniosek o zasiłek składa się w CUS. Zasiłek wypłaca się co miesiąc."
    )
    chunk = Chunk(
        chunk_id="kb/zasilek#0",
        doc_id="kb/zasilek",
        source="knowledge_base/zasilek.md",
        text=text,
        heading_path=("Zasiłek",),
        meta=DocumentMeta(title="Zasiłek"),
        position=0,
        content_hash="h",
    )
    scored: list[str] = []

    def similarity(question: str, sentences: Sequence[str]) -> list[float]:  # noqa: ARG001
        scored.extend(sentences)
        return [0.0] * len(sentences)

    extractive_answer(
        "komu przysługuje zasiłek", [ScoredChunk(chunk, 1.0, 1)], analyzer, similarity=similarity
    )
    assert scored
    assert scored == quotable_texts(text)
    assert "Zasiłek przysługuje osobie, która: jest pełnoletnia, nie pracuje." in scored


def test_a_request_after_a_fresh_start_embeds_no_knowledge_base_text(
    tmp_path: Path, kb: Path
) -> None:
    settings = settings_for(tmp_path, kb)
    ingest(settings, CountingEmbedder())
    embedder = CountingEmbedder()  # a fresh process: nothing cached
    runtime = build_runtime(settings, embedder=embedder)
    try:
        assert embedder.calls == []  # the fact question forms came with the generation
        answer = runtime.assistant.ask(QUESTION)
    finally:
        runtime.close()
    assert not answer.refused, answer.answer
    assert embedder.count("passage") == 0
    assert set(embedder.texts) <= {QUESTION}  # only the question itself


def test_a_generation_switch_brings_its_vectors(tmp_path: Path, kb: Path) -> None:
    settings = settings_for(tmp_path, kb)
    ingest(settings, CountingEmbedder())
    served = EdgeStore(settings.index_dir).open_served()
    try:
        before = served.vectors
        added = "Zasiłek okresowy wypłaca się co miesiąc na konto wskazane we wniosku."
        path = kb / f"{DOCUMENTS[0]}.md"
        path.write_text(path.read_text(encoding="utf-8") + f"\n\n{added}\n", encoding="utf-8")
        report = ingest(settings, CountingEmbedder())
        assert report.generation is not None
        assert served.refresh()
        assert served.info.name == report.generation
        assert served.vectors is not before
        assert served.vectors.rows([added], kind="passage")[0] != [None]
        assert before.rows([added], kind="passage")[0] == [None]
    finally:
        served.close()


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_missing_or_damaged_vectors_degrade_to_embedding_as_needed(
    tmp_path: Path, kb: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(tmp_path, kb)
    report = ingest(settings, CountingEmbedder())
    assert report.generation is not None
    path = settings.index_dir / "generations" / report.generation / FILE_NAME
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:100])
    embedder = CountingEmbedder()
    with caplog.at_level(logging.WARNING):
        runtime = build_runtime(settings, embedder=embedder)
    try:
        answer = runtime.assistant.ask(QUESTION)
    finally:
        runtime.close()
    assert "not loaded" in caplog.text
    assert "fact question forms are not stored" in caplog.text
    assert not answer.refused, answer.answer
    assert embedder.count("passage") > 0  # the sentences, as before they were stored


def test_sentences_of_neighbouring_chunks_joined_are_stored_too() -> None:
    # Retrieval joins neighbours into one passage: a lead-in ending one chunk and its list
    # starting the next then read as one quotable sentence, which neither chunk holds alone.
    def chunk(position: int, text: str) -> Chunk:
        return Chunk(
            chunk_id=f"kb/zasilek#{position}",
            doc_id="kb/zasilek",
            source="knowledge_base/zasilek.md",
            text=text,
            heading_path=("Zasiłek", "Komu przysługuje"),
            meta=DocumentMeta(title="Zasiłek"),
            position=position,
            content_hash=f"h{position}",
        )

    first = chunk(0, "Wniosek składa się w CUS.\n\nZasiłek przysługuje osobie, która:")
    second = chunk(1, "- jest pełnoletnia,\n- nie pracuje.")
    texts = [text for kind, text in _knowledge_texts([first, second], ["ile wynosi zasiłek"])]
    joined = "Zasiłek przysługuje osobie, która: jest pełnoletnia, nie pracuje."
    assert joined in texts
    assert joined not in quotable_texts(first.text) + quotable_texts(second.text)
    assert texts[-1] == "ile wynosi zasiłek"
    assert len(texts) == len(set(texts))

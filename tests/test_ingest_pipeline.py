"""Ingestion is incremental and idempotent, reports changes, never damages the served index."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from ingest.chunking import Chunker
from ingest.embedding_cache import EmbeddingCache
from ingest.pipeline import Ingestor, Source, build_ingestor
from rag.embedding import HashEmbedder, Kind, Vectors
from rag.index.edge import EdgeStore
from rag.lexical import PolishAnalyzer
from rag.settings import Settings
from tests.conftest import FIXTURES


class CountingEmbedder(HashEmbedder):
    """The fake embedder, counting what it is asked to embed."""

    def __init__(self, dimension: int = 64) -> None:
        super().__init__(dimension)
        self.calls: list[int] = []

    def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:
        self.calls.append(len(texts))
        return super().embed(texts, kind=kind)


class FailingEmbedder(HashEmbedder):
    def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:  # noqa: ARG002
        raise RuntimeError("model padł")


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "regulations"
    shutil.copytree(FIXTURES / "regulations", folder)
    return folder


def make(
    tmp_path: Path, analyzer: PolishAnalyzer, embedder: HashEmbedder | None = None
) -> tuple[Ingestor, EdgeStore, HashEmbedder]:
    embedder = embedder or CountingEmbedder()
    store = EdgeStore(tmp_path / "data" / "index")
    ingestor = Ingestor(
        store=store,
        embedder=embedder,
        analyzer=analyzer,
        chunker=Chunker(embedder.count_tokens),
        cache=EmbeddingCache(tmp_path / "data" / "embeddings.sqlite"),
    )
    return ingestor, store, embedder


def test_first_run_adds_everything(tmp_path: Path, docs: Path, analyzer: PolishAnalyzer) -> None:
    ingestor, store, _ = make(tmp_path, analyzer)
    report = ingestor.run([Source(docs)])
    assert report.documents == 3
    assert len(report.added) == 7  # 4 articles, 2 html sections, 1 text
    assert report.updated == report.removed == report.unchanged == []
    assert report.embedded == 7
    served = store.served()
    assert served is not None
    assert served.name == report.generation
    assert served.chunks == 7


def test_second_run_is_a_no_op(tmp_path: Path, docs: Path, analyzer: PolishAnalyzer) -> None:
    ingestor, store, embedder = make(tmp_path, analyzer)
    first = ingestor.run([Source(docs)])
    calls = list(embedder.calls)  # type: ignore[attr-defined]
    second = ingestor.run([Source(docs)])
    assert len(second.unchanged) == len(first.added)
    assert not second.changed
    assert second.generation is None
    assert embedder.calls == calls  # type: ignore[attr-defined]
    served = store.served()
    assert served is not None
    assert served.name == first.generation


def test_only_changed_chunks_are_embedded(
    tmp_path: Path, docs: Path, analyzer: PolishAnalyzer
) -> None:
    ingestor, store, _ = make(tmp_path, analyzer)
    ingestor.run([Source(docs)])
    act = docs / "uchwala-testowa.md"
    act.write_text(act.read_text(encoding="utf-8").replace("30 dni", "21 dni"), encoding="utf-8")
    (docs / "zarzadzenie.txt").unlink()
    report = ingestor.run([Source(docs)])
    assert report.updated == ["regulations/uchwala-testowa#art-3"]
    assert report.removed == ["regulations/zarzadzenie#tekst"]
    assert report.added == []
    assert report.embedded == 1
    assert set(store.served_hashes()) == set(report.unchanged) | set(report.updated)


def test_dry_run_writes_nothing(tmp_path: Path, docs: Path, analyzer: PolishAnalyzer) -> None:
    ingestor, store, embedder = make(tmp_path, analyzer)
    report = ingestor.run([Source(docs)], dry_run=True)
    assert len(report.added) == 7
    assert store.served() is None
    assert embedder.calls == []  # type: ignore[attr-defined]


def test_bad_files_are_reported_and_the_rest_goes_in(
    tmp_path: Path, docs: Path, analyzer: PolishAnalyzer
) -> None:
    (docs / "zepsuty.pdf").write_bytes(b"%PDF-1.4 smieci")
    (docs / "pusty.txt").write_text("  \n", encoding="utf-8")
    ingestor, store, _ = make(tmp_path, analyzer)
    report = ingestor.run([Source(docs), Source(tmp_path / "nie-ma")])
    assert sorted(f.path.name for f in report.failed) == ["nie-ma", "pusty.txt", "zepsuty.pdf"]
    assert report.documents == 3
    assert store.served() is not None


def test_a_failed_embedding_leaves_the_served_generation(
    tmp_path: Path, docs: Path, analyzer: PolishAnalyzer
) -> None:
    ingestor, store, _ = make(tmp_path, analyzer)
    ingestor.run([Source(docs)])
    before = store.served()
    broken, _, _ = make(tmp_path, analyzer, FailingEmbedder())
    (docs / "nowy.txt").write_text("Nowy dokument o zasiłku.", encoding="utf-8")
    with pytest.raises(RuntimeError, match="model padł"):
        broken.run([Source(docs)])
    assert store.served() == before
    generations = list((tmp_path / "data" / "index" / "generations").iterdir())
    assert [g.name for g in generations] == [before.name] if before else []


def test_changing_the_model_rebuilds_everything(
    tmp_path: Path, docs: Path, analyzer: PolishAnalyzer
) -> None:
    ingestor, _, _ = make(tmp_path, analyzer)
    ingestor.run([Source(docs)])
    other, store, _ = make(tmp_path, analyzer, CountingEmbedder(dimension=32))
    report = other.run([Source(docs)])
    assert report.model_changed
    assert len(report.added) == 7
    served = store.served()
    assert served is not None
    assert (served.embedding_model, served.dimension) == ("hash:32", 32)


def test_strict_sources_reject_incomplete_front_matter(
    tmp_path: Path, analyzer: PolishAnalyzer
) -> None:
    kb = tmp_path / "knowledge_base"
    kb.mkdir()
    (kb / "szkic.md").write_text("---\ntitle: Szkic bez metadanych\n---\n# Szkic\n\nTreść.")
    ingestor, store, _ = make(tmp_path, analyzer)
    report = ingestor.run([Source(kb, strict=True)])
    assert [f.path.name for f in report.failed] == ["szkic.md"]
    assert "legal_basis" in report.failed[0].reason
    assert store.served() is None  # nothing loaded: nothing published


def test_build_ingestor_takes_its_parts_from_the_settings(
    tmp_path: Path, docs: Path, analyzer: PolishAnalyzer
) -> None:
    settings = Settings(data_dir=tmp_path / "data", chunk_target_tokens=50, chunk_max_tokens=60)
    report = build_ingestor(settings, embedder=CountingEmbedder(), analyzer=analyzer).run(
        [Source(docs)]
    )
    served = EdgeStore(settings.index_dir).served()  # the configured store
    assert served is not None
    assert served.name == report.generation
    assert settings.embedding_cache_path.is_file()  # and the configured cache
    default_sizes, _, _ = make(tmp_path / "domyslne", analyzer)
    assert len(report.added) > len(default_sizes.run([Source(docs)]).added)

"""The ingestion job: folders of documents → a new, complete index generation.

load → chunk → compare with the served generation → embed what the cache lacks → write a new
generation → switch to it. Idempotent: a second run over unchanged files changes nothing and
builds nothing. A failure anywhere before the switch leaves the served generation as it was.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import Chunker, embedding_text
from ingest.embedding_cache import EmbeddingCache, text_key
from ingest.loaders import discover, load_document
from rag.documents import Chunk, Document
from rag.embedding import Embedder, Vectors
from rag.errors import LoadError
from rag.index import IndexPoint, IndexStore
from rag.lexical import PolishAnalyzer

log = logging.getLogger(__name__)

# Called as (stage, done, total) while chunks are embedded and written.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Source:
    """A folder (or one file) to ingest; `strict` holds it to the knowledge-base schema."""

    path: Path
    strict: bool = False


@dataclass(slots=True)
class IngestReport:
    documents: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[LoadError] = field(default_factory=list)
    embedded: int = 0
    generation: str | None = None
    dry_run: bool = False
    model_changed: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def load_sources(sources: Sequence[Source]) -> tuple[list[Document], list[LoadError]]:
    """Every document under the sources; files that fail are collected, not raised."""
    documents: list[Document] = []
    failed: list[LoadError] = []
    for source in sources:
        if not source.path.exists():
            failed.append(LoadError(source.path, "no such file or folder"))
            continue
        if source.path.is_file():
            paths, root = [source.path], source.path.parent
        else:
            paths, root = list(discover(source.path)), source.path
        for path in paths:
            try:
                documents.append(load_document(path, root=root, strict=source.strict))
            except LoadError as exc:
                log.warning("skipped %s: %s", exc.path, exc.reason)
                failed.append(exc)
    return documents, failed


def _duplicate_ids(chunks: list[Chunk]) -> list[str]:
    counts = Counter(c.chunk_id for c in chunks)
    return sorted(chunk_id for chunk_id, n in counts.items() if n > 1)


class Ingestor:
    """Holds the parts a run needs; `run` may be called many times (e.g. by a watcher)."""

    def __init__(
        self,
        *,
        store: IndexStore,
        embedder: Embedder,
        analyzer: PolishAnalyzer,
        chunker: Chunker,
        cache: EmbeddingCache,
    ) -> None:
        self._store = store
        self._embedder = embedder
        self._analyzer = analyzer
        self._chunker = chunker
        self._cache = cache

    def run(
        self,
        sources: Sequence[Source],
        *,
        dry_run: bool = False,
        progress: Progress | None = None,
        batch_size: int = 32,
    ) -> IngestReport:
        documents, failed = load_sources(sources)
        report = IngestReport(documents=len(documents), failed=failed, dry_run=dry_run)
        chunks = [chunk for document in documents for chunk in self._chunker.chunk(document)]
        duplicates = _duplicate_ids(chunks)
        if duplicates:
            # Two sources with the same folder name would collide; refuse rather than lose one.
            raise ValueError(f"duplicate chunk ids (same document id twice?): {duplicates[:5]}")

        served = self._store.served()
        report.model_changed = served is not None and (
            served.embedding_model != self._embedder.model_id
            or served.dimension != self._embedder.dimension
        )
        previous = {} if report.model_changed else self._store.served_hashes()
        current = {c.chunk_id: c.content_hash for c in chunks}
        for chunk_id, digest in current.items():
            if chunk_id not in previous:
                report.added.append(chunk_id)
            elif previous[chunk_id] != digest:
                report.updated.append(chunk_id)
            else:
                report.unchanged.append(chunk_id)
        report.removed = sorted(set(previous) - set(current))
        nothing_new = served is not None and not report.changed and not report.model_changed
        if dry_run or nothing_new or not chunks:
            # No documents at all: keep serving what there is rather than publish an empty index.
            return report

        vectors = self._dense_vectors(chunks, report, progress, batch_size)
        points = [
            IndexPoint(
                chunk=chunk,
                dense=vectors[i].tolist(),
                sparse=self._analyzer.passage_vector(
                    embedding_text(chunk.heading_path, chunk.text)
                ),
            )
            for i, chunk in enumerate(chunks)
        ]
        with self._store.build(
            embedding_model=self._embedder.model_id, dimension=self._embedder.dimension
        ) as index:
            for start in range(0, len(points), 256):
                index.upsert(points[start : start + 256])
                if progress:
                    progress("write", min(start + 256, len(points)), len(points))
        published = self._store.served()
        report.generation = published.name if published else None
        return report

    def _dense_vectors(
        self,
        chunks: list[Chunk],
        report: IngestReport,
        progress: Progress | None,
        batch_size: int,
    ) -> list[Vectors]:
        model = self._embedder.model_id
        texts = [embedding_text(c.heading_path, c.text) for c in chunks]
        keys = [text_key(t) for t in texts]
        known = self._cache.get_many(model, keys)
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in known}.items())
        if progress:
            progress("embed", 0, len(missing))
        for start in range(0, len(missing), batch_size):
            batch = missing[start : start + batch_size]
            embedded = self._embedder.embed([t for _, t in batch], kind="passage")
            fresh = {key: embedded[i] for i, (key, _) in enumerate(batch)}
            self._cache.put_many(model, fresh)
            known.update(fresh)
            report.embedded += len(batch)
            if progress:
                progress("embed", report.embedded, len(missing))
        return [known[k] for k in keys]

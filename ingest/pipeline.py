"""The ingestion job: folders of documents → a new, complete index generation.

load → chunk → compare with the served generation → embed what the cache lacks → write a new
generation → switch to it. Idempotent: a second run over unchanged files changes nothing and
builds nothing. A failure anywhere before the switch leaves the served generation as it was.

Besides the passages, the generation stores the vectors answering compares questions with
(`rag.knowledge_vectors`): every sentence the extractive answer may quote, and the curated facts'
question forms. A change to those alone (a fact's new question form) builds a new generation too.
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
from rag.documents import Chunk, Document, ScoredChunk
from rag.embedding import Embedder, Kind, Vectors, build_embedder
from rag.errors import LoadError
from rag.extractive import quotable_texts
from rag.index import IndexPoint, IndexStore, open_store
from rag.knowledge_vectors import KnowledgeVectors, content_key, keys_digest
from rag.lexical import PolishAnalyzer
from rag.retrieval import join_neighbours
from rag.settings import Settings

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
    stored_vectors: int = 0  # sentences and fact question forms stored with the generation
    vectors_embedded: int = 0  # of those, embedded by this run (the rest came from the cache)
    vectors_changed: bool = False  # the texts behind them differ from the served generation's
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
        questions: Sequence[str] = (),
        dry_run: bool = False,
        progress: Progress | None = None,
        batch_size: int = 32,
    ) -> IngestReport:
        """Build and publish a new generation when anything changed.

        Args:
            sources: the folders and files, all of which make the generation.
            questions: the curated facts' question forms, stored with the generation.
            dry_run: report what would change; write nothing.
            progress: told of the embedding and writing as they go.
            batch_size: texts per embedding call.

        Raises:
            ValueError: two chunks have the same id.
            IndexBusy: another build holds the index.
        """
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
        texts = _knowledge_texts(chunks, questions)
        digest = keys_digest(self._embedder.model_id, (content_key(t, k) for k, t in texts))
        report.vectors_changed = served is None or served.vectors_digest != digest
        nothing_new = (
            served is not None
            and not report.changed
            and not report.model_changed
            and not report.vectors_changed
        )
        if dry_run or nothing_new or not chunks:
            # No documents at all: keep serving what there is rather than publish an empty index.
            return report

        vectors = self._dense_vectors(chunks, report, progress, batch_size)
        stored = self._knowledge_vectors(texts, report, progress, batch_size)
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
            embedding_model=self._embedder.model_id,
            dimension=self._embedder.dimension,
            vectors=stored,
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

        def embedded(count: int) -> None:
            report.embedded += count
            if progress:
                progress("embed", report.embedded, len(missing))

        self._embed_missing(known, missing, kind="passage", batch_size=batch_size, done=embedded)
        return [known[k] for k in keys]

    def _embed_missing(
        self,
        known: dict[str, Vectors],
        missing: Sequence[tuple[str, str]],
        *,
        kind: Kind,
        batch_size: int,
        done: Callable[[int], None],
    ) -> None:
        """Embed the (key, text) pairs in batches; each batch goes into the cache and `known`,
        and `done` hears its size."""
        model = self._embedder.model_id
        for start in range(0, len(missing), batch_size):
            batch = missing[start : start + batch_size]
            embedded = self._embedder.embed([t for _, t in batch], kind=kind)
            fresh = {key: embedded[i] for i, (key, _) in enumerate(batch)}
            self._cache.put_many(model, fresh)
            known.update(fresh)
            done(len(batch))

    def _knowledge_vectors(
        self,
        texts: list[tuple[Kind, str]],
        report: IngestReport,
        progress: Progress | None,
        batch_size: int,
    ) -> KnowledgeVectors:
        model = self._embedder.model_id
        keys = [content_key(text, kind) for kind, text in texts]
        known = self._cache.get_many(model, keys)
        # Batches of similar length: a short sentence padded to a long one's length costs as
        # much as the long one.
        missing = sorted(
            (
                (key, kind, text)
                for key, (kind, text) in zip(keys, texts, strict=True)
                if key not in known
            ),
            key=lambda m: len(m[2]),
        )
        if progress:
            progress("vectors", 0, len(missing))

        def embedded(count: int) -> None:
            report.vectors_embedded += count
            if progress:
                progress("vectors", report.vectors_embedded, len(missing))

        kinds: tuple[Kind, ...] = ("passage", "query")
        for kind in kinds:
            of_kind = [(key, text) for key, k, text in missing if k == kind]
            self._embed_missing(known, of_kind, kind=kind, batch_size=batch_size, done=embedded)
        report.stored_vectors = len(keys)
        return KnowledgeVectors.of(
            model, {key: known[key] for key in keys}, dimension=self._embedder.dimension
        )


def build_ingestor(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    store: IndexStore | None = None,
    cache: EmbeddingCache | None = None,
    analyzer: PolishAnalyzer | None = None,
) -> Ingestor:
    """The parts an ingest run needs, built from settings as `rag.runtime.build_runtime`
    builds the answering ones (the same analyzer, so lemma vectors match at query time).

    Args:
        settings: the one settings object (chunk sizes, BM25 parameters, where things are).
        embedder: the embedding model, when the caller loaded it already (or wraps it).
        store: where the generation goes; by default the configured one (`open_store`).
        cache: the embedding cache; by default the one at `settings.embedding_cache_path`.
        analyzer: the analyzer, when the caller holds one built from the same settings (it
            loads a dictionary: build it once).

    Raises:
        EmbeddingModelError: the embedding model cannot be loaded.
    """
    embedder = embedder if embedder is not None else build_embedder(settings)
    return Ingestor(
        store=store if store is not None else open_store(settings),
        embedder=embedder,
        analyzer=analyzer if analyzer is not None else PolishAnalyzer.of(settings),
        chunker=Chunker(
            embedder.count_tokens,
            target_tokens=settings.chunk_target_tokens,
            max_tokens=settings.chunk_max_tokens,
        ),
        cache=cache if cache is not None else EmbeddingCache(settings.embedding_cache_path),
    )


def _knowledge_texts(chunks: Sequence[Chunk], questions: Sequence[str]) -> list[tuple[Kind, str]]:
    """The texts whose vectors answering needs beside the passages', each once, in a stable
    order: the sentences it may quote (as passages) and the facts' question forms (as queries).

    Retrieval joins two neighbouring chunks of a document into one passage; a list introduced
    at the end of the first and continued in the second reads as one sentence only then, so
    the sentences of every such pair are included too.
    """
    sentences = dict.fromkeys(s for chunk in chunks for s in quotable_texts(chunk.text))
    by_place = {(c.doc_id, c.position): c for c in chunks}
    for chunk in chunks:
        following = by_place.get((chunk.doc_id, chunk.position + 1))
        if following is not None:
            joined = join_neighbours(ScoredChunk(chunk, 0.0, 1), ScoredChunk(following, 0.0, 2))
            sentences.update(dict.fromkeys(quotable_texts(joined.chunk.text)))
    forms = dict.fromkeys(questions)
    return [*(("passage", s) for s in sentences), *(("query", q) for q in forms)]

"""Retrievers side by side on one index: BM25 on lemmas, dense, hybrid, hybrid + reranker.

Every query is embedded once and sent to the index three times, once per `HybridQuery.using`,
so the columns differ only in how candidates are scored. Chunks are deduplicated to documents
before scoring (see `eval.metrics`). The reranker column reorders the hybrid candidates with the
configured cross-encoder and appears only when one is configured.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eval.cases import Case
from eval.metrics import DEPTH, QueryResult, dedupe
from ingest.embedding_cache import EmbeddingCache
from ingest.pipeline import Progress as IngestProgress
from ingest.pipeline import Source, build_ingestor
from rag.documents import ScoredChunk
from rag.embedding import Embedder
from rag.index import HybridQuery, Retriever, SearchFilter, ServedIndex, VectorIndex
from rag.index.edge import EdgeStore
from rag.lexical import PolishAnalyzer
from rag.reranking import Reranker
from rag.retrieval import sides_for
from rag.settings import Settings

log = logging.getLogger(__name__)

RETRIEVERS: tuple[Retriever, ...] = ("sparse", "dense", "hybrid")
RERANKED = "hybrid+reranker"
LABELS = {
    "sparse": "BM25 na lematach",
    "dense": "gęsty (model osadzeń)",
    "hybrid": "hybrydowy (RRF)",
    RERANKED: "hybrydowy + reranker",
}
# Candidates the reranker reorders: as many as the answering pipeline hands it.
RERANK_CANDIDATES = 20


class EvalSetupError(Exception):
    """What an evaluation needs (an index, a data set) could not be prepared."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Query:
    """A question with the documents that answer it and the filter the product would apply."""

    query_id: str
    text: str
    relevant: tuple[str, ...]
    filter: SearchFilter = field(default_factory=SearchFilter)


@dataclass(slots=True)
class Rankings:
    """Per retriever, every query's documents; and the seconds spent in the index per retriever."""

    results: dict[str, list[QueryResult]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, retriever: str, result: QueryResult, seconds: float) -> None:
        self.results.setdefault(retriever, []).append(result)
        self.seconds[retriever] = self.seconds.get(retriever, 0.0) + seconds


def rank(
    queries: Sequence[Query],
    *,
    index: VectorIndex,
    embedder: Embedder,
    analyzer: PolishAnalyzer,
    reranker: Reranker | None = None,
    chunks: int = 50,
    prefetch: int = 50,
) -> Rankings:
    """Run every query through every retriever.

    Args:
        queries: what to ask and what counts as relevant.
        index: the index generation to query.
        embedder: must be the model the index was built with.
        analyzer: the Polish analyzer for the sparse query vector.
        reranker: adds the "hybrid+reranker" column when given.
        chunks: chunks fetched per query (enough to fill `DEPTH` distinct documents).
        prefetch: candidates each side hands to fusion in the hybrid query.
    """
    rankings = Rankings()
    vectors = embedder.embed([q.text for q in queries], kind="query")
    for query, vector in zip(queries, vectors, strict=True):
        sparse = analyzer.query_vector(query.text)
        for using in RETRIEVERS:
            started = time.perf_counter()
            hits = index.query(
                HybridQuery(
                    dense=vector.tolist(),
                    sparse=sparse,
                    limit=chunks,
                    prefetch_limit=max(prefetch, chunks),
                    filter=query.filter,
                    # The served fusion: dense alone for a question not in Polish.
                    using=sides_for(query.text) if using == "hybrid" else using,
                )
            )
            rankings.add(using, _result(query, hits), time.perf_counter() - started)
            if using == "hybrid" and reranker is not None:
                started = time.perf_counter()
                reordered = reranker.rerank(query.text, hits[:RERANK_CANDIDATES])
                rankings.add(RERANKED, _result(query, reordered), time.perf_counter() - started)
    return rankings


def _result(query: Query, hits: Sequence[ScoredChunk]) -> QueryResult:
    ranked = dedupe(h.chunk.doc_id for h in hits)[:DEPTH]
    return QueryResult(query.query_id, query.text, query.relevant, tuple(ranked))


def load_reranker(settings: Settings) -> tuple[Reranker | None, str]:
    """The configured reranker, or None and why the column is left out."""
    if not settings.reranker_path:
        return None, "brak skonfigurowanego rerankera (OKIENKO_RERANKER_PATH) – kolumna pominięta"
    from rag.reranking import CrossEncoderReranker

    reranker = CrossEncoderReranker(settings.reranker_path, device=settings.embedding_device)
    return reranker, f"reranker: {settings.reranker_path}"


# --- the golden set over the knowledge base --------------------------------------------------


def golden_queries(cases: Sequence[Case]) -> list[Query]:
    """Answerable cases as queries: all turns joined (a follow-up leans on earlier turns).

    Each case is filtered to the documents its audience sees, as the answering pipeline does.
    """
    from rag.answering import VISIBLE_TO

    return [
        Query(
            query_id=case.id,
            text=case.conversation,
            relevant=case.expected_sources,
            filter=SearchFilter(audience=VISIBLE_TO[case.audience]),
        )
        for case in cases
        if case.answerable and case.expected_sources
    ]


def build_knowledge_base_index(
    *,
    knowledge_base: Path,
    workdir: Path,
    settings: Settings,
    embedder: Embedder,
    analyzer: PolishAnalyzer,
    cache: EmbeddingCache,
    progress: IngestProgress | None = None,
    questions: Sequence[str] = (),
) -> ServedIndex:
    """Ingest the knowledge base into a fresh index under `workdir` and open it for reading.

    Vectors come from `cache` when the same text was embedded before with the same model;
    `questions` (the curated facts' question forms) are stored with the generation.

    Raises:
        EvalSetupError: a knowledge-base file failed to load.
    """
    store = EdgeStore(workdir / "index")
    ingestor = build_ingestor(
        settings, embedder=embedder, store=store, cache=cache, analyzer=analyzer
    )
    report = ingestor.run(
        [Source(knowledge_base, strict=True)], questions=questions, progress=progress
    )
    if report.failed:
        failed = "; ".join(str(f) for f in report.failed)
        raise EvalSetupError(f"{len(report.failed)} knowledge-base file(s) failed: {failed}")
    log.info("knowledge base indexed: %d chunks, %d embedded", len(report.added), report.embedded)
    return store.open_served()

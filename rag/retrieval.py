"""Question → ranked passages: query embedding + Polish lemma vector, fused in the index."""

from __future__ import annotations

import time

from rag.documents import ScoredChunk
from rag.embedding import Embedder
from rag.errors import IndexMismatch
from rag.index import HybridQuery, SearchFilter, ServedIndex
from rag.lexical import PolishAnalyzer

# How often a reader looks for a newer generation (a stat of a small file, or an alias lookup).
_REFRESH_SECONDS = 2.0


class Retriever:
    """Hybrid retrieval over the served index generation."""

    def __init__(
        self,
        *,
        embedder: Embedder,
        analyzer: PolishAnalyzer,
        served: ServedIndex,
        top_k: int = 8,
        prefetch_k: int = 40,
    ) -> None:
        self._embedder = embedder
        self._analyzer = analyzer
        self._served = served
        self._top_k = top_k
        self._prefetch_k = prefetch_k
        self._checked_at = time.monotonic()
        self._check_model()

    def _check_model(self) -> None:
        info = self._served.info
        if info.embedding_model != self._embedder.model_id:
            raise IndexMismatch(expected=self._embedder.model_id, found=info.embedding_model)

    def search(
        self, question: str, *, filter: SearchFilter | None = None, limit: int | None = None
    ) -> list[ScoredChunk]:
        """The passages that best match `question`, best first.

        Args:
            question: the text as asked (any casing, with or without diacritics).
            filter: payload filters (topic, document type, audience, validity date).
            limit: how many to return; the configured top-k by default.

        Raises:
            IndexMismatch: the served generation was built with another embedding model.
        """
        now = time.monotonic()
        if now - self._checked_at >= _REFRESH_SECONDS:
            self._checked_at = now
            if self._served.refresh():
                self._check_model()
        (dense,) = self._embedder.embed([question], kind="query")
        limit = limit or self._top_k
        return self._served.index.query(
            HybridQuery(
                dense=dense.tolist(),
                sparse=self._analyzer.query_vector(question),
                limit=limit,
                prefetch_limit=max(self._prefetch_k, limit),
                filter=filter or SearchFilter(),
            )
        )

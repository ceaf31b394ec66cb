"""How close each candidate sentence is in meaning to the question, for the extractive answer.

Choosing the sentence that answers by shared words alone misses the many that answer in other
words ("ile max" → "nie więcej niż 1229 zł"). The embedding model already in the process knows
better: the cosine between the question (as a query) and each sentence (as a passage) is one more
signal for `rag.extractive`.

The knowledge base's sentences are embedded at ingest and stored with the index generation
(`rag.knowledge_vectors`), so a question costs one query embedding and a dot product. A sentence
the generation does not hold (a generation built before they were stored, a damaged file, two
neighbouring chunks joined across a list) is embedded then and kept in a bounded LRU.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from rag.embedding import CachedEmbedder, Embedder, Vectors
from rag.knowledge_vectors import KnowledgeVectors

# Sentence vectors kept for what the generation lacks: 384 floats each for e5-small, so 8192
# take about 12 MB.
DEFAULT_CAPACITY = 8192


class SentenceSimilarity:
    """Cosine similarities between a question and sentences.

    Args:
        embedder: the process's embedder (the one retrieval uses).
        stored: the served generation's stored vectors, asked at each call (a switch of
            generation brings its own); None: every sentence goes to the model.
        capacity: vectors kept of sentences the generation lacks; the least recently used go
            first. 0 keeps none.
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        stored: Callable[[], KnowledgeVectors] | None = None,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        if capacity < 0:
            raise ValueError(f"capacity must be 0 or more, got {capacity}")
        self._embedder = embedder
        self._stored = stored
        self._cache = (
            CachedEmbedder(embedder, size=capacity, kinds=("passage",)) if capacity else None
        )
        self._uncached = 0

    @property
    def embedded(self) -> int:
        """Sentences the model embedded (neither stored nor cached), for tests and metrics."""
        return self._cache.misses if self._cache else self._uncached

    def __call__(
        self, question: str, sentences: Sequence[str], *, query: Vectors | None = None
    ) -> list[float]:
        """One cosine per sentence, in order (vectors are unit length: a dot product).

        Args:
            question: the question as retrieval embedded it.
            sentences: the candidate sentences.
            query: the question's vector when the caller has it (it is not embedded again).
        """
        if not sentences:
            return []
        if query is None:
            (query,) = self._embedder.embed([question], kind="query")
        return [float(x) for x in self._vectors(sentences) @ query]

    def _vectors(self, sentences: Sequence[str]) -> Vectors:
        if self._stored is None:
            return self._embed(sentences)
        rows, matrix = self._stored().rows(sentences, kind="passage")
        missing = [s for s, row in zip(sentences, rows, strict=True) if row is None]
        if not missing:
            return matrix[np.asarray(rows, dtype=np.intp)]
        fresh = dict(zip(missing, self._embed(missing), strict=True))
        return np.stack(
            [
                matrix[row] if row is not None else fresh[s]
                for s, row in zip(sentences, rows, strict=True)
            ]
        )

    def _embed(self, sentences: Sequence[str]) -> Vectors:
        if self._cache is not None:
            return self._cache.embed(sentences, kind="passage")
        self._uncached += len(sentences)
        return self._embedder.embed(sentences, kind="passage")

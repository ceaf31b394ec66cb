"""How close each candidate sentence is in meaning to the question, for the extractive answer.

Choosing the sentence that answers by shared words alone misses the many that answer in other
words ("ile max" → "nie więcej niż 1229 zł"). The embedding model already in the process knows
better: the cosine between the question (as a query) and each sentence (as a passage) is one more
signal for `rag.extractive`.

The knowledge base holds a few thousand sentences and the same ones come back question after
question, so their vectors are kept in a bounded LRU (`rag.embedding.CachedEmbedder`, passages
only): after a warm-up a question costs one query embedding (itself cached by the process's
question cache when repeated) and a dot product.
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.embedding import CachedEmbedder, Embedder

# Sentence vectors kept: 384 floats each for e5-small, so 8192 take about 12 MB.
DEFAULT_CAPACITY = 8192


class SentenceSimilarity:
    """Cosine similarities between a question and sentences, sentence vectors cached.

    Args:
        embedder: the process's embedder (the one retrieval uses).
        capacity: sentence vectors kept; the least recently used go first. 0 keeps none.
    """

    def __init__(self, embedder: Embedder, *, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 0:
            raise ValueError(f"capacity must be 0 or more, got {capacity}")
        self._embedder = embedder
        self._cache = (
            CachedEmbedder(embedder, size=capacity, kinds=("passage",)) if capacity else None
        )

    @property
    def embedded(self) -> int:
        """Sentences the model embedded (cache misses), for tests and metrics; 0 without a cache."""
        return self._cache.misses if self._cache else 0

    def __call__(self, question: str, sentences: Sequence[str]) -> list[float]:
        """One cosine per sentence, in order (vectors are unit length: a dot product)."""
        if not sentences:
            return []
        (query,) = self._embedder.embed([question], kind="query")
        rows = (self._cache or self._embedder).embed(sentences, kind="passage")
        return [float(x) for x in rows @ query]

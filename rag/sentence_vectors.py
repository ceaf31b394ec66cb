"""How close each candidate sentence is in meaning to the question, for the extractive answer.

Choosing the sentence that answers by shared words alone misses the many that answer in other
words ("ile max" → "nie więcej niż 1229 zł"). The embedding model already in the process knows
better: the cosine between the question (as a query) and each sentence (as a passage) is one more
signal for `rag.extractive`.

The knowledge base holds a few thousand sentences and the same ones come back question after
question, so their vectors are kept in a bounded, thread-safe LRU cache: after a warm-up a
question costs one query embedding (itself cached by the retriever's embedder when repeated) and
a dot product.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from rag.embedding import Embedder, Vectors

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
        self._capacity = capacity
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self.embedded = 0  # sentences the model embedded (cache misses), for tests and metrics

    def __call__(self, question: str, sentences: Sequence[str]) -> list[float]:
        """One cosine per sentence, in order (vectors are unit length: a dot product)."""
        if not sentences:
            return []
        (query,) = self._embedder.embed([question], kind="query")
        matrix = np.stack(self._sentence_vectors(sentences))
        return [float(x) for x in matrix @ query]

    def _sentence_vectors(self, sentences: Sequence[str]) -> list[Vectors]:
        found: dict[str, Vectors] = {}
        with self._lock:
            for text in sentences:
                vector = self._vectors.get(text)
                if vector is not None:
                    self._vectors.move_to_end(text)
                    found[text] = vector
        missing = list(dict.fromkeys(t for t in sentences if t not in found))
        if missing:
            # Embedded outside the lock: two threads may embed the same sentence once each,
            # which costs a little time and never a wrong vector.
            rows = self._embedder.embed(missing, kind="passage")
            self.embedded += len(missing)
            with self._lock:
                for text, row in zip(missing, rows, strict=True):
                    found[text] = row
                    if self._capacity:
                        self._vectors[text] = row
                        self._vectors.move_to_end(text)
                while len(self._vectors) > self._capacity:
                    self._vectors.popitem(last=False)
        return [found[t] for t in sentences]

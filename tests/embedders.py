"""Embedders for tests: the hash fake, counted."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from rag.embedding import HashEmbedder, Kind, Vectors


class CountingEmbedder:
    """The hash fake, remembering every text it was asked to embed."""

    def __init__(self, dimension: int = 32) -> None:
        self._inner = HashEmbedder(dimension)
        self.calls: list[tuple[Kind, list[str]]] = []
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:
        with self._lock:
            self.calls.append((kind, list(texts)))
        return self._inner.embed(texts, kind=kind)

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)

    @property
    def texts(self) -> list[str]:
        return [t for _, batch in self.calls for t in batch]

    def count(self, kind: Kind) -> int:
        """How many texts of this kind it embedded."""
        return sum(len(batch) for k, batch in self.calls if k == kind)

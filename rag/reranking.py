"""The reranker seam: a cross-encoder rescoring (question, passage) pairs after retrieval.

None by default: no reranker weights ship on PyPI. A deployment provisions one on disk (e.g. a
multilingual or Polish cross-encoder on the GPU host) and sets `OKIENKO_RERANKER_PATH`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol

from rag.documents import ScoredChunk
from rag.errors import EmbeddingModelError


class Reranker(Protocol):
    def rerank(self, question: str, passages: Sequence[ScoredChunk]) -> list[ScoredChunk]:
        """The passages reordered best first, with the reranker's scores and new ranks."""


class CrossEncoderReranker:
    """A `sentence_transformers.CrossEncoder` loaded once from a path or model id."""

    def __init__(self, path: str, *, device: str = "cpu", batch_size: int = 16) -> None:
        from sentence_transformers import CrossEncoder

        try:
            self._model = CrossEncoder(path, device=device)
        except (OSError, ValueError) as exc:
            raise EmbeddingModelError(path, f"cannot load the reranker: {exc}") from exc
        self._batch_size = batch_size

    def rerank(self, question: str, passages: Sequence[ScoredChunk]) -> list[ScoredChunk]:
        """Score each passage (label and text) against the question; best first.

        Args:
            question: the standalone question.
            passages: retrieved passages in any order.

        Returns:
            New `ScoredChunk`s carrying the cross-encoder score and ranks 1..n.
        """
        if not passages:
            return []
        pairs = [(question, f"{p.chunk.label}\n{p.chunk.text}") for p in passages]
        scores = self._model.predict(pairs, batch_size=self._batch_size, show_progress_bar=False)
        order = sorted(range(len(passages)), key=lambda i: float(scores[i]), reverse=True)
        return [
            dataclasses.replace(passages[i], score=float(scores[i]), rank=rank)
            for rank, i in enumerate(order, start=1)
        ]

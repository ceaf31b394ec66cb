"""Question → ranked passages: query embedding + Polish lemma vector, fused in the index."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Sequence

from rag.documents import ScoredChunk
from rag.embedding import Embedder, Vectors
from rag.errors import IndexMismatch
from rag.index import HybridQuery, SearchFilter, ServedIndex
from rag.index import Retriever as Side
from rag.knowledge_vectors import KnowledgeVectors
from rag.language import language_of
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

    @property
    def embedder(self) -> Embedder:
        """The model questions are embedded with (the answer's sentence scoring shares it)."""
        return self._embedder

    @property
    def stored_vectors(self) -> KnowledgeVectors:
        """The served generation's knowledge-base vectors (they change with it)."""
        return self._served.vectors

    def _check_model(self) -> None:
        info = self._served.info
        if info.embedding_model != self._embedder.model_id:
            raise IndexMismatch(expected=self._embedder.model_id, found=info.embedding_model)

    def search(
        self,
        question: str,
        *,
        filter: SearchFilter | None = None,
        limit: int | None = None,
        vector: Vectors | None = None,
    ) -> list[ScoredChunk]:
        """The passages that best match `question`, best first.

        Args:
            question: the text as asked (any casing, with or without diacritics).
            filter: payload filters (topic, document type, audience, validity date).
            limit: how many to return; the configured top-k by default.
            vector: the question's query vector when the caller has it (not embedded again).

        Raises:
            IndexMismatch: the served generation was built with another embedding model.
        """
        now = time.monotonic()
        if now - self._checked_at >= _REFRESH_SECONDS:
            self._checked_at = now
            if self._served.refresh():
                self._check_model()
        if vector is None:
            (vector,) = self._embedder.embed([question], kind="query")
        limit = limit or self._top_k
        return self._served.index.query(
            HybridQuery(
                dense=vector.tolist(),
                sparse=self._analyzer.query_vector(question),
                limit=limit,
                prefetch_limit=max(self._prefetch_k, limit),
                filter=filter or SearchFilter(),
                using=sides_for(question),
            )
        )


def sides_for(question: str) -> Side:
    """Both sides fused for a Polish question; the dense side alone for one in Ukrainian,
    Russian or English. BM25 reads Polish lemmas: for another language it ranks chunks by the
    odd Polish word or by nothing, and fused in, its ranks only push the model's answers down
    (50 golden v1 questions translated, eval/golden/jezyki-v1.yaml: document recall@5 of the
    fusion 0.69 in Ukrainian and 0.61 in English, of the model alone 0.81 and 0.70)."""
    return "hybrid" if language_of(question) == "pl" else "dense"


def select_passages(
    hits: Sequence[ScoredChunk], *, per_document: int, limit: int
) -> list[ScoredChunk]:
    """At most `per_document` passages from any one document; neighbours merged into one.

    Two chunks of the same document that follow each other (positions n and n+1) read better as
    one passage — an article cut at its paragraphs, say — so they are joined under the headings
    they share. The result keeps the order of the best-ranked part and is renumbered 1..n.

    Args:
        hits: retrieved chunks, best first.
        per_document: the cap per document.
        limit: how many passages to keep.

    Returns:
        The selected passages, best first, ranks 1..n.
    """
    kept: list[ScoredChunk] = []
    per_doc: dict[str, int] = {}
    for hit in hits:
        doc = hit.chunk.doc_id
        if per_doc.get(doc, 0) >= per_document:
            continue
        per_doc[doc] = per_doc.get(doc, 0) + 1
        kept.append(hit)
    merged: list[ScoredChunk] = []
    for hit in kept:
        partner = next(
            (
                i
                for i, other in enumerate(merged)
                if other.chunk.doc_id == hit.chunk.doc_id
                and abs(_last_position(other) - hit.chunk.position) == 1
            ),
            None,
        )
        if partner is None:
            merged.append(hit)
        else:
            merged[partner] = join_neighbours(merged[partner], hit)
    return [dataclasses.replace(p, rank=rank) for rank, p in enumerate(merged[:limit], start=1)]


# Labels the chunker gives to parts of a unit ("ust. 1–3", "pkt 2", "§ 4"): the text itself
# starts with the unit's number, so they are not headings of their own.
_UNIT_LABEL = re.compile(r"^(?:ust\.|pkt|§|lit\.)\s")


def _last_position(hit: ScoredChunk) -> int:
    return hit.chunk.position


def join_neighbours(first: ScoredChunk, second: ScoredChunk) -> ScoredChunk:
    """Two chunks of a document that follow each other as one passage (`select_passages`);
    ingest reads the sentences of such passages too, since they can differ at the seam."""
    a, b = sorted((first.chunk, second.chunk), key=lambda c: c.position)
    # The headings both share, from the title down (at least the title).
    prefix: list[str] = []
    for x, y in zip(a.heading_path, b.heading_path, strict=False):
        if x != y:
            break
        prefix.append(x)
    # The second part's own headings stay in the text as headings: without them two sections
    # (or two articles) would read as one, and a quote could run across the cut unmarked.
    headings = [h for h in b.heading_path[len(prefix) :] if not _UNIT_LABEL.match(h)]
    between = "".join(f"## {h}\n\n" for h in headings)
    chunk = dataclasses.replace(
        a,
        chunk_id=f"{a.chunk_id}+{b.chunk_id}",
        text=f"{a.text}\n\n{between}{b.text}",
        heading_path=tuple(prefix) or a.heading_path[:1],
        position=b.position,
        content_hash=f"{a.content_hash}+{b.content_hash}",
    )
    return dataclasses.replace(first, chunk=chunk, score=max(first.score, second.score))

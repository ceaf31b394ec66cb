"""Chunk ↔ Qdrant point payload, shared by both backends so they store exactly the same thing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from rag.documents import Chunk, DocumentMeta, ScoredChunk
from rag.index import HybridQuery

_NAMESPACE = uuid.UUID("6f1c2a52-3b1e-4d0c-9a57-0c0e4b1d7a11")

# Validity is filtered on whole days as integers, which both engines range-filter the same way.
# A document with no dates is valid from the beginning to the end of time.
NO_START = 0
NO_END = 99_999_999

# Payload fields with an index on the server (and filtered on by both backends).
INDEXED_KEYWORDS = ("topics", "doc_type", "audience", "doc_id")
INDEXED_INTEGERS = ("valid_from_day", "valid_to_day")


def point_id(chunk_id: str) -> str:
    """Qdrant wants integers or UUIDs: a chunk id maps to one stable UUID."""
    return str(uuid.uuid5(_NAMESPACE, chunk_id))


def day_number(day: dt.date) -> int:
    return day.toordinal()


def to_payload(chunk: Chunk) -> dict[str, Any]:
    meta = chunk.meta
    return {
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "source": chunk.source,
        "text": chunk.text,
        "heading_path": list(chunk.heading_path),
        "position": chunk.position,
        "content_hash": chunk.content_hash,
        "meta": meta.model_dump(mode="json"),
        # flat copies for filtering
        "title": meta.title,
        "doc_type": meta.doc_type,
        "topics": list(meta.topics),
        "audience": list(meta.audience),
        "valid_from_day": day_number(meta.valid_from) if meta.valid_from else NO_START,
        "valid_to_day": day_number(meta.valid_to) if meta.valid_to else NO_END,
    }


def from_payload(payload: dict[str, Any]) -> Chunk:
    return Chunk(
        chunk_id=payload["chunk_id"],
        doc_id=payload["doc_id"],
        source=payload["source"],
        text=payload["text"],
        heading_path=tuple(payload["heading_path"]),
        meta=DocumentMeta.model_validate(payload["meta"]),
        position=int(payload["position"]),
        content_hash=payload["content_hash"],
    )


# Candidates asked of an engine beyond those kept. The engines return equal scores (RRF and BM25
# ties are common) in an arbitrary order that differs from one query to the next, even in one
# process: cutting their list would keep a different one of the tied chunks each time. Cut here,
# after ordering the ties by point id, the same question finds the same passages.
TIE_MARGIN = 16


def best(hits: Iterable[tuple[Any, float]], limit: int) -> list[tuple[str, float]]:
    """(point id, score) pairs best first, equal scores by point id; the first `limit`."""
    return sorted(((str(i), float(s)) for i, s in hits), key=lambda h: (-h[1], h[0]))[:limit]


def fused(
    rankings: Sequence[Sequence[tuple[str, float]]], *, k: int, limit: int
) -> list[tuple[str, float]]:
    """Reciprocal rank fusion as both engines compute it (the sum of 1 / (k + position), the
    first position 0: a point first on both sides scores 2 / k), done here so that its ties are
    ordered as `best` orders them."""
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, (pid, _) in enumerate(ranking):
            scores[pid] = scores.get(pid, 0.0) + 1.0 / (k + rank)
    return best(scores.items(), limit)


Side = TypeVar("Side")  # one engine's request for one side (dense or sparse)


def searched(
    query: HybridQuery,
    dense: Side,
    sparse: Side,
    ids: Callable[[Sequence[Side], int], list[list[tuple[str, float]]]],
) -> list[tuple[str, float]]:
    """The (point id, score) pairs a query keeps, best first, whichever engine `ids` asks: each
    side's `best` of the engine's candidates, fused here for a hybrid query (see TIE_MARGIN)."""
    if query.using == "sparse" and not len(query.sparse):
        return []  # a sparse-only search for a question of stopwords finds nothing
    if query.using != "hybrid":
        return ids([dense if query.using == "dense" else sparse], query.limit)[0]
    sides = [dense, sparse] if len(query.sparse) else [dense]
    return fused(ids(sides, query.prefetch_limit), k=query.rrf_k, limit=query.limit)


def scored(found: Sequence[tuple[str, float]], payloads: Mapping[str, Any]) -> list[ScoredChunk]:
    """The chunks of `found` (point id, score), in its order, from their points' payloads (a
    point gone meanwhile is left out)."""
    kept = [(pid, score) for pid, score in found if pid in payloads]
    return [
        ScoredChunk(chunk=from_payload(dict(payloads[pid] or {})), score=score, rank=rank)
        for rank, (pid, score) in enumerate(kept, start=1)
    ]

"""Chunk ↔ Qdrant point payload, shared by both backends so they store exactly the same thing."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from rag.documents import Chunk, DocumentMeta, ScoredChunk

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


def ranked(hits: Iterable[tuple[dict[str, Any] | None, float]]) -> list[ScoredChunk]:
    """(payload, score) pairs → ScoredChunks ranked 1..n, ties broken by chunk id.

    The engines return equal scores (RRF ties are common) in an arbitrary order that differs
    between builds of the same index; a fixed tie-break makes rankings reproducible.
    """
    chunks = [(from_payload(dict(payload or {})), score) for payload, score in hits]
    chunks.sort(key=lambda pair: (-pair[1], pair[0].chunk_id))
    return [
        ScoredChunk(chunk=chunk, score=score, rank=rank)
        for rank, (chunk, score) in enumerate(chunks, start=1)
    ]

"""The embedded backend: Qdrant's engine in process (`qdrant-edge-py`), a shard a generation."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from rag.documents import ScoredChunk
from rag.errors import IndexNotReady
from rag.index import (
    DENSE,
    SPARSE,
    GenerationInfo,
    HybridQuery,
    IndexPoint,
    SearchFilter,
    batched,
)
from rag.index.generations import GenerationDirectory, new_generation_name
from rag.index.payload import (
    INDEXED_INTEGERS,
    INDEXED_KEYWORDS,
    TIE_MARGIN,
    best,
    day_number,
    point_id,
    scored,
    searched,
    to_payload,
)
from rag.knowledge_vectors import FILE_NAME, KnowledgeVectors, load_or_empty

_UPSERT_BATCH = 512
_SCROLL_PAGE = 1024


def _filter(spec: SearchFilter) -> qe.Filter | None:
    if spec.empty:
        return None
    must: list[Any] = []
    if spec.topics:
        must.append(qe.FieldCondition("topics", match=qe.MatchAny(list(spec.topics))))
    if spec.doc_types:
        must.append(qe.FieldCondition("doc_type", match=qe.MatchAny(list(spec.doc_types))))
    if spec.audience:
        must.append(qe.FieldCondition("audience", match=qe.MatchAny(list(spec.audience))))
    if spec.valid_on is not None:
        day = float(day_number(spec.valid_on))
        must.append(qe.FieldCondition("valid_from_day", range=qe.RangeFloat(lte=day)))
        must.append(qe.FieldCondition("valid_to_day", range=qe.RangeFloat(gte=day)))
    return qe.Filter(must=must)


class EdgeIndex:
    """One generation's shard. Not thread-safe for writes; reads may run concurrently."""

    def __init__(self, shard: qe.EdgeShard) -> None:
        self._shard = shard

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        for batch in batched(points, _UPSERT_BATCH):
            self._shard.update(
                qe.UpdateOperation.upsert_points(
                    [
                        qe.Point(
                            point_id(p.chunk.chunk_id),
                            {
                                DENSE: [float(x) for x in p.dense],
                                SPARSE: qe.SparseVector(
                                    list(p.sparse.indices), list(p.sparse.values)
                                ),
                            },
                            to_payload(p.chunk),
                        )
                        for p in batch
                    ]
                )
            )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        if chunk_ids:
            self._shard.update(qe.UpdateOperation.delete_points([point_id(c) for c in chunk_ids]))

    def query(self, query: HybridQuery) -> list[ScoredChunk]:
        flt = _filter(query.filter)
        dense = qe.Query.Nearest([float(x) for x in query.dense], using=DENSE)
        sparse = qe.Query.Nearest(
            qe.SparseVector(list(query.sparse.indices), list(query.sparse.values)), using=SPARSE
        )

        def ids(sides: Sequence[Any], limit: int) -> list[list[tuple[str, float]]]:
            # Each side asked with room for ties (TIE_MARGIN), then cut by `best`.
            return [
                best(((hit.id, hit.score) for hit in self._shard.query(request)), limit)
                for request in (
                    qe.QueryRequest(limit + TIE_MARGIN, query=side, with_payload=False, filter=flt)
                    for side in sides
                )
            ]

        return self._chunks(searched(query, dense, sparse, ids))

    def _chunks(self, found: list[tuple[str, float]]) -> list[ScoredChunk]:
        if not found:
            return []
        records = self._shard.retrieve([pid for pid, _ in found], True, False)
        return scored(found, {str(r.id): r.payload for r in records})

    def hashes(self) -> dict[str, str]:
        found: dict[str, str] = {}
        offset: Any = None
        while True:
            records, offset = self._shard.scroll(
                qe.ScrollRequest(
                    offset=offset,
                    limit=_SCROLL_PAGE,
                    with_payload=["chunk_id", "content_hash"],
                    with_vector=False,
                )
            )
            for record in records:
                payload = record.payload or {}
                found[payload["chunk_id"]] = payload["content_hash"]
            if offset is None:
                return found

    def create_payload_indexes(self) -> None:
        for key in INDEXED_KEYWORDS:
            self._shard.update(
                qe.UpdateOperation.create_field_index(key, qe.PayloadSchemaType.Keyword)
            )
        for key in INDEXED_INTEGERS:
            self._shard.update(
                qe.UpdateOperation.create_field_index(key, qe.PayloadSchemaType.Integer)
            )

    def finish(self) -> int:
        """Optimise segments and flush; returns the number of points."""
        self._shard.optimize()
        self._shard.flush()
        return self._shard.count(qe.CountRequest(exact=True))

    def close(self) -> None:
        self._shard.close()


def _config(dimension: int) -> qe.EdgeConfig:
    return qe.EdgeConfig(
        vectors={DENSE: qe.EdgeVectorParams(size=dimension, distance=qe.Distance.Cosine)},
        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
    )


class EdgeServed:
    """The served generation of an `EdgeStore`, reopened when CURRENT points elsewhere."""

    def __init__(self, directory: GenerationDirectory) -> None:
        self._directory = directory
        self._retired: list[EdgeIndex] = []
        self._switch = threading.Lock()
        self._info, self._index, self._vectors = self._open()

    def _open(self) -> tuple[GenerationInfo, EdgeIndex, KnowledgeVectors]:
        info = self._directory.served()
        if info is None:
            raise IndexNotReady(str(self._directory.root))
        folder = self._directory.generations / info.name
        try:
            shard = qe.EdgeShard.load(str(folder / "shard"))
        # The engine raises bare Exception for everything; the likely cause here is the one
        # opener per directory rule (another process serving this generation).
        except Exception as exc:
            raise IndexNotReady(
                str(self._directory.root),
                f"cannot open generation {info.name} ({exc}); is another process serving it?",
            ) from exc
        vectors = load_or_empty(
            folder / FILE_NAME, model_id=info.embedding_model, generation=info.name
        )
        return info, EdgeIndex(shard), vectors

    @property
    def info(self) -> GenerationInfo:
        return self._info

    @property
    def index(self) -> EdgeIndex:
        return self._index

    @property
    def vectors(self) -> KnowledgeVectors:
        return self._vectors

    def refresh(self) -> bool:
        before = self._info.name
        if self._directory.current_name() in (None, before):
            return False  # the common case, answered without the lock
        # One switch at a time: the engine lets one opener hold a shard, so a second thread
        # opening the same generation would fail. Later threads wait here for the first, find
        # the switch done and report it; queries meanwhile run on the old generation.
        with self._switch:
            if self._directory.current_name() in (None, self._info.name):
                return self._info.name != before
            self._switch_to_newest()
            return True

    def _switch_to_newest(self) -> None:
        info, index, vectors = self._open()
        # Queries already running on the old shard finish there; it is closed at the next
        # switch (or on close), long after any query that started before this one.
        for retired in self._retired:
            retired.close()
        self._retired = [self._index]
        self._info, self._index, self._vectors = info, index, vectors

    def close(self) -> None:
        with self._switch:
            for retired in self._retired:
                retired.close()
            self._retired = []
            self._index.close()


class EdgeStore:
    """Generations of qdrant-edge shards under one directory."""

    def __init__(self, root: Path, *, keep: int = 2) -> None:
        self._directory = GenerationDirectory(root)
        self._keep = keep

    @property
    def location(self) -> str:
        return str(self._directory.root)

    def served(self) -> GenerationInfo | None:
        return self._directory.served()

    def served_hashes(self) -> dict[str, str]:
        name = self._directory.current_name()
        return self._directory.manifest(name) if name else {}

    def open_served(self) -> EdgeServed:
        return EdgeServed(self._directory)

    @contextlib.contextmanager
    def build(
        self, *, embedding_model: str, dimension: int, vectors: KnowledgeVectors | None = None
    ) -> Iterator[EdgeIndex]:
        with self._directory.locked():
            self._directory.prune(self._keep)  # clears what a killed build left behind
            name = new_generation_name()
            folder = self._directory.generations / name
            index = EdgeIndex(qe.EdgeShard.create(str(folder / "shard"), _config(dimension)))
            try:
                index.create_payload_indexes()
                yield index
                chunks = index.finish()
                manifest = index.hashes()
                if vectors is not None:
                    vectors.save(folder / FILE_NAME)
            except BaseException:
                index.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise
            index.close()
            self._directory.publish(
                GenerationInfo(
                    name=name,
                    embedding_model=embedding_model,
                    dimension=dimension,
                    created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    chunks=chunks,
                    vectors=len(vectors) if vectors is not None else 0,
                    vectors_digest=vectors.digest if vectors is not None else "",
                ),
                manifest,
            )
            self._directory.prune(self._keep)

"""The production backend: a Qdrant server or cluster through `qdrant-client`.

Each generation is a collection `<alias>__<generation>`; the alias (the configured collection
name) is switched to a finished one in a single aliases call, which Qdrant applies atomically.
Readers query the alias, so a switch needs no reopening; `refresh` re-reads the info and the
generation's knowledge-base vectors, kept in a collection of their own beside it
(`<alias>__<generation>__vectors`, one point per content key) and deleted with it.
In tests, `QdrantClient(":memory:")` or `QdrantClient(path=…)` (local mode) stands in for a server.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from qdrant_client import QdrantClient, models

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
from rag.index.generations import new_generation_name
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
from rag.knowledge_vectors import KnowledgeVectors, loaded, unavailable

_UPSERT_BATCH = 256
_SCROLL_PAGE = 1024
_SEPARATOR = "__"
_VECTORS = _SEPARATOR + "vectors"  # suffix of a generation's knowledge-base vectors collection


def _filter(spec: SearchFilter) -> models.Filter | None:
    if spec.empty:
        return None
    must: list[models.Condition] = []
    for key, values in (
        ("topics", spec.topics),
        ("doc_type", spec.doc_types),
        ("audience", spec.audience),
    ):
        if values:
            must.append(models.FieldCondition(key=key, match=models.MatchAny(any=list(values))))
    if spec.valid_on is not None:
        day = day_number(spec.valid_on)
        must.append(models.FieldCondition(key="valid_from_day", range=models.Range(lte=day)))
        must.append(models.FieldCondition(key="valid_to_day", range=models.Range(gte=day)))
    return models.Filter(must=must)


class ServerIndex:
    """One collection (or the alias in front of the served one)."""

    def __init__(self, client: QdrantClient, collection: str) -> None:
        self._client = client
        self._collection = collection

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        for batch in batched(points, _UPSERT_BATCH):
            self._client.upsert(
                self._collection,
                points=[
                    models.PointStruct(
                        id=point_id(p.chunk.chunk_id),
                        vector={
                            DENSE: [float(x) for x in p.dense],
                            SPARSE: models.SparseVector(
                                indices=list(p.sparse.indices), values=list(p.sparse.values)
                            ),
                        },
                        payload=to_payload(p.chunk),
                    )
                    for p in batch
                ],
                wait=True,
            )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        if chunk_ids:
            self._client.delete(
                self._collection,
                points_selector=models.PointIdsList(points=[point_id(c) for c in chunk_ids]),
                wait=True,
            )

    def query(self, query: HybridQuery) -> list[ScoredChunk]:
        flt = _filter(query.filter)
        dense = models.QueryRequest(
            query=[float(x) for x in query.dense], using=DENSE, filter=flt, with_payload=False
        )
        sparse = models.QueryRequest(
            query=models.SparseVector(
                indices=list(query.sparse.indices), values=list(query.sparse.values)
            ),
            using=SPARSE,
            filter=flt,
            with_payload=False,
        )
        return self._chunks(searched(query, dense, sparse, self._ids))

    def _ids(
        self, requests: Sequence[models.QueryRequest], limit: int
    ) -> list[list[tuple[str, float]]]:
        """Each side's best `limit` (point id, score) pairs, in one request, with room for
        ties (TIE_MARGIN)."""
        responses = self._client.query_batch_points(
            self._collection,
            requests=[r.model_copy(update={"limit": limit + TIE_MARGIN}) for r in requests],
        )
        return [best(((p.id, p.score) for p in r.points), limit) for r in responses]

    def _chunks(self, found: list[tuple[str, float]]) -> list[ScoredChunk]:
        if not found:
            return []
        records = self._client.retrieve(
            self._collection, ids=[pid for pid, _ in found], with_payload=True, with_vectors=False
        )
        return scored(found, {str(r.id): r.payload for r in records})

    def hashes(self) -> dict[str, str]:
        found: dict[str, str] = {}
        offset: Any = None
        while True:
            records, offset = self._client.scroll(
                self._collection,
                limit=_SCROLL_PAGE,
                offset=offset,
                with_payload=["chunk_id", "content_hash"],
                with_vectors=False,
            )
            for record in records:
                payload = record.payload or {}
                found[payload["chunk_id"]] = payload["content_hash"]
            if offset is None:
                return found


class ServerServed:
    def __init__(self, store: ServerStore) -> None:
        self._store = store
        info = store.served()
        if info is None:
            raise IndexNotReady(store.location)
        self._info = info
        self._index = ServerIndex(store.client, store.alias)
        self._vectors = store.stored_vectors(info)
        self._switch = threading.Lock()

    @property
    def info(self) -> GenerationInfo:
        return self._info

    @property
    def index(self) -> ServerIndex:
        return self._index

    @property
    def vectors(self) -> KnowledgeVectors:
        return self._vectors

    def refresh(self) -> bool:
        before = self._info.name
        # One switch at a time (as for the edge shard), so that the new generation's vectors
        # are read once; a thread that waited finds the switch done and reports it.
        with self._switch:
            info = self._store.served()
            if info is None or info.name == self._info.name:
                return self._info.name != before
            # Read before the switch: the alias already points at the new generation, and a
            # question asked meanwhile is answered from the old vectors, which are keyed by text.
            vectors = self._store.stored_vectors(info)
            self._info, self._vectors = info, vectors
            return True

    def close(self) -> None:
        """The client belongs to the store; nothing to release per reader."""


class ServerStore:
    """Generations as collections behind an alias on a Qdrant server."""

    def __init__(self, client: QdrantClient, *, alias: str, keep: int = 2) -> None:
        self.client = client
        self.alias = alias
        self._keep = keep

    @property
    def location(self) -> str:
        return f"qdrant collection alias '{self.alias}'"

    def _target(self) -> str | None:
        for item in self.client.get_aliases().aliases:
            if item.alias_name == self.alias:
                return item.collection_name
        return None

    def served(self) -> GenerationInfo | None:
        target = self._target()
        if target is None:
            return None
        metadata = self.client.get_collection(target).config.metadata or {}
        return GenerationInfo.read(metadata["okienko"])

    def served_hashes(self) -> dict[str, str]:
        return ServerIndex(self.client, self.alias).hashes() if self._target() else {}

    def open_served(self) -> ServerServed:
        return ServerServed(self)

    def _generations(self) -> list[str]:
        prefix = self.alias + _SEPARATOR
        return sorted(
            c.name
            for c in self.client.get_collections().collections
            if c.name.startswith(prefix) and not c.name.endswith(_VECTORS)
        )

    def stored_vectors(self, info: GenerationInfo) -> KnowledgeVectors:
        """The knowledge-base vectors stored beside a generation (empty, with a warning, when
        there are none or they do not match it)."""
        collection = f"{self.alias}{_SEPARATOR}{info.name}{_VECTORS}"
        if not self.client.collection_exists(collection):
            return unavailable(info.embedding_model, info.name, "it has none stored")
        keys: list[str] = []
        rows: list[list[float]] = []
        offset: Any = None
        while True:
            records, offset = self.client.scroll(
                collection, limit=_SCROLL_PAGE, offset=offset, with_payload=True, with_vectors=True
            )
            for record in records:
                keys.append(str((record.payload or {})["key"]))
                rows.append(record.vector)  # type: ignore[arg-type]
            if offset is None:
                break
        if len(keys) != info.vectors:
            reason = f"{len(keys)} of the {info.vectors} stored"
            return unavailable(info.embedding_model, info.name, reason)
        matrix = np.asarray(rows, dtype=np.float32).reshape(len(rows), info.dimension)
        return loaded(KnowledgeVectors(info.embedding_model, keys, matrix), info.name)

    def _store_vectors(self, collection: str, vectors: KnowledgeVectors, dimension: int) -> None:
        target = collection + _VECTORS
        self.client.create_collection(
            target,
            vectors_config=models.VectorParams(size=dimension, distance=models.Distance.COSINE),
        )
        for start in range(0, len(vectors), _UPSERT_BATCH):
            keys = vectors.keys[start : start + _UPSERT_BATCH]
            self.client.upsert(
                target,
                points=[
                    models.PointStruct(id=point_id(key), vector=row.tolist(), payload={"key": key})
                    for key, row in zip(
                        keys, vectors.matrix[start : start + len(keys)], strict=True
                    )
                ],
                wait=True,
            )

    def _drop(self, collection: str) -> None:
        self.client.delete_collection(collection)
        if self.client.collection_exists(collection + _VECTORS):
            self.client.delete_collection(collection + _VECTORS)

    @contextlib.contextmanager
    def build(
        self, *, embedding_model: str, dimension: int, vectors: KnowledgeVectors | None = None
    ) -> Iterator[ServerIndex]:
        # A server offers no lock: run one ingest job at a time against a cluster.
        # A collection without our metadata is an abandoned build; pruning removes it.
        name = new_generation_name()
        collection = f"{self.alias}{_SEPARATOR}{name}"
        info = GenerationInfo(
            name=name,
            embedding_model=embedding_model,
            dimension=dimension,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        )
        self.client.create_collection(
            collection,
            vectors_config={
                DENSE: models.VectorParams(size=dimension, distance=models.Distance.COSINE)
            },
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        try:
            for key in INDEXED_KEYWORDS:
                self.client.create_payload_index(
                    collection, key, models.PayloadSchemaType.KEYWORD, wait=True
                )
            for key in INDEXED_INTEGERS:
                self.client.create_payload_index(
                    collection, key, models.PayloadSchemaType.INTEGER, wait=True
                )
            index = ServerIndex(self.client, collection)
            yield index
            count = self.client.count(collection, exact=True).count
            if vectors is not None:
                self._store_vectors(collection, vectors, dimension)
        except BaseException:
            self._drop(collection)
            raise
        info = dataclasses.replace(
            info,
            chunks=count,
            vectors=len(vectors) if vectors is not None else 0,
            vectors_digest=vectors.digest if vectors is not None else "",
        )
        self.client.update_collection(collection, metadata={"okienko": dataclasses.asdict(info)})
        operations: list[models.AliasOperations] = []
        if self._target() is not None:
            operations.append(
                models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=self.alias))
            )
        operations.append(
            models.CreateAliasOperation(
                create_alias=models.CreateAlias(collection_name=collection, alias_name=self.alias)
            )
        )
        self.client.update_collection_aliases(change_aliases_operations=operations)
        self._prune(served=collection)

    def _prune(self, *, served: str) -> None:
        complete: list[str] = []
        abandoned: list[str] = []
        for collection in self._generations():
            if collection == served:
                continue
            metadata = self.client.get_collection(collection).config.metadata or {}
            (complete if "okienko" in metadata else abandoned).append(collection)
        for collection in abandoned + complete[: max(len(complete) - (self._keep - 1), 0)]:
            self._drop(collection)
        # Vectors whose generation is gone (a build killed between the two deletions).
        generations = self._generations()
        kept = {*generations, *(c + _VECTORS for c in generations)}
        for described in self.client.get_collections().collections:
            name = described.name
            if name.startswith(self.alias + _SEPARATOR) and name not in kept:
                self.client.delete_collection(name)

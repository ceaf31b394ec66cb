"""The vector index seam: one small protocol, two Qdrant backends.

- `edge`: the embedded default, Qdrant's own engine in process (`qdrant-edge-py`), one shard
  directory per generation under the data directory.
- `server`: a Qdrant server or cluster through `qdrant-client`, one collection per generation
  behind an alias.

Both engines allow one opener per directory or collection at a time, so ingestion never writes
into the generation being served: it builds a new generation and switches to it atomically
once it is complete (`IndexStore.build`). Readers notice the switch (`ServedIndex.refresh`).

A generation also keeps the vectors of the knowledge base's sentences and fact question forms
(`rag.knowledge_vectors`), written with it and loaded when it is opened, so a switch brings
its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Protocol

from rag.documents import Chunk, ScoredChunk
from rag.knowledge_vectors import KnowledgeVectors
from rag.lexical import SparseVector
from rag.settings import Settings

DENSE = "dense"
SPARSE = "lemmas"


@dataclass(frozen=True, slots=True)
class IndexPoint:
    """What is written for one chunk: the chunk, its dense embedding and its lemma vector."""

    chunk: Chunk
    dense: Sequence[float]
    sparse: SparseVector


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """Payload filters; an empty field does not filter. `valid_on` keeps documents in force then."""

    topics: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    valid_on: dt.date | None = None

    @property
    def empty(self) -> bool:
        return not (self.topics or self.doc_types or self.audience or self.valid_on)


Retriever = Literal["hybrid", "dense", "sparse"]


@dataclass(frozen=True, slots=True)
class HybridQuery:
    """Dense and sparse prefetches fused with reciprocal rank fusion.

    `using` picks one side alone ("dense", "sparse"), for evaluation side by side.
    """

    dense: Sequence[float]
    sparse: SparseVector
    limit: int = 8
    prefetch_limit: int = 40
    filter: SearchFilter = field(default_factory=SearchFilter)
    rrf_k: int = 60
    using: Retriever = "hybrid"


@dataclass(frozen=True, slots=True)
class GenerationInfo:
    """Describes one complete index generation; stored with it."""

    name: str
    embedding_model: str
    dimension: int
    created_at: str
    chunks: int = 0
    vectors: int = 0  # knowledge-base vectors stored with it (none before issue 17)
    vectors_digest: str = ""  # `KnowledgeVectors.digest` of those

    @classmethod
    def read(cls, data: dict[str, Any]) -> GenerationInfo:
        """From its stored form; fields a newer version added are left out, so a rolled-back
        service still opens a generation built after it."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class VectorIndex(Protocol):
    """One index generation, open for reading or writing."""

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace the points of these chunks (by chunk id)."""

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Remove these chunks; unknown ids are ignored."""

    def query(self, query: HybridQuery) -> list[ScoredChunk]:
        """Hybrid search: dense + sparse prefetch, RRF fusion, payload filter on both."""

    def hashes(self) -> dict[str, str]:
        """Every chunk id in the generation with its content hash."""


class ServedIndex(Protocol):
    """The generation a reader serves, switched to a newer one on `refresh`."""

    @property
    def info(self) -> GenerationInfo: ...

    @property
    def index(self) -> VectorIndex: ...

    @property
    def vectors(self) -> KnowledgeVectors:
        """The generation's stored knowledge-base vectors, loaded when it was opened (empty,
        after a warning, when it has none or they could not be read)."""

    def refresh(self) -> bool:
        """Open the newest published generation if it changed; True when it switched.

        Safe to call from several threads: the switch happens once, a thread that finds one
        in progress waits for it (and also answers True), and queries keep being served from
        the old generation meanwhile.
        """

    def close(self) -> None: ...


class IndexStore(Protocol):
    """Where generations are built, published and opened."""

    @property
    def location(self) -> str: ...

    def served(self) -> GenerationInfo | None:
        """The published generation, or None when nothing was ever published."""

    def served_hashes(self) -> dict[str, str]:
        """Chunk id → content hash of the published generation (empty when there is none).

        Answers without opening the served generation, which a reader may hold.
        """

    def open_served(self) -> ServedIndex:
        """Open the published generation for reading.

        Raises:
            IndexNotReady: nothing has been published yet.
        """

    def build(
        self, *, embedding_model: str, dimension: int, vectors: KnowledgeVectors | None = None
    ) -> AbstractContextManager[VectorIndex]:
        """A new, empty generation; published on a clean exit, discarded if the block raises.

        Args:
            embedding_model: the model id of every vector in it.
            dimension: their size.
            vectors: the knowledge-base vectors to store with it (`rag.knowledge_vectors`).

        Raises:
            IndexBusy: another build holds the lock.
        """


def open_store(settings: Settings) -> IndexStore:
    """The configured backend: a Qdrant server when `qdrant_url` is set, else the edge shard."""
    if settings.qdrant_url is None:
        from rag.index.edge import EdgeStore

        return EdgeStore(settings.index_dir, keep=settings.keep_generations)
    from qdrant_client import QdrantClient

    from rag.index.server import ServerStore

    api_key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
    client = QdrantClient(url=settings.qdrant_url, api_key=api_key)
    return ServerStore(client, alias=settings.qdrant_collection, keep=settings.keep_generations)


def batched(points: Sequence[IndexPoint], size: int) -> Iterator[Sequence[IndexPoint]]:
    for start in range(0, len(points), size):
        yield points[start : start + size]

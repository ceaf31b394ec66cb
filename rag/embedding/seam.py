"""The embedder seam and what wraps any embedder: the protocol, the test fake, the caches.

`Embedder` is what the rest of Okienko talks to; `build_embedder` picks the implementation the
settings name. `CachedEmbedder` keeps recent texts' vectors: residents ask the same questions
again and again. `MessageVectors` embeds each text of one message once for all the steps that
read it. `HashEmbedder` is the deterministic fake for tests; it never touches a model.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from rag.errors import EmbeddingModelError
from rag.settings import Settings

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


class CachedEmbedder:
    """Another embedder with the vectors of its most recent texts kept in memory (LRU).

    A city's residents ask the same questions again and again; a repeated one skips the model.
    Keys are the exact text and its kind; texts of other kinds than `kinds` pass straight
    through (a cache of questions should not be flushed by passages). Safe to share between
    threads: the model runs outside the lock, so two threads missing the same text at once both
    compute it (same vector).
    """

    def __init__(
        self, inner: Embedder, *, size: int, kinds: tuple[Kind, ...] = ("query", "passage")
    ) -> None:
        """Wrap `inner`, keeping at most `size` vectors of texts of `kinds`.

        Raises:
            ValueError: `size` is below 1 (leave the cache out instead).
        """
        if size < 1:
            raise ValueError(f"a cache holds at least one vector, not {size}")
        self._inner = inner
        self._size = size
        self._kinds = frozenset(kinds)
        self._rows: OrderedDict[tuple[Kind, str], Vectors] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def model_id(self) -> str:
        return self._inner.model_id

    @property
    def dimension(self) -> int:
        return self._inner.dimension

    @property
    def held(self) -> int:
        """How many vectors the cache holds now.

        A property, not `__len__`: an empty cache must not make the embedder falsy
        (`embedder or build_embedder(...)` would load a second model).
        """
        return len(self._rows)

    def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:
        if kind not in self._kinds:
            return self._inner.embed(texts, kind=kind)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        found: dict[str, Vectors] = {}
        with self._lock:
            for text in texts:
                row = self._rows.get((kind, text))
                if row is not None:
                    self._rows.move_to_end((kind, text))
                    found[text] = row
            missing = list(dict.fromkeys(t for t in texts if t not in found))
            self.hits += len(texts) - len(missing)
            self.misses += len(missing)
        if missing:
            computed = self._inner.embed(missing, kind=kind)
            with self._lock:
                for text, row in zip(missing, computed, strict=True):
                    # A copy, so the cache keeps no view of the whole batch; read-only, so no
                    # caller can change a vector another caller will get.
                    kept = row.copy()
                    kept.setflags(write=False)
                    found[text] = self._rows[(kind, text)] = kept
                    self._rows.move_to_end((kind, text))
                while len(self._rows) > self._size:
                    self._rows.popitem(last=False)
        # np.stack copies: the caller owns (and may change) what it gets.
        return np.stack([found[t] for t in texts])

    def count_tokens(self, text: str) -> int:
        return self._inner.count_tokens(text)


class MessageVectors:
    """The query vectors of one message's texts, each embedded at most once.

    A message is read by several steps (the crisis classifier, retrieval of the question part
    and of the whole message, sentence scoring, the curated facts), each wanting the same
    vectors: one of these per message hands each text's vector to all of them, whether or not
    the process keeps a question cache. Not shared between messages or threads.
    """

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._known: dict[str, Vectors] = {}

    def __call__(self, text: str) -> Vectors:
        """The text's query vector (read-only)."""
        vector = self._known.get(text)
        if vector is None:
            (vector,) = self._embedder.embed([text], kind="query")
            vector.setflags(write=False)
            self._known[text] = vector
        return vector


_PROBE = "Ile wynosi dodatek mieszkaniowy?"


def signature(embedder: Embedder) -> str:
    """Names what this embedder makes of text, for keying what is computed from its vectors
    (the refusal model's embedded seen messages): its model id and its vector of one fixed question,
    rounded, so a changed query prefix or backend is another key, which the id alone would
    not say. Float noise (another machine, thread count) can move a rounded component too: key
    only what is cheap to compute again with it.

    Raises:
        EmbeddingModelError: the model cannot embed.
    """
    (probe,) = embedder.embed([_PROBE], kind="query")
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"{embedder.model_id}\0".encode())
    digest.update(np.round(np.asarray(probe, dtype=np.float64), 3).tobytes())
    return digest.hexdigest()


def build_embedder(settings: Settings) -> Embedder:
    """The embedder the settings name: model, backend, threads, and the question cache.

    Raises:
        EmbeddingModelError: the backend is unknown, or the model cannot be built or loaded
            (the first use of an ONNX backend exports the model once, which takes minutes).
    """
    if settings.embedding_model.startswith(HASH_MODEL_PREFIX):
        size = settings.embedding_model.removeprefix(HASH_MODEL_PREFIX)
        if not size.isdigit() or not 8 <= int(size) <= 4096:
            raise EmbeddingModelError(settings.embedding_model, "use hash:<8..4096> for tests")
        return HashEmbedder(int(size))  # the fake is cheap: tests see it as it is
    # Imported here, not at the top: the backends import this module's types.
    embedder: Embedder
    match settings.embedding_backend:
        case "torch":
            from rag.embedding.sentence_transformers import SentenceTransformerEmbedder

            embedder = SentenceTransformerEmbedder(settings)
        case "onnx" | "onnx-int8":
            from rag.embedding.onnx import OnnxEmbedder

            embedder = OnnxEmbedder(
                settings,
                quantized=settings.embedding_backend == "onnx-int8",
                threads=settings.embedding_threads or None,
            )
        case unknown:  # settings built without validation (model_construct, model_copy)
            raise EmbeddingModelError(
                settings.embedding_model,
                f"unknown embedding backend {unknown!r}: use 'torch', 'onnx' or 'onnx-int8'",
            )
    if settings.query_cache_size:
        return CachedEmbedder(embedder, size=settings.query_cache_size, kinds=("query",))
    return embedder

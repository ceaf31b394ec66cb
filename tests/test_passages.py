"""Passage selection, the relevance decision and the reranker seam."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.documents import Chunk, DocumentMeta, ScoredChunk
from rag.lexical import PolishAnalyzer
from rag.relevance import judge
from rag.reranking import CrossEncoderReranker
from rag.retrieval import select_passages

META = DocumentMeta(title="Ustawa o dodatkach mieszkaniowych")


def hit(
    doc: str, position: int, text: str, score: float, path: tuple[str, ...] = ()
) -> ScoredChunk:
    chunk = Chunk(
        chunk_id=f"{doc}#{position}",
        doc_id=doc,
        source=f"{doc}.md",
        text=text,
        heading_path=(META.title, *path),
        meta=META,
        position=position,
        content_hash=str(position),
    )
    return ScoredChunk(chunk=chunk, score=score, rank=0)


def test_cap_per_document_and_neighbours_merged() -> None:
    hits = [
        hit("a", 3, "Art. 7 ust. 1.", 0.9, ("Art. 7", "ust. 1")),
        hit("a", 4, "Art. 7 ust. 2.", 0.8, ("Art. 7", "ust. 2")),
        hit("a", 9, "Art. 9.", 0.7, ("Art. 9",)),
        hit("b", 1, "Inny dokument.", 0.6),
    ]
    selected = select_passages(hits, per_document=2, limit=5)
    assert [p.rank for p in selected] == [1, 2]
    merged, other = selected
    assert merged.chunk.text == "Art. 7 ust. 1.\n\nArt. 7 ust. 2."
    assert merged.chunk.label == "Ustawa o dodatkach mieszkaniowych › Art. 7"
    assert merged.score == 0.9
    assert other.chunk.doc_id == "b"  # Art. 9 of "a" was over the cap


def test_merged_sections_keep_the_heading_between_them() -> None:
    # Two sections of a guide: the second's heading must stay between them, or the merged text
    # reads as one paragraph and a quote could run across the cut without an ellipsis.
    hits = [
        hit("g", 0, "Dodatek zostaje wstrzymany.", 0.9, ("Zaległości",)),
        hit("g", 1, "Decyzja wygasa po 3 miesiącach.", 0.8, ("Wygaśnięcie decyzji",)),
    ]
    (merged,) = select_passages(hits, per_document=2, limit=5)
    assert merged.chunk.text == (
        "Dodatek zostaje wstrzymany.\n\n## Wygaśnięcie decyzji\n\nDecyzja wygasa po 3 miesiącach."
    )
    assert merged.chunk.label == "Ustawa o dodatkach mieszkaniowych"


def test_limit_applies_after_merging() -> None:
    hits = [hit(f"d{i}", 0, f"Tekst {i}.", 1 - i / 10) for i in range(8)]
    assert [p.chunk.doc_id for p in select_passages(hits, per_document=1, limit=3)] == [
        "d0",
        "d1",
        "d2",
    ]


def test_relevance_needs_the_subject_in_a_passage(analyzer: PolishAnalyzer) -> None:
    passages = [
        hit("a", 0, "Dodatek mieszkaniowy przyznaje się na 6 miesięcy.", 2 / 61),
        hit("b", 0, "Odwołanie wnosi się w terminie 14 dni.", 1 / 62),
    ]
    answerable = judge("Na jak długo przyznaje się dodatek mieszkaniowy?", passages, analyzer)
    assert answerable.supported
    assert answerable.coverage >= 0.6
    assert answerable.agreement == 1.0
    unrelated = judge("Ile kosztuje bilet na basen miejski?", passages, analyzer)
    assert not unrelated.supported
    assert unrelated.coverage == 0.0
    assert not judge("czy", passages, analyzer).supported  # no subject at all
    assert not judge("dodatek mieszkaniowy", [], analyzer).supported


def test_weak_lexical_support_needs_agreement(analyzer: PolishAnalyzer) -> None:
    text = "Dodatek mieszkaniowy przyznaje się na 6 miesięcy."
    question = "dodatek mieszkaniowy a kaucja i czynsz"
    agreed = judge(question, [hit("a", 0, text, 2 / 61)], analyzer)
    alone = judge(question, [hit("a", 0, text, 1 / 61)], analyzer)
    assert agreed.coverage == alone.coverage
    assert agreed.supported
    assert not alone.supported


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised cross-encoder built here: no reranker weights ship on PyPI."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import BertConfig, BertForSequenceClassification, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("cross-encoder")
    words = "dodatek mieszkaniowy zasiłek stały odwołanie termin dni miesięcy wniosek".split()
    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *words])}
    backend = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
    )
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_cross_encoder_reranks(tiny_cross_encoder: Path) -> None:
    reranker = CrossEncoderReranker(str(tiny_cross_encoder))
    hits = [
        hit(f"d{i}", 0, text, 0.1) for i, text in enumerate(["dodatek", "odwołanie", "wniosek"])
    ]
    ranked = reranker.rerank("dodatek mieszkaniowy termin", hits)
    assert sorted(p.chunk.doc_id for p in ranked) == ["d0", "d1", "d2"]
    assert [p.rank for p in ranked] == [1, 2, 3]
    scores = [p.score for p in ranked]
    assert scores == sorted(scores, reverse=True)
    again = reranker.rerank("dodatek mieszkaniowy termin", list(reversed(hits)))
    assert [p.chunk.doc_id for p in again] == [p.chunk.doc_id for p in ranked]  # order-free
    assert reranker.rerank("cokolwiek", []) == []


def test_a_missing_reranker_is_a_clear_error(tmp_path: Path) -> None:
    from rag.errors import EmbeddingModelError

    with pytest.raises(EmbeddingModelError, match="reranker"):
        CrossEncoderReranker(str(tmp_path / "nie-ma-takiego-modelu"))

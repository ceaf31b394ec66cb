"""Chunking follows headings and legal units, labels chunks citably, and fits the model window."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ingest.chunking import Chunker, embedding_text
from ingest.loaders import discover, load_document
from rag.documents import Document, DocumentMeta
from rag.embedding import HashEmbedder
from tests.conftest import FIXTURES, SHARED_LEGAL

COUNT = HashEmbedder().count_tokens


def document(text: str, title: str = "Ustawa o przykładach") -> Document:
    return Document(doc_id="t/doc", source="t/doc.md", meta=DocumentMeta(title=title), text=text)


def test_short_sections_stay_whole_with_their_heading_path() -> None:
    fixture = FIXTURES / "regulations"
    chunks = Chunker(COUNT).chunk(load_document(fixture / "uchwala-testowa.md", root=fixture))
    labels = [c.label for c in chunks]
    assert labels == [
        "Ustawa o przykładowych świadczeniach › Art. 1",
        "Ustawa o przykładowych świadczeniach › Art. 2",
        "Ustawa o przykładowych świadczeniach › Art. 3",
        "Ustawa o przykładowych świadczeniach › Art. 4",
    ]
    assert "1) oświadczenie o dochodach" in chunks[1].text
    assert chunks[3].text == "(uchylony)"


def test_long_article_is_cut_at_ust_then_pkt() -> None:
    points = "\n\n".join(
        f"{n}) wymóg numer {n} dotyczący dokumentów, oświadczeń i zaświadczeń wnioskodawcy;"
        for n in range(1, 30)
    )
    text = (
        "##### Art. 7.\n\n"
        "1. Świadczenie przyznaje wójt w drodze decyzji administracyjnej po złożeniu wniosku.\n\n"
        "1a. Organ może upoważnić pracownika do wydawania decyzji w tych sprawach.\n\n"
        f"2. Wniosek zawiera:\n\n{points}\n\n"
        "3. Decyzję wydaje się w terminie miesiąca od dnia złożenia wniosku.\n"
    )
    chunker = Chunker(COUNT, target_tokens=80, max_tokens=120)
    chunks = chunker.chunk(document(text))
    labels = [c.label.removeprefix("Ustawa o przykładach › ") for c in chunks]
    assert labels[0] == "Art. 7 › ust. 1–1a"
    assert labels[-1] == "Art. 7 › ust. 3"
    inner = [lb for lb in labels if lb.startswith("Art. 7 › ust. 2 › pkt")]
    assert len(inner) >= 3
    assert inner[0].startswith("Art. 7 › ust. 2 › pkt 1–")
    for chunk in chunks:
        assert COUNT(embedding_text(chunk.heading_path, chunk.text)) <= 120
    # Nothing lost, nothing repeated.
    joined = " ".join(c.text for c in chunks)
    for n in range(1, 30):
        assert joined.count(f"wymóg numer {n} ") == 1


def test_a_run_on_sentence_is_cut_by_words() -> None:
    words = " ".join(f"słowo{n}" for n in range(400))
    chunks = Chunker(COUNT, target_tokens=60, max_tokens=80).chunk(document(f"## Wstęp\n\n{words}"))
    assert len(chunks) > 5
    assert all(COUNT(embedding_text(c.heading_path, c.text)) <= 80 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == words.split()


def test_ids_are_stable_and_hashes_follow_content() -> None:
    text = "## Kto może dostać\n\nKażdy mieszkaniec.\n\n## Dokumenty\n\nDowód osobisty."
    first = Chunker(COUNT).chunk(document(text))
    again = Chunker(COUNT).chunk(document(text))
    edited = Chunker(COUNT).chunk(document(text.replace("Dowód osobisty.", "Paszport.")))
    assert [c.chunk_id for c in first] == ["t/doc#kto-moze-dostac", "t/doc#dokumenty"]
    assert [c.content_hash for c in first] == [c.content_hash for c in again]
    assert first[0].content_hash == edited[0].content_hash
    assert first[1].content_hash != edited[1].content_hash
    retitled = Chunker(COUNT).chunk(document(text, title="Inny tytuł"))
    assert retitled[0].content_hash != first[0].content_hash


def test_repeated_headings_get_distinct_ids() -> None:
    text = "## Uwagi\n\nPierwsza.\n\n## Uwagi\n\nDruga."
    ids = [c.chunk_id for c in Chunker(COUNT).chunk(document(text))]
    assert ids == ["t/doc#uwagi", "t/doc#uwagi~2"]


def test_footnote_markers_and_definitions_are_dropped() -> None:
    text = (
        "##### Art. 5.\n\n1. Kwota wynosi 100 zł.[^12]\n\n[^12]: Zmieniona przez ustawę z 2020 r."
    )
    (chunk,) = Chunker(COUNT).chunk(document(text))
    assert chunk.text == "1. Kwota wynosi 100 zł."


# A real act ships with the tests (acts are not subject to copyright: art. 4 pkt 1 of the
# copyright act), so this runs everywhere instead of skipping without ../shared; its art. 2 is
# long enough to be cut at legal units. The acts in ../shared/legal join when it is there.
LEGAL_FIXTURES = Path(__file__).parent / "data" / "legal"
ACTS = [
    *(pytest.param(p, id=f"tests-{p.name}") for p in sorted(LEGAL_FIXTURES.glob("*.md"))),
    *(pytest.param(p, id=f"shared-{p.name}") for p in sorted(SHARED_LEGAL.glob("*.md"))),
]


def test_the_shipped_act_has_an_article_cut_in_several_chunks() -> None:
    (path,) = LEGAL_FIXTURES.glob("*.md")
    chunks = Chunker(COUNT, target_tokens=250, max_tokens=350).chunk(
        load_document(path, root=LEGAL_FIXTURES)
    )
    per_article = Counter(c.heading_path[1] for c in chunks if len(c.heading_path) > 1)
    assert max(per_article.values()) > 1


@pytest.mark.parametrize("path", ACTS)
def test_real_acts_chunk_into_labelled_articles(path: Path) -> None:
    article_headings = path.read_text(encoding="utf-8").count("\n##### Art. ")
    chunks = Chunker(COUNT, target_tokens=250, max_tokens=350).chunk(
        load_document(path, root=path.parent)
    )
    labelled = {c.heading_path[1] for c in chunks if len(c.heading_path) > 1}
    articles = {lb for lb in labelled if lb.startswith("Art. ")}
    assert len(articles) == article_headings
    assert all(COUNT(embedding_text(c.heading_path, c.text)) <= 350 for c in chunks)
    assert len({c.chunk_id for c in chunks}) == len(chunks)


def test_knowledge_base_chunks_fit() -> None:
    kb = Path(__file__).resolve().parent.parent / "knowledge_base"
    chunker = Chunker(COUNT)
    for path in discover(kb):
        for chunk in chunker.chunk(load_document(path, root=kb, strict=True)):
            assert chunk.heading_path[0] == chunk.meta.title
            assert COUNT(embedding_text(chunk.heading_path, chunk.text)) <= 350

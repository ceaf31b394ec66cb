"""Loaders: each format gives text and metadata; a bad file is a LoadError naming its path."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from ingest.loaders import discover, load_document, split_front_matter
from rag.errors import LoadError
from tests.conftest import FIXTURES, write_docx, write_pdf

REGULATIONS = FIXTURES / "regulations"


def test_front_matter_is_split_and_typed(tmp_path: Path) -> None:
    path = tmp_path / "kb" / "zasilek.md"
    path.parent.mkdir()
    path.write_text(
        "---\ntitle: Zasiłek okresowy\ndoc_type: informacja\ntopics: pomoc_spoleczna\n"
        "audience: [mieszkaniec]\nlegal_basis: [art. 38 ustawy o pomocy społecznej]\n"
        "valid_from: 2025-01-01\nreviewed: 2026-11-22\n---\n# Zasiłek okresowy\n\nTreść.\n",
        encoding="utf-8",
    )
    document = load_document(path, root=path.parent, strict=True)
    assert document.doc_id == "kb/zasilek"
    assert document.meta.topics == ("pomoc_spoleczna",)
    assert document.meta.valid_from == dt.date(2025, 1, 1)
    assert document.text.startswith("# Zasiłek okresowy")


def test_broken_front_matter_names_the_problem() -> None:
    with pytest.raises(ValueError, match="YAML"):
        split_front_matter("---\ntitle: [niezamknięta\n---\ntreść")
    with pytest.raises(ValueError, match="mapping"):
        split_front_matter("---\n- lista\n---\ntreść")


def test_consolidated_act_takes_the_title_of_the_act() -> None:
    document = load_document(REGULATIONS / "uchwala-testowa.md", root=REGULATIONS)
    assert document.meta.title == "Ustawa o przykładowych świadczeniach"
    assert document.doc_id == "regulations/uchwala-testowa"


def test_plain_text_and_html() -> None:
    text = load_document(REGULATIONS / "zarzadzenie.txt", root=REGULATIONS)
    assert "przyjmuje wnioski" in text.text
    html = load_document(REGULATIONS / "komunikat.html", root=REGULATIONS)
    assert html.meta.title == "Komunikat o naborze wniosków"
    assert "## Wymagane dokumenty" in html.text
    assert "var x" not in html.text
    assert "menu" not in html.text


def test_pdf_and_docx(tmp_path: Path) -> None:
    write_pdf(tmp_path / "ogloszenie.pdf", ["Zasilek celowy na opal", "Wnioski do 30 listopada"])
    write_docx(
        tmp_path / "procedura.docx",
        "Procedura przyjęcia wniosku",
        {"Dokumenty": "Dowód osobisty i zaświadczenie o dochodach."},
    )
    pdf = load_document(tmp_path / "ogloszenie.pdf", root=tmp_path)
    assert "Zasilek celowy na opal" in pdf.text
    assert pdf.meta.title == "Ogloszenie"
    docx = load_document(tmp_path / "procedura.docx", root=tmp_path)
    assert docx.meta.title == "Procedura przyjęcia wniosku"
    assert "## Dokumenty" in docx.text
    assert "zaświadczenie o dochodach" in docx.text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("zepsuty.pdf", b"%PDF-1.4 to nie jest pdf", "unreadable PDF"),
        ("zepsuty.docx", b"PK\x03\x04 nie zip", "unreadable DOCX"),
        ("cp1250.txt", "Zasiłek".encode("cp1250"), "not UTF-8"),
        ("pusty.md", b"---\ntitle: Pusty dokument\n---\n   \n", "empty"),
        ("tabela.xlsx", b"x", "unsupported file type"),
    ],
)
def test_bad_files_raise_load_error(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason) as caught:
        load_document(path, root=tmp_path)
    assert caught.value.path == path


def test_discover_skips_hidden_and_readme(tmp_path: Path) -> None:
    shutil.copytree(REGULATIONS, tmp_path / "docs")
    (tmp_path / "docs" / "README.md").write_text("# opis folderu", encoding="utf-8")
    (tmp_path / "docs" / ".ukryty.md").write_text("# ukryty", encoding="utf-8")
    (tmp_path / "docs" / "obraz.png").write_bytes(b"\x89PNG")
    found = [p.name for p in discover(tmp_path / "docs")]
    assert found == ["komunikat.html", "uchwala-testowa.md", "zarzadzenie.txt"]


def test_editorial_notes_are_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "doc.md"
    path.write_text(
        "---\ntitle: Zasiłek\n---\n## Komu\n\nZasiłek dostaje osoba samotna.\n"
        "<!-- Warunki opisuje osobny dokument bazy;\ndo sprawdzenia w 2027. -->\n"
        "Podstawa prawna: art. 37 ustawy.\n",
        encoding="utf-8",
    )
    text = load_document(path, root=tmp_path).text
    assert "osobny dokument" not in text
    assert "do sprawdzenia" not in text
    assert "Zasiłek dostaje osoba samotna." in text
    assert "Podstawa prawna: art. 37 ustawy." in text


@pytest.mark.parametrize(
    ("sentence", "quotable"),
    [
        ("Oba warunki opisują osobne dokumenty bazy.", False),
        ("Opisujemy je w osobnych dokumentach.", False),
        ("Do wniosku dołącz zaświadczenia i inne dokumenty potwierdzające dochód.", True),
        ("Dodatek przyznaje się na 6 miesięcy.", True),
    ],
)
def test_notes_about_the_base_are_never_quoted(sentence: str, quotable: bool) -> None:
    from rag.sentences import is_quotable

    assert is_quotable(sentence) is quotable

"""The knowledge base is data held to a schema: every file loads strictly, cites its basis."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ingest.loaders import discover, load_document
from rag.errors import LoadError

KB = Path(__file__).resolve().parent.parent / "knowledge_base"
FILES = sorted(discover(KB))


def test_knowledge_base_is_large_enough() -> None:
    assert len(FILES) >= 40, f"only {len(FILES)} documents in knowledge_base/"


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(KB).as_posix() for p in FILES])
def test_document_passes_the_schema(path: Path) -> None:
    document = load_document(path, root=KB, strict=True)
    assert path.suffix == ".md"
    assert document.meta.legal_basis, "a document with no legal basis"
    assert all(basis.strip() for basis in document.meta.legal_basis)
    assert document.meta.reviewed <= dt.date.today(), "reviewed in the future"
    if document.meta.valid_to is not None:
        assert document.meta.valid_to > document.meta.valid_from


def test_titles_are_unique() -> None:
    titles = [load_document(p, root=KB, strict=True).meta.title for p in FILES]
    duplicates = {t for t in titles if titles.count(t) > 1}
    assert not duplicates


def test_a_missing_field_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "kb" / "brak-podstawy.md"
    bad.parent.mkdir()
    bad.write_text(
        "---\ntitle: Dokument bez podstawy prawnej\ndoc_type: informacja\n"
        "topics: [pomoc_spoleczna]\naudience: [mieszkaniec]\n"
        "valid_from: 2025-01-01\nreviewed: 2026-11-22\n---\n# Tytuł\n\nTreść.\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError, match="legal_basis"):
        load_document(bad, root=bad.parent, strict=True)


def test_an_unknown_topic_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "kb" / "zly-temat.md"
    bad.parent.mkdir()
    bad.write_text(
        "---\ntitle: Dokument o nieznanym temacie\ndoc_type: informacja\n"
        "topics: [podatki]\naudience: [mieszkaniec]\nlegal_basis: [art. 1 ustawy]\n"
        "valid_from: 2025-01-01\nreviewed: 2026-11-22\n---\n# Tytuł\n\nTreść.\n",
        encoding="utf-8",
    )
    with pytest.raises(LoadError, match="topics"):
        load_document(bad, root=bad.parent, strict=True)

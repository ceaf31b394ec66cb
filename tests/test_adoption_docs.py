"""The adoption documents under docs/ say what the code and the latest evaluation say.

`okienko docs build --check` fails when a committed document differs from what `okienko docs
build` would write: a changed retention, setting default or figure, or a new document count.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.adoption import DOCUMENTS, DocsError, build, records, render, sections
from cli.adoption.records import kept
from cli.adoption.sections import ACCESSIBILITY_RECORD, PII_DETECTORS, load_figures
from cli.main import app
from rag.guards.special_categories import categories
from tests.test_retention_docs import written_keys

ROOT = Path(__file__).resolve().parent.parent


def test_committed_documents_match_the_code() -> None:
    result = CliRunner().invoke(app, ["docs", "build", "--check", "--root", str(ROOT)])
    assert result.exit_code == 0, result.output


def test_check_fails_on_a_stale_value(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    for name in DOCUMENTS:
        (tmp_path / "docs" / name).write_text((ROOT / "docs" / name).read_text("utf-8"))
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "figures.json").write_text(
        (ROOT / "eval" / "figures.json").read_text("utf-8")
    )
    (tmp_path / "knowledge_base").symlink_to(ROOT / "knowledge_base")
    record = tmp_path / ACCESSIBILITY_RECORD
    record.write_text((ROOT / ACCESSIBILITY_RECORD).read_text("utf-8"))
    register = tmp_path / "docs" / "rejestr-czynnosci-przetwarzania.md"
    register.write_text(register.read_text("utf-8").replace("| 30 dni |", "| 90 dni |"))
    assert [o.path.name for o in build(tmp_path, write=False) if o.changed] == [register.name]
    result = CliRunner().invoke(app, ["docs", "build", "--check", "--root", str(tmp_path)])
    assert result.exit_code == 1
    build(tmp_path, write=True)
    assert "| 30 dni |" in register.read_text("utf-8")
    # A new accessibility check (the browser tests' record) makes the statement stale.
    checked = json.loads(record.read_text("utf-8"))
    record.write_text(json.dumps(checked | {"checked_on": "2099-01-31"}), encoding="utf-8")
    statement = tmp_path / "docs" / "deklaracja-dostepnosci.md"
    assert [o.path.name for o in build(tmp_path, write=False) if o.changed] == [statement.name]
    build(tmp_path, write=True)
    assert "Ostatnie sprawdzenie: **2099-01-31**" in statement.read_text("utf-8")


def test_every_key_the_service_writes_is_in_the_register() -> None:
    assert {k.key for k in kept() if k.key} == written_keys()


def test_a_document_must_carry_its_parts_and_name_known_ones() -> None:
    with pytest.raises(DocsError, match="no marker for retention"):
        render("# bez tabel\n", root=ROOT, required=("retention",))
    with pytest.raises(DocsError, match="unknown generated part"):
        render("<!-- generated:nic -->\n<!-- /generated -->\n", root=ROOT)


def test_figures_are_copied_from_the_evaluation_they_name() -> None:
    for figure in load_figures(ROOT).figures:
        source = (ROOT / figure.source).read_text("utf-8")
        for value in (figure.dev, figure.held_out):
            if value is not None and value != "0":
                assert value in source, (figure.measure, value, figure.source)


def test_the_dpia_and_the_information_clause_carry_their_facts() -> None:
    for name in ("ocena-skutkow-dpia.md", "klauzula-informacyjna.md"):
        assert name in DOCUMENTS
        text = (ROOT / "docs" / name).read_text("utf-8")
        for part in DOCUMENTS[name]:
            assert f"<!-- generated:{part} -->\n|" in text, (name, part)
        assert "[do uzupełnienia przez CUS:" in text
    dpia = (ROOT / "docs" / "ocena-skutkow-dpia.md").read_text("utf-8")
    # Every tag the redaction writes is named, so a new detector cannot go unmentioned.
    for detector in PII_DETECTORS:
        assert f"`{detector.tag}`" in dpia
    for category in categories():
        assert f"`{category.tag}`" in dpia
    assert "| `DELETE /v1/handoffs/{handoff_id}` | Usuń prośbę o kontakt | pracownik" in dpia
    assert "| `GET /v1/insight` | Wgląd dla centrum | administrator" in dpia
    assert "| `DELETE /v1/sessions/{session_id}` | Usuń rozmowę | każdy, bez klucza" in dpia


def test_a_changed_retention_or_contact_changes_both_documents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    changed = {"handoff_retention_days": 90, "cus_email": "iod@cus.example.pl"}
    declared = records.default

    def patched(name: str) -> object:
        return changed[name] if name in changed else declared(name)

    committed = {
        name: (ROOT / "docs" / name).read_text("utf-8")
        for name in ("ocena-skutkow-dpia.md", "klauzula-informacyjna.md")
    }
    monkeypatch.setattr(records, "default", patched)
    monkeypatch.setattr(sections, "default", patched)
    dpia = render(committed["ocena-skutkow-dpia.md"], root=ROOT)
    clause = render(committed["klauzula-informacyjna.md"], root=ROOT)
    assert "| `OKIENKO_HANDOFF_RETENTION_DAYS` |" in dpia
    assert "| 90 dni | `OKIENKO_HANDOFF_RETENTION_DAYS` |" in dpia
    assert "| 30 dni | `OKIENKO_HANDOFF_RETENTION_DAYS` |" not in dpia
    assert "wiadomość po redakcji | 90 dni |" in clause
    assert "wiadomość po redakcji | 30 dni |" in committed["klauzula-informacyjna.md"]
    assert "| `OKIENKO_CUS_EMAIL` | iod@cus.example.pl |" in clause
    assert "ustaw `OKIENKO_CUS_EMAIL`" in committed["klauzula-informacyjna.md"]

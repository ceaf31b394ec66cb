"""The adoption documents under docs/ say what the code and the latest evaluation say.

`okienko docs build --check` fails when a committed document differs from what `okienko docs
build` would write: a changed retention, setting default or figure, or a new document count.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.adoption import DOCUMENTS, DocsError, build, render
from api.adoption.records import kept
from api.adoption.sections import load_figures
from api.cli import app
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
    register = tmp_path / "docs" / "rejestr-czynnosci-przetwarzania.md"
    register.write_text(register.read_text("utf-8").replace("| 30 dni |", "| 90 dni |"))
    assert [o.path.name for o in build(tmp_path, write=False) if o.changed] == [register.name]
    result = CliRunner().invoke(app, ["docs", "build", "--check", "--root", str(tmp_path)])
    assert result.exit_code == 1
    build(tmp_path, write=True)
    assert "| 30 dni |" in register.read_text("utf-8")


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

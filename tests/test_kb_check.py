"""`okienko kb check`: broken documents and facts fail it; due and expired documents are listed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli.main import app
from ingest.kb_check import check_knowledge_base

TODAY = dt.date(2026, 12, 6)


def _document(root: Path, name: str, *, reviewed: str, valid_to: str | None = None) -> None:
    lines = [
        "---",
        f"title: Dokument {name}",
        "topics: [pomoc_spoleczna]",
        "audience: [mieszkaniec]",
        "legal_basis: [art. 37 ustawy o pomocy społecznej]",
        "valid_from: 2025-01-01",
        f"reviewed: {reviewed}",
        *([f"valid_to: {valid_to}"] if valid_to else []),
        "---",
        f"# Dokument {name}",
        "",
        "## Ile wynosi zasiłek",
        "",
        "Zasiłek stały wynosi najwyżej 1229 zł miesięcznie (art. 37 ust. 2 ustawy).",
        "",
    ]
    path = root / "pomoc" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def _facts(root: Path, name: str, answer: str, *, valid_to: dt.date | None = None) -> None:
    fact = {
        "id": f"{name}-kwota",
        **({"valid_to": valid_to} if valid_to else {}),
        "section": "Ile wynosi zasiłek",
        "type": "kwota",
        "answer": answer,
        "questions": ["ile wynosi zasilek staly", "jaki jest zasilek staly", "ile dostane stalego"],
        "provision": "art. 37 ust. 2 ustawy o pomocy społecznej",
    }
    path = root / "pomoc" / f"{name}.fakty.yaml"
    path.write_text(yaml.safe_dump({"facts": [fact]}, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    root = tmp_path / "kb"
    _document(root, "swiezy", reviewed="2026-10-01")
    _facts(root, "swiezy", "Zasiłek stały wynosi najwyżej 1229 zł miesięcznie.")
    _document(root, "stary", reviewed="2024-06-01")
    _document(root, "wygasly", reviewed="2026-10-01", valid_to="2025-12-31")
    return root


def test_a_sound_base_passes_and_lists_what_is_due(kb: Path) -> None:
    report = check_knowledge_base(kb, today=TODAY, review_every_days=365)
    assert (report.documents, report.facts, report.broken) == (3, 1, False)
    assert [(d.doc_id.split("/")[-1], d.date) for d in report.review_due] == [
        ("stary", dt.date(2025, 6, 1))
    ]
    assert [d.doc_id.split("/")[-1] for d in report.expired] == ["wygasly"]


def test_a_fact_its_section_does_not_bear_out_and_a_broken_document_fail(kb: Path) -> None:
    _facts(kb, "stary", "Zasiłek stały wynosi najwyżej 1500 zł miesięcznie.")
    (kb / "pomoc" / "zepsuty.md").write_text("---\ntitle: X\n---\n# X\n", encoding="utf-8")
    report = check_knowledge_base(kb, today=TODAY, review_every_days=365)
    assert report.broken
    assert [p.fact_id for p in report.fact_problems] == ["stary-kwota"]
    assert [e.path.name for e in report.load_errors] == ["zepsuty.md"]


def test_the_command_exits_1_only_when_something_would_not_be_served(
    kb: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OKIENKO_KNOWLEDGE_BASE_DIR", str(kb))
    runner = CliRunner()
    sound = runner.invoke(app, ["kb", "check"])
    assert sound.exit_code == 0, sound.output
    assert "Do przeglądu" in sound.output
    assert "Dokumenty: 3, fakty podawane: 1, błędy: 0" in sound.output
    _facts(kb, "swiezy", "Zasiłek stały wynosi najwyżej 999 zł miesięcznie.")
    broken = runner.invoke(app, ["kb", "check"])
    assert broken.exit_code == 1
    assert "Fakt nie podawany" in broken.output


@pytest.mark.parametrize(
    ("valid_to", "expired", "lapsing", "served"),
    [
        (dt.date(2026, 12, 5), ["swiezy-kwota"], [], 0),  # yesterday was its last day
        (dt.date(2026, 12, 6), [], ["swiezy-kwota"], 1),  # today is
        (dt.date(2027, 1, 5), [], ["swiezy-kwota"], 1),  # within the month staff have
        (dt.date(2027, 1, 6), [], [], 1),
    ],
)
def test_a_fact_whose_validity_ends_is_listed_before_residents_lose_it(
    kb: Path, valid_to: dt.date, expired: list[str], lapsing: list[str], served: int
) -> None:
    _facts(kb, "swiezy", "Zasiłek stały wynosi najwyżej 1229 zł miesięcznie.", valid_to=valid_to)
    report = check_knowledge_base(kb, today=TODAY, review_every_days=365)
    assert [f.fact_id for f in report.facts_expired] == expired
    assert [f.fact_id for f in report.facts_lapsing] == lapsing
    assert report.facts == served
    assert not report.broken  # a lapsed amount is news for staff, not a broken base


def test_a_fact_in_an_expired_document_is_listed_once_with_its_document(kb: Path) -> None:
    _facts(kb, "wygasly", "Zasiłek stały wynosi najwyżej 1229 zł miesięcznie.")
    report = check_knowledge_base(kb, today=TODAY, review_every_days=365)
    assert [d.doc_id.split("/")[-1] for d in report.expired] == ["wygasly"]
    assert report.facts_expired == ()


def test_the_command_names_a_fact_about_to_lapse(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKIENKO_KNOWLEDGE_BASE_DIR", str(kb))
    last_day = dt.date.today() + dt.timedelta(days=3)
    _facts(kb, "swiezy", "Zasiłek stały wynosi najwyżej 1229 zł miesięcznie.", valid_to=last_day)
    result = CliRunner().invoke(app, ["kb", "check"])
    assert result.exit_code == 0, result.output
    assert f"Fakt podawany ostatni dzień {last_day}: swiezy-kwota" in result.output
    assert "fakty wygasające: 1." in result.output


def test_a_fact_whose_next_period_is_written_is_not_listed(kb: Path) -> None:
    # The 2026 amount ends on 31 December and the 2027 one starts the next day: nothing to do.
    facts = [
        {
            "id": f"swiezy-kwota-{year}",
            "section": "Ile wynosi zasiłek",
            "type": "kwota",
            "answer": "Zasiłek stały wynosi najwyżej 1229 zł miesięcznie.",
            "questions": ["ile wynosi zasilek staly", "jaki jest zasilek", "ile dostane stalego"],
            "provision": "art. 37 ust. 2 ustawy o pomocy społecznej",
            "valid_from": dt.date(year, 1, 1),
            "valid_to": dt.date(year, 12, 31),
        }
        for year in (2026, 2027)
    ]
    path = kb / "pomoc" / "swiezy.fakty.yaml"
    path.write_text(yaml.safe_dump({"facts": facts}, allow_unicode=True), encoding="utf-8")
    report = check_knowledge_base(kb, today=TODAY, review_every_days=365)
    assert report.facts_lapsing == ()

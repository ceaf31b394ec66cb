"""The `okienko` command line, driven as a person would, with the fake embedder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import FIXTURES

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OKIENKO_EMBEDDING_MODEL", "hash:64")
    monkeypatch.setenv("OKIENKO_DATA_DIR", str(tmp_path / "data"))
    docs = tmp_path / "regulations"
    shutil.copytree(FIXTURES / "regulations", docs)
    return docs


def test_ingest_then_search(env: Path) -> None:
    result = runner.invoke(app, ["ingest", str(env)])
    assert result.exit_code == 0, result.output
    assert "Nowa generacja indeksu" in result.output
    again = runner.invoke(app, ["ingest", str(env), "--verbose"])
    assert again.exit_code == 0
    assert "Bez zmian" in again.output

    found = runner.invoke(app, ["search", "odwołanie do kolegium", "--json", "-k", "2"])
    assert found.exit_code == 0, found.output
    rows = json.loads(found.output)
    assert len(rows) == 2
    assert rows[0]["label"] == "Ustawa o przykładowych świadczeniach › Art. 3"
    assert rows[0]["rank"] == 1

    printed = runner.invoke(app, ["search", "odwołanie do kolegium"])
    assert "Art. 3" in printed.output


def test_dry_run_and_failures_set_the_exit_code(env: Path) -> None:
    dry = runner.invoke(app, ["ingest", str(env), "--dry-run"])
    assert dry.exit_code == 0
    assert "próba" in dry.output
    (env / "zepsuty.pdf").write_bytes(b"%PDF smieci")
    bad = runner.invoke(app, ["ingest", str(env)])
    assert bad.exit_code == 1
    assert "zepsuty.pdf" in bad.output
    assert "Nowa generacja indeksu" in bad.output  # the rest went in


def test_search_before_any_ingest_says_so(env: Path) -> None:  # noqa: ARG001
    result = runner.invoke(app, ["search", "zasiłek"])
    assert result.exit_code == 2
    assert "not ready" in result.output
    assert "Traceback" not in result.output


def test_bad_input_gets_a_clear_message(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ARG001
    assert runner.invoke(app, ["search", "   "]).exit_code == 2
    wrong = runner.invoke(app, ["search", "zasiłek", "--topic", "podatki"])
    assert wrong.exit_code == 2
    assert "podatki" in wrong.output
    monkeypatch.setenv("OKIENKO_TOP_K", "50")
    monkeypatch.setenv("OKIENKO_PREFETCH_K", "10")
    config = runner.invoke(app, ["search", "zasiłek"])
    assert config.exit_code == 2
    assert "OKIENKO_PREFETCH_K" in config.output


def test_an_empty_folder_is_an_error(env: Path, tmp_path: Path) -> None:  # noqa: ARG001
    empty = tmp_path / "pusto"
    empty.mkdir()
    result = runner.invoke(app, ["ingest", str(empty)])
    assert result.exit_code == 1
    assert "Nie znaleziono" in result.output


def test_ask_gives_the_numbers_even_when_there_is_no_index(env: Path) -> None:  # noqa: ARG001
    result = runner.invoke(app, ["ask", "chce sie zabic, nie daje rady"])
    assert result.exit_code == 2
    assert result.output.index("112") < result.output.index("Błąd")  # the numbers first
    assert "116 123" in result.output
    ordinary = runner.invoke(app, ["ask", "ile wynosi zasiłek stały?"])
    assert ordinary.exit_code == 2
    assert "112" not in ordinary.output


def test_eval_crisis_writes_its_report_and_judges_the_lexicon_gates(
    env: Path,  # noqa: ARG001 - the fake embedder and a data folder
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OKIENKO_CACHE_DIR", str(tmp_path / "cache"))
    out = tmp_path / "report"
    result = runner.invoke(app, ["eval", "--suite", "crisis", "--out", str(out), "--gate"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "crisis.json").read_text("utf-8"))
    assert set(summary["detectors"]) == {"lexicon", "classifier", "combined"}
    statuses = {(g["subject"], g["metric"]): g["status"] for g in summary["gates"]}
    assert statuses[("lexicon", "acute_recall")] == "pass"  # model-independent
    assert statuses[("combined", "acute_recall")] == "skipped"  # pinned to the real model
    assert "Pominięte" in (out / "crisis.md").read_text("utf-8")


@pytest.mark.parametrize(
    ("trusted", "headers", "allowed"),
    [(None, False, ""), ('["10.0.0.5", "10.0.0.6"]', True, "10.0.0.5,10.0.0.6")],
)
def test_serve_believes_forwarded_addresses_only_from_named_proxies(
    env: Path,  # noqa: ARG001
    monkeypatch: pytest.MonkeyPatch,
    trusted: str | None,
    headers: bool,
    allowed: str,
) -> None:
    import uvicorn

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda _app, **options: seen.update(options))
    if trusted:
        monkeypatch.setenv("OKIENKO_TRUSTED_PROXIES", trusted)
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is headers
    assert seen["forwarded_allow_ips"] == allowed


def test_ingest_embeds_the_facts_and_names_one_its_section_does_not_bear_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Path(__file__).resolve().parents[1] / "knowledge_base" / "pomoc-spoleczna"
    kb = tmp_path / "knowledge_base"
    (kb / "pomoc-spoleczna").mkdir(parents=True)
    for name in ("zasilek-staly.md", "zasilek-staly.fakty.yaml"):
        shutil.copy(real / name, kb / "pomoc-spoleczna" / name)
    monkeypatch.setenv("OKIENKO_EMBEDDING_MODEL", "hash:64")
    monkeypatch.setenv("OKIENKO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OKIENKO_KNOWLEDGE_BASE_DIR", str(kb))
    good = runner.invoke(app, ["ingest"])
    assert good.exit_code == 0, good.output
    assert "Fakty:" in good.output
    facts = kb / "pomoc-spoleczna" / "zasilek-staly.fakty.yaml"
    text = facts.read_text(encoding="utf-8")
    facts.write_text(text.replace("1 229", "1 999", 1), encoding="utf-8")
    bad = runner.invoke(app, ["ingest"])
    assert bad.exit_code == 1
    assert "Fakt pominięty" in bad.output
    assert "1999" in bad.output

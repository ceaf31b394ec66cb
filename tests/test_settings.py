"""Settings: one object, documented in full, impossible combinations refused at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from rag.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [n for n in Settings.model_fields if f"`OKIENKO_{n.upper()}`" not in readme]
    assert not missing


def test_environment_is_read_with_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKIENKO_TOP_K", "5")
    monkeypatch.setenv("OKIENKO_DATA_DIR", "/tmp/okienko-dane")
    settings = Settings()
    assert settings.top_k == 5
    assert settings.index_dir == Path("/tmp/okienko-dane/index")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OKIENKO_CHUNK_TARGET_TOKENS": "400", "OKIENKO_CHUNK_MAX_TOKENS": "300"}, "TARGET"),
        ({"OKIENKO_TOP_K": "50", "OKIENKO_PREFETCH_K": "10"}, "PREFETCH_K"),
        ({"OKIENKO_QDRANT_API_KEY": "sekret"}, "QDRANT_URL"),
        ({"OKIENKO_EMBEDDING_BACKEND": "tensorflow"}, "embedding_backend"),
    ],
)
def test_impossible_combinations_fail(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], message: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError, match=message):
        Settings()

"""The AI notice (AI Act art. 50): shown before the first question, reworded but never removed.

The widget reads the notice from `GET /v1/config`; until that answers (or when it fails) it shows
its own copy, which must be the settings' default word for word.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.deps import get_settings
from api.routes.handoff import router
from rag.settings import DEFAULT_AI_NOTICE, Settings

WIDGET = Path(__file__).resolve().parent.parent / "api" / "static" / "okienko-widget.js"


def _config(settings: Settings) -> dict[str, object]:
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[get_settings] = lambda: settings
    with TestClient(app) as client:
        body: dict[str, object] = client.get("/v1/config").json()
    return body


def test_the_default_notice_says_what_art_50_and_the_centre_need() -> None:
    notice = DEFAULT_AI_NOTICE.lower()
    assert "sztucznej inteligencji" in notice  # an AI system, not a person
    assert "błędy" in notice  # answers can contain errors
    assert "wiążące" in notice  # the centre's decision binds
    assert "porozmawiać z pracownikiem" in notice  # how to reach a person


def test_the_widget_shows_the_same_notice_before_config_answers() -> None:
    script = WIDGET.read_text("utf-8")
    assert f"notice: '{DEFAULT_AI_NOTICE}'," in script
    # Announced with the dialog, and placed before the intro and the first question.
    assert "'aria-describedby': 'okienko-notice'" in script
    assert "this.#ui.notice, h('p', { text: TEXT.intro })" in script


def test_config_gives_the_widget_the_notice() -> None:
    assert _config(Settings(_env_file=None))["ai_notice"] == DEFAULT_AI_NOTICE
    own = "Asystent AI oparty na sztucznej inteligencji. Może się mylić; decyduje CUS: tel. 123."
    assert _config(Settings(_env_file=None, ai_notice=own))["ai_notice"] == own


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_an_empty_notice_gives_the_default_back(blank: str) -> None:
    assert Settings(_env_file=None, ai_notice=blank).ai_notice == DEFAULT_AI_NOTICE


def test_a_notice_that_no_longer_says_it_is_ai_fails_at_start_up() -> None:
    with pytest.raises(ValidationError, match="OKIENKO_AI_NOTICE"):
        Settings(_env_file=None, ai_notice="Witamy w CUS.")

"""Degrade, never crash: no index yet, Redis down, the chat model down; readiness and metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from rag.chat_model import OpenAIChatModel
from rag.runtime import Runtime
from rag.settings import Settings
from tests.api_support import (
    DEAD_REDIS_URL,
    QUESTION,
    api_settings,
    copy_knowledge_base,
    ingest,
    metric,
    rebuild,
    served_runtime,
)
from tests.openai_server import OpenAIServer


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_knowledge_base(tmp_path_factory.mktemp("api-kb"))


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, rclient: redis.Redis) -> Iterator[Runtime]:
    """A runtime whose conversations would live in a Redis that is not there."""
    root = tmp_path_factory.mktemp("api-resilience")
    with served_runtime(root, rclient, redis_url=DEAD_REDIS_URL) as built:
        yield built


def with_chat_model(runtime: Runtime, settings: Settings) -> Runtime:
    """The same index and store, answering through the chat model `settings` name."""
    return rebuild(runtime, settings=settings, chat_model=OpenAIChatModel(settings))


# --- no index yet ----------------------------------------------------------------------------


def test_the_app_starts_without_an_index_and_serves_once_one_is_built(
    tmp_path: Path, kb: Path, prefix: str
) -> None:
    settings = api_settings(tmp_path / "data")
    with TestClient(create_app(settings, redis_prefix=prefix)) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        refused = client.post("/v1/chat", json={"message": QUESTION})
        assert refused.status_code == 503
        assert refused.json()["error"]["code"] == "index_not_ready"
        assert "przygotowywany" in refused.json()["error"]["message"]
        assert int(refused.headers["retry-after"]) > 0
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {
            "status": "not_ready",
            "index": None,
            "redis": "ok",
            "llm": "extractive",
            "pending_writes": 0,
        }
        stream = client.post("/v1/chat/stream", json={"message": QUESTION})
        assert stream.status_code == 503

        generation = ingest(tmp_path / "data", kb)  # while the API is up
        deadline = time.monotonic() + 15  # the app looks again every few seconds
        while (answer := client.post("/v1/chat", json={"message": QUESTION})).status_code != 200:
            assert answer.status_code == 503
            assert time.monotonic() < deadline, "the index was never picked up"
            time.sleep(0.25)
        assert "6 miesięcy" in answer.json()["answer"]
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ready"
        assert ready.json()["index"] == {
            "generation": generation,
            "chunks": ready.json()["index"]["chunks"],
            "embedding_model": "hash:64",
            "stored_vectors": ready.json()["index"]["stored_vectors"],
        }
        assert ready.json()["index"]["chunks"] > 10
        assert ready.json()["index"]["stored_vectors"] > ready.json()["index"]["chunks"]


# --- Redis down ------------------------------------------------------------------------------


def test_without_redis_answers_still_come_and_readiness_says_degraded(
    runtime: Runtime, prefix: str
) -> None:
    app = create_app(runtime.settings, runtime=runtime, redis_prefix=prefix)
    with TestClient(app) as client:
        first = client.post("/v1/chat", json={"message": QUESTION})
        assert first.status_code == 200
        assert "6 miesięcy" in first.json()["answer"]
        session = first.json()["session_id"]
        follow_up = client.post("/v1/chat", json={"message": QUESTION, "session_id": session})
        assert follow_up.status_code == 200
        events = client.post("/v1/chat/stream", json={"message": QUESTION}).text
        assert "event: done" in events
        # No history without Redis: whether the conversation exists cannot be told now.
        history = client.get(f"/v1/sessions/{session}")
        assert history.status_code == 503
        assert history.json()["error"]["code"] == "storage_unavailable"
        assert int(history.headers["retry-after"]) > 0

        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded"
        assert ready.json()["redis"] == "down"
        assert ready.json()["llm"] == "extractive"

        # Feedback is held in process; a callback cannot be promised, and the resident is told.
        answer_id = first.json()["answer_id"]
        feedback = client.post("/v1/feedback", json={"answer_id": answer_id, "rating": "up"})
        assert feedback.status_code == 202
        handoff = client.post("/v1/handoff", json={"phone": "601 202 303"}).json()
        assert handoff["callback_recorded"] is False
        assert "Nie udało się" in handoff["message"]
        assert "+48 00 111 22 33" in handoff["message"]

        # Erasing cannot be confirmed: the resident is told to try again, not told it is gone.
        erase = client.delete(f"/v1/sessions/{session}")
        assert erase.status_code == 503
        assert erase.json()["error"]["code"] == "erase_failed"
        assert "Nie udało się teraz usunąć rozmowy" in erase.json()["error"]["message"]
        assert int(erase.headers["retry-after"]) > 0


def test_without_redis_configured_readiness_says_so(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(update={"redis_url": None})
    with TestClient(create_app(settings, runtime=runtime)) as client:
        answer = client.post("/v1/chat", json={"message": QUESTION}).json()
        ready = client.get("/readyz").json()
        assert (ready["status"], ready["redis"]) == ("ready", "not_configured")
        feedback = client.post(
            "/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "down"}
        )
        assert feedback.status_code == 202


# --- the chat model --------------------------------------------------------------------------


def test_readiness_reports_a_reachable_chat_model(
    runtime: Runtime, openai_server: OpenAIServer, prefix: str
) -> None:
    settings = runtime.settings.model_copy(
        update={
            "llm_base_url": openai_server.url,
            "redis_url": None,
            "llm_structured_output": False,
        }
    )
    openai_server.script("Dodatek mieszkaniowy przyznaje się na 6 miesięcy [1] [9].")
    app = create_app(settings, runtime=with_chat_model(runtime, settings), redis_prefix=prefix)
    with TestClient(app) as client:
        ready = client.get("/readyz").json()
        assert (ready["status"], ready["llm"]) == ("ready", "ok")
        answer = client.post("/v1/chat", json={"message": QUESTION}).json()
        assert answer["mode"] == "llm"
        assert "[9]" not in answer["answer"]
        exposition = client.get("/metrics").text
        assert metric(exposition, "okienko_citations_removed_total") == 1
        assert metric(exposition, "okienko_answers_total", mode="llm") == 1


def test_a_chat_model_that_is_down_means_degraded_and_extractive_answers(
    runtime: Runtime, prefix: str
) -> None:
    settings = runtime.settings.model_copy(
        update={
            "llm_base_url": "http://127.0.0.1:1/v1",
            "llm_max_retries": 0,
            "llm_timeout_seconds": 2,
            "redis_url": None,
        }
    )
    app = create_app(settings, runtime=with_chat_model(runtime, settings), redis_prefix=prefix)
    with TestClient(app) as client:
        answer = client.post("/v1/chat", json={"message": QUESTION}).json()
        assert answer["mode"] == "extractive"
        assert not answer["refused"]
        ready = client.get("/readyz").json()
        assert (ready["status"], ready["llm"]) == ("degraded", "down")
        exposition = client.get("/metrics").text
        assert metric(exposition, "okienko_llm_fallbacks_total") == 1


# --- metrics ---------------------------------------------------------------------------------


def test_metrics_count_requests_by_route_template_and_refusals(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(update={"redis_url": None})
    first = TestClient(create_app(settings, runtime=runtime))
    second = TestClient(create_app(settings, runtime=runtime))  # its own registry
    session = runtime.assistant.sessions.issue()  # issued: only storage can say it is not there
    with first as client, second:
        client.post("/v1/chat", json={"message": QUESTION})
        client.post("/v1/chat", json={"message": "Jaki jest najlepszy przepis na sernik?"})
        client.post("/v1/chat", json={"message": ""})
        client.get(f"/v1/sessions/{session}")
        client.get("/nie/ma/takiej/strony")
        response = client.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        text = response.text
        requests = "okienko_http_requests_total"
        assert metric(text, requests, route="/v1/chat", method="POST", status="200") == 2
        assert metric(text, requests, route="/v1/chat", method="POST", status="422") == 1
        # This runtime's conversations live in a Redis that is not there: 503, not 404.
        assert (
            metric(text, requests, route="/v1/sessions/{session_id}", method="GET", status="503")
            == 1
        )
        assert metric(text, requests, route="unmatched", method="GET", status="404") == 1
        assert session not in text
        refusals = sum(
            metric(text, "okienko_refusals_total", reason=reason)
            for reason in ("no_support", "out_of_scope")
        )
        assert refusals == 1
        assert metric(text, "okienko_answers_total", mode="extractive") == 2
        count = "okienko_http_request_duration_seconds_count"
        assert metric(text, count, route="/v1/chat", method="POST") == 3
        assert (
            metric(
                second.get("/metrics").text, requests, route="/v1/chat", method="POST", status="200"
            )
            == 0
        )

"""A chat model that misbehaves, on all three chat routes: the extractive answer, never a 500.

The model is a real HTTP server (tests/openai_server.py) that hangs, stalls midway, closes the
connection early, answers 200 with something that is no chat completion, or repeats its prompt.
Every request has half a second of model time (`llm_deadline_seconds`); a person in crisis
still reads the emergency numbers whatever the model does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from rag.chat_model import OpenAIChatModel
from rag.runtime import Runtime
from tests.api_support import QUESTION, parse_sse, rebuild, served_runtime, serving
from tests.openai_server import OpenAIServer, Reply
from tests.test_api_crisis import SUICIDE, has_help

VALID = "Dodatek mieszkaniowy przyznaje się na 6 miesięcy [1]."
# Words a model repeating its prompt would show (the system prompt and the user prompt's frame).
PROMPT_WORDS = ("Jesteś asystentem", "Zasady, których", "<zrodla>", "Pytanie:")
# Each fault, as the model server's answer to every request.
FAULTS = [
    pytest.param(Reply(VALID, delay=3.0), id="hangs"),
    pytest.param(
        Reply(pieces=(VALID, " Wniosek", " składa", " się", " w", " urzędzie"), piece_delay=0.3),
        id="stalls-midway",
    ),
    pytest.param(
        Reply(f"{VALID} Wniosek składa się w urzędzie gminy [1].", drop=True), id="closes-early"
    ),
    pytest.param(Reply(raw="<html><body>502 Bad Gateway</body></html>"), id="html"),
    pytest.param(Reply(raw='{"choices": 7}'), id="wrong-json"),
    pytest.param(Reply(raw=""), id="empty"),
    pytest.param(Reply(echo=True), id="echoes-its-prompt"),
]
ROUTES = ["chat", "stream", "completions", "completions-stream"]


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, rclient: redis.Redis) -> Iterator[Runtime]:
    root = tmp_path_factory.mktemp("api-model-faults")
    with served_runtime(root, rclient, redis_url=None) as built:
        yield built


@contextmanager
def app_over(runtime: Runtime, server: OpenAIServer, *, structured: bool) -> Iterator[TestClient]:
    """The app answering through `server`, with half a second of model time per request."""
    settings = runtime.settings.model_copy(
        update={
            "llm_base_url": server.url,
            "llm_deadline_seconds": 0.5,
            "llm_timeout_seconds": 5.0,  # the deadline, not the timeout, must end the wait
            "llm_max_retries": 2,
            "llm_structured_output": structured,
        }
    )
    model = rebuild(runtime, settings=settings, chat_model=OpenAIChatModel(settings))
    with TestClient(create_app(settings, runtime=model)) as test_client:
        yield test_client


@pytest.fixture
def client(runtime: Runtime, openai_server: OpenAIServer) -> Iterator[TestClient]:
    """The text protocol ("… [1]."), streamed: the one whose text can go out midway."""
    with app_over(runtime, openai_server, structured=False) as test_client:
        yield test_client


def answer_of(client: TestClient, route: str, message: str) -> tuple[str, list[str]]:
    """The final answer a route gave, and every text it streamed (for what must not leak)."""
    if route == "chat":
        response = client.post("/v1/chat", json={"message": message})
        assert response.status_code == 200, response.text
        return response.json()["answer"], []
    if route == "stream":
        response = client.post("/v1/chat/stream", json={"message": message})
        assert response.status_code == 200, response.text
        events = parse_sse(response.text)
        names = [e.name for e in events]
        assert names[-1] == "done", names
        if "error" in names:
            # The model broke off after its text went out: one notice, then the answer only.
            assert names.count("error") == 1
            assert names[names.index("error") :] == ["error", "done"]
            assert events[names.index("error")].data["code"] == "generation_interrupted"
        assert events[-1].data["mode"] == "extractive"
        return events[-1].data["answer"], [e.data.get("text", "") for e in events]
    payload: dict[str, Any] = {"messages": [{"role": "user", "content": message}]}
    if route == "completions":
        response = client.post("/v1/chat/completions", json=payload)
        assert response.status_code == 200, response.text
        return response.json()["choices"][0]["message"]["content"], []
    response = client.post("/v1/chat/completions", json={**payload, "stream": True})
    assert response.status_code == 200, response.text
    assert '"error"' not in response.text
    chunks = [line.removeprefix("data: ") for line in response.text.splitlines() if line]
    assert chunks[-1] == "[DONE]"
    final = json.loads(chunks[-2])
    return final["answer"], chunks[:-2]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("fault", FAULTS)
def test_a_faulty_model_gets_the_extractive_answer(
    client: TestClient, openai_server: OpenAIServer, fault: Reply, route: str
) -> None:
    openai_server.default = fault

    started = time.monotonic()
    answer, streamed = answer_of(client, route, QUESTION)

    assert time.monotonic() - started < 5  # generous: half a second of model time, not minutes
    assert "6 miesięcy" in answer
    for text in [answer, *streamed]:
        assert not any(words in text for words in PROMPT_WORDS), text


@pytest.mark.parametrize("route", ["chat", "stream"])
@pytest.mark.parametrize("fault", FAULTS)
def test_a_faulty_model_asked_for_json_gets_the_extractive_answer(
    runtime: Runtime, openai_server: OpenAIServer, fault: Reply, route: str
) -> None:
    # The default protocol: the answer asked for as JSON sentences (one request, no stream).
    openai_server.default = fault
    with app_over(runtime, openai_server, structured=True) as structured:
        started = time.monotonic()
        answer, streamed = answer_of(structured, route, QUESTION)

    assert time.monotonic() - started < 5
    assert "6 miesięcy" in answer
    assert openai_server.requests[0].get("response_format")  # JSON was asked for
    for text in [answer, *streamed]:
        assert not any(words in text for words in PROMPT_WORDS), text


@pytest.mark.parametrize("fault", FAULTS)
def test_a_faulty_model_asked_for_json_costs_nobody_the_numbers(
    runtime: Runtime, openai_server: OpenAIServer, fault: Reply
) -> None:
    openai_server.default = fault
    with app_over(runtime, openai_server, structured=True) as structured:
        answer, _ = answer_of(structured, "chat", SUICIDE)

    assert has_help(answer)
    assert answer.index("112") < 200


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("fault", FAULTS)
def test_a_faulty_model_costs_nobody_the_numbers(
    client: TestClient, openai_server: OpenAIServer, fault: Reply, route: str
) -> None:
    openai_server.default = fault

    answer, streamed = answer_of(client, route, SUICIDE)

    assert has_help(answer)
    assert answer.index("112") < 200  # the numbers lead
    if route == "stream":
        assert has_help(streamed[0])  # the first event is the block, before the model


def test_a_follow_up_shares_one_deadline_between_rewrite_and_answer(
    client: TestClient, openai_server: OpenAIServer
) -> None:
    openai_server.script(VALID)
    first = client.post("/v1/chat", json={"message": "Kto może dostać dodatek mieszkaniowy?"})
    assert first.json()["mode"] == "llm"
    openai_server.default = Reply("Na jak długo przyznaje się dodatek mieszkaniowy?", delay=3.0)

    started = time.monotonic()
    follow_up = client.post(
        "/v1/chat",
        json={"message": "a na jak dlugo?", "session_id": first.json()["session_id"]},
    )

    assert time.monotonic() - started < 3  # generous: half a second, not two timeouts
    assert follow_up.status_code == 200
    assert follow_up.json()["mode"] == "extractive"
    # The first answer, then the rewrite that used up the deadline; the answer was not asked.
    assert len(openai_server.requests) == 2


def test_a_stream_broken_off_sends_one_error_then_the_extractive_done(
    client: TestClient, openai_server: OpenAIServer
) -> None:
    openai_server.default = Reply(
        f"{VALID} Wniosek składa się w urzędzie gminy [1]. Decyzję wydaje się w miesiąc [1].",
        drop=True,
    )

    events = parse_sse(client.post("/v1/chat/stream", json={"message": QUESTION}).text)

    assert [e.name for e in events] == ["token", "error", "done"]
    assert events[0].data["text"].strip() == VALID  # checked before it went out
    assert events[1].data["code"] == "generation_interrupted"
    assert "zastępuje" in events[1].data["message"]
    assert events[2].data["mode"] == "extractive"
    assert "Wniosek składa się" not in events[2].data["answer"]


# --- a client that leaves ------------------------------------------------------------------


@pytest.fixture
def served_url(runtime: Runtime, openai_server: OpenAIServer) -> Iterator[str]:
    """The app under a real uvicorn server (a client can leave it), with 30 s of model time."""
    settings = runtime.settings.model_copy(
        update={
            "llm_base_url": openai_server.url,
            "llm_deadline_seconds": 30.0,
            "llm_structured_output": False,
        }
    )
    model = rebuild(runtime, settings=settings, chat_model=OpenAIChatModel(settings))
    app = create_app(settings, runtime=model)
    with serving(app, name="okienko-faults-api") as url:
        yield url


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/stream", {"message": QUESTION}),
        (
            "/v1/chat/completions",
            {"stream": True, "messages": [{"role": "user", "content": QUESTION}]},
        ),
    ],
)
def test_a_client_that_leaves_the_stream_ends_the_model_request(
    served_url: str, openai_server: OpenAIServer, path: str, body: dict[str, Any]
) -> None:
    # A valid first sentence (it is streamed), then ten seconds of a sentence without an end.
    pieces = (VALID, " Wniosek", *(f" słowo{n}" for n in range(200)))
    openai_server.script(Reply(pieces=pieces, piece_delay=0.05))

    with (
        httpx.Client(base_url=served_url, timeout=10) as http,
        http.stream("POST", path, json=body) as response,
    ):
        assert response.status_code == 200
        first = next(response.iter_text())
        assert "6 miesięcy" in first or "assistant" in first
    # The connection is closed here, with the model still writing.

    assert openai_server.abandoned.wait(3), "the model kept answering a client that had left"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/stream", {"message": QUESTION}),
        (
            "/v1/chat/completions",
            {"stream": True, "messages": [{"role": "user", "content": QUESTION}]},
        ),
    ],
)
def test_a_client_that_leaves_before_the_first_word_ends_the_model_request(
    served_url: str, openai_server: OpenAIServer, path: str, body: dict[str, Any]
) -> None:
    # Ten seconds of one sentence that cites nothing: nothing of it may be streamed, so the
    # client waits without a byte and gives up.
    pieces = ("Wniosek", *(f" słowo{n}" for n in range(200)))
    openai_server.script(Reply(pieces=pieces, piece_delay=0.05))

    with httpx.Client(base_url=served_url, timeout=0.5) as http, pytest.raises(httpx.ReadTimeout):
        http.post(path, json=body)

    assert openai_server.abandoned.wait(3), "the model kept answering a client that had left"

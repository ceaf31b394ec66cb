"""The OpenAI-compatible facade, driven by the official `openai` client over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from api.schemas import MAX_MESSAGES, MAX_MODEL_NAME
from api.security import key_digest
from rag.answering import Token
from rag.answers import Answer
from rag.runtime import Runtime
from tests.api_support import QUESTION, served_runtime, serving

STAFF_KEY = "klucz-pracownika-openai"
STAFF_QUESTION = "wzór pouczenia o prawie do odwołania od decyzji"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, rclient: redis.Redis) -> Iterator[Runtime]:
    root = tmp_path_factory.mktemp("api-openai")
    with served_runtime(root, rclient, api_key_hashes=[key_digest(STAFF_KEY)]) as built:
        yield built


@pytest.fixture(scope="module")
def base_url(runtime: Runtime, module_prefix: str) -> Iterator[str]:
    """The app under a real uvicorn server on a free port, in a thread."""
    app = create_app(runtime.settings, runtime=runtime, redis_prefix=module_prefix)
    with serving(app, name="okienko-api-test") as url:
        yield f"{url}/v1"


@pytest.fixture
def client(base_url: str) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=base_url, api_key="nie-potrzebny", max_retries=0) as c:
        yield c


def citations_of(model: Any) -> list[dict[str, Any]]:
    extra = model.model_extra or {}
    found: list[dict[str, Any]] = extra["citations"]
    return found


def test_a_completion_carries_the_answer_and_its_citations(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="okienko",
        messages=[
            {"role": "system", "content": "Jesteś pomocnym asystentem."},
            {"role": "user", "content": "Dzień dobry"},
            {"role": "assistant", "content": "Dzień dobry, w czym pomóc?"},
            {"role": "user", "content": QUESTION},
        ],
    )
    assert completion.object == "chat.completion"
    assert completion.model == "okienko"
    (choice,) = completion.choices
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content is not None
    assert "6 miesięcy" in choice.message.content
    citations = citations_of(completion)
    assert citations
    assert {"n", "title", "label", "source", "quote", "valid_from", "provision", "url"} <= set(
        citations[0]
    )
    assert f"[{citations[0]['n']}]" in choice.message.content


def test_a_streamed_completion_carries_the_answer_then_its_citations(
    client: openai.OpenAI,
) -> None:
    messages: list[Any] = [{"role": "user", "content": [{"type": "text", "text": QUESTION}]}]
    chunks = list(client.chat.completions.create(model="okienko", messages=messages, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    assert len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert "6 miesięcy" in text
    assert len(chunks) >= 3  # the role, the text, the end
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    citations = citations_of(chunks[-1])
    assert citations
    assert all(f"[{c['n']}]" in text for c in citations)


def test_staff_audience_needs_a_staff_key(base_url: str) -> None:
    staff = {"X-Okienko-Audience": "urzednik"}
    messages: list[Any] = [{"role": "user", "content": STAFF_QUESTION}]
    with openai.OpenAI(base_url=base_url, api_key="zly-klucz", max_retries=0) as anonymous:
        with pytest.raises(openai.AuthenticationError) as raised:
            anonymous.chat.completions.create(
                model="okienko", messages=messages, extra_headers=staff
            )
        assert raised.value.status_code == 401
        resident = anonymous.chat.completions.create(model="okienko", messages=messages)
    with openai.OpenAI(base_url=base_url, api_key=STAFF_KEY, max_retries=0) as employee:
        answer = employee.chat.completions.create(
            model="okienko", messages=messages, extra_headers=staff
        )
    assert any("dla-pracownikow" in c["source"] for c in citations_of(answer))
    assert all(c["source"] is None for c in citations_of(resident))  # no path for a resident


def test_without_a_user_message_the_request_is_refused(client: openai.OpenAI) -> None:
    with pytest.raises(openai.UnprocessableEntityError) as raised:
        client.chat.completions.create(
            model="okienko", messages=[{"role": "system", "content": "Bez pytania."}]
        )
    body: Any = raised.value.body
    assert body["code"] == "invalid_request"
    assert "wiadomość użytkownika" in body["message"]


def test_the_facade_answers_json_over_test_client(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(update={"redis_url": None})
    with TestClient(create_app(settings, runtime=runtime)) as c:
        response = c.post(
            "/v1/chat/completions",
            json={"model": "x", "messages": [{"role": "user", "content": QUESTION}]},
        )
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"id", "object", "created", "model", "choices", "usage", "citations"}
        assert body["id"].startswith("chatcmpl-")
        bad_audience = c.post(
            "/v1/chat/completions",
            json={"messages": [{"role": "user", "content": QUESTION}]},
            headers={"X-Okienko-Audience": "prezes"},
        )
        assert bad_audience.status_code == 422
        # Bounded, however the body limit is set: the model name is echoed back, and the
        # messages are the client's whole conversation.
        long_chat = [{"role": "user", "content": "a"}] * (MAX_MESSAGES + 1)
        for payload in (
            {"messages": long_chat},
            {"model": "m" * (MAX_MODEL_NAME + 1), "messages": long_chat[:1]},
        ):
            refused = c.post("/v1/chat/completions", json=payload)
            assert refused.status_code == 422
            assert refused.json()["error"]["code"] == "invalid_request"
            assert refused.json()["error"]["message"].startswith("Nie można przyjąć zapytania")


def _stream_payloads(events: list[Token | Answer]) -> list[dict[str, Any]]:
    from api.metrics import Metrics
    from api.routes.completions import _openai_stream

    lines = list(_openai_stream(iter(events), model="okienko", metrics=Metrics()))
    return [json.loads(x[len("data: ") :]) for x in lines if x.startswith("data: {")]


def _final(text: str) -> Answer:
    return Answer(
        answer=text, citations=(), refused=False, reason=None, mode="llm", session_id="s" * 32
    )


def test_a_completion_stream_ends_with_the_authoritative_text() -> None:
    # The final text extends what was streamed (a help line, a notice): the rest is a delta.
    chunks = _stream_payloads(
        [Token("Dodatek na 6 miesięcy [1]."), _final("Dodatek na 6 miesięcy [1].\n\nUwaga.")]
    )
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert content == "Dodatek na 6 miesięcy [1].\n\nUwaga."
    # The model failed midway and the extractive answer replaced its text: the last chunk
    # carries the answer whole, which clients show instead of the deltas.
    chunks = _stream_payloads(
        [Token("Dodatek na 6"), _final("Dodatek mieszkaniowy – 6 miesięcy [1].")]
    )
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["answer"] == "Dodatek mieszkaniowy – 6 miesięcy [1]."

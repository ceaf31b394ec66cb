"""A person in danger gets the numbers whatever else fails: no index, Redis down, a broken model,
the rate limit, a bad request, an unexpected error; in JSON, in the stream and in the facade.

The test app runs on the hash fake, so the lexicon alone assesses: every message here is one it
knows. (The classifier's recall is the crisis suite's business.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from rag.chat_model import OpenAIChatModel
from rag.runtime import Runtime
from tests.api_support import (
    DEAD_REDIS_URL,
    QUESTION,
    api_settings,
    parse_sse,
    rebuild,
    served_runtime,
)
from tests.openai_server import OpenAIServer, Reply

SUICIDE = "nie mam juz sily, chce sie zabic dzisiaj"
VIOLENCE = "Partner grozi, że mnie zabije nożem, co mam robić?"
HELPLINES = ("112", "116 123", "800 70 2222")


def has_help(text: str, *numbers: str) -> bool:
    return all(n in text for n in (numbers or HELPLINES))


def assert_crisis_error(body: dict[str, Any], *numbers: str) -> None:
    assert has_help(body["error"]["message"], *numbers), body
    assert body["error"]["message"].index("112") < 200  # the numbers come first
    assert body["crisis"]["level"] == "acute"
    assert has_help(body["crisis"]["help"], *numbers)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, rclient: redis.Redis) -> Iterator[Runtime]:
    root = tmp_path_factory.mktemp("api-crisis")
    with served_runtime(root, rclient) as built:
        yield built


# --- no index ------------------------------------------------------------------------------


def test_without_an_index_every_route_still_gives_the_numbers(tmp_path: Path, prefix: str) -> None:
    settings = api_settings(tmp_path / "data")
    with TestClient(create_app(settings, redis_prefix=prefix)) as client:
        chat = client.post("/v1/chat", json={"message": SUICIDE})
        assert chat.status_code == 503
        assert_crisis_error(chat.json())
        assert "przygotowywany" in chat.json()["error"]["message"]

        stream = client.post("/v1/chat/stream", json={"message": SUICIDE})
        assert stream.status_code == 503
        assert_crisis_error(stream.json())

        facade = client.post(
            "/v1/chat/completions", json={"messages": [{"role": "user", "content": VIOLENCE}]}
        )
        assert facade.status_code == 503
        assert_crisis_error(facade.json(), "112", "800 120 002")

        ordinary = client.post("/v1/chat", json={"message": QUESTION})
        assert ordinary.status_code == 503
        assert "crisis" not in ordinary.json()
        assert "112" not in ordinary.json()["error"]["message"]


# --- the rate limit and bad requests -------------------------------------------------------


def test_a_rate_limited_person_in_danger_still_gets_the_numbers(
    runtime: Runtime, prefix: str
) -> None:
    settings = runtime.settings.model_copy(update={"rate_limit_per_minute": 1})
    with TestClient(create_app(settings, runtime=runtime, redis_prefix=prefix)) as client:
        assert client.post("/v1/chat", json={"message": QUESTION}).status_code == 200
        limited = client.post("/v1/chat", json={"message": SUICIDE})
        assert limited.status_code == 429
        assert_crisis_error(limited.json())
        assert "Odczekaj" in limited.json()["error"]["message"]
        plain = client.post("/v1/chat", json={"message": QUESTION})
        assert plain.status_code == 429
        assert "crisis" not in plain.json()


def test_a_message_too_long_to_answer_is_still_read_for_danger(runtime: Runtime) -> None:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        long = client.post("/v1/chat", json={"message": SUICIDE + " ." * 1200})
        assert long.status_code == 422
        assert_crisis_error(long.json())


# --- answers -------------------------------------------------------------------------------


def test_an_acute_answer_leads_with_the_numbers_and_reports_its_level(runtime: Runtime) -> None:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        body = client.post("/v1/chat", json={"message": VIOLENCE}).json()
        assert body["answer"].index("112") < 120
        assert "800 120 002" in body["answer"]
        assert body["crisis"] == {"level": "acute", "kinds": ["violence"]}
        ordinary = client.post("/v1/chat", json={"message": QUESTION}).json()
        assert ordinary["crisis"] == {"level": "none", "kinds": []}


def test_a_concern_gets_the_answer_and_one_line_of_helplines(runtime: Runtime) -> None:
    message = "nie mam już siły, na jak długo przyznaje się dodatek mieszkaniowy?"
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        body = client.post("/v1/chat", json={"message": message}).json()
    assert body["crisis"]["level"] == "concern"
    assert not body["answer"].startswith("Jeśli myślisz")  # no emergency block first
    last = body["answer"].strip().splitlines()[-1]
    assert "116 123" in last


def test_the_conversation_counts(runtime: Runtime) -> None:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        first = client.post("/v1/chat", json={"message": "nie mam już siły do tego wszystkiego"})
        assert first.json()["crisis"]["level"] == "concern"
        session = first.json()["session_id"]
        second = client.post(
            "/v1/chat", json={"message": "chyba zrobię to dziś", "session_id": session}
        ).json()
        assert second["crisis"]["level"] == "acute"
        assert has_help(second["answer"])
        alone = client.post("/v1/chat", json={"message": "chyba zrobię to dziś"}).json()
        assert alone["crisis"]["level"] != "acute"


def test_with_redis_down_the_numbers_still_lead(
    tmp_path_factory: pytest.TempPathFactory, rclient: redis.Redis
) -> None:
    root = tmp_path_factory.mktemp("api-crisis-no-redis")
    with (
        served_runtime(root, rclient, redis_url=DEAD_REDIS_URL) as runtime,
        TestClient(create_app(runtime.settings, runtime=runtime)) as client,
    ):
        body = client.post("/v1/chat", json={"message": SUICIDE})
        assert body.status_code == 200
        assert body.json()["answer"].index("112") < 120
        assert has_help(body.json()["answer"])
        events = parse_sse(client.post("/v1/chat/stream", json={"message": SUICIDE}).text)
        assert has_help(events[0].data["text"])  # the first token is the block
        assert has_help(events[-1].data["answer"])


@pytest.mark.parametrize("raw", ["<html><body>502 Bad Gateway</body></html>", '{"choices": 7}', ""])
def test_a_model_answering_garbage_costs_nobody_the_numbers(
    runtime: Runtime, openai_server: OpenAIServer, raw: str
) -> None:
    settings = runtime.settings.model_copy(
        update={
            "llm_base_url": openai_server.url,
            "llm_max_retries": 0,
            "llm_structured_output": False,
        }
    )
    broken = rebuild(runtime, settings=settings, chat_model=OpenAIChatModel(settings))
    with TestClient(create_app(settings, runtime=broken)) as client:
        openai_server.script(Reply(raw=raw))
        chat = client.post("/v1/chat", json={"message": SUICIDE})
        assert chat.status_code == 200, chat.text
        assert has_help(chat.json()["answer"])
        openai_server.script(Reply(raw=raw))
        events = parse_sse(client.post("/v1/chat/stream", json={"message": SUICIDE}).text)
        assert events[-1].name == "done"
        assert has_help(events[-1].data["answer"])
        openai_server.script(Reply(raw=raw))
        ordinary = client.post("/v1/chat", json={"message": QUESTION})
        assert ordinary.status_code == 200  # a fallback, not a 500, for everyone


# --- an unexpected error -------------------------------------------------------------------


class _Boom(RuntimeError):
    pass


def test_an_unexpected_error_still_carries_the_numbers(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object, **__: object) -> None:
        raise _Boom("something nobody expected")

    broken = rebuild(runtime)
    monkeypatch.setattr(broken.assistant, "_standalone", explode)
    app = create_app(runtime.settings, runtime=broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        chat = client.post("/v1/chat", json={"message": SUICIDE})
        assert chat.status_code == 500
        assert_crisis_error(chat.json())

        events = parse_sse(client.post("/v1/chat/stream", json={"message": SUICIDE}).text)
        assert has_help(events[0].data["text"])  # the block went out before the failure
        assert events[-1].name == "error"
        assert has_help(events[-1].data["message"])

        facade = client.post(
            "/v1/chat/completions",
            json={"stream": True, "messages": [{"role": "user", "content": SUICIDE}]},
        )
        assert has_help(facade.text)
        assert "internal_error" in facade.text


def test_distress_the_base_does_not_answer_gets_the_crisis_documents(runtime: Runtime) -> None:
    message = "nie mam już siły, płaczę codziennie, muszę z kimś porozmawiać"
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        body = client.post("/v1/chat", json={"message": message}).json()
    assert body["crisis"]["level"] == "concern"
    assert not body["refused"], body["answer"]
    assert "Nie znalazłem" not in body["answer"]
    assert body["citations"]
    assert all(c["source"] is None for c in body["citations"])  # no file path for a resident
    assert {c["title"] for c in body["citations"]} <= _crisis_titles()
    assert "116 123" in body["answer"]


def test_a_damaged_crisis_label_in_history_costs_nothing(runtime: Runtime) -> None:
    from rag.conversation import Turn

    session = runtime.assistant.sessions.issue()
    runtime.conversations.append(
        session,
        Turn(role="user", text="mąż mnie bije", at=0.0, crisis="bardzo", crisis_kinds=("x",)),
    )
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        body = client.post("/v1/chat", json={"message": QUESTION, "session_id": session})
    assert body.status_code == 200
    assert body.json()["crisis"]["level"] == "none"


def test_an_oversized_body_is_refused_before_it_is_read(runtime: Runtime) -> None:
    with TestClient(create_app(runtime.settings, runtime=runtime)) as client:
        huge = b'{"message": "' + b"a" * 200_000 + b'"}'
        declared = client.post(
            "/v1/chat", content=huge, headers={"Content-Type": "application/json"}
        )
        assert declared.status_code == 413
        assert declared.json()["error"]["code"] == "too_large"

        def chunks() -> Iterator[bytes]:
            yield b'{"messages": ['
            for _ in range(3_000):
                yield b'{"role": "user", "content": "' + b"b" * 100 + b'"},'
            yield b'{"role": "user", "content": "x"}]}'

        chunked = client.post(
            "/v1/chat/completions", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert chunked.status_code == 413
        assert "za duże" in chunked.json()["error"]["message"]
        assert client.post("/v1/chat", json={"message": QUESTION}).status_code == 200


def _crisis_titles() -> set[str]:
    """Titles of the knowledge base's crisis documents (a resident sees titles, not paths)."""
    from ingest.loaders import discover, load_document

    root = Path(__file__).resolve().parents[1] / "knowledge_base"
    return {load_document(p, root=root).meta.title for p in discover(root / "kryzys")}


def test_after_the_numbers_only_documents_for_that_danger_are_quoted(runtime: Runtime) -> None:
    from ingest.loaders import discover, load_document

    root = Path(__file__).resolve().parents[1] / "knowledge_base"
    for_violence = {
        d.meta.title
        for d in (load_document(p, root=root) for p in discover(root / "kryzys"))
        if not d.meta.crisis_kinds or "violence" in d.meta.crisis_kinds
    }
    message = "mąż mnie bije i zamknął mnie w mieszkaniu, boję się że zrobi mi krzywdę"
    answer = runtime.assistant.ask(message)
    assert answer.crisis_level == "acute"
    assert "violence" in answer.crisis_kinds
    assert answer.citations
    assert {c.title for c in answer.citations} <= for_violence  # no frost or fire page


def test_crisis_passages_of_another_danger_are_left_out() -> None:
    from rag.answering.pipeline import for_kinds
    from rag.documents import Chunk, DocumentMeta, ScoredChunk

    def hit(name: str, kinds: tuple[str, ...]) -> ScoredChunk:
        meta = DocumentMeta.model_validate({"title": name, "crisis_kinds": kinds})
        chunk = Chunk(name, name, f"kb/{name}.md", "x", (name,), meta, 0)
        return ScoredChunk(chunk, 1.0, 1)

    hits = [hit("mroz", ("frost",)), hit("telefony", ()), hit("przemoc", ("violence", "child"))]
    kept = [h.chunk.doc_id for h in for_kinds(hits, ("violence",))]
    assert kept == ["telefony", "przemoc"]
    assert [h.chunk.doc_id for h in for_kinds(hits, ("frost",))] == ["mroz", "telefony"]

"""Redis shared and Redis lost: key prefixes, writes held through an outage, erasing a conversation.

Against the real test Redis, and for the outage a URL on a port where nothing listens (and then,
where `redis-server` is installed, a Redis started on that port: the outage ends).
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from api.feedback import FeedbackStore, export
from api.ratelimit import RateLimiter
from rag.conversation import HistoryUnavailable, RedisConversationStore, open_conversation_store
from rag.redis_link import RedisLink
from rag.runtime import Runtime
from rag.settings import Settings
from tests.api_support import (
    QUESTION,
    REDIS_URL,
    Cable,
    api_settings,
    copy_knowledge_base,
    drop_keys,
    free_port,
    ingest,
    metric,
    new_prefix,
    rebuild,
    served_runtime,
)

PHONE = "+48 601 202 303"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, rclient: redis.Redis) -> Iterator[Runtime]:
    with served_runtime(tmp_path_factory.mktemp("api-redis"), rclient) as built:
        yield built


def deployment(runtime: Runtime, **settings: object) -> FastAPI:
    """An app whose conversations, like everything else, follow `settings` (its own prefix)."""
    own = runtime.settings.model_copy(update=settings)
    return create_app(
        own, runtime=rebuild(runtime, settings=own, conversations=open_conversation_store(own))
    )


def exported(url: str | None, prefix: str) -> list[dict[str, object]]:
    """What `okienko feedback export` would write for the deployment under `prefix`."""
    out = io.StringIO()
    export(
        FeedbackStore(RedisLink.from_url(url, prefix=prefix), max_entries=100).entries(),
        out,
        fmt="jsonl",
    )
    return [json.loads(line) for line in out.getvalue().splitlines()]


def rate(client: TestClient, answer_id: str, comment: str = "") -> int:
    body = {"answer_id": answer_id, "rating": "up", "comment": comment}
    return client.post("/v1/feedback", json=body).status_code


# --- two deployments, one Redis ------------------------------------------------------------------


def test_deployments_with_different_prefixes_do_not_see_each_other(
    runtime: Runtime, rclient: redis.Redis, prefix: str
) -> None:
    other = new_prefix()
    try:
        with (
            TestClient(deployment(runtime, redis_prefix=prefix)) as first,
            TestClient(deployment(runtime, redis_prefix=other)) as second,
        ):
            answer = first.post("/v1/chat", json={"message": QUESTION}).json()
            session, answer_id = answer["session_id"], answer["answer_id"]
            assert rate(first, answer_id, "dziękuję") == 202
            handoff = first.post("/v1/handoff", json={"session_id": session, "phone": PHONE})
            assert handoff.json()["callback_recorded"] is True

            assert first.get(f"/v1/sessions/{session}").status_code == 200
            assert second.get(f"/v1/sessions/{session}").status_code == 404
            assert rate(second, answer_id) == 404  # its answer records are not the other's
            assert second.delete(f"/v1/sessions/{session}").status_code == 204
            assert first.get(f"/v1/sessions/{session}").status_code == 200  # untouched

        assert [e["answer_id"] for e in exported(REDIS_URL, prefix)] == [answer_id]
        assert exported(REDIS_URL, other) == []
        assert rclient.zcard(prefix + "handoffs") == 1
        assert rclient.zcard(other + "handoffs") == 0
        # Every key that names this conversation or answer is under the first prefix.
        for name in (session, answer_id):
            keys = [k.decode() for k in rclient.scan_iter(match=f"*{name}*")]
            assert keys
            assert all(k.startswith(prefix) for k in keys), keys
        assert any(k.startswith(other.encode()) for k in rclient.scan_iter(match=other + "*"))
    finally:
        drop_keys(rclient, other + "*")


# --- one link for the whole process -----------------------------------------------------------


def test_the_app_keeps_conversations_on_its_one_redis_link(
    tmp_path: Path, rclient: redis.Redis, prefix: str
) -> None:
    ingest(tmp_path / "data", copy_knowledge_base(tmp_path / "kb"))
    app = create_app(api_settings(tmp_path / "data"), redis_prefix=prefix)
    with TestClient(app) as client:
        session = client.post("/v1/chat", json={"message": QUESTION}).json()["session_id"]
        state = app.state.okienko
        assert state.answering.get().redis is state.redis  # the runtime the lifespan built
        assert rclient.llen(f"{prefix}session:{session}") == 2  # under the app's prefix


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_failure_either_sees_pauses_the_other(
    cable: Cable, rclient: redis.Redis, prefix: str
) -> None:
    clock = Clock()
    link = RedisLink(cable.client, prefix=prefix, retry_after_seconds=5, clock=clock)
    conversations = RedisConversationStore(link, ttl_seconds=60, max_turns=10)
    limiter = RateLimiter(link, per_client=100, per_session=100, clock=lambda: 60.0 * 1_000_000)
    counts = prefix + "ratelimit:*"

    cable.pull()
    assert conversations.history("sesja-wspolna-1") == []  # the conversations see it fail
    cable.plug()
    limiter.check("client", "10.0.0.1")
    assert list(rclient.scan_iter(match=counts)) == []  # counted in process: Redis not asked
    clock.now += 6  # the pause is over
    limiter.check("client", "10.0.0.1")
    assert len(list(rclient.scan_iter(match=counts))) == 1

    cable.pull()
    limiter.check("client", "10.0.0.1")  # now the rate limit sees it fail
    cable.plug()
    with pytest.raises(HistoryUnavailable, match="failed recently"):  # not asked either
        conversations.history("sesja-wspolna-1", strict=True)


# --- erasing a conversation ------------------------------------------------------------------


def test_erasing_a_conversation_erases_its_answer_records_and_feedback(
    runtime: Runtime, rclient: redis.Redis, prefix: str
) -> None:
    with TestClient(deployment(runtime, redis_prefix=prefix)) as client:
        first = client.post("/v1/chat", json={"message": QUESTION}).json()
        session = first["session_id"]
        follow = {"message": "A jakie dokumenty trzeba dołączyć?", "session_id": session}
        second = client.post("/v1/chat", json=follow).json()
        kept = client.post("/v1/chat", json={"message": QUESTION}).json()  # someone else
        assert rate(client, first["answer_id"], "Mieszkam przy ul. Długiej 5") == 202
        assert rate(client, second["answer_id"]) == 202
        assert rate(client, kept["answer_id"], "pomocne") == 202
        client.post("/v1/handoff", json={"session_id": session, "phone": PHONE})
        assert rclient.xlen(prefix + "feedback") == 3
        assert rclient.zcard(prefix + "handoffs") == 1

        assert client.delete(f"/v1/sessions/{session}").status_code == 204

        assert client.get(f"/v1/sessions/{session}").status_code == 404
        for answer in (first, second):
            assert rclient.exists(f"{prefix}answer:{answer['answer_id']}") == 0
            assert rate(client, answer["answer_id"]) == 404  # nothing left to rate
        # Only the minute's rate-limit count is left (erasing must not reset a limit).
        left = [k.decode() for k in rclient.scan_iter(match=f"*{session}*")]
        assert [k for k in left if ":ratelimit:" not in k] == []
        (entry,) = exported(REDIS_URL, prefix)
        assert (entry["session_id"], entry["comment"]) == (kept["session_id"], "pomocne")
        assert rate(client, kept["answer_id"]) == 202  # the other conversation is untouched
        # The callback request made in the conversation goes with it.
        assert rclient.zcard(prefix + "handoffs") == 0
        assert client.delete(f"/v1/sessions/{session}").status_code == 204  # again: still fine


def test_erasing_without_redis_erases_what_the_process_holds(runtime: Runtime) -> None:
    app = deployment(runtime, redis_url=None)
    with TestClient(app) as client:
        answer = client.post("/v1/chat", json={"message": QUESTION}).json()
        other = client.post("/v1/chat", json={"message": QUESTION}).json()
        assert rate(client, answer["answer_id"], "komentarz do usunięcia") == 202
        assert rate(client, other["answer_id"]) == 202
        assert client.delete(f"/v1/sessions/{answer['session_id']}").status_code == 204
        assert client.get(f"/v1/sessions/{answer['session_id']}").status_code == 404
        assert rate(client, answer["answer_id"]) == 404
        store: FeedbackStore = app.state.okienko.feedback
        assert [e.session_id for e in store.entries()] == [other["session_id"]]


# --- Redis refusing connections, then back ---------------------------------------------------


def test_while_redis_refuses_feedback_and_callbacks_are_held_counted_and_logged(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    app = deployment(runtime, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.INFO), TestClient(app) as client:
        answer = client.post("/v1/chat", json={"message": QUESTION}).json()
        assert rate(client, answer["answer_id"], "przydatne") == 202
        handoff = client.post("/v1/handoff", json={"phone": PHONE, "name": "Jan Próbny"})
        assert handoff.status_code == 200
        body = handoff.json()
        assert body["callback_recorded"] is False
        assert "Nie udało się teraz przekazać" in body["message"]
        assert "Zachowaliśmy ją" in body["message"]
        assert "+48 00 111 22 33" in body["message"]  # the centre's own contact, to call now

        ready = client.get("/readyz").json()
        assert (ready["status"], ready["redis"], ready["pending_writes"]) == ("degraded", "down", 2)
        text = client.get("/metrics").text
        assert metric(text, "okienko_redis_writes_held_total", kind="feedback") == 1
        assert metric(text, "okienko_redis_writes_held_total", kind="callback") == 1
        assert metric(text, "okienko_redis_writes_pending") == 2
    # Stopping with Redis still gone: what was held is counted and logged as lost.
    lost = app.state.okienko.metrics.exposition().decode()
    assert metric(lost, "okienko_redis_writes_lost_total", kind="feedback") == 1
    assert metric(lost, "okienko_redis_writes_lost_total", kind="callback") == 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("holding writes in process" in m for m in messages)
    assert any("1 callback, 1 feedback lost" in m for m in messages)
    assert "601 202 303" not in caplog.text  # the contact data never reaches the log
    assert "Próbny" not in caplog.text


class LateRedis:
    """A port where no Redis runs until `start()` runs one there (a throwaway, in memory)."""

    def __init__(self) -> None:
        self.url = f"redis://127.0.0.1:{free_port()}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> redis.Redis:
        port = self.url.rsplit(":", 1)[1].split("/")[0]
        command = ["redis-server", "--port", port, "--bind", "127.0.0.1", "--save", ""]
        self.process = subprocess.Popen([*command, "--appendonly", "no"], stdout=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
            else:
                return client


@pytest.fixture
def late_redis() -> Iterator[LateRedis]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed: Redis cannot come back mid-test")
    server = LateRedis()
    yield server
    if server.process is not None:
        server.process.terminate()
        server.process.wait(timeout=10)


def test_held_writes_reach_redis_once_it_answers_again(
    runtime: Runtime, late_redis: LateRedis
) -> None:
    url, prefix = late_redis.url, new_prefix()
    with TestClient(deployment(runtime, redis_url=url, redis_prefix=prefix)) as client:
        answer = client.post("/v1/chat", json={"message": QUESTION}).json()
        assert rate(client, answer["answer_id"], "przydatne") == 202
        client.post("/v1/handoff", json={"session_id": answer["session_id"], "phone": PHONE})
        assert client.get("/readyz").json()["pending_writes"] == 2

        back = late_redis.start()
        deadline = time.monotonic() + 10
        while (ready := client.get("/readyz").json())["pending_writes"]:
            assert time.monotonic() < deadline, ready
            time.sleep(0.1)
        assert (ready["status"], ready["redis"]) == ("ready", "ok")
        (entry,) = exported(url, prefix)
        assert (entry["answer_id"], entry["comment"]) == (answer["answer_id"], "przydatne")
        (handoff_id,) = back.zrange(prefix + "handoffs", 0, -1)
        key = f"{prefix}handoff:{handoff_id.decode()}"
        assert back.hget(key, "phone") == PHONE.encode()
        assert 0 < back.ttl(key) <= 30 * 86400  # replayed with the expiry it would have had
        text = client.get("/metrics").text
        assert metric(text, "okienko_redis_writes_flushed_total", kind="feedback") == 1
        assert metric(text, "okienko_redis_writes_flushed_total", kind="callback") == 1
        assert metric(text, "okienko_redis_writes_lost_total", kind="feedback") == 0
        # Replayed feedback and callbacks are linked to their conversation like any other:
        # erasing reaches them.
        assert client.delete(f"/v1/sessions/{answer['session_id']}").status_code == 204
        assert exported(url, prefix) == []
        assert back.exists(key) == 0
        back.close()


def test_with_redis_gone_what_it_holds_is_503_not_404_and_answers_go_on(
    runtime: Runtime, late_redis: LateRedis
) -> None:
    url, prefix = late_redis.url, new_prefix()
    back = late_redis.start()
    with TestClient(deployment(runtime, redis_url=url, redis_prefix=prefix)) as client:
        answer = client.post("/v1/chat", json={"message": QUESTION}).json()
        session = answer["session_id"]
        assert client.get(f"/v1/sessions/{session}").status_code == 200
        assert back.exists(f"{prefix}answer:{answer['answer_id']}") == 1
        back.close()
        assert late_redis.process is not None
        late_redis.process.terminate()
        late_redis.process.wait(timeout=10)

        # The conversation and the answer's record are in a Redis that does not answer: they
        # may well exist, so "not found" would be a lie.
        for response in (
            client.get(f"/v1/sessions/{session}"),
            client.post("/v1/feedback", json={"answer_id": answer["answer_id"], "rating": "up"}),
            client.delete(f"/v1/sessions/{session}"),
        ):
            assert response.status_code == 503, response.text
            assert int(response.headers["retry-after"]) > 0
        # An answer never given is still unknown only "for now".
        unknown = client.post("/v1/feedback", json={"answer_id": "b" * 32, "rating": "up"})
        assert unknown.status_code == 503

        # Answering does not need Redis; a person in danger gets the numbers first.
        again = client.post("/v1/chat", json={"message": QUESTION, "session_id": session})
        assert again.status_code == 200
        crisis = client.post("/v1/chat", json={"message": "nie mam juz sily, chce sie zabic"})
        assert crisis.status_code == 200
        assert crisis.json()["answer"].index("112") < 200
        # And feedback on an answer given while Redis was gone is kept (its record is here).
        rated = client.post(
            "/v1/feedback", json={"answer_id": again.json()["answer_id"], "rating": "up"}
        )
        assert rated.status_code == 202


@pytest.mark.parametrize("bad", ["", "okienko*", "dwa slowa:", "ą:", "x" * 65])
def test_a_prefix_that_is_not_plain_stops_start_up(bad: str) -> None:
    # Glob characters would make a prefix match other deployments' keys in SCAN patterns.
    with pytest.raises(ValidationError, match="redis_prefix"):
        Settings(_env_file=None, redis_prefix=bad)

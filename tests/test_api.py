"""The HTTP API against real Redis: chat, streaming, sessions, feedback, handoff, config, errors."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

import api.routes.static
from api.app import create_app
from api.feedback import FeedbackStore, export
from api.schemas import ConfigOut
from cli.main import app as cli
from rag.conversation import Turn
from rag.redis_link import RedisLink
from rag.runtime import Runtime
from rag.sessions import logged
from rag.settings import Settings
from tests.api_support import (
    EMBEDDER,
    QUESTION,
    REDIS_URL,
    free_port,
    parse_sse,
    rebuild,
    served_runtime,
)

CHAT_KEYS = {
    "answer",
    "direct_answer",
    "citations",
    "refused",
    "reason",
    "mode",
    "session_id",
    "answer_id",
    "crisis",
    "suggestions",
}
CITATION_KEYS = {
    "n",
    "title",
    "label",
    "source",
    "quote",
    "valid_from",
    "provision",
    "url",
    "reviewed",
    "section",
}
POLISH = re.compile(r"[ąćęłńóśźż]", re.IGNORECASE)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, rclient: redis.Redis) -> Iterator[Runtime]:
    with served_runtime(tmp_path_factory.mktemp("api"), rclient) as built:
        yield built


@pytest.fixture
def client(runtime: Runtime, prefix: str) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime, redis_prefix=prefix)) as c:
        yield c


def assert_error(response: object, status: int, code: str) -> str:
    assert getattr(response, "status_code", None) == status
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    message: str = body["error"]["message"]
    assert POLISH.search(message), message  # written for residents, in Polish
    assert "Traceback" not in message
    return message


# --- /v1/chat --------------------------------------------------------------------------------


def test_chat_answers_with_citations_and_an_answer_id(client: TestClient) -> None:
    response = client.post("/v1/chat", json={"message": f"  {QUESTION}  "})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CHAT_KEYS
    assert body["refused"] is False
    assert body["reason"] is None
    assert body["mode"] == "extractive"
    assert "6 miesięcy" in body["answer"]
    assert body["citations"]
    for citation in body["citations"]:
        assert set(citation) == CITATION_KEYS
        assert f"[{citation['n']}]" in body["answer"]
        dt.date.fromisoformat(citation["valid_from"])
    assert re.fullmatch(r"[0-9a-f]{32}", body["answer_id"])
    assert re.fullmatch(r"[0-9a-f]{64}", body["session_id"])
    again = client.post("/v1/chat", json={"message": QUESTION}).json()
    assert again["answer_id"] != body["answer_id"]
    assert again["session_id"] != body["session_id"]


def test_an_out_of_scope_question_is_refused_with_the_contact(client: TestClient) -> None:
    body = client.post(
        "/v1/chat", json={"message": "Na kogo głosować w najbliższych wyborach prezydenckich?"}
    ).json()
    assert body["refused"] is True
    assert body["reason"] == "out_of_scope"
    assert body["citations"] == []
    assert "+48 00 111 22 33" in body["answer"]


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"message": "   "}, "pytanie nie może być puste"),
        ({"message": "a" * 2001}, "najwyżej 2000 znaków"),
        ({}, "brakuje pola „pytanie”"),
        ({"message": QUESTION, "audience": "dyrektor"}, "niedozwoloną wartość"),
    ],
)
def test_invalid_requests_get_a_polish_422(
    client: TestClient, payload: dict[str, object], expected: str
) -> None:
    message = assert_error(client.post("/v1/chat", json=payload), 422, "invalid_request")
    assert expected in message


def test_a_body_that_is_not_json_gets_a_polish_422(client: TestClient) -> None:
    response = client.post(
        "/v1/chat", content=b"{nie json", headers={"Content-Type": "application/json"}
    )
    assert "JSON" in assert_error(response, 422, "invalid_request")


def test_a_message_of_2000_characters_after_trimming_is_accepted(client: TestClient) -> None:
    message = (QUESTION + " ") * (2000 // (len(QUESTION) + 1))
    padded = "\n  " + message.strip().ljust(2000, "?") + "   \n"
    assert client.post("/v1/chat", json={"message": padded}).status_code == 200


# --- sessions --------------------------------------------------------------------------------


def test_a_conversation_can_be_read_back_and_erased(client: TestClient) -> None:
    first = client.post("/v1/chat", json={"message": QUESTION}).json()
    session = first["session_id"]
    second = client.post(
        "/v1/chat", json={"message": "A jakie dokumenty trzeba dołączyć?", "session_id": session}
    ).json()
    assert second["session_id"] == session

    history = client.get(f"/v1/sessions/{session}")
    assert history.status_code == 200
    body = history.json()
    assert body["session_id"] == session
    assert [t["role"] for t in body["turns"]] == ["user", "assistant", "user", "assistant"]
    assert body["turns"][0]["text"] == QUESTION
    assert body["turns"][1]["text"] == first["answer"]
    assert dt.datetime.fromisoformat(body["turns"][0]["at"]).tzinfo is not None

    erased = client.delete(f"/v1/sessions/{session}")
    assert erased.status_code == 204
    assert erased.content == b""
    assert_error(client.get(f"/v1/sessions/{session}"), 404, "session_not_found")
    assert client.delete(f"/v1/sessions/{session}").status_code == 204  # gone either way


def test_only_ids_the_server_issued_continue_a_conversation(
    client: TestClient, runtime: Runtime
) -> None:
    chosen = "moja-wlasna-sesja-1234"
    first = client.post("/v1/chat", json={"message": QUESTION, "session_id": chosen}).json()
    issued = first["session_id"]  # a new session: the response names the id to use
    assert issued != chosen
    assert runtime.conversations.history(chosen) == []
    assert_error(client.get(f"/v1/sessions/{chosen}"), 404, "session_not_found")
    # Nor does the issued shape with a made-up signature, sent to the stream.
    forged = issued[:32] + "0" * 32
    events = parse_sse(
        client.post("/v1/chat/stream", json={"message": QUESTION, "session_id": forged}).text
    )
    assert events[-1].data["session_id"] not in (forged, issued)
    assert_error(client.get(f"/v1/sessions/{forged}"), 404, "session_not_found")
    follow_up = {"message": "A jakie dokumenty trzeba dołączyć?", "session_id": issued}
    assert client.post("/v1/chat", json=follow_up).json()["session_id"] == issued
    assert len(client.get(f"/v1/sessions/{issued}").json()["turns"]) == 4


def test_logs_name_a_conversation_by_its_hash(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        session = client.post("/v1/chat", json={"message": QUESTION}).json()["session_id"]
        client.post("/v1/chat", json={"message": "A od kiedy?", "session_id": session})
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert f"session=#{logged(session)}" in text
    assert session not in text


def test_session_ids_are_checked(client: TestClient) -> None:
    assert_error(client.get("/v1/sessions/nieznana-sesja-123"), 404, "session_not_found")
    # One answer for a malformed id, wherever it is sent.
    for response in (
        client.get("/v1/sessions/a*b"),
        client.delete("/v1/sessions/krotka"),
        client.post("/v1/chat", json={"message": QUESTION, "session_id": "zła sesja!"}),
        client.post("/v1/chat/stream", json={"message": QUESTION, "session_id": "krotka"}),
        client.post("/v1/handoff", json={"session_id": "x!"}),
    ):
        assert "identyfikator rozmowy" in assert_error(response, 422, "invalid_session")
    # With other problems too, the request's problems are listed together.
    both = client.post("/v1/chat", json={"message": "", "session_id": "krotka"})
    message = assert_error(both, 422, "invalid_request")
    assert "identyfikator rozmowy" in message
    assert "pytanie" in message


# --- streaming -------------------------------------------------------------------------------


def test_stream_sends_tokens_then_citations_then_done(client: TestClient) -> None:
    response = client.post("/v1/chat/stream", json={"message": QUESTION})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    events = parse_sse(response.text)
    names = [e.name for e in events]
    assert names[-2:] == ["citations", "done"]
    assert set(names[:-2]) == {"token"}
    assert len(names) >= 3
    done = events[-1].data
    assert set(done) == CHAT_KEYS
    assert "".join(e.data["text"] for e in events[:-2]) == done["answer"]
    assert events[-2].data == {"citations": done["citations"]}
    assert done["citations"]
    # The streamed answer continues its conversation like any other.
    assert client.get(f"/v1/sessions/{done['session_id']}").status_code == 200


def test_stream_rejects_a_bad_request_before_streaming(client: TestClient) -> None:
    response = client.post("/v1/chat/stream", json={"message": "", "session_id": "x!"})
    assert_error(response, 422, "invalid_request")
    response = client.post("/v1/chat/stream", json={"message": QUESTION, "audience": "urzednik"})
    assert_error(response, 401, "unauthorized")


class BrokenStore:
    """A conversation store whose writes fail (a full disk, say): an unexpected error."""

    def history(self, session_id: str, *, strict: bool = False) -> list[Turn]:  # noqa: ARG002
        return []

    def append(self, session_id: str, *turns: Turn) -> None:
        raise OSError(f"no space left on device for {session_id} ({len(turns)} turns)")

    def delete(self, session_id: str) -> bool:  # noqa: ARG002
        return False

    def ping(self) -> bool:
        return True


@pytest.fixture
def broken_client(runtime: Runtime, prefix: str) -> Iterator[TestClient]:
    broken = rebuild(runtime, conversations=BrokenStore())
    app = create_app(runtime.settings, runtime=broken, redis_prefix=prefix)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_an_unexpected_error_is_a_polish_500_without_details(broken_client: TestClient) -> None:
    response = broken_client.post("/v1/chat", json={"message": QUESTION})
    message = assert_error(response, 500, "internal_error")
    assert "space" not in response.text
    assert "Przepraszamy" in message


def test_a_failure_mid_stream_ends_with_an_error_event(broken_client: TestClient) -> None:
    response = broken_client.post("/v1/chat/stream", json={"message": QUESTION})
    assert response.status_code == 200
    events = parse_sse(response.text)
    assert events[0].name == "token"
    assert events[-1].name == "error"
    assert events[-1].data["code"] == "internal_error"
    assert POLISH.search(events[-1].data["message"])
    assert "done" not in [e.name for e in events]


# --- feedback --------------------------------------------------------------------------------


def test_feedback_is_kept_with_what_it_rates_and_exported(
    client: TestClient, prefix: str, rclient: redis.Redis
) -> None:
    asked = f"Mój PESEL to 44051401359. {QUESTION}"
    answer = client.post("/v1/chat", json={"message": asked}).json()
    for rating, comment in (("up", "Bardzo pomocne, dzięki"), ("down", "=tel. 600 123 456")):
        response = client.post(
            "/v1/feedback",
            json={"answer_id": answer["answer_id"], "rating": rating, "comment": comment},
        )
        assert response.status_code == 202
        assert response.json() == {"status": "ok"}
    assert rclient.xlen(prefix + "feedback") == 2

    store = FeedbackStore(RedisLink.from_url(REDIS_URL, prefix=prefix), max_entries=100)
    lines = io.StringIO()
    assert export(store.entries(), lines, fmt="jsonl") == 2
    first, second = (json.loads(line) for line in lines.getvalue().splitlines())
    assert first["rating"] == "up"
    assert first["comment"] == "Bardzo pomocne, dzięki"
    assert first["session_id"] == answer["session_id"]
    assert first["answer"] == answer["answer"]
    assert QUESTION in first["question"]
    assert "44051401359" not in lines.getvalue()  # personal data is never kept
    assert "600 123 456" not in second["comment"]

    table = io.StringIO()
    assert export(store.entries(), table, fmt="csv") == 2
    rows = list(csv.DictReader(io.StringIO(table.getvalue())))
    assert [r["rating"] for r in rows] == ["up", "down"]
    assert rows[1]["comment"].startswith("'=")  # no formula runs in a spreadsheet


def test_feedback_on_an_unknown_answer_is_404(client: TestClient) -> None:
    response = client.post("/v1/feedback", json={"answer_id": "0" * 32, "rating": "up"})
    assert_error(response, 404, "answer_not_found")


@pytest.mark.parametrize(
    "payload",
    [
        {"answer_id": "abc", "rating": "super"},
        {"answer_id": "abc", "rating": "up", "comment": "x" * 1001},
        {"rating": "up"},
    ],
)
def test_invalid_feedback_is_422(client: TestClient, payload: dict[str, object]) -> None:
    assert_error(client.post("/v1/feedback", json=payload), 422, "invalid_request")


def test_okienko_feedback_export_writes_jsonl_and_csv(
    client: TestClient, prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer_id = client.post("/v1/chat", json={"message": QUESTION}).json()["answer_id"]
    client.post("/v1/feedback", json={"answer_id": answer_id, "rating": "down"})
    # The command reads the deployment's keys in the database its settings name.
    monkeypatch.setenv("OKIENKO_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("OKIENKO_REDIS_PREFIX", prefix)
    jsonl, table = tmp_path / "opinie.jsonl", tmp_path / "opinie.csv"
    result = CliRunner().invoke(cli, ["feedback", "export", "--output", str(jsonl)])
    assert result.exit_code == 0, result.output
    (entry,) = (json.loads(line) for line in jsonl.read_text("utf-8").splitlines())
    assert entry["answer_id"] == answer_id
    assert entry["rating"] == "down"
    result = CliRunner().invoke(cli, ["feedback", "export", "--format", "csv", "-o", str(table)])
    assert result.exit_code == 0, result.output
    (row,) = csv.DictReader(io.StringIO(table.read_text("utf-8")))
    assert row["answer_id"] == answer_id
    bad = CliRunner().invoke(cli, ["feedback", "export", "--format", "xml"])
    assert bad.exit_code == 2


def test_okienko_apikey_prints_a_key_and_its_digest() -> None:
    result = CliRunner().invoke(cli, ["apikey"])
    assert result.exit_code == 0
    key = re.search(r"raz, przekaż go bezpiecznie\): (\S+)", result.output)
    digest = re.search(r"OKIENKO_API_KEY_HASHES: ([0-9a-f]{64})", result.output)
    assert key is not None
    assert digest is not None
    assert hashlib.sha256(key.group(1).encode()).hexdigest() == digest.group(1)


# --- handoff and config ------------------------------------------------------------------------


def test_handoff_without_contact_data_gives_the_centre_contact(
    client: TestClient, rclient: redis.Redis, prefix: str
) -> None:
    response = client.post("/v1/handoff", json={"message": "Chcę porozmawiać z człowiekiem"})
    assert response.status_code == 200
    body = response.json()
    assert body["callback_recorded"] is False
    assert body["contact"] == {
        "name": "Centrum Usług Społecznych",
        "phone": "+48 00 111 22 33",
        "email": "kontakt@cus.example",
        "address": None,
        "hours": None,
        "url": None,
    }
    assert "+48 00 111 22 33" in body["message"]
    assert rclient.zcard(prefix + "handoffs") == 0


def test_handoff_with_a_phone_records_a_callback_for_staff_only(
    client: TestClient, rclient: redis.Redis, prefix: str
) -> None:
    session = client.post("/v1/chat", json={"message": QUESTION}).json()["session_id"]
    response = client.post(
        "/v1/handoff",
        json={
            "session_id": session,
            "name": "Jan Próbny",
            "phone": "+48 601 202 303",
            "message": "Proszę o telefon w sprawie dodatku",
        },
    )
    body = response.json()
    assert body["callback_recorded"] is True
    assert "Przekazaliśmy" in body["message"]
    (handoff_id,) = rclient.zrange(prefix + "handoffs", 0, -1)
    key = prefix + "handoff:" + handoff_id.decode()
    fields = rclient.hgetall(key)
    assert fields[b"phone"] == b"+48 601 202 303"
    assert fields[b"name"] == "Jan Próbny".encode()
    assert fields[b"session_id"] == session.encode()
    assert fields[b"email"] == b""
    # Kept for OKIENKO_HANDOFF_RETENTION_DAYS (30 by default), then Redis erases it.
    assert 29 * 86400 < rclient.ttl(key) <= 30 * 86400
    history = client.get(f"/v1/sessions/{session}").text
    assert "601 202 303" not in history
    assert "Próbny" not in history


def test_handoff_checks_what_it_is_given(client: TestClient) -> None:
    for payload in ({"email": "to nie e-mail"}, {"phone": "zadzwońcie"}, {"name": "x" * 201}):
        assert_error(client.post("/v1/handoff", json=payload), 422, "invalid_request")


def test_config_tells_the_widget_what_to_show(client: TestClient) -> None:
    body = client.get("/v1/config").json()
    assert body["cus"]["phone"] == "+48 00 111 22 33"
    assert body["cus"]["address"] is None
    assert "PESEL" in body["privacy_note"]
    assert body["max_message_length"] == 2000
    # The callback form says who receives the data, what for, and for how long.
    notice = body["callback_notice"]
    assert "Centrum Usług Społecznych, który jest ich administratorem" in notice
    assert "przechowywane 30 dni" in notice
    assert "odpowie" not in notice  # no time is promised the centre did not set
    assert body["privacy_url"] is None


def test_the_callback_notice_says_what_the_centre_set() -> None:
    settings = Settings(
        cus_name="CUS w Nowych Zdrojach",
        handoff_retention_days=14,
        callback_response_time="w ciągu 2 dni roboczych.",
        privacy_url="https://cus.example.pl/rodo",
    )
    config = ConfigOut.of(settings)
    assert "CUS w Nowych Zdrojach, który jest" in config.callback_notice
    assert "przechowywane 14 dni" in config.callback_notice
    assert config.callback_notice.endswith("Pracownik odpowie w ciągu 2 dni roboczych.")
    assert config.privacy_url == "https://cus.example.pl/rodo"
    with pytest.raises(ValidationError):
        Settings(privacy_url="javascript:alert(1)")  # a link the widget renders: http(s) only


# --- static files, CORS, unknown routes, OpenAPI -----------------------------------------------


def test_static_files_are_served_and_missing_ones_are_404_json(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sekret.txt").write_text("poza folderem")
    tmp_path = tmp_path / "static"
    tmp_path.mkdir()
    monkeypatch.setattr(api.routes.static, "STATIC_DIR", tmp_path)
    assert_error(client.get("/widget.js"), 404, "not_found")
    assert_error(client.get("/demo"), 404, "not_found")
    (tmp_path / "okienko-widget.js").write_text("customElements.define('x', class {});")
    (tmp_path / "demo.html").write_text("<!doctype html><title>Demo</title>")
    (tmp_path / "console.html").write_text("<!doctype html><title>Konsola</title>")
    (tmp_path / "ikona.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    script = client.get("/widget.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "max-age" in script.headers["cache-control"]
    assert "customElements" in script.text
    assert "Demo" in client.get("/demo").text
    assert "Konsola" in client.get("/console").text
    assert client.get("/static/ikona.svg").headers["content-type"].startswith("image/svg")
    assert_error(client.get("/static/%2e%2e/sekret.txt"), 404, "not_found")  # no way out


def test_cors_allows_only_the_configured_origins(runtime: Runtime, prefix: str) -> None:
    settings = runtime.settings.model_copy(update={"cors_origins": ["https://miasto.example"]})
    with TestClient(create_app(settings, runtime=runtime, redis_prefix=prefix)) as c:
        preflight = {"Access-Control-Request-Method": "POST"}
        allowed = c.options("/v1/chat", headers={"Origin": "https://miasto.example", **preflight})
        assert allowed.headers["access-control-allow-origin"] == "https://miasto.example"
        other = c.options("/v1/chat", headers={"Origin": "https://obcy.example", **preflight})
        assert "access-control-allow-origin" not in other.headers
        simple = c.get("/v1/config", headers={"Origin": "https://miasto.example"})
        assert simple.headers["access-control-allow-origin"] == "https://miasto.example"


def test_unknown_routes_and_methods_are_polish_json(client: TestClient) -> None:
    assert_error(client.get("/v1/nie-ma-takiej"), 404, "not_found")
    assert_error(client.get("/v1/chat"), 405, "method_not_allowed")


def test_openapi_documents_the_versioned_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/v1/chat",
        "/v1/chat/stream",
        "/v1/sessions/{session_id}",
        "/v1/feedback",
        "/v1/handoff",
        "/v1/config",
        "/v1/chat/completions",
        "/v1/admin/reload",
        "/v1/admin/documents",
        "/healthz",
        "/readyz",
    ):
        assert path in paths, path
    chat = paths["/v1/chat"]["post"]
    assert chat["summary"]
    assert chat["tags"] == ["czat"]
    assert chat["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ErrorResponse"
    )
    assert "X-API-Key" in json.dumps(schema["components"]["securitySchemes"])
    assert "/widget.js" not in paths


def test_okienko_serve_starts_without_an_index_and_prints_the_demo_url(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "OKIENKO_DATA_DIR": str(tmp_path / "data"),
        "OKIENKO_EMBEDDING_MODEL": EMBEDDER.model_id,
        "OKIENKO_PORT": str(port),
        "PYTHONUNBUFFERED": "1",
        # This checkout's code, not whichever one an editable install points at.
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    env.pop("OKIENKO_REDIS_URL", None)
    command = [sys.executable, "-c", "from cli.main import main; main()", "serve"]
    server = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, "okienko serve exited"
            assert time.monotonic() < deadline, "okienko serve did not answer"
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            break
        assert health.json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 503
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/demo" in output.decode()

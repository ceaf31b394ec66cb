"""Callback requests: kept for the retention, listed, exported and erased by staff with a key,
erased with the resident's conversation; requests of older versions get their expiry."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from api.callbacks import FIELDS, CallbackBook, CallbackRequest
from api.metrics import Metrics
from api.outbox import Outbox
from api.security import key_digest
from rag.redis_link import RedisLink
from rag.runtime import Runtime
from tests.api_support import DEAD_REDIS_URL, QUESTION, served_runtime

STAFF_KEY = "klucz-pracownika-do-testow"
ADMIN_KEY = "klucz-administratora-do-testow"
STAFF = {"X-API-Key": STAFF_KEY}
PHONE = "+48 601 202 303"
DAY = 86400


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, rclient: redis.Redis) -> Iterator[Runtime]:
    with served_runtime(
        tmp_path_factory.mktemp("api-handoffs"),
        rclient,
        api_key_hashes=[key_digest(STAFF_KEY)],
        admin_key_hashes=[key_digest(ADMIN_KEY)],
    ) as built:
        yield built


@pytest.fixture
def client(runtime: Runtime, prefix: str) -> Iterator[TestClient]:
    with TestClient(create_app(runtime.settings, runtime=runtime, redis_prefix=prefix)) as c:
        yield c


def listed(client: TestClient) -> list[dict[str, str]]:
    response = client.get("/v1/handoffs", headers=STAFF)
    assert response.status_code == 200, response.text
    handoffs: list[dict[str, str]] = response.json()["handoffs"]
    return handoffs


def test_staff_routes_need_a_staff_or_admin_key(client: TestClient) -> None:
    routes = [
        ("GET", "/v1/handoffs"),
        ("GET", "/v1/handoffs/export"),
        ("DELETE", "/v1/handoffs/" + "0" * 32),
    ]
    for method, path in routes:
        for headers in ({}, {"X-API-Key": "nie-ten-klucz"}):
            response = client.request(method, path, headers=headers)
            assert response.status_code == 401
            assert response.json()["error"]["code"] == "unauthorized"
    assert client.get("/v1/handoffs", headers=STAFF).status_code == 200
    assert client.get("/v1/handoffs", headers={"X-API-Key": ADMIN_KEY}).status_code == 200


def test_staff_list_export_and_erase_what_residents_left(client: TestClient) -> None:
    session = client.post("/v1/chat", json={"message": QUESTION}).json()["session_id"]
    message = "Proszę o telefon po 16. Mam depresję, PESEL 44 05 14 01 359."
    first = {"session_id": session, "name": "Anna Nowak", "phone": PHONE, "message": message}
    assert client.post("/v1/handoff", json=first).json()["callback_recorded"] is True
    second = {"name": '=HYPERLINK("http://zly.example")', "email": "ania@example.com"}
    assert client.post("/v1/handoff", json=second).json()["callback_recorded"] is True

    body = client.get("/v1/handoffs", headers=STAFF).json()
    assert body["retention_days"] == 30
    newest, oldest = body["handoffs"]
    assert newest["email"] == "ania@example.com"
    # What staff need to call back is kept as given; the message is redacted.
    assert (oldest["name"], oldest["phone"], oldest["session_id"]) == ("Anna Nowak", PHONE, session)
    assert oldest["message"] == "Proszę o telefon po 16. Mam [dane o zdrowiu], PESEL [PESEL]."
    at, expires = (dt.datetime.fromisoformat(oldest[k]) for k in ("at", "expires"))
    assert expires - at == dt.timedelta(days=30)
    assert len(client.get("/v1/handoffs?limit=1", headers=STAFF).json()["handoffs"]) == 1

    jsonl = client.get("/v1/handoffs/export", headers=STAFF)
    assert jsonl.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in jsonl.headers["content-disposition"]
    rows = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [r["id"] for r in rows] == [oldest["id"], newest["id"]]  # oldest first
    table = client.get("/v1/handoffs/export?format=csv", headers=STAFF)
    assert table.headers["content-type"].startswith("text/csv")
    read = list(csv.DictReader(io.StringIO(table.text)))
    assert tuple(read[0]) == FIELDS
    assert read[1]["name"].startswith("'=")  # never a formula in a spreadsheet
    assert client.get("/v1/handoffs/export?format=xml", headers=STAFF).status_code == 422

    assert client.delete(f"/v1/handoffs/{oldest['id']}", headers=STAFF).status_code == 204
    assert [h["id"] for h in listed(client)] == [newest["id"]]
    again = client.delete(f"/v1/handoffs/{oldest['id']}", headers=STAFF)
    assert (again.status_code, again.json()["error"]["code"]) == (404, "handoff_not_found")
    assert client.delete("/v1/handoffs/../../x", headers=STAFF).status_code in (404, 422)
    assert client.delete("/v1/handoffs/nie-ma", headers=STAFF).status_code == 422


def test_a_resident_erases_their_requests_with_the_conversation(
    client: TestClient, rclient: redis.Redis
) -> None:
    mine = client.post("/v1/chat", json={"message": QUESTION}).json()["session_id"]
    theirs = client.post("/v1/chat", json={"message": QUESTION}).json()["session_id"]
    for session in (mine, mine, theirs):
        client.post("/v1/handoff", json={"session_id": session, "phone": PHONE, "name": "Jan"})
    assert len(listed(client)) == 3

    assert client.delete(f"/v1/sessions/{mine}").status_code == 204

    assert [h["session_id"] for h in listed(client)] == [theirs]
    left = [k.decode() for k in rclient.scan_iter(match=f"*{mine}*")]
    assert [k for k in left if ":ratelimit:" not in k] == []


def test_a_made_up_session_id_files_no_request_under_it(client: TestClient) -> None:
    made_up = "cudza-sesja-12345678"
    recorded = client.post("/v1/handoff", json={"session_id": made_up, "phone": PHONE})
    assert recorded.json()["callback_recorded"] is True
    assert [h["session_id"] for h in listed(client)] == [""]


def test_the_retention_is_the_setting(runtime: Runtime, rclient: redis.Redis, prefix: str) -> None:
    settings = runtime.settings.model_copy(update={"handoff_retention_days": 2})
    with TestClient(create_app(settings, runtime=runtime, redis_prefix=prefix)) as client:
        client.post("/v1/handoff", json={"phone": PHONE})
        (handoff,) = listed(client)
        assert client.get("/v1/handoffs", headers=STAFF).json()["retention_days"] == 2
    ttl = rclient.ttl(f"{prefix}handoff:{handoff['id']}")
    assert DAY < ttl <= 2 * DAY
    assert rclient.ttl(prefix + "handoffs") <= 2 * DAY


def test_requests_past_their_retention_are_not_listed(rclient: redis.Redis, prefix: str) -> None:
    link = RedisLink(rclient, prefix=prefix)
    now = [time.time()]
    book = CallbackBook(
        link,
        max_entries=100,
        outbox=Outbox(link, metrics=Metrics()),
        retention_days=1,
        clock=lambda: now[0],
    )
    request = CallbackRequest(session_id=None, name=None, phone=PHONE, email=None, message=None)
    assert book.record(request) == "recorded"
    assert len(book.entries()) == 1
    now[0] += 2 * DAY  # Redis would have erased the record by now; the list never shows it
    assert book.entries() == []
    assert book.record(request) == "recorded"
    assert rclient.zcard(prefix + "handoffs") == 1  # the old one is pruned from the list


def test_a_full_book_drops_its_oldest_request(rclient: redis.Redis, prefix: str) -> None:
    link = RedisLink(rclient, prefix=prefix)
    book = CallbackBook(
        link, max_entries=2, outbox=Outbox(link, metrics=Metrics()), retention_days=1
    )
    ids = []
    for n in range(3):
        book.record(CallbackRequest(None, f"Osoba {n}", PHONE, None, None))
        ids.append(book.entries(newest_first=True, limit=1)[0].id)
    assert [r.id for r in book.entries()] == ids[1:]
    assert rclient.exists(f"{prefix}handoff:{ids[0]}") == 0


def test_requests_of_older_versions_get_their_expiry(
    runtime: Runtime, rclient: redis.Redis, prefix: str
) -> None:
    # Older versions appended requests to a stream without an expiry.
    def old(days_ago: int, message: str) -> dict[str, str]:
        at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
        return {
            "session_id": "",
            "name": "Jan Próbny",
            "phone": PHONE,
            "email": "",
            "message": message,
            "at": at.isoformat(timespec="seconds"),
        }

    rclient.xadd(prefix + "callbacks", old(40, "dawno temu"))
    rclient.xadd(prefix + "callbacks", old(1, "mam HIV, proszę o telefon"))
    with TestClient(create_app(runtime.settings, runtime=runtime, redis_prefix=prefix)) as client:
        (moved,) = listed(client)
    assert rclient.exists(prefix + "callbacks") == 0
    assert (moved["name"], moved["phone"]) == ("Jan Próbny", PHONE)
    assert moved["message"] == "mam [dane o zdrowiu], proszę o telefon"
    assert 28 * DAY < rclient.ttl(f"{prefix}handoff:{moved['id']}") <= 29 * DAY


def test_staff_routes_say_when_redis_does_not_answer(runtime: Runtime, prefix: str) -> None:
    settings = runtime.settings.model_copy(update={"redis_url": DEAD_REDIS_URL})
    with TestClient(create_app(settings, runtime=runtime, redis_prefix=prefix)) as client:
        for method, path in (
            ("GET", "/v1/handoffs"),
            ("GET", "/v1/handoffs/export"),
            ("DELETE", "/v1/handoffs/" + "0" * 32),
        ):
            response = client.request(method, path, headers=STAFF)
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "storage_unavailable"
            assert "Spróbuj ponownie" in response.json()["error"]["message"]

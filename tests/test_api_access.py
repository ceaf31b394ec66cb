"""API keys (staff audiences, admin routes) and rate limits, against real Redis."""

from __future__ import annotations

import hmac
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError

from api.app import create_app
from api.errors import RateLimited
from api.ratelimit import WINDOW_SECONDS, RateLimiter
from api.security import KeyRing, key_digest
from rag.index.edge import EdgeStore
from rag.redis_link import RedisLink
from rag.runtime import Runtime
from rag.settings import Settings
from tests.api_support import (
    DEAD_REDIS_URL,
    KB,
    QUESTION,
    REDIS_URL,
    ingest,
    served_runtime,
)

STAFF_KEY = "klucz-pracownika-do-testow"
ADMIN_KEY = "klucz-administratora-do-testow"
STAFF_QUESTION = "wzór pouczenia o prawie do odwołania od decyzji"
METRICS_TOKEN = "token-metryk-do-testow-0123456789"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api-access")


@pytest.fixture(scope="module")
def roots(root: Path) -> tuple[Path, Path]:
    return root / "data", root / "kb"


@pytest.fixture(scope="module")
def runtime(root: Path, rclient: redis.Redis) -> Iterator[Runtime]:
    with served_runtime(
        root,
        rclient,
        api_key_hashes=[key_digest(STAFF_KEY)],
        admin_key_hashes=[key_digest(ADMIN_KEY).upper()],  # digests are case-insensitive
    ) as built:
        yield built


AppFactory = Callable[..., TestClient]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# Half a minute into a one-minute window: the apps' rate limits never see a window turn over
# between two requests of a test (no waiting for a window to start), and Retry-After is 30 s.
MID_WINDOW = 6_000_000 * WINDOW_SECONDS + 30.0


@pytest.fixture
def make_client(runtime: Runtime, prefix: str) -> Iterator[AppFactory]:
    clients: list[TestClient] = []

    def make(**overrides: object) -> TestClient:
        settings = runtime.settings.model_copy(update=overrides)
        app = create_app(settings, runtime=runtime, redis_prefix=prefix, clock=Clock(MID_WINDOW))
        client = TestClient(app)
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def error_code(response: object) -> str:
    code: str = response.json()["error"]["code"]  # type: ignore[attr-defined]
    return code


# --- staff audiences -------------------------------------------------------------------------


def test_staff_audiences_need_a_staff_key(make_client: AppFactory) -> None:
    client = make_client()
    for audience in ("pracownik", "urzednik"):
        body = {"message": STAFF_QUESTION, "audience": audience}
        missing = client.post("/v1/chat", json=body)
        assert missing.status_code == 401
        assert error_code(missing) == "unauthorized"
        assert "pracowników" in missing.json()["error"]["message"]
        wrong = client.post("/v1/chat", json=body, headers={"X-API-Key": STAFF_KEY + "x"})
        assert wrong.status_code == 401
        for key in (STAFF_KEY, ADMIN_KEY):
            assert client.post("/v1/chat", json=body, headers={"X-API-Key": key}).is_success


def test_staff_see_their_own_material_and_residents_do_not(make_client: AppFactory) -> None:
    client = make_client()
    staff = client.post(
        "/v1/chat",
        json={"message": STAFF_QUESTION, "audience": "urzednik"},
        headers={"X-API-Key": STAFF_KEY},
    ).json()
    resident = client.post("/v1/chat", json={"message": STAFF_QUESTION}).json()
    assert any("dla-pracownikow" in c["source"] for c in staff["citations"])
    # A resident is never shown a file path; the staff documents' titles are not cited either.
    assert all(c["source"] is None for c in resident["citations"])
    staff_titles = {c["title"] for c in staff["citations"] if "dla-pracownikow" in c["source"]}
    assert not staff_titles & {c["title"] for c in resident["citations"]}


def test_every_stored_digest_is_compared_whichever_matches(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    compare = hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", counting)
    staff = [key_digest(f"pracownik-{i}") for i in range(4)]
    ring = KeyRing(staff=staff, admin=[key_digest("admin")])
    for key, role in (("pracownik-0", "staff"), ("pracownik-3", "staff"), ("obcy", None)):
        calls.clear()
        assert ring.role(key) == role
        assert len(calls) == 5  # no early exit: the time does not depend on the match
        assert all(len(a) == len(b) == 64 for a, b in calls)
    assert ring.role("admin") == "admin"
    assert ring.role(None) is None
    assert ring.role("") is None


def test_a_raw_key_in_place_of_a_digest_stops_start_up(runtime: Runtime) -> None:
    settings = runtime.settings.model_copy(update={"api_key_hashes": ["moj-tajny-klucz"]})
    with pytest.raises(ValueError, match="OKIENKO_API_KEY_HASHES"):
        create_app(settings, runtime=runtime)


# --- admin routes ----------------------------------------------------------------------------


def test_admin_routes_need_an_admin_key(make_client: AppFactory) -> None:
    client = make_client()
    for method, path in (("POST", "/v1/admin/reload"), ("GET", "/v1/admin/documents")):
        assert client.request(method, path).status_code == 401
        staff = client.request(method, path, headers={"X-API-Key": STAFF_KEY})
        assert staff.status_code == 403
        assert error_code(staff) == "forbidden"
        assert client.request(method, path, headers={"X-API-Key": ADMIN_KEY}).status_code == 200


def test_admin_lists_documents_with_their_chunk_hashes(
    make_client: AppFactory, runtime: Runtime
) -> None:
    body = make_client().get("/v1/admin/documents", headers={"X-API-Key": ADMIN_KEY}).json()
    documents = {d["doc_id"]: d for d in body["documents"]}
    assert "kb/dodatek-mieszkaniowy/kto-moze-dostac-dodatek-mieszkaniowy" in documents
    assert len(documents) == 6
    served = EdgeStore(runtime.settings.index_dir).served_hashes()
    assert sum(d["chunks"] for d in documents.values()) == len(served)
    for doc_id, document in documents.items():
        expected = sorted((c, h) for c, h in served.items() if c.startswith(doc_id + "#"))
        assert document["hashes"] == [h for _, h in expected]
        assert document["chunks"] == len(expected)


def test_admin_reload_switches_to_a_new_generation(
    make_client: AppFactory, roots: tuple[Path, Path]
) -> None:
    data, kb = roots
    client = make_client()
    admin = {"X-API-Key": ADMIN_KEY}
    before = client.post("/v1/admin/reload", headers=admin).json()
    assert before["switched"] is False
    extra = kb / "karty-uslug" / "karta-uslugi-zasilek-okresowy.md"
    shutil.copy(KB / "karty-uslug" / extra.name, extra)
    generation = ingest(data, kb)
    after = client.post("/v1/admin/reload", headers=admin).json()
    assert after == {"generation": generation, "switched": True}
    documents = client.get("/v1/admin/documents", headers=admin).json()["documents"]
    assert "kb/karty-uslug/karta-uslugi-zasilek-okresowy" in {d["doc_id"] for d in documents}
    assert client.get("/readyz").json()["index"]["generation"] == generation


# --- metrics ---------------------------------------------------------------------------------


def test_metrics_are_open_without_a_token_setting(make_client: AppFactory) -> None:
    response = make_client().get("/metrics")
    assert response.status_code == 200
    assert "okienko_http_requests_total" in response.text


def test_metrics_need_the_bearer_token_when_one_is_set(make_client: AppFactory) -> None:
    client = make_client(metrics_token=SecretStr(METRICS_TOKEN))
    for headers in (
        {},
        {"Authorization": f"Bearer {METRICS_TOKEN}x"},
        {"Authorization": f"Basic {METRICS_TOKEN}"},
        {"X-API-Key": ADMIN_KEY},  # API keys are not the metrics token
    ):
        refused = client.get("/metrics", headers=headers)
        assert refused.status_code == 401, headers
        assert error_code(refused) == "unauthorized"
        assert "Metryki są dostępne tylko z tokenem" in refused.json()["error"]["message"]
        assert refused.headers["www-authenticate"] == "Bearer"
        assert "okienko_http" not in refused.text
    allowed = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert allowed.status_code == 200
    assert 'status="401"' in allowed.text  # the refusals were counted like any request
    assert client.get("/healthz").status_code == 200  # nothing else changes
    operation = client.get("/openapi.json").json()["paths"]["/metrics"]["get"]
    assert "401" in operation["responses"]
    assert {"MetricsToken": []} in operation["security"]


def test_a_short_metrics_token_stops_start_up() -> None:
    with pytest.raises(ValidationError, match="metrics_token"):
        Settings(_env_file=None, metrics_token="krotki")


# --- rate limits -----------------------------------------------------------------------------


def test_a_client_over_its_limit_gets_429_with_retry_after(make_client: AppFactory) -> None:
    client = make_client(rate_limit_per_minute=3)
    for _ in range(3):
        assert (
            client.post("/v1/feedback", json={"answer_id": "x", "rating": "up"}).status_code == 404
        )
    limited = client.post("/v1/chat", json={"message": QUESTION})
    assert limited.status_code == 429
    assert error_code(limited) == "rate_limited"
    assert limited.headers["retry-after"] == "30"
    assert "Odczekaj" in limited.json()["error"]["message"]
    # Staff with a valid key are not counted against the address.
    staff = client.post("/v1/chat", json={"message": QUESTION}, headers={"X-API-Key": STAFF_KEY})
    assert staff.status_code == 200
    # Health and the widget's configuration are never limited.
    assert client.get("/v1/config").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_a_conversation_over_its_limit_gets_429(make_client: AppFactory) -> None:
    client = make_client(rate_limit_session_per_minute=2)
    session = client.post("/v1/chat", json={"message": QUESTION}).json()["session_id"]
    follow_up = {"message": "A od kiedy?", "session_id": session}
    assert client.post("/v1/chat", json=follow_up).status_code == 200
    assert client.post("/v1/chat", json=follow_up).status_code == 200
    limited = client.post("/v1/chat/stream", json=follow_up)
    assert limited.status_code == 429
    assert "retry-after" in limited.headers
    assert client.post("/v1/chat", json={"message": QUESTION}).status_code == 200  # a new one


def test_a_made_up_session_id_counts_against_no_conversation(
    make_client: AppFactory, rclient: redis.Redis, prefix: str
) -> None:
    client = make_client(rate_limit_session_per_minute=1)
    made_up = {"message": QUESTION, "session_id": "cudza-sesja-12345678"}
    assert client.post("/v1/chat", json=made_up).status_code == 200
    assert client.post("/v1/chat", json=made_up).status_code == 200  # a new session each time
    assert list(rclient.scan_iter(match=prefix + "ratelimit:session:*")) == []
    session = client.post("/v1/chat", json={"message": QUESTION}).json()["session_id"]
    follow_up = {"message": "A od kiedy?", "session_id": session}
    assert client.post("/v1/chat", json=follow_up).status_code == 200
    assert client.post("/v1/chat", json=follow_up).status_code == 429


def test_limits_are_counted_in_redis_across_processes(
    make_client: AppFactory, rclient: redis.Redis, prefix: str
) -> None:
    first, second = make_client(rate_limit_per_minute=2), make_client(rate_limit_per_minute=2)
    assert first.get("/v1/sessions/nieznana-sesja-1").status_code == 404
    assert second.get("/v1/sessions/nieznana-sesja-1").status_code == 404
    assert second.get("/v1/sessions/nieznana-sesja-1").status_code == 429
    keys = list(rclient.scan_iter(match=prefix + "ratelimit:client:*"))
    assert len(keys) == 1
    assert 0 < rclient.ttl(keys[0]) <= 65


def test_without_redis_limits_hold_in_process(make_client: AppFactory) -> None:
    client = make_client(rate_limit_per_minute=2, redis_url=DEAD_REDIS_URL)
    assert client.get("/v1/sessions/nieznana-sesja-1").status_code == 404
    assert client.get("/v1/sessions/nieznana-sesja-1").status_code == 404
    assert client.get("/v1/sessions/nieznana-sesja-1").status_code == 429


@pytest.mark.parametrize("url", [REDIS_URL, None])
def test_windows_reset_and_retry_after_is_what_is_left(
    url: str | None, rclient: redis.Redis, prefix: str
) -> None:
    del rclient  # only for the skip when Redis is missing
    clock = Clock(6_000_000 * 60 + 45.2)  # 45.2 s into a window
    limiter = RateLimiter(
        RedisLink.from_url(url, prefix=prefix), per_client=2, per_session=1, clock=clock
    )
    limiter.check("client", "10.0.0.1")
    limiter.check("client", "10.0.0.1")
    limiter.check("client", "10.0.0.2")  # each address has its own count
    with pytest.raises(RateLimited) as raised:
        limiter.check("client", "10.0.0.1")
    assert raised.value.retry_after == 15
    assert raised.value.headers == {"Retry-After": "15"}
    limiter.check("session", "sesja-0001")
    with pytest.raises(RateLimited):
        limiter.check("session", "sesja-0001")
    clock.now += 15  # the next window
    limiter.check("client", "10.0.0.1")
    limiter.check("session", "sesja-0001")

"""The centre's insight page (`GET /v1/insight`, `/v1/insight/export`) against a real Redis with
seeded questions and feedback, and the grouping and review checks it rests on."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import shutil
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from api.asked import QuestionLog
from api.deps import get_now
from api.feedback import AnswerRecord, FeedbackStore
from rag.insight import group_similar
from rag.redis_link import RedisLink
from rag.runtime import Runtime
from tests.api_support import EMBEDDER, KB, QUESTION, REDIS_URL, served_runtime

ADMIN_KEY = "klucz-administratora-do-testow"
STAFF_KEY = "klucz-pracownika-do-testow"
ADMIN = {"X-API-Key": ADMIN_KEY}
NOW = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)
AGED = "dodatek-mieszkaniowy/decyzja-okres-i-wyplata-dodatku-mieszkaniowego"
HOUSING = f"kb/{AGED}.md"
NURSERY = "Jak zapisać dziecko do żłobka?"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, rclient: redis.Redis) -> Iterator[Runtime]:
    root = tmp_path_factory.mktemp("insight")
    kb = root / "kb"
    with served_runtime(root, rclient, knowledge_base_dir=kb) as built:
        # One document last reviewed long ago, with its facts: both are due for review.
        document = kb / f"{AGED}.md"
        document.write_text(
            document.read_text("utf-8").replace("reviewed: 2026-11-22", "reviewed: 2024-01-15"),
            "utf-8",
        )
        shutil.copy(KB / f"{AGED}.fakty.yaml", kb / f"{AGED}.fakty.yaml")
        yield built


@pytest.fixture
def client(runtime: Runtime, prefix: str) -> Iterator[TestClient]:
    settings = runtime.settings.model_copy(
        update={"api_key_hashes": [_digest(STAFF_KEY)], "admin_key_hashes": [_digest(ADMIN_KEY)]}
    )
    app = create_app(settings, runtime=runtime, redis_prefix=prefix)
    app.dependency_overrides[get_now] = lambda: NOW
    with TestClient(app) as c:
        yield c


def _seed(prefix: str) -> None:
    """Questions of the last 40 days and two 👎, as the API would have written them."""
    link = RedisLink.from_url(REDIS_URL, prefix=prefix)
    ago = dt.timedelta()
    log = QuestionLog(link, clock=lambda: NOW - ago)
    feedback = FeedbackStore(link, max_entries=1000)
    seeded = [
        # days ago, answer id, question, refused, source
        (40, "a-old", "Czy dostanę becikowe?", True, ""),
        (20, "a-20", "Czy dostanę becikowe?", True, ""),
        (3, "a-3", NURSERY, True, ""),
        (2, "a-2", NURSERY, True, ""),
        (2, "a-karta", "Gdzie wyrobić Kartę Dużej Rodziny?", True, ""),
        (1, "a-housing", QUESTION, False, HOUSING),
        (1, "a-housing-2", QUESTION, False, HOUSING),
    ]
    for days, answer_id, question, refused, source in seeded:
        ago = dt.timedelta(days=days)
        reason = "no_relevant_passages" if refused else ""
        log.record(
            f"sesja-{answer_id}",
            answer_id=answer_id,
            question=question,
            refused=refused,
            reason=reason,
            source=source,
        )
        feedback.remember(
            AnswerRecord(
                answer_id, f"sesja-{answer_id}", question, "…", "extractive", refused, reason
            )
        )
    feedback.add("a-housing", "down", "Nie ma terminu wypłaty")
    feedback.add("a-3", "down", None)  # refused and rated 👎: counted once
    feedback.add("a-housing-2", "up", None)


def test_the_insight_needs_an_admin_key(client: TestClient) -> None:
    assert client.get("/v1/insight").status_code == 401
    response = client.get("/v1/insight", headers={"X-API-Key": STAFF_KEY})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert client.get("/v1/insight/export", headers={"X-API-Key": STAFF_KEY}).status_code == 403


def test_only_7_or_30_days(client: TestClient) -> None:
    response = client.get("/v1/insight?days=14", headers=ADMIN)
    assert response.status_code == 422


def test_the_last_7_days_grouped_with_topics_and_refusal_rate(
    client: TestClient, prefix: str
) -> None:
    _seed(prefix)
    response = client.get("/v1/insight?days=7", headers=ADMIN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["questions"], body["refused"], body["rated_down"]) == (5, 3, 2)
    assert body["refusal_rate"] == 0.6
    assert body["topics"] == [
        {"topic": "bez źródła", "questions": 3, "refused": 3},
        {"topic": "dodatek mieszkaniowy", "questions": 2, "refused": 0},
    ]
    groups = [(g["question"], g["count"], g["refused"], g["rated_down"]) for g in body["groups"]]
    # The nursery question twice is one group (the largest first); the 20-day one is not here.
    assert groups == [
        (NURSERY, 2, 2, 1),
        ("Gdzie wyrobić Kartę Dużej Rodziny?", 1, 1, 0),
        (QUESTION, 1, 0, 1),
    ]
    assert body["groups"][2]["topic"] == "dodatek mieszkaniowy"


def test_30_days_reach_further_and_not_past_the_window(client: TestClient, prefix: str) -> None:
    _seed(prefix)
    body = client.get("/v1/insight?days=30", headers=ADMIN).json()
    assert (body["questions"], body["refused"]) == (6, 4)
    assert ("Czy dostanę becikowe?", 1) in [(g["question"], g["count"]) for g in body["groups"]]


def test_documents_and_facts_past_their_review_date(client: TestClient) -> None:
    body = client.get("/v1/insight", headers=ADMIN).json()
    due = body["due_for_review"]
    documents = [d for d in due if d["kind"] == "document"]
    assert [d["source"] for d in documents] == [HOUSING]
    assert documents[0]["reviewed"] == "2024-01-15"
    assert "termin przeglądu minął 2025-01-14" in documents[0]["problem"]
    facts = [d for d in due if d["kind"] == "fact"]
    assert facts, "the facts resting on the document are listed with it"
    assert all(f["source"] == HOUSING for f in facts)
    assert all(f["problem"].startswith("dokument źródłowy do przeglądu") for f in facts)


def test_csv_export_lists_each_flagged_question_with_its_group(
    client: TestClient, prefix: str
) -> None:
    _seed(prefix)
    response = client.get("/v1/insight/export?days=7", headers=ADMIN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "okienko-wglad-7-dni.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(r["grupa"], r["pytanie"], r["odmowa"], r["ocena_negatywna"]) for r in rows] == [
        ("1", NURSERY, "tak", "tak"),
        ("1", NURSERY, "tak", "nie"),
        ("2", "Gdzie wyrobić Kartę Dużej Rodziny?", "tak", "nie"),
        ("3", QUESTION, "nie", "tak"),
    ]
    assert rows[3]["komentarz"] == "Nie ma terminu wypłaty"


def test_a_residents_question_is_logged_redacted_and_erased_with_the_conversation(
    client: TestClient, prefix: str, rclient: redis.Redis
) -> None:
    asked = "Mój PESEL to 85010112345. Na jak długo przyznaje się dodatek mieszkaniowy?"
    answer = client.post("/v1/chat", json={"message": asked})
    assert answer.status_code == 200, answer.text
    # A caseworker's question is not a resident's: not logged.
    staff = client.post(
        "/v1/chat",
        json={"message": QUESTION, "audience": "pracownik"},
        headers={"X-API-Key": STAFF_KEY},
    )
    assert staff.status_code == 200
    entries = rclient.xrange(prefix + "asked")
    assert len(entries) == 1
    fields = {k.decode(): v.decode() for k, v in entries[0][1].items()}
    assert "85010112345" not in fields["question"]
    assert fields["answer_id"] == answer.json()["answer_id"]
    assert "session" not in " ".join(fields), "no conversation id in the entry"
    session = answer.json()["session_id"]
    assert rclient.smembers(f"{prefix}session-asked:{session}")
    assert client.delete(f"/v1/sessions/{session}").status_code == 204
    assert rclient.xrange(prefix + "asked") == []
    assert not rclient.exists(f"{prefix}session-asked:{session}")


def test_similar_questions_share_a_group_and_the_largest_comes_first() -> None:
    texts = ["b", "a", "A", "c", "a"]
    groups = group_similar(texts, EMBEDDER, threshold=0.999)
    assert [g.members for g in groups] == [[1, 2, 4], [0], [3]]
    # A threshold anything passes puts everything with the first question.
    assert [g.members for g in group_similar(texts, EMBEDDER, threshold=-1.0)] == [[0, 1, 2, 3, 4]]
    assert group_similar([], EMBEDDER, threshold=0.9) == []

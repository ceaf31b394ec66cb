"""Helpers shared by the API tests: a small knowledge base, its index, settings, Redis.

The index is built with the `HashEmbedder` fake over a handful of documents copied from
`knowledge_base/`, once per test module; Redis is the real one on 127.0.0.1:6379, database 14,
every test under its own key prefix.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from ingest.chunking import Chunker
from ingest.embedding_cache import EmbeddingCache
from ingest.pipeline import Ingestor, Source
from rag.embedding import HashEmbedder
from rag.index.edge import EdgeStore
from rag.lexical import PolishAnalyzer
from rag.settings import Settings

KB = Path(__file__).resolve().parent.parent / "knowledge_base"
REDIS_URL = "redis://127.0.0.1:6379/14"
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"
EMBEDDER = HashEmbedder(64)
# Enough to answer the questions below, a staff-only template, and a crisis page.
DOCUMENTS = (
    "dodatek-mieszkaniowy/decyzja-okres-i-wyplata-dodatku-mieszkaniowego.md",
    "dodatek-mieszkaniowy/kto-moze-dostac-dodatek-mieszkaniowy.md",
    "dodatek-mieszkaniowy/wniosek-o-dodatek-mieszkaniowy-dokumenty.md",
    "karty-uslug/karta-uslugi-zasilek-staly.md",
    "dla-pracownikow/wzor-pouczenie-o-prawie-do-odwolania.md",
    "kryzys/telefony-alarmowe-i-zaufania.md",
)
QUESTION = "Na jak długo przyznaje się dodatek mieszkaniowy?"


def copy_knowledge_base(target: Path) -> Path:
    """Copy `DOCUMENTS` into `target` (keeping their folders); return `target`."""
    for relative in DOCUMENTS:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(KB / relative, destination)
    return target


def ingest(data_dir: Path, knowledge_base: Path) -> str:
    """Index `knowledge_base` into `data_dir` with the fake embedder; the new generation."""
    report = Ingestor(
        store=EdgeStore(data_dir / "index"),
        embedder=EMBEDDER,
        analyzer=PolishAnalyzer(),
        chunker=Chunker(EMBEDDER.count_tokens),
        cache=EmbeddingCache(data_dir / "embeddings.sqlite"),
    ).run([Source(knowledge_base, strict=True)])
    assert not report.failed, report.failed
    assert report.generation is not None
    return report.generation


def api_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a test app: the fake embedder, test Redis, generous rate limits."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "embedding_model": EMBEDDER.model_id,
        "redis_url": REDIS_URL,
        "rate_limit_per_minute": 10_000,
        "rate_limit_session_per_minute": 10_000,
        "cus_phone": "+48 00 111 22 33",
        "cus_email": "kontakt@cus.example",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


def redis_client() -> redis.Redis:
    """The test database, or a skip (a failure when CI is set: CI starts Redis)."""
    client = redis.Redis.from_url(
        REDIS_URL, socket_connect_timeout=0.5, socket_timeout=2, retry=Retry(NoBackoff(), 1)
    )
    try:
        client.ping()
    except (RedisConnectionError, RedisTimeoutError) as error:
        client.close()
        reason = f"Redis on 127.0.0.1:6379 did not answer ({error})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so Redis must be running")
        pytest.skip(reason)
    return client


def new_prefix() -> str:
    return f"okienko-test:{uuid.uuid4().hex}:"


def drop_keys(client: redis.Redis, *patterns: str) -> None:
    for pattern in patterns:
        for key in client.scan_iter(match=pattern):
            client.delete(key)


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]


def parse_sse(body: str) -> list[Event]:
    """Server-sent events of a whole response body, in order."""
    events = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append(Event(fields.get("event", "message"), json.loads(fields["data"])))
    return events

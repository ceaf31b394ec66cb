"""Helpers and fixtures shared by the API tests: a small knowledge base, its index, settings, Redis.

The index is built with the `HashEmbedder` fake over a handful of documents copied from
`knowledge_base/`, once per test module; Redis is the real one on 127.0.0.1:6379, database 14,
each module's runtime and each test's app under a key prefix of their own. `tests/conftest.py`
loads this module as a plugin, so its fixtures (`rclient`, `prefix`) are there in every module.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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
from rag.answering import Assistant
from rag.chat_model import ChatModel
from rag.conversation import ConversationStore
from rag.embedding import HashEmbedder
from rag.index.edge import EdgeStore
from rag.lexical import PolishAnalyzer
from rag.retrieval import Retriever
from rag.runtime import Runtime, build_runtime
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


def reachable_redis(url: str) -> redis.Redis:
    """A client of `url` that answers, or a skip (a failure when CI is set: CI starts Redis)."""
    # No back-off between retries: the default waits for seconds when nothing answers.
    client = redis.Redis.from_url(
        url, socket_connect_timeout=0.5, socket_timeout=2, retry=Retry(NoBackoff(), 1)
    )
    try:
        client.ping()
    except (RedisConnectionError, RedisTimeoutError) as error:
        client.close()
        reason = f"Redis at {url} did not answer ({error})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so Redis must be running")
        pytest.skip(reason)
    return client


def redis_client() -> redis.Redis:
    """The API tests' database (see `reachable_redis`)."""
    return reachable_redis(REDIS_URL)


def new_prefix() -> str:
    return f"okienko-test:{uuid.uuid4().hex}:"


def drop_keys(client: redis.Redis, *patterns: str) -> None:
    for pattern in patterns:
        for key in client.scan_iter(match=pattern):
            client.delete(key)


@pytest.fixture(scope="module")
def rclient() -> Iterator[redis.Redis]:
    """The test database, for the module (skips the module when Redis is missing)."""
    client = redis_client()
    yield client
    client.close()


def _scoped_prefix(rclient: redis.Redis) -> Iterator[str]:
    value = new_prefix()
    yield value
    drop_keys(rclient, value + "*")


@pytest.fixture
def prefix(rclient: redis.Redis) -> Iterator[str]:
    """A fresh key prefix for one test's app; its keys are dropped afterwards."""
    yield from _scoped_prefix(rclient)


@pytest.fixture(scope="module")
def module_prefix(rclient: redis.Redis) -> Iterator[str]:
    """The same for an app the whole module shares."""
    yield from _scoped_prefix(rclient)


class Cable:
    """A client of the test database whose connection can be pulled out and plugged back in:
    a real outage and a real recovery, for one client only (the shared Redis stays up)."""

    def __init__(self) -> None:
        self.client = redis.Redis.from_url(REDIS_URL, retry=Retry(NoBackoff(), 0))
        self._live = self.client.connection_pool
        # Nothing listens on port 1: a connection there is refused at once.
        self._dead = redis.ConnectionPool(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))

    def pull(self) -> None:
        self.client.connection_pool = self._dead

    def plug(self) -> None:
        self.client.connection_pool = self._live

    def close(self) -> None:
        self._dead.disconnect()
        self._live.disconnect()


@pytest.fixture
def cable(rclient: redis.Redis) -> Iterator[Cable]:
    """A `Cable`, plugged in (skips where the test Redis is missing, as `rclient` does)."""
    del rclient  # only for the skip
    wire = Cable()
    yield wire
    wire.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the moment of asking)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def serving(app: Any, *, name: str = "okienko-test-api") -> Iterator[str]:
    """Run `app` under a real uvicorn server on a free loopback port, in a thread, and give its
    base URL (http://127.0.0.1:PORT) once it listens; stop it on the way out."""
    import uvicorn

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", ws="none", lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name=name, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@contextmanager
def served_runtime(root: Path, rclient: redis.Redis, **overrides: Any) -> Iterator[Runtime]:
    """A runtime over `DOCUMENTS` indexed into `root/data` (from `root/kb`).

    Its conversations live under a prefix of their own, dropped (with the runtime) afterwards.
    """
    ingest(root / "data", copy_knowledge_base(root / "kb"))
    settings = api_settings(root / "data", **{"redis_prefix": new_prefix(), **overrides})
    built = build_runtime(settings, embedder=EMBEDDER)
    try:
        yield built
    finally:
        built.close()
        drop_keys(rclient, settings.redis_prefix + "*")


def rebuild(
    runtime: Runtime,
    *,
    settings: Settings | None = None,
    conversations: ConversationStore | None = None,
    chat_model: ChatModel | None = None,
) -> Runtime:
    """The same index behind a new assistant: other settings, conversations or chat model.

    Unless given, conversations stay the runtime's and there is no chat model (extractive).
    """
    settings = settings or runtime.settings
    conversations = conversations or runtime.conversations
    assistant = Assistant(
        settings=settings,
        retriever=Retriever(
            embedder=runtime.embedder, analyzer=runtime.analyzer, served=runtime.served
        ),
        analyzer=runtime.analyzer,
        conversations=conversations,
        crisis=runtime.crisis,
        chat_model=chat_model,
    )
    return dataclasses.replace(
        runtime,
        settings=settings,
        conversations=conversations,
        chat_model=chat_model,
        assistant=assistant,
    )


@dataclass(frozen=True)
class Event:
    name: str
    data: dict[str, Any]


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text format (0 when absent)."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(r"(\w+)(?:\{(.*)\})? (\S+)", line)
        if match and match[1] == name:
            found = ",".join(sorted((match[2] or "").split(","))) if match[2] else ""
            if found == wanted:
                return float(match[3])
    return 0.0


def parse_sse(body: str) -> list[Event]:
    """Server-sent events of a whole response body, in order."""
    events = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        fields = dict(line.split(": ", 1) for line in block.splitlines())
        events.append(Event(fields.get("event", "message"), json.loads(fields["data"])))
    return events

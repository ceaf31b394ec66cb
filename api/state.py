"""What the app's lifespan owns: the answering runtime (when an index exists), Redis, stores.

The app starts without an index: `AnsweringSlot` then answers 503 and tries to open the index
again at most every few seconds, so an ingest run while the API is up makes it ready without
a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx

from api.asked import QuestionLog
from api.callbacks import CallbackBook
from api.feedback import FeedbackStore
from api.metrics import Metrics
from api.outbox import Outbox
from api.ratelimit import RateLimiter
from api.security import KeyRing
from rag.crisis import CrisisAssessor, build_assessor
from rag.crisis.lexicon import Lexicon
from rag.embedding import Embedder, MessageVectors, build_embedder
from rag.errors import IndexMismatch, IndexNotReady
from rag.index import IndexStore
from rag.redis_link import RedisLink
from rag.runtime import Runtime, build_runtime
from rag.sessions import SessionIds
from rag.settings import Settings

log = logging.getLogger(__name__)

LlmStatus = Literal["ok", "down", "extractive"]


class AnsweringSlot:
    """The runtime, or the reason there is none yet (and when to try again)."""

    def __init__(
        self,
        settings: Settings,
        *,
        redis: RedisLink,
        runtime: Runtime | None = None,
        retry_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._redis = redis  # the runtime it builds keeps conversations through the app's link
        self._runtime = runtime
        self._owned = runtime is None  # a runtime handed in is closed by whoever built it
        self._embedder: Embedder | None = runtime.embedder if runtime else None
        # Session ids are checked (a hand-off, a conversation read back) with or without an
        # index; the runtime built later issues them with the same secret.
        self.sessions = runtime.assistant.sessions if runtime else SessionIds.of(settings)
        # Crisis help must not wait for the model or an index: until `start` builds the full
        # assessor, the lexicon alone assesses.
        self.crisis: CrisisAssessor = (
            runtime.crisis if runtime else CrisisAssessor(lexicon=Lexicon.load())
        )
        self._retry = retry_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._next_try = -float("inf")
        self._reason = "not opened yet"

    def message_vectors(self) -> MessageVectors | None:
        """A new message's vectors on the process's model (None until `start` loads it)."""
        return MessageVectors(self._embedder) if self._embedder is not None else None

    @property
    def _location(self) -> str:
        return self._settings.qdrant_url or str(self._settings.index_dir)

    def start(self) -> None:
        """Load the embedder and try to open the index once (a missing index is not fatal).

        Raises:
            EmbeddingModelError: the configured embedding model cannot be loaded.
        """
        if self._runtime is not None:
            return
        self._embedder = build_embedder(self._settings)
        self.crisis = build_assessor(self._settings, self._embedder)
        with self._lock:
            self._try_open()

    def get(self) -> Runtime:
        """The runtime; opens the index if one appeared since the last try.

        Raises:
            IndexNotReady: nothing is served yet (or another process holds the index).
        """
        runtime = self._runtime
        if runtime is not None:
            return runtime
        # One opener at a time; the others answer 503 at once rather than queue behind it.
        if self._clock() >= self._next_try and self._lock.acquire(blocking=False):
            try:
                if self._runtime is None and self._clock() >= self._next_try:
                    self._try_open()
            finally:
                self._lock.release()
        if self._runtime is None:
            raise IndexNotReady(self._location, self._reason)
        return self._runtime

    def reload(self) -> tuple[str, bool]:
        """Switch to the newest published generation now: its name, and whether it switched.

        Raises:
            IndexNotReady: there is still nothing to serve.
        """
        with self._lock:
            if self._runtime is None:
                self._next_try = -float("inf")
                self._try_open()
                if self._runtime is None:
                    raise IndexNotReady(self._location, self._reason)
                return self._runtime.served.info.name, True
            switched = self._runtime.served.refresh()
            return self._runtime.served.info.name, switched

    def _try_open(self) -> None:
        self._next_try = self._clock() + self._retry
        if self._embedder is None:
            self._embedder = build_embedder(self._settings)
        try:
            self._runtime = build_runtime(
                self._settings,
                embedder=self._embedder,
                crisis=self.crisis,
                sessions=self.sessions,
                redis=self._redis,
            )
        except (IndexNotReady, IndexMismatch) as exc:
            if self._reason != str(exc):
                log.warning("not answering yet: %s", exc)
            self._reason = str(exc)
            return
        log.info("serving index generation %s", self._runtime.served.info.name)

    def close(self) -> None:
        with self._lock:
            if self._runtime is not None and self._owned:
                self._runtime.close()
            self._runtime = None


class LlmProbe:
    """Whether the chat model's server answers (`GET /models`), remembered for a while."""

    def __init__(
        self, settings: Settings, *, ttl_seconds: float = 15.0, timeout_seconds: float = 1.0
    ) -> None:
        self._url = settings.llm_base_url.rstrip("/") + "/models" if settings.llm_base_url else None
        self._key = settings.llm_api_key.get_secret_value()
        self._ttl = ttl_seconds
        self._timeout = timeout_seconds
        self._checked_at = -float("inf")
        self._status: LlmStatus = "extractive" if self._url is None else "down"

    def status(self) -> LlmStatus:
        if self._url is None:
            return "extractive"
        now = time.monotonic()
        if now - self._checked_at >= self._ttl:
            self._checked_at = now
            try:
                reply = httpx.get(
                    self._url,
                    headers={"Authorization": f"Bearer {self._key}"},
                    timeout=self._timeout,
                )
            except httpx.HTTPError:
                self._status = "down"
            else:
                self._status = "ok" if reply.is_success else "down"
        return self._status


@dataclass(slots=True)
class AppState:
    """Everything the routes reach through `api.deps`."""

    settings: Settings
    answering: AnsweringSlot
    redis: RedisLink
    limiter: RateLimiter
    feedback: FeedbackStore
    callbacks: CallbackBook
    asked: QuestionLog
    outbox: Outbox
    keys: KeyRing
    metrics: Metrics
    llm: LlmProbe
    store: IndexStore

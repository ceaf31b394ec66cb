"""Conversation history per session (`rag.followups` makes follow-up questions standalone).

History lives in Redis (a list of JSON turns per session, capped and expiring) or, for the
embedded default with no Redis configured, in process. Redis is a convenience, not a dependency
of answering: `ResilientConversationStore` turns an unreachable Redis into "no history".
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol, TypeVar, get_args

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from rag.errors import OkienkoError
from rag.settings import Settings

logger = logging.getLogger(__name__)

Role = Literal["user", "assistant"]
_T = TypeVar("_T")
_ROLES: frozenset[str] = frozenset(get_args(Role))
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Both mean "Redis is not there"; anything else (a wrong type, a bad command) is a bug and raises.
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class HistoryUnavailable(OkienkoError):
    """The conversation store did not answer when asked to erase a session, or to read one
    whose absence must mean it is not there (`history(..., strict=True)`)."""

    def __init__(self, operation: str, reason: str) -> None:
        super().__init__(f"conversation store unavailable for {operation}: {reason}")
        self.operation = operation
        self.reason = reason


class InvalidSessionId(OkienkoError):
    """A session id that is not 8–64 characters of letters, digits, `_` and `-`."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"invalid session id {session_id[:80]!r}: expected 8–64 of [A-Za-z0-9_-]")
        self.session_id = session_id


@dataclass(frozen=True, slots=True)
class Turn:
    """One message of a conversation, already redacted of personal data by the caller."""

    role: Role
    text: str
    at: float  # unix time
    standalone: str | None = None  # user turns: the question rewritten to stand alone
    topics: tuple[str, ...] = ()  # assistant turns: topics of the passages the answer used
    crisis: str = "none"  # user turns: the crisis level assessed (rag.crisis), for follow-ups
    crisis_kinds: tuple[str, ...] = ()
    asked: str | None = None  # assistant turns: "calculator:field" a calculator asked for


class ConversationStore(Protocol):
    """Where turns of a session are kept; every implementation passes the contract tests.

    Each method taking a `session_id` raises `InvalidSessionId` for an id that
    `valid_session_id` refuses, before touching storage.
    """

    def history(self, session_id: str, *, strict: bool = False) -> list[Turn]:
        """The session's live turns, oldest first; `[]` for an unknown or expired session.

        Args:
            session_id: the conversation.
            strict: `[]` must mean there is none (a resident reading back their conversation);
                without it, `ResilientConversationStore` answers `[]` while its storage is down
                (answering goes on without history).

        Raises:
            HistoryUnavailable: `ResilientConversationStore` only, with `strict`, when its
                storage does not answer.
        """
        ...

    def append(self, session_id: str, *turns: Turn) -> None:
        """Add turns in order, keep only the newest `max_turns`, restart the session's TTL."""
        ...

    def delete(self, session_id: str) -> bool:
        """Erase the session; True if there was something to erase.

        Raises:
            HistoryUnavailable: `ResilientConversationStore` only, when its storage does not
                answer (a resident must not be told their conversation is gone when it is not).
        """
        ...

    def ping(self) -> bool:
        """Whether the storage answers."""
        ...


def valid_session_id(value: str) -> bool:
    """Whether `value` is shaped as a session id (8–64 of `[A-Za-z0-9_-]`); which ids the server
    issued is `rag.sessions.SessionIds`' business."""
    return _SESSION_ID.fullmatch(value) is not None


def _checked(session_id: str) -> str:
    if not valid_session_id(session_id):
        raise InvalidSessionId(session_id)
    return session_id


def _encode(turn: Turn) -> str:
    return json.dumps(asdict(turn), ensure_ascii=False)


def _decode(raw: bytes | str) -> Turn | None:
    try:
        data = json.loads(raw)
        turn: Turn | None = Turn(
            role=data["role"],
            text=data["text"],
            at=float(data["at"]),
            standalone=data.get("standalone"),
            topics=tuple(data.get("topics") or ()),
            crisis=str(data.get("crisis") or "none"),
            crisis_kinds=tuple(data.get("crisis_kinds") or ()),
            asked=str(data["asked"]) if data.get("asked") else None,
        )
    except (ValueError, KeyError, TypeError):
        turn = None
    strings = (turn.text, turn.standalone or "", *turn.topics, *turn.crisis_kinds) if turn else ()
    if turn is None or turn.role not in _ROLES or not all(isinstance(s, str) for s in strings):
        # One damaged entry should cost that turn, not the resident's answer.
        logger.warning("skipping an unreadable conversation turn: %.80r", raw)
        return None
    return turn


class RedisConversationStore:
    """A Redis LIST of JSON turns per session, trimmed to `max_turns`, expiring after `ttl`."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        ttl_seconds: int,
        max_turns: int,
        key_prefix: str = "okienko:session:",
    ) -> None:
        self._client = client
        self._ttl = ttl_seconds
        self._max_turns = max_turns
        self._prefix = key_prefix

    def key(self, session_id: str) -> str:
        """The Redis key holding a session's turns."""
        return self._prefix + _checked(session_id)

    def history(self, session_id: str, *, strict: bool = False) -> list[Turn]:
        del strict  # an outage raises redis-py's own error either way
        raw = self._client.lrange(self.key(session_id), 0, -1)
        return [turn for item in raw if (turn := _decode(item)) is not None]

    def append(self, session_id: str, *turns: Turn) -> None:
        if not turns:
            return
        key = self.key(session_id)
        # One MULTI/EXEC: a reader never sees the list uncapped or without its expiry.
        with self._client.pipeline(transaction=True) as pipe:
            pipe.rpush(key, *(_encode(turn) for turn in turns))
            pipe.ltrim(key, -self._max_turns, -1)
            pipe.expire(key, self._ttl)
            pipe.execute()

    def delete(self, session_id: str) -> bool:
        return bool(self._client.delete(self.key(session_id)))

    def ping(self) -> bool:
        try:
            return bool(self._client.ping())
        except _UNREACHABLE:
            return False


@dataclass(slots=True)
class _Session:
    turns: list[Turn] = field(default_factory=list)
    expires_at: float = 0.0


class MemoryConversationStore:
    """In-process history for a single process (the embedded default); thread-safe."""

    def __init__(
        self,
        *,
        ttl_seconds: int,
        max_turns: int,
        max_sessions: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max_turns = max_turns
        self._max_sessions = max_sessions
        self._clock = clock
        self._lock = threading.Lock()
        # Ordered by last append; as each append refreshes the TTL, this is also expiry order.
        self._sessions: OrderedDict[str, _Session] = OrderedDict()

    def _live(self, session_id: str, now: float) -> _Session | None:
        session = self._sessions.get(_checked(session_id))
        if session is not None and session.expires_at <= now:
            del self._sessions[session_id]
            return None
        return session

    def history(self, session_id: str, *, strict: bool = False) -> list[Turn]:
        del strict  # in process: it always answers
        with self._lock:
            session = self._live(session_id, self._clock())
            return list(session.turns) if session else []

    def append(self, session_id: str, *turns: Turn) -> None:
        if not turns:
            return
        with self._lock:
            now = self._clock()
            session = self._live(session_id, now) or _Session()
            session.turns = [*session.turns, *turns][-self._max_turns :]
            session.expires_at = now + self._ttl
            self._sessions[session_id] = session
            self._sessions.move_to_end(session_id)
            while self._sessions:
                oldest_id, oldest = next(iter(self._sessions.items()))
                if oldest.expires_at > now and len(self._sessions) <= self._max_sessions:
                    break
                del self._sessions[oldest_id]

    def delete(self, session_id: str) -> bool:
        with self._lock:
            if self._live(session_id, self._clock()) is None:
                return False
            del self._sessions[session_id]
            return True

    def ping(self) -> bool:
        return True


class ResilientConversationStore:
    """A store whose outage means "answer without history", never a failed answer.

    After a failure the wrapped store is left alone for `retry_after_seconds`, so a Redis that is
    down costs one socket timeout per interval instead of one per request; the warning is logged
    at most once per `warn_every_seconds`, with a count of the ones held back. Erasing is the
    exception: it is always tried, and an outage raises `HistoryUnavailable` instead of looking
    like "nothing to erase"; so is a strict read, which must not look like "no conversation".
    """

    def __init__(
        self,
        store: ConversationStore,
        *,
        retry_after_seconds: float = 5.0,
        warn_every_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._retry_after = retry_after_seconds
        self._warn_every = warn_every_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._retry_at = -float("inf")
        self._down = False
        self._last_warning = -float("inf")
        self._held_back = 0

    def _guarded(
        self, operation: str, call: Callable[[], _T], fallback: _T, *, strict: bool = False
    ) -> _T:
        strict = strict or operation == "delete"
        if operation not in ("ping", "delete") and self._clock() < self._retry_at:
            if strict:
                raise HistoryUnavailable(operation, "failed recently")
            return fallback
        try:
            result = call()
        except _UNREACHABLE as error:
            self._failed(operation, error)
            if strict:
                raise HistoryUnavailable(operation, str(error)) from error
            return fallback
        if self._down:
            with self._lock:
                self._down, self._retry_at = False, -float("inf")
            logger.info("conversation store reachable again")
        return result

    def _failed(self, operation: str, error: Exception) -> None:
        now = self._clock()
        with self._lock:
            self._down = True
            self._retry_at = now + self._retry_after
            if now - self._last_warning < self._warn_every:
                self._held_back += 1
                return
            held_back, self._held_back, self._last_warning = self._held_back, 0, now
        logger.warning(
            "conversation store unreachable during %s (%s); answering without history "
            "(%d similar warnings held back)",
            operation,
            error,
            held_back,
        )

    def history(self, session_id: str, *, strict: bool = False) -> list[Turn]:
        _checked(session_id)
        return self._guarded("history", lambda: self._store.history(session_id), [], strict=strict)

    def append(self, session_id: str, *turns: Turn) -> None:
        _checked(session_id)
        self._guarded("append", lambda: self._store.append(session_id, *turns), None)

    def delete(self, session_id: str) -> bool:
        _checked(session_id)
        # No fallback: `_guarded` raises `HistoryUnavailable` for a failed erasure.
        return self._guarded("delete", lambda: self._store.delete(session_id), False)

    def ping(self) -> bool:
        return self._guarded("ping", self._store.ping, False)


def open_conversation_store(settings: Settings) -> ConversationStore:
    """The store the settings ask for: Redis when `redis_url` is set, else in process.

    Args:
        settings: `redis_url`, `redis_prefix`, `session_ttl_seconds` and `session_max_turns`
            are read.

    Returns:
        A `ResilientConversationStore` over Redis (nothing is connected until first use), or a
        `MemoryConversationStore`.

    Raises:
        ValueError: `redis_url` is not a Redis URL (redis-py's own message).
    """
    if settings.redis_url is None:
        return MemoryConversationStore(
            ttl_seconds=settings.session_ttl_seconds, max_turns=settings.session_max_turns
        )
    # Short timeouts: a missing Redis must not hold up the answer. One immediate retry, so that
    # a pooled connection dropped by a Redis restart costs a reconnect, not the history.
    client = redis.Redis.from_url(
        settings.redis_url,
        socket_timeout=0.5,
        socket_connect_timeout=0.5,
        retry=Retry(NoBackoff(), 1),
    )
    return ResilientConversationStore(
        RedisConversationStore(
            client,
            ttl_seconds=settings.session_ttl_seconds,
            max_turns=settings.session_max_turns,
            key_prefix=settings.redis_prefix + "session:",
        )
    )

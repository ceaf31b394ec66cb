"""Conversation history per session (`rag.followups` makes follow-up questions standalone).

History lives in Redis (a list of JSON turns per session, capped and expiring) or, for the
embedded default with no Redis configured, in process. Redis is a convenience, not a dependency
of answering: `RedisConversationStore` turns an unreachable Redis into "no history". It goes
through the process's one `RedisLink`, so an outage seen by the rate limits or the feedback
pauses the conversations too, and the other way round.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol, get_args

import redis

from rag.errors import OkienkoError
from rag.redis_link import RedisDown, RedisLink
from rag.settings import Settings

logger = logging.getLogger(__name__)

Role = Literal["user", "assistant"]
_ROLES: frozenset[str] = frozenset(get_args(Role))
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


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
                without it, `RedisConversationStore` answers `[]` while Redis is down
                (answering goes on without history).

        Raises:
            HistoryUnavailable: `RedisConversationStore` only, with `strict`, when Redis does
                not answer.
        """
        ...

    def append(self, session_id: str, *turns: Turn) -> None:
        """Add turns in order, keep only the newest `max_turns`, restart the session's TTL."""
        ...

    def delete(self, session_id: str) -> bool:
        """Erase the session; True if there was something to erase.

        Raises:
            HistoryUnavailable: `RedisConversationStore` only, when Redis does not answer (a
                resident must not be told their conversation is gone when it is not).
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
    """A Redis LIST of JSON turns per session (`<prefix>session:<id>`), trimmed to `max_turns`,
    expiring after `ttl`.

    An outage means "answer without history", never a failed answer: a read gives `[]` and an
    append is dropped, and the link's pause after a failure spares each request a timeout.
    Erasing is the exception: it is tried even within the pause, and an outage raises
    `HistoryUnavailable` instead of looking like "nothing to erase"; so is a strict read,
    which must not look like "no conversation". Other Redis errors (a wrong type, a bad
    command) are bugs and raise.
    """

    def __init__(self, link: RedisLink, *, ttl_seconds: int, max_turns: int) -> None:
        self._link = link
        self._ttl = ttl_seconds
        self._max_turns = max_turns

    def key(self, session_id: str) -> str:
        """The Redis key holding a session's turns."""
        return self._link.key("session", _checked(session_id))

    def history(self, session_id: str, *, strict: bool = False) -> list[Turn]:
        key = self.key(session_id)
        try:
            raw = self._link.run("conversation history", lambda client: client.lrange(key, 0, -1))
        except RedisDown as exc:
            if strict:
                raise HistoryUnavailable("history", exc.reason) from exc
            return []
        return [turn for item in raw if (turn := _decode(item)) is not None]

    def append(self, session_id: str, *turns: Turn) -> None:
        key = self.key(session_id)
        if not turns:
            return
        encoded = [_encode(turn) for turn in turns]
        # Redis down: the answer goes on, without this turn in its history (the link warned).
        with contextlib.suppress(RedisDown):
            self._link.run("conversation append", lambda client: self._push(client, key, encoded))

    def _push(self, client: redis.Redis, key: str, encoded: list[str]) -> None:
        # One MULTI/EXEC: a reader never sees the list uncapped or without its expiry.
        with client.pipeline(transaction=True) as pipe:
            pipe.rpush(key, *encoded)
            pipe.ltrim(key, -self._max_turns, -1)
            pipe.expire(key, self._ttl)
            pipe.execute()

    def delete(self, session_id: str) -> bool:
        key = self.key(session_id)
        try:
            erased = self._link.run(
                "conversation erasure", lambda client: client.delete(key), despite_pause=True
            )
        except RedisDown as exc:
            raise HistoryUnavailable("delete", exc.reason) from exc
        return bool(erased)

    def ping(self) -> bool:
        return self._link.status() == "ok"


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


def open_conversation_store(settings: Settings, link: RedisLink | None = None) -> ConversationStore:
    """The store the settings ask for: Redis when `redis_url` is set, else in process.

    Args:
        settings: `session_ttl_seconds` and `session_max_turns` are read; without `link`,
            `redis_url` and `redis_prefix` too.
        link: the process's Redis link, shared with everything else that uses Redis so that
            one pool and one breaker serve them all; by default a link of the store's own.

    Returns:
        A `RedisConversationStore` (nothing is connected until first use), or a
        `MemoryConversationStore` when the link has no Redis.

    Raises:
        ValueError: `redis_url` is not a Redis URL (redis-py's own message).
    """
    if link is None:
        link = RedisLink.from_url(settings.redis_url, prefix=settings.redis_prefix)
    if not link.configured:
        return MemoryConversationStore(
            ttl_seconds=settings.session_ttl_seconds, max_turns=settings.session_max_turns
        )
    return RedisConversationStore(
        link, ttl_seconds=settings.session_ttl_seconds, max_turns=settings.session_max_turns
    )

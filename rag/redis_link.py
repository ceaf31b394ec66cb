"""The process's one Redis connection: conversations, rate limits, feedback, answer records and
callback requests all go through it, so they share one pool and one circuit breaker.

Redis is a convenience here, never a reason to fail an answer. After a failure the link is
left alone for `retry_after_seconds`, so a Redis that is down costs one short timeout per
interval instead of one per request, and callers fall back (an in-process limiter, the outbox
of writes held until Redis answers, memory). Every key starts with the deployment's
`redis_prefix`, so deployments can share one Redis.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Literal, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

from rag.errors import OkienkoError

log = logging.getLogger(__name__)

RedisStatus = Literal["ok", "down", "not_configured"]
_T = TypeVar("_T")
# Both mean "Redis is not there"; anything else (a wrong type, a bad command) is a bug.
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class RedisDown(OkienkoError):
    """Redis is not configured, or did not answer; the caller falls back."""

    def __init__(self, operation: str, reason: str) -> None:
        super().__init__(f"redis unavailable for {operation}: {reason}")
        self.operation = operation
        self.reason = reason


class RedisLink:
    """One Redis client (or none) shared by the service's parts, with a short circuit breaker."""

    def __init__(
        self,
        client: redis.Redis | None,
        *,
        prefix: str = "okienko:",
        retry_after_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self.prefix = prefix
        self._retry_after = retry_after_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._retry_at = -float("inf")

    @classmethod
    def from_url(cls, url: str | None, *, prefix: str = "okienko:") -> RedisLink:
        """A link to `url` (nothing is connected until first use), or a link to nothing."""
        if url is None:
            return cls(None, prefix=prefix)
        # Short timeouts: a missing Redis must not hold up an answer. One immediate retry, so
        # that a pooled connection dropped by a Redis restart costs a reconnect, not a call.
        client = redis.Redis.from_url(
            url,
            socket_timeout=0.5,
            socket_connect_timeout=0.5,
            retry=Retry(NoBackoff(), 1),
        )
        return cls(client, prefix=prefix)

    @property
    def configured(self) -> bool:
        return self._client is not None

    def key(self, *parts: str) -> str:
        """A key under this service's prefix, e.g. `okienko:feedback`."""
        return self.prefix + ":".join(parts)

    def run(
        self, operation: str, call: Callable[[redis.Redis], _T], *, despite_pause: bool = False
    ) -> _T:
        """Run `call` with the client.

        Args:
            operation: what the call is for, in the warning and in `RedisDown`.
            call: what to do with the client.
            despite_pause: ask Redis even within the pause after a failure (a resident's
                erasure: refusing it from the memory of a failure would keep them waiting
                when Redis may be back).

        Raises:
            RedisDown: no Redis is configured, it failed within the last few seconds (unless
                `despite_pause`), or it does not answer now.
        """
        if self._client is None:
            raise RedisDown(operation, "not configured")
        if not despite_pause and self._clock() < self._retry_at:
            raise RedisDown(operation, "failed recently")
        try:
            result = call(self._client)
        except _UNREACHABLE as exc:
            with self._lock:
                first = self._retry_at == -float("inf")
                self._retry_at = self._clock() + self._retry_after
            if first:
                log.warning("redis unreachable during %s (%s); working without it", operation, exc)
            raise RedisDown(operation, str(exc)) from exc
        self._recovered()
        return result

    def _recovered(self) -> None:
        if self._retry_at != -float("inf"):
            with self._lock:
                self._retry_at = -float("inf")
            log.info("redis reachable again")

    def status(self) -> RedisStatus:
        """Ping now (ignoring the breaker): what readiness reports.

        A ping that succeeds also ends the breaker's pause, so held writes and shared rate
        limits come back at the next readiness probe rather than after the pause.
        """
        if self._client is None:
            return "not_configured"
        try:
            self._client.ping()
        except _UNREACHABLE:
            return "down"
        self._recovered()
        return "ok"

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

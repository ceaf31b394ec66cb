"""Requests per minute per client address and questions per minute per conversation.

Fixed one-minute windows counted in Redis (INCR and EXPIRE in one pipeline), so every worker
sees the same counts. When Redis is down the same windows are counted in process: the limit then
holds per process, which is weaker but never a crash and never an open door.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Literal

import redis

from api.errors import RateLimited
from rag.redis_link import RedisDown, RedisLink

Scope = Literal["client", "session"]
WINDOW_SECONDS = 60
# A little longer than the window, so a late reader still finds the count.
COUNT_TTL_SECONDS = WINDOW_SECONDS + 5


class MemoryCounter:
    """Window counts in process (the fallback); only the current windows are kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[str, int] = {}

    def hit(self, key: str, window: int) -> int:
        with self._lock:
            if window > self._window:  # a late hit of the previous window does not reset
                self._window, self._counts = window, {}
            self._counts[key] = self._counts.get(key, 0) + 1
            return self._counts[key]


class RateLimiter:
    """Counts hits per client and per session; raises `RateLimited` past the limit."""

    def __init__(
        self,
        link: RedisLink,
        *,
        per_client: int,
        per_session: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._link = link
        self._limits: dict[Scope, int] = {"client": per_client, "session": per_session}
        self._clock = clock
        self._memory = MemoryCounter()

    def check(self, scope: Scope, identity: str) -> None:
        """Count one hit of `identity` (an address or a session id) in the current window.

        Raises:
            RateLimited: the limit for `scope` is exceeded; `retry_after` is the seconds left
                in the window.
        """
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        key = self._link.key("ratelimit", scope, identity, str(window))
        try:
            count = self._link.run("rate limit", lambda client: _incr(client, key))
        except RedisDown:
            count = self._memory.hit(key, window)
        if count > self._limits[scope]:
            left = (window + 1) * WINDOW_SECONDS - now
            raise RateLimited(scope=scope, retry_after=max(1, math.ceil(left)))


def _incr(client: redis.Redis, key: str) -> int:
    with client.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, COUNT_TTL_SECONDS)
        count, _ = pipe.execute()
    return int(count)

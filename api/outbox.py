"""Writes Redis could not take yet: held in process (bounded), written in order once it answers.

A resident's feedback or callback request is their own words; dropping it because Redis blinked
would be worse than keeping it in memory for a while. Every write held is counted (the metrics,
readiness) and logged; one that cannot be held (the outbox is full) or is still held when the
process stops is counted as lost and logged. Held writes live in one process: a crash loses them.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import redis

from api.metrics import Metrics
from rag.redis_link import RedisDown, RedisLink

log = logging.getLogger(__name__)

WriteKind = Literal["feedback", "callback"]
# A feedback entry carries its question and answer, a few kB: the outbox stays under ~20 MB.
CAPACITY = 5_000
# A held write waits at most this long after Redis answers again (or the breaker's pause ends).
FLUSH_EVERY_SECONDS = 1.0


@dataclass(frozen=True, slots=True, eq=False)
class HeldWrite:
    """One write, replayable: `write` does with the client what the original call meant to."""

    kind: WriteKind
    session_id: str | None  # whose conversation it belongs to, so that erasing it reaches here
    write: Callable[[redis.Redis], object]


class Outbox:
    """Held writes, oldest first, with a background thread that writes them when it can."""

    def __init__(self, link: RedisLink, *, metrics: Metrics, capacity: int = CAPACITY) -> None:
        self._link = link
        self._metrics = metrics
        self._capacity = capacity
        self._queue: deque[HeldWrite] = deque()
        self._lock = threading.Lock()  # guards the queue
        # One replay at a time; `discard_session` takes it too, so an erasure never races a
        # replay of the very write it removes.
        self._writing = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        metrics.writes_pending.set_function(lambda: len(self))

    def __len__(self) -> int:
        with self._lock:
            return len(self._queue)

    def hold(self, write: HeldWrite) -> bool:
        """Keep a write that Redis did not take; False (counted as lost) when the outbox is full."""
        with self._lock:
            full = len(self._queue) >= self._capacity
            first = not self._queue
            if not full:
                self._queue.append(write)
        if full:
            self.lost(write.kind, f"redis unavailable and {self._capacity} writes already held")
            return False
        self._metrics.writes_held.labels(kind=write.kind).inc()
        if first:
            log.warning("redis unavailable: holding writes in process until it answers")
        return True

    def lost(self, kind: WriteKind, why: str) -> None:
        """Count and log a write that will never reach Redis (its content is never logged)."""
        self._metrics.writes_lost.labels(kind=kind).inc()
        log.warning("a %s was not persisted: %s", kind, why)

    def flush(self) -> int:
        """Replay held writes, oldest first, until none is left or Redis fails again.

        Returns:
            How many were written now.
        """
        written = 0
        while True:
            with self._writing:
                with self._lock:
                    if not self._queue:
                        break
                    held = self._queue[0]
                try:
                    self._link.run(f"replay held {held.kind}", held.write)
                except RedisDown:
                    break
                except redis.RedisError as exc:
                    # Redis refused the command itself: retrying cannot help, and it must not
                    # hold back the writes behind it.
                    self.lost(held.kind, f"redis refused it ({exc})")
                else:
                    written += 1
                    self._metrics.writes_flushed.labels(kind=held.kind).inc()
                with self._lock:
                    self._queue.popleft()  # still `held`: only replays remove from the front
        if written:
            log.info("wrote %d held writes to redis (%d still held)", written, len(self))
        return written

    def discard_session(self, session_id: str) -> int:
        """Forget the held writes of one conversation (its resident erased it); how many."""
        with self._writing, self._lock:
            kept = deque(held for held in self._queue if held.session_id != session_id)
            dropped = len(self._queue) - len(kept)
            self._queue = kept
        return dropped

    def start(self, *, every_seconds: float = FLUSH_EVERY_SECONDS) -> None:
        """Replay held writes in a background thread every `every_seconds` while any are held."""
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(every_seconds,), name="okienko-outbox", daemon=True
        )
        self._thread.start()

    def _run(self, every_seconds: float) -> None:
        while not self._stop.wait(every_seconds):
            if not len(self):
                continue
            try:
                self.flush()
            except Exception:
                # A bug here must not end the thread silently with writes still held.
                log.exception("replaying held writes failed")

    def close(self) -> None:
        """Stop the thread, try once more, and count (and log) what is still held as lost."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.flush()
        with self._lock:
            left, self._queue = self._queue, deque()
        if not left:
            return
        kinds = Counter(held.kind for held in left)
        for kind, count in kinds.items():
            self._metrics.writes_lost.labels(kind=kind).inc(count)
        log.error(
            "stopping with writes redis never took: %s lost",
            ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items())),
        )

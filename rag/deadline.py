"""The time one request may give the chat model, shared by every call it makes.

A request may ask the model twice (the follow-up rewrite, then the answer), and each call may
be retried. Each of them takes its timeout from one `Deadline`, so the whole request waits at
most `llm_deadline_seconds` for the model and then answers extractively. A request whose client
went away cancels its deadline: the model calls still running stop at their next chunk.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]


class Deadline:
    """A point in time (of `clock`, seconds) after which no model call starts or continues."""

    def __init__(self, at: float, *, clock: Clock = time.monotonic) -> None:
        self._at = at
        self._clock = clock
        self._cancelled = threading.Event()  # set from the event loop, read by worker threads

    @classmethod
    def after(cls, seconds: float, *, clock: Clock = time.monotonic) -> Deadline:
        """The deadline `seconds` from now."""
        return cls(clock() + seconds, clock=clock)

    def remaining(self) -> float:
        """Seconds left; 0 once passed or cancelled."""
        if self._cancelled.is_set():
            return 0.0
        return max(0.0, self._at - self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0.0

    @property
    def cancelled(self) -> bool:
        """Whether `cancel` was called (the client left), as opposed to time running out."""
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """No time left from now on (thread-safe)."""
        self._cancelled.set()

    def pause(self, seconds: float) -> bool:
        """Wait up to `seconds` (less if the deadline comes first); False if it was cancelled
        or has passed by the end, so the caller need not try again."""
        self._cancelled.wait(min(seconds, self.remaining()))
        return not self.expired

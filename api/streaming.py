"""Streamed answers that stop asking the chat model when their client leaves.

The answering pipeline is synchronous: its events are produced in worker threads. Starlette,
under an ASGI 2.4 server, notices a client that left only when the next event fails to send,
which for a model still thinking can be the whole deadline later. `first_event` (before the
response starts) and `AnswerStream` (while it streams) listen for the disconnect themselves and
cancel the request's `Deadline`: the model call stops at its next chunk and its HTTP request is
closed, and the abandoned generator is closed, not left to the garbage collector. A model that
sends nothing at all is left to its timeout, which the deadline bounds: a read blocked in
another thread cannot be interrupted.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from typing import TypeVar

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from rag.deadline import Deadline

_E = TypeVar("_E")


class _Exhausted(Exception):
    """StopIteration cannot cross a thread's future; this says the same."""


def _next(events: Iterator[_E]) -> _E:
    try:
        return next(events)
    except StopIteration:
        raise _Exhausted from None


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def first_event(events: Iterator[_E], *, receive: Receive, deadline: Deadline) -> _E:
    """`next(events)` in a worker thread, before the response starts (so that what it raises
    becomes an ordinary JSON error); a client that leaves meanwhile cancels `deadline`.

    Raises:
        What `next(events)` raises.
    """
    produced: list[_E] = []
    failed: list[Exception] = []
    async with anyio.create_task_group() as group:

        async def produce() -> None:
            try:
                produced.append(await anyio.to_thread.run_sync(_next, events))
            except Exception as exc:  # raised again below, outside the task group
                failed.append(exc)
            group.cancel_scope.cancel()

        group.start_soon(produce)
        await _disconnected(receive)
        deadline.cancel()  # the client left: `produce` ends at the model's next chunk
    if failed:
        raise failed[0]
    return produced[0]


class _Pump:
    """A generator advanced in worker threads and closed from the event loop.

    Closing is what ends the model request of a stream nobody reads any more: left to the
    garbage collector, an abandoned generator can keep its HTTP request to the model open.
    A generator is closed at once when no thread is advancing it, else by that thread as soon
    as its step returns (a generator cannot be closed while it runs).
    """

    def __init__(self, events: Iterator[str]) -> None:
        self._events = events
        self._lock = threading.Lock()
        self._busy = False
        self._closing = False

    def step(self) -> str:
        """The next event (in a worker thread). Raises `_Exhausted` at the end or once closed."""
        with self._lock:
            if self._closing:
                raise _Exhausted
            self._busy = True
        try:
            return _next(self._events)
        finally:
            with self._lock:
                self._busy = False
                close = self._closing
            if close:
                self._close()

    def close(self) -> None:
        with self._lock:
            self._closing = True
            busy = self._busy
        if not busy:
            self._close()

    def _close(self) -> None:
        if isinstance(self._events, Generator):
            self._events.close()


async def _in_threads(pump: _Pump) -> AsyncIterator[str]:
    while True:
        try:
            # Abandoned on cancel: a thread blocked on the model returns on its own, to nobody.
            event = await anyio.to_thread.run_sync(pump.step, abandon_on_cancel=True)
        except _Exhausted:
            return
        yield event


class AnswerStream(StreamingResponse):
    """Server-sent events produced in worker threads; `deadline` is cancelled when the client
    disconnects (or the stream ends)."""

    def __init__(
        self,
        events: Iterator[str],
        *,
        deadline: Deadline,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._pump = _Pump(events)
        super().__init__(_in_threads(self._pump), media_type="text/event-stream", headers=headers)
        self._deadline = deadline

    async def __call__(
        self,
        scope: Scope,  # noqa: ARG002 (an HTTP response: nothing in the scope changes it)
        receive: Receive,
        send: Send,
    ) -> None:
        try:
            async with anyio.create_task_group() as group:

                async def stream() -> None:
                    # A send that fails means the client is gone: the listener hears it too.
                    with contextlib.suppress(OSError):
                        await self.stream_response(send)
                    group.cancel_scope.cancel()

                group.start_soon(stream)
                await self.listen_for_disconnect(receive)
                group.cancel_scope.cancel()
        finally:
            self._deadline.cancel()
            self._pump.close()

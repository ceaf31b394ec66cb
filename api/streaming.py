"""Streamed answers that stop asking the chat model when their client leaves.

The answering pipeline is synchronous: its events are produced in worker threads. Starlette,
under an ASGI 2.4 server, notices a client that left only when the next event fails to send,
which for a model still thinking can be the whole deadline later. `AnswerStream` listens for
the disconnect itself and cancels the request's `Deadline`: the model call stops at its next
chunk and its HTTP request is closed, and the worker thread is not waited for.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator, Mapping

import anyio
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from rag.deadline import Deadline


class _Exhausted(Exception):
    """StopIteration cannot cross a thread's future; this says the same."""


def _next(events: Iterator[str]) -> str:
    try:
        return next(events)
    except StopIteration:
        raise _Exhausted from None


async def _in_threads(events: Iterator[str]) -> AsyncIterator[str]:
    while True:
        try:
            # Abandoned on cancel: a thread blocked on the model returns on its own, to nobody.
            event = await anyio.to_thread.run_sync(_next, events, abandon_on_cancel=True)
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
        super().__init__(_in_threads(events), media_type="text/event-stream", headers=headers)
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

"""A request body larger than the service ever needs is refused before it is read.

A chat message is at most 2 000 characters; a 100 MB body used to be read and parsed before the
422, and memory stayed high after it. `BodyLimit` answers 413 with the usual Polish error body:
at once when `Content-Length` says too much, and as soon as a body sent without it (chunked)
passes the limit. A body that trickles in (a slowloris client holding a worker with a byte a
second) is refused with 408 once reading it has taken longer than `read_seconds`: a real message
arrives in one packet.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

TOO_LARGE_MESSAGE = "Zapytanie jest za duże. Pytanie może mieć najwyżej 2000 znaków."
TOO_SLOW_MESSAGE = "Zapytanie przychodziło zbyt wolno i zostało przerwane. Wyślij je jeszcze raz."


class BodyLimit:
    """Pure ASGI middleware: 413 for request bodies over `max_bytes`, 408 for one that takes
    longer than `read_seconds` to arrive.

    The body is read here (at most `max_bytes` of it) and handed on whole: small enough to hold,
    and nothing downstream ever sees a body it would have to refuse.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, read_seconds: float = 10.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_seconds = read_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, 413, "too_large", TOO_LARGE_MESSAGE)
            return
        try:
            async with asyncio.timeout(self.read_seconds):
                body = await self._read(receive)
        except TimeoutError:
            await _refuse(send, 408, "timeout", TOO_SLOW_MESSAGE)
            return
        except _TooLarge:
            await _refuse(send, 413, "too_large", TOO_LARGE_MESSAGE)
            return
        if body is None:  # the client went away
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: a disconnect, when it comes

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes | None:
        """The whole body, or None when the client went away; `_TooLarge` past `max_bytes`."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


class _TooLarge(Exception):
    """The body passed the limit while it was being read."""


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False).encode(
        "utf-8"
    )
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

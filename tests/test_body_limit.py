"""The body limit over a real socket: an oversized body is refused unread (413), a body that
trickles in is cut off (408), and a normal one reaches the application whole."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

from starlette.types import Receive, Scope, Send

from api.body_limit import TOO_SLOW_MESSAGE, BodyLimit
from tests.api_support import serving


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the length of the body it was given."""
    if scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    reply = json.dumps({"received": len(body)}).encode()
    headers = [(b"content-length", str(len(reply)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": reply})


def _exchange(
    base: str, head: bytes, pieces: list[bytes], pause: float
) -> tuple[int, dict[str, Any], float]:
    """Send `head`, then each piece `pause` seconds apart; the status, JSON body and seconds."""
    host, port = base.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head)
        try:
            for piece in pieces:
                time.sleep(pause)
                conn.sendall(piece)
        except OSError:  # the server closed the connection while the client was still sending
            pass
        raw = b""
        while chunk := conn.recv(65_536):
            raw += chunk
            if b"\r\n\r\n" in raw and raw.rstrip().endswith(b"}"):
                break
    status = int(raw.split(b" ", 2)[1])
    body = json.loads(raw.split(b"\r\n\r\n", 1)[1])
    return status, body, time.monotonic() - started


def _head(length: int) -> bytes:
    return (
        b"POST /v1/chat HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(length).encode() + b"\r\n\r\n"
    )


def test_a_body_that_trickles_in_is_cut_off_with_408_and_a_polish_message() -> None:
    app = BodyLimit(_echo, max_bytes=4096, read_seconds=0.5)
    with serving(app) as base:
        # 40 bytes promised, one a quarter-second: ten seconds if the server waited for them all.
        status, body, seconds = _exchange(base, _head(40), [b"x"] * 40, pause=0.25)
    assert status == 408
    assert body["error"] == {"code": "timeout", "message": TOO_SLOW_MESSAGE}
    assert seconds < 5


def test_a_body_sent_in_pieces_in_good_time_reaches_the_application_whole() -> None:
    app = BodyLimit(_echo, max_bytes=4096, read_seconds=5)
    with serving(app) as base:
        status, body, _ = _exchange(base, _head(30), [b"a" * 10] * 3, pause=0.05)
    assert (status, body) == (200, {"received": 30})


def test_an_oversized_body_is_refused_before_it_is_read() -> None:
    app = BodyLimit(_echo, max_bytes=4096, read_seconds=5)
    with serving(app) as base:
        status, body, _ = _exchange(base, _head(1_000_000), [], pause=0)
    assert status == 413
    assert body["error"]["code"] == "too_large"


def test_the_service_reads_bodies_with_the_configured_deadline(tmp_path: Path) -> None:
    from api.app import create_app
    from rag.settings import Settings

    settings = Settings(data_dir=tmp_path, body_read_seconds=3.5, max_body_bytes=8192)
    app = create_app(settings)
    limits = [m for m in app.user_middleware if getattr(m.cls, "__name__", "") == "BodyLimit"]
    assert len(limits) == 1
    assert limits[0].kwargs == {"max_bytes": 8192, "read_seconds": 3.5}


def test_a_refused_body_is_readable_by_the_widget_on_the_citys_site(tmp_path: Path) -> None:
    """Cross-origin, a 413 without CORS headers reads as "offline" in the browser."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from rag.settings import Settings

    settings = Settings(data_dir=tmp_path, cors_origins=["https://miasto.example"])
    client = TestClient(create_app(settings))  # no lifespan: the limit answers before any route
    refused = client.post(
        "/v1/chat",
        content=b"x" * 100_000,
        headers={"Content-Type": "application/json", "Origin": "https://miasto.example"},
    )
    assert refused.status_code == 413
    assert refused.headers["access-control-allow-origin"] == "https://miasto.example"

"""A real OpenAI-compatible chat server for tests, answering from a script.

It speaks what vLLM speaks on the wire: `POST /v1/chat/completions` answers JSON, or, with
`"stream": true`, server-sent events in a chunked body ending with `data: [DONE]`; `GET
/v1/models` lists the served model. Each test scripts the replies (text, an HTTP error, a delay,
a connection dropped midway, 200 garbage, the prompt echoed back) and reads back every request
body the client sent, and whether a client left a stream before its end (`abandoned`).

Use the `openai_server` fixture, or `with OpenAIServer() as server:` outside pytest (benchmarks).
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

import pytest

DEFAULT_MODEL = "okienko-test/pllum-mini"


@dataclass(frozen=True, slots=True)
class Reply:
    """One scripted answer to one chat-completion request.

    `delay` stands for the model's own time before its first token; `piece_delay` for the time
    between streamed pieces. `drop` closes the connection halfway through a stream (or, for a
    JSON request, before any response). A `status` other than 200 answers with an OpenAI-style
    error body whose message is `text`.
    """

    text: str = ""
    pieces: tuple[str, ...] | None = None  # how a stream splits `text`; None: word by word
    status: int = 200
    delay: float = 0.0
    piece_delay: float = 0.0
    drop: bool = False
    finish_reason: str | None = "stop"  # None: a stream ends (cleanly) without finishing
    raw: str | None = None  # a 200 whose body is this text as it is (HTML, broken JSON …)
    echo: bool = False  # the reply is the request's messages, as a broken model repeats them

    @classmethod
    def error(cls, status: int, message: str = "scripted failure") -> Reply:
        return cls(text=message, status=status)

    def split(self) -> list[str]:
        if self.pieces is not None:
            return list(self.pieces)
        # Leading whitespace stays with its word, the way tokenizers emit it (" dobry").
        return re.findall(r"\s*\S+\s*$|\s*\S+", self.text)


class OpenAIServer:
    """An HTTP server on 127.0.0.1 (a free port) in a background thread, replying from a queue."""

    def __init__(self, *, model: str = DEFAULT_MODEL) -> None:
        self.model = model
        self.requests: list[dict[str, Any]] = []  # chat-completion bodies, in arrival order
        self.headers: list[dict[str, str]] = []  # their headers, lower-cased names
        self.default: Reply | None = None  # answers when the script is used up
        self.errors: list[BaseException] = []  # unexpected failures inside the server
        self.abandoned = threading.Event()  # a client closed a stream before it ended
        self._script: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL a client is given, e.g. `http://127.0.0.1:41234/v1`."""
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Reply | str) -> None:
        """Queue replies; a plain string is a successful reply with that text."""
        with self._lock:
            self._script.extend(Reply(r) if isinstance(r, str) else r for r in replies)

    @property
    def unused(self) -> int:
        """Scripted replies no request has taken yet."""
        with self._lock:
            return len(self._script)

    def start(self) -> None:
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="openai-test-server",
        )
        self._thread.start()

    def stop(self) -> None:
        # Wake handlers waiting out a scripted delay, so shutdown does not wait for them.
        self._closing.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()  # joins the handler threads
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _take(self, body: dict[str, Any], headers: dict[str, str]) -> Reply | None:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            return self._script.popleft() if self._script else self.default


class _HTTPServer(ThreadingHTTPServer):
    owner: OpenAIServer
    daemon_threads = False
    block_on_close = True

    def handle_error(self, request: Any, client_address: Any) -> None:  # noqa: ARG002
        exc = sys.exc_info()[1]
        # A client that gave up (its timeout) resets the connection: expected, not a failure.
        if exc is not None and not isinstance(exc, ConnectionError):
            self.owner.errors.append(exc)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    timeout = 10  # a socket timeout, so a stuck client cannot hold a thread forever

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `requests`, not a log."""

    def do_GET(self) -> None:
        if self.path.rstrip("/") != "/v1/models":
            self._send_json(404, _error_body(404, f"no route {self.path}"))
            return
        model = {"id": self.server.owner.model, "object": "model", "owned_by": "okienko-tests"}
        self._send_json(200, {"object": "list", "data": [model]})

    def do_POST(self) -> None:
        owner = self.server.owner
        if self.path != "/v1/chat/completions":
            self._send_json(404, _error_body(404, f"no route {self.path}"))
            return
        length = int(self.headers.get("content-length", "0"))
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            self._send_json(400, _error_body(400, "the body is not JSON"))
            return
        if not isinstance(body, dict) or not body.get("messages") or not body.get("model"):
            self._send_json(400, _error_body(400, "'model' and 'messages' are required"))
            return
        reply = owner._take(body, {k.lower(): v for k, v in self.headers.items()})
        if reply is None:
            self._send_json(500, _error_body(500, "the test scripted no reply for this request"))
            return
        if reply.delay and owner._closing.wait(reply.delay):
            self.close_connection = True  # shutting down: leave without answering
            return
        if reply.status != 200:
            self._send_json(reply.status, _error_body(reply.status, reply.text))
        elif reply.raw is not None:
            self._send_raw(reply.raw)
        elif reply.echo:
            said = "\n\n".join(str(m.get("content", "")) for m in body["messages"])
            self._reply(body, dataclasses.replace(reply, text=said, echo=False))
        else:
            self._reply(body, reply)

    def _reply(self, body: dict[str, Any], reply: Reply) -> None:
        if body.get("stream"):
            try:
                self._stream(body, reply)
            except (BrokenPipeError, ConnectionResetError):
                self.server.owner.abandoned.set()
        elif reply.drop:
            self.close_connection = True  # the client sees a connection closed without a reply
        else:
            self._send_json(200, _completion(body, reply))

    def _send_json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def _send_raw(self, text: str) -> None:
        data = text.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def _stream(self, body: dict[str, Any], reply: Reply) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        pieces = _apply_stop(reply.split(), body.get("stop"))
        base = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body["model"],
        }

        def event(delta: dict[str, Any], finish: str | None) -> None:
            choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
            self._chunk(base | {"choices": [choice]})

        event({"role": "assistant", "content": ""}, None)
        for n, piece in enumerate(pieces):
            if reply.drop and n >= len(pieces) // 2:
                return  # no terminating chunk: the client sees an incomplete body
            if reply.piece_delay and self.server.owner._closing.wait(reply.piece_delay):
                return
            event({"content": piece}, None)
        if reply.drop:
            return
        if reply.finish_reason is not None:
            event({}, reply.finish_reason)
        if (body.get("stream_options") or {}).get("include_usage"):
            self._chunk(base | {"choices": [], "usage": _usage(body, "".join(pieces))})
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")

    def _chunk(self, payload: dict[str, Any]) -> None:
        self._write_chunk(b"data: " + json.dumps(payload).encode("utf-8") + b"\n\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))


def _apply_stop(pieces: list[str], stop: str | list[str] | None) -> list[str]:
    """Cut the reply before the first stop sequence, as vLLM does (the sequence is not sent)."""
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    text = "".join(pieces)
    cut = min((i for s in stops if s and (i := text.find(s)) >= 0), default=len(text))
    kept: list[str] = []
    used = 0
    for piece in pieces:
        if used >= cut:
            break
        kept.append(piece[: cut - used])
        used += len(piece)
    return [p for p in kept if p]


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    # Words stand in for tokens: the numbers only need to be plausible and deterministic.
    prompt = sum(len(str(m.get("content", "")).split()) for m in body["messages"])
    completion = len(text.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    text = "".join(_apply_stop(reply.split(), body.get("stop")))
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "logprobs": None,
                "finish_reason": reply.finish_reason or "stop",
            }
        ],
        "usage": _usage(body, text),
    }


def _error_body(status: int, message: str) -> dict[str, Any]:
    kind = "BadRequestError" if status < 500 else "InternalServerError"
    return {"error": {"message": message, "type": kind, "param": None, "code": status}}


@pytest.fixture(name="openai_server")
def openai_server_fixture() -> Iterator[OpenAIServer]:
    """A running scripted server; stopped (threads joined) after the test."""
    with OpenAIServer() as server:
        yield server
    if server.errors:
        raise AssertionError(f"the test server failed: {server.errors!r}")

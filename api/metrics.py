"""Prometheus metrics of one app: requests, latency, refusals, citations, fallbacks, held writes.

Each app has its own `CollectorRegistry` (not the process-wide default), so tests and
benchmarks can build many apps in one process.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rag.answers import Answer

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# Answers take tens of milliseconds extractively and seconds through a model.
_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """The app's instruments and their registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "okienko_http_requests",
            "HTTP requests by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "okienko_http_request_duration_seconds",
            "Time to the end of the response body (streams included), by route template.",
            ["route", "method"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.answers = Counter(
            "okienko_answers", "Answers given, by mode.", ["mode"], registry=self.registry
        )
        self.refusals = Counter(
            "okienko_refusals", "Refused answers, by reason.", ["reason"], registry=self.registry
        )
        self.citations_removed = Counter(
            "okienko_citations_removed",
            "Citation markers removed from generated answers because they pointed nowhere.",
            registry=self.registry,
        )
        self.llm_fallbacks = Counter(
            "okienko_llm_fallbacks",
            "Answers given extractively because the chat model failed.",
            registry=self.registry,
        )
        # Feedback and callback requests while Redis is down (see `api.outbox`).
        self.writes_held = Counter(
            "okienko_redis_writes_held",
            "Writes Redis did not take, held in process to be written later, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.writes_flushed = Counter(
            "okienko_redis_writes_flushed",
            "Held writes written to Redis once it answered again, by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.writes_lost = Counter(
            "okienko_redis_writes_lost",
            "Writes never persisted (no Redis, outbox full, or held at shutdown), by kind.",
            ["kind"],
            registry=self.registry,
        )
        self.writes_pending = Gauge(
            "okienko_redis_writes_pending",
            "Writes held in process now, waiting for Redis.",
            registry=self.registry,
        )

    def observe_answer(self, answer: Answer) -> None:
        """Count what the pipeline did for one answer."""
        self.answers.labels(mode=answer.mode).inc()
        if answer.refused:
            self.refusals.labels(reason=answer.reason or "unknown").inc()
        if answer.check.removed_markers:
            self.citations_removed.inc(answer.check.removed_markers)
        if "llm_fallback" in answer.flags:
            self.llm_fallbacks.inc()

    def exposition(self) -> bytes:
        """The Prometheus text format of every instrument."""
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts every HTTP request and times it to the end of its body (pure ASGI: streams too)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before responding

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            # The template, not the path: session ids must not become label values.
            route = scope.get("route")
            template = str(getattr(route, "path", "unmatched"))
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(route=template, method=method, status=str(status)).inc()
            self.metrics.latency.labels(route=template, method=method).observe(
                time.perf_counter() - started
            )

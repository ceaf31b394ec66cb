"""The HTTP service: `create_app(settings)` builds it, its lifespan owns every resource.

`okienko serve` runs it under uvicorn; tests build apps around a runtime of their own. The app
starts whatever the state of its surroundings: without an index it answers 503 and keeps trying
to open one; without Redis it answers without history, counts rate limits in process and holds
feedback and callback requests until Redis is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware

from api.asked import QuestionLog
from api.body_limit import BodyLimit
from api.callbacks import CallbackBook
from api.errors import install_error_handlers
from api.feedback import FeedbackStore
from api.metrics import Metrics, MetricsMiddleware
from api.outbox import Outbox
from api.ratelimit import RateLimiter
from api.routes import (
    admin,
    calculators,
    chat,
    completions,
    feedback,
    handoff,
    handoffs,
    health,
    insight,
    letters,
    sessions,
    static,
)
from api.security import API_KEY_HEADER, KeyRing
from api.state import AnsweringSlot, AppState, LlmProbe
from rag.index import open_store
from rag.redis_link import RedisDown, RedisLink
from rag.runtime import Runtime
from rag.settings import Settings

log = logging.getLogger(__name__)

DESCRIPTION = """\
Okienko odpowiada na pytania mieszkańców i pracowników Centrum Usług Społecznych, cytując
przepisy i procedury, na których opiera odpowiedź.

Mieszkańcy korzystają anonimowo. Odbiorcy `pracownik` i `urzednik` oraz trasy administracyjne
wymagają klucza w nagłówku `X-API-Key`. Każdy błąd ma postać
`{"error": {"code": "...", "message": "..."}}` z komunikatem po polsku; błędne dane kalkulatora
mają w nim też `fields`: komunikat dla każdego pola.
"""

TAGS = [
    {"name": "czat", "description": "Pytania i odpowiedzi z cytowaniem."},
    {
        "name": "kalkulatory",
        "description": "Czy świadczenie przysługuje i ile wynosi: wyliczenie krok po kroku z "
        "przepisami (szacunek, nie decyzja).",
    },
    {"name": "rozmowy", "description": "Historia rozmowy i jej usunięcie."},
    {"name": "opinie", "description": "Oceny odpowiedzi."},
    {"name": "kontakt", "description": "Kontakt z pracownikiem i ustawienia widżetu."},
    {"name": "zgodność z OpenAI", "description": "Fasada chat completions."},
    {
        "name": "prośby o kontakt",
        "description": "Prośby mieszkańców o kontakt: lista, eksport i usunięcie (klucz "
        "pracownika).",
    },
    {
        "name": "pisma",
        "description": "Pisma do mieszkańców ze wzorów CUS: lista, wypełnienie z kontrolą "
        "przepisów i terminów, plik DOCX (klucz pracownika).",
    },
    {"name": "administracja", "description": "Indeks (klucz administratora)."},
    {"name": "stan", "description": "Zdrowie, gotowość i metryki."},
]


def _migrate_callbacks(callbacks: CallbackBook) -> None:
    """Callback requests of older versions get their expiry (tried again at the next start)."""
    try:
        callbacks.migrate_legacy()
    except RedisDown as exc:
        log.warning("old callback requests not moved yet: %s", exc)


def create_app(
    settings: Settings,
    *,
    runtime: Runtime | None = None,
    redis_prefix: str | None = None,
    clock: Callable[[], float] = time.time,
) -> FastAPI:
    """Build the service.

    Args:
        settings: the one settings object (Redis and its key prefix, keys, limits, CORS, the
            CUS contact…).
        runtime: an answering runtime built by the caller (tests), who also closes it (its
            conversations go through its own Redis link, with the prefix of its own settings);
            by default the lifespan builds one with `build_runtime`, its conversations on the
            app's one Redis link, and closes it.
        redis_prefix: replaces `settings.redis_prefix` (tests and benchmarks give each run its
            own keys).
        clock: seconds since the epoch, for the rate limits' one-minute windows (tests fix it
            instead of waiting for a window to start).

    Raises:
        ValueError: a key digest in settings is malformed.
    """
    if redis_prefix is not None:
        settings = settings.model_copy(update={"redis_prefix": redis_prefix})
    keys = KeyRing(staff=settings.api_key_hashes, admin=settings.admin_key_hashes)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One link for the whole process: conversations, rate limits, feedback and the rest
        # share its pool, and an outage any of them sees pauses them all.
        link = RedisLink.from_url(settings.redis_url, prefix=settings.redis_prefix)
        answering = AnsweringSlot(settings, redis=link, runtime=runtime)
        # Loading the model takes seconds: keep the event loop free meanwhile.
        await run_in_threadpool(answering.start)
        outbox = Outbox(link, metrics=metrics)
        app.state.okienko = AppState(
            settings=settings,
            answering=answering,
            redis=link,
            limiter=RateLimiter(
                link,
                per_client=settings.rate_limit_per_minute,
                per_session=settings.rate_limit_session_per_minute,
                clock=clock,
            ),
            feedback=FeedbackStore(link, max_entries=settings.feedback_max_entries, outbox=outbox),
            callbacks=CallbackBook(
                link,
                max_entries=settings.feedback_max_entries,
                outbox=outbox,
                retention_days=settings.handoff_retention_days,
            ),
            asked=QuestionLog(link),
            outbox=outbox,
            keys=keys,
            metrics=metrics,
            llm=LlmProbe(settings),
            store=open_store(settings),
        )
        await run_in_threadpool(_migrate_callbacks, app.state.okienko.callbacks)
        outbox.start()
        try:
            yield
        finally:
            answering.close()
            await run_in_threadpool(outbox.close)  # a last try to write what is held
            link.close()

    app = FastAPI(
        title="Okienko",
        summary="Asystent Centrum Usług Społecznych: odpowiedzi z cytowaniem przepisów.",
        description=DESCRIPTION,
        version="1.0.0",
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    install_error_handlers(app)
    routers = (
        chat,
        calculators,
        completions,
        sessions,
        feedback,
        handoff,
        handoffs,
        letters,
        admin,
        insight,
    )
    for module in (*routers, health, static):
        app.include_router(module.router)
    # Before anything reads a body: an oversized one is refused unread, a slow one cut off.
    # Inside CORS, so that a widget on the city's site can read the 413 or 408 it gets.
    app.add_middleware(
        BodyLimit, max_bytes=settings.max_body_bytes, read_seconds=settings.body_read_seconds
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "Authorization", API_KEY_HEADER, "X-Okienko-Audience"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    # Added last, so it is outermost: it also counts what CORS answers on its own.
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    return app

"""Dependencies of the routes, declared once as `Annotated` aliases.

Resources live in the lifespan's `AppState` (`app.state.okienko`); routes never build them.
Getters that only read state are `async` (no thread hop); those that may block on Redis or
on opening the index are plain functions, which FastAPI runs in its thread pool.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader

from api.asked import QuestionLog
from api.callbacks import CallbackBook
from api.errors import LetterTemplateBroken
from api.feedback import FeedbackStore
from api.metrics import Metrics
from api.ratelimit import RateLimiter
from api.security import API_KEY_HEADER, Role, require_admin, require_staff
from api.state import AppState
from rag.letters import TEMPLATES_DIR, LetterTemplate, TemplateError, load_templates
from rag.runtime import Runtime
from rag.sessions import SessionIds
from rag.settings import Settings

api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="Klucz pracownika (odbiorcy pracownik/urzednik) lub administratora.",
)


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.okienko
    return state


State = Annotated[AppState, Depends(get_state)]


async def get_settings(state: State) -> Settings:
    return state.settings


async def get_limiter(state: State) -> RateLimiter:
    return state.limiter


async def get_feedback(state: State) -> FeedbackStore:
    return state.feedback


async def get_callbacks(state: State) -> CallbackBook:
    return state.callbacks


async def get_asked(state: State) -> QuestionLog:
    return state.asked


async def get_metrics(state: State) -> Metrics:
    return state.metrics


async def get_sessions(state: State) -> SessionIds:
    return state.answering.sessions


def get_runtime(state: State) -> Runtime:
    """The answering runtime; raises `IndexNotReady` (→ 503) while there is no index."""
    return state.answering.get()


async def get_role(
    state: State, key: Annotated[str | None, Security(api_key_header)]
) -> Role | None:
    """Whose key came with the request (None: a resident, or a key we do not know)."""
    return state.keys.role(key)


RoleDep = Annotated[Role | None, Depends(get_role)]


def limit_client(request: Request, state: State, role: RoleDep) -> None:
    """Count the request against its client address; staff with a valid key are not limited."""
    if role is None:
        address = request.client.host if request.client else "unknown"
        state.limiter.check("client", address)


async def get_now() -> dt.datetime:
    """Now, in UTC: the end of the insight page's window. Tests override it."""
    return dt.datetime.now(dt.UTC)


async def get_today() -> dt.date:
    """Today in the server's time zone (deployments run in Poland's, as the chat's dates do):
    the day the calculators take figures for unless told. Tests override it."""
    return dt.date.today()


def get_letter_templates(state: State) -> dict[str, LetterTemplate]:
    """The letter templates, read at each request: staff edit the files and see the change
    without a restart (four small files). A broken one is a 503 that names it.
    """
    root = state.settings.knowledge_base_dir / TEMPLATES_DIR
    try:
        return load_templates(root)
    except TemplateError as exc:
        raise LetterTemplateBroken(f"{TEMPLATES_DIR}/{exc.path.name}", exc.problem) from exc


async def require_admin_key(role: RoleDep) -> None:
    require_admin(role)


async def require_staff_key(role: RoleDep) -> None:
    require_staff(role)


SettingsDep = Annotated[Settings, Depends(get_settings)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionsDep = Annotated[SessionIds, Depends(get_sessions)]
LimiterDep = Annotated[RateLimiter, Depends(get_limiter)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
CallbacksDep = Annotated[CallbackBook, Depends(get_callbacks)]
AskedDep = Annotated[QuestionLog, Depends(get_asked)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
LetterTemplatesDep = Annotated[dict[str, LetterTemplate], Depends(get_letter_templates)]
TodayDep = Annotated[dt.date, Depends(get_today)]
NowDep = Annotated[dt.datetime, Depends(get_now)]
# For routes where a key is optional (residents are anonymous): documents "no key" as a valid
# alternative to `X-API-Key` (FastAPI appends it to the operation's `security` list).
KEY_OPTIONAL: dict[str, Any] = {"security": [{}]}
# For routers: `dependencies=[ClientLimit]`.
ClientLimit = Depends(limit_client)
AdminOnly = Depends(require_admin_key)
StaffOnly = Depends(require_staff_key)

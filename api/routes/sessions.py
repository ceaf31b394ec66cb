"""`GET` and `DELETE /v1/sessions/{id}`: a resident reads back or erases their conversation."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated

from fastapi import APIRouter, Path, Response

from api.deps import (
    KEY_OPTIONAL,
    AskedDep,
    CallbacksDep,
    ClientLimit,
    FeedbackDep,
    RuntimeDep,
    SessionsDep,
)
from api.errors import EraseFailed, NotFound, StorageUnavailable
from api.schemas import SESSION_ID_PATTERN, SessionOut, TurnOut, error_responses
from rag.conversation import HistoryUnavailable
from rag.redis_link import RedisDown

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/sessions", tags=["rozmowy"], dependencies=[ClientLimit])

SessionPath = Annotated[str, Path(pattern=SESSION_ID_PATTERN, description="Identyfikator rozmowy.")]


@router.get(
    "/{session_id}",
    summary="Przebieg rozmowy",
    response_model=SessionOut,
    responses=error_responses(404, 422, 429, 503),
    openapi_extra=KEY_OPTIONAL,
)
def get_session(session_id: SessionPath, runtime: RuntimeDep, sessions: SessionsDep) -> SessionOut:
    """The conversation's turns, oldest first (already redacted of personal data); 503 while
    the storage does not answer, so that a conversation is never said not to exist when it may.
    An id this server did not issue names no conversation."""
    turns = []
    if sessions.issued(session_id):
        try:
            turns = runtime.conversations.history(session_id, strict=True)
        except HistoryUnavailable as exc:
            log.warning("a conversation could not be read now: %s", exc)
            raise StorageUnavailable from exc
    if not turns:
        raise NotFound(
            "session_not_found",
            "Nie znaleziono tej rozmowy: mogła wygasnąć albo zostać usunięta.",
        )
    return SessionOut(
        session_id=session_id,
        turns=[
            TurnOut(role=t.role, text=t.text, at=dt.datetime.fromtimestamp(t.at, dt.UTC))
            for t in turns
        ],
    )


@router.delete(
    "/{session_id}",
    summary="Usuń rozmowę",
    status_code=204,
    response_class=Response,
    responses=error_responses(422, 429, 503),
    openapi_extra=KEY_OPTIONAL,
)
def delete_session(
    session_id: SessionPath,
    runtime: RuntimeDep,
    feedback: FeedbackDep,
    callbacks: CallbacksDep,
    asked: AskedDep,
) -> Response:
    """Erase the conversation with its answer records, the feedback on them, its questions
    kept for the insight page and the callback requests made in it (the resident's name and
    phone go with the conversation).

    204 whether or not there was one (it is gone either way); 503 while the storage does not
    answer, so that a resident is never told it is gone when it is not.
    """
    try:
        feedback.forget_session(session_id)
        callbacks.forget_session(session_id)
        asked.forget_session(session_id)
        runtime.conversations.delete(session_id)
    except (RedisDown, HistoryUnavailable) as exc:
        log.warning("a conversation could not be erased now: %s", exc)
        raise EraseFailed from exc
    return Response(status_code=204)

"""`POST /v1/chat` (one JSON answer) and `POST /v1/chat/stream` (server-sent events)."""

from __future__ import annotations

import itertools
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.asked import QuestionLog
from api.crisis import AssessFirst, AssessmentDep, MessageVectorsDep, help_for, lead_with
from api.deps import (
    KEY_OPTIONAL,
    AskedDep,
    ClientLimit,
    FeedbackDep,
    LimiterDep,
    MetricsDep,
    RoleDep,
    RuntimeDep,
    SessionsDep,
)
from api.errors import INDEX_NOT_READY_MESSAGE, INTERNAL_MESSAGE, INTERRUPTED_MESSAGE
from api.feedback import AnswerRecord, FeedbackStore
from api.metrics import Metrics
from api.ratelimit import RateLimiter
from api.schemas import (
    CHAT_STREAM_EVENT,
    ChatRequest,
    ChatResponse,
    answer_citations,
    error_responses,
)
from api.security import Role, require_audience
from api.streaming import AnswerStream, first_event
from rag.answering import Interrupted, Token
from rag.answers import Answer
from rag.deadline import Deadline
from rag.errors import IndexMismatch, IndexNotReady
from rag.guards import redact_message
from rag.sessions import SessionIds

log = logging.getLogger(__name__)

# The crisis assessment comes first: before the rate limit, the index and everything else.
router = APIRouter(prefix="/v1", tags=["czat"], dependencies=[AssessFirst, ClientLimit])

_ERRORS = error_responses(401, 422, 429, 503)
_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def admit(body: ChatRequest, role: Role | None, limiter: RateLimiter, sessions: SessionIds) -> None:
    """Check the audience's key and the conversation's rate before any work is done.

    Only a session this server issued has a rate of its own: any other id starts a new
    session, so counting it would let anyone spend a made-up conversation's limit.
    """
    require_audience(body.audience, role)
    if body.session_id is not None and sessions.issued(body.session_id):
        limiter.check("session", body.session_id)


def deliver(
    answer: Answer,
    question: str,
    *,
    feedback: FeedbackStore,
    asked: QuestionLog,
    metrics: Metrics,
) -> ChatResponse:
    """Give the answer an id, remember it for feedback, log a resident's question for the
    insight page, count it; the wire shape."""
    answer_id = uuid.uuid4().hex
    redacted = redact_message(question).text
    feedback.remember(
        AnswerRecord(
            answer_id=answer_id,
            session_id=answer.session_id,
            question=redacted,
            answer=answer.answer,
            mode=answer.mode,
            refused=answer.refused,
            reason=answer.reason,
        )
    )
    if answer.audience == "mieszkaniec":  # the insight page is about residents' questions
        asked.record(
            answer.session_id,
            answer_id=answer_id,
            question=redacted,
            refused=answer.refused,
            reason=answer.reason or "",
            source=answer.citations[0].source if answer.citations else "",
        )
    metrics.observe_answer(answer)
    return ChatResponse.of(answer, answer_id)


@router.post(
    "/chat",
    summary="Zadaj pytanie (odpowiedź w całości)",
    response_model=ChatResponse,
    responses=_ERRORS,
    openapi_extra=KEY_OPTIONAL,
)
def chat(
    body: ChatRequest,
    runtime: RuntimeDep,
    role: RoleDep,
    limiter: LimiterDep,
    feedback: FeedbackDep,
    asked: AskedDep,
    metrics: MetricsDep,
    crisis: AssessmentDep,
    vectors: MessageVectorsDep,
    sessions: SessionsDep,
) -> ChatResponse:
    """A cited answer, or a refusal pointing to the centre, with the conversation's id (a new
    one when the request's id was not issued by this server: use the id answered)."""
    admit(body, role, limiter, sessions)
    answer = runtime.assistant.ask(
        body.message,
        audience=body.audience,
        session_id=body.session_id,
        crisis=crisis,
        vectors=vectors,
    )
    return deliver(answer, body.message, feedback=feedback, asked=asked, metrics=metrics)


def sse(event: str, data: Any) -> str:
    """One server-sent event with a JSON payload."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _error(code: str, message: str, crisis: str | None) -> str:
    """An SSE `error` event; a person in danger reads the numbers in it first."""
    data = {"code": code, "message": lead_with(crisis, message)}
    return sse("error", {**data, "crisis": crisis} if crisis else data)


def _events(
    events: Iterator[Token | Interrupted | Answer],
    question: str,
    *,
    feedback: FeedbackStore,
    asked: QuestionLog,
    metrics: Metrics,
    crisis: str | None = None,
) -> Iterator[str]:
    interrupted = False
    try:
        for event in events:
            if isinstance(event, Interrupted):
                # The model broke off after some of its text went out: say so once, then only
                # the extractive answer's `done`, which replaces everything streamed.
                interrupted = True
                yield _error("generation_interrupted", INTERRUPTED_MESSAGE, crisis)
                continue
            if isinstance(event, Token):
                if not interrupted:
                    yield sse("token", {"text": event.text})
                continue
            response = deliver(event, question, feedback=feedback, asked=asked, metrics=metrics)
            if not interrupted:
                yield sse("citations", {"citations": answer_citations(event)})
            yield sse("done", response.model_dump(mode="json"))
    except (IndexNotReady, IndexMismatch) as exc:
        log.warning("stream stopped: %s", exc)
        yield _error("index_not_ready", INDEX_NOT_READY_MESSAGE, crisis)
    except Exception:
        # The response has started: an error event is the only way left to tell the client.
        log.exception("stream failed")
        yield _error("internal_error", INTERNAL_MESSAGE, crisis)


@router.post(
    "/chat/stream",
    summary="Zadaj pytanie (odpowiedź strumieniowana, SSE)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": (
                "Zdarzenia `token` ({text}), potem `citations` ({citations}) i `done` (pełna "
                "odpowiedź jak z /v1/chat, rozstrzygająca); przy błędzie `error` ({code, "
                "message}). Gdy model przerwie odpowiedź w połowie: jedno `error` "
                "(`generation_interrupted`), po nim już tylko `done` z odpowiedzią z materiałów, "
                "która zastępuje to, co przyszło wcześniej."
            ),
            "content": {"text/event-stream": {"schema": CHAT_STREAM_EVENT}},
        },
        **_ERRORS,
    },
    openapi_extra=KEY_OPTIONAL,
)
async def chat_stream(
    request: Request,
    body: ChatRequest,
    runtime: RuntimeDep,
    role: RoleDep,
    limiter: LimiterDep,
    feedback: FeedbackDep,
    asked: AskedDep,
    metrics: MetricsDep,
    crisis: AssessmentDep,
    vectors: MessageVectorsDep,
    sessions: SessionsDep,
) -> StreamingResponse:
    """The same answer as `/v1/chat`, streamed as it is produced."""
    await run_in_threadpool(admit, body, role, limiter, sessions)
    # Cancelled when the client leaves: the model is not kept answering nobody.
    deadline = Deadline.after(runtime.settings.llm_deadline_seconds)
    events = runtime.assistant.stream(
        body.message,
        audience=body.audience,
        session_id=body.session_id,
        crisis=crisis,
        vectors=vectors,
        deadline=deadline,
    )
    # The pipeline raises (bad session, no index) before its first event: taking that event
    # here turns those into ordinary JSON errors instead of a stream that fails at once.
    first = await first_event(events, receive=request.receive, deadline=deadline)
    stream = _events(
        itertools.chain([first], events),
        body.message,
        feedback=feedback,
        asked=asked,
        metrics=metrics,
        crisis=help_for(crisis, runtime.settings),
    )
    return AnswerStream(stream, deadline=deadline, headers=_SSE_HEADERS)

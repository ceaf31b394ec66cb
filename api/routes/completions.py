"""`POST /v1/chat/completions`: the same pipeline behind OpenAI's chat-completions shape.

Existing OpenAI clients and chat UIs can talk to Okienko. The last user message is the
question (earlier ones are not used: each call is a new conversation); the answer is
`choices[0].message.content` and its sources the extra top-level `citations`. The audience is
`mieszkaniec` unless a staff key (`X-API-Key`, or the client's `Authorization: Bearer`) comes
with `X-Okienko-Audience`.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, Security
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.crisis import AssessFirst, AssessmentDep, MessageVectorsDep, help_for, lead_with
from api.deps import KEY_OPTIONAL, ClientLimit, MetricsDep, RoleDep, RuntimeDep, State
from api.errors import INTERNAL_MESSAGE, ApiError
from api.metrics import Metrics
from api.schemas import (
    COMPLETION_STREAM_EVENT,
    MAX_MESSAGE_LENGTH,
    CompletionChoice,
    CompletionChoiceMessage,
    CompletionRequest,
    CompletionResponse,
    answer_citations,
    error_responses,
)
from api.security import require_audience
from api.streaming import AnswerStream, first_event
from rag.answering import Interrupted, Token
from rag.answers import Answer, Audience
from rag.deadline import Deadline

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/v1", tags=["zgodność z OpenAI"], dependencies=[AssessFirst, ClientLimit]
)
_bearer = HTTPBearer(auto_error=False, description="Klucz pracownika jako token (opcjonalnie).")


def _question(body: CompletionRequest) -> str:
    users = [m for m in body.messages if m.role == "user"]
    text = users[-1].text().strip() if users else ""
    if not text or len(text) > MAX_MESSAGE_LENGTH:
        raise ApiError(
            422,
            "invalid_request",
            "Nie można przyjąć zapytania: ostatnia wiadomość użytkownika musi mieć od 1 do "
            f"{MAX_MESSAGE_LENGTH} znaków.",
        )
    return text


@dataclass(frozen=True, slots=True)
class _Chunks:
    """Chunks of one streamed completion (they share its id, time and model name)."""

    model: str
    id: str = field(default_factory=lambda: f"chatcmpl-{uuid.uuid4().hex}")
    created: int = field(default_factory=lambda: int(time.time()))

    def chunk(
        self,
        delta: dict[str, str],
        *,
        finish: str | None = None,
        citations: list[dict[str, Any]] | None = None,
        answer: str | None = None,
    ) -> str:
        payload: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        if citations is not None:
            payload["citations"] = citations
        if answer is not None:
            payload["answer"] = answer
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


def _openai_stream(
    events: Iterator[Token | Interrupted | Answer],
    *,
    model: str,
    metrics: Metrics,
    crisis: str | None = None,
) -> Iterator[str]:
    chunks = _Chunks(model)
    yield chunks.chunk({"role": "assistant", "content": ""})
    streamed = ""
    interrupted = False
    try:
        for event in events:
            if isinstance(event, Interrupted):
                # Deltas cannot be withdrawn: none follow, and the last chunk's `answer` holds
                # the extractive answer that replaces them.
                interrupted = True
                continue
            if isinstance(event, Token):
                if not interrupted:
                    streamed += event.text
                    yield chunks.chunk({"content": event.text})
                continue
            metrics.observe_answer(event)
            # The final text is authoritative. Deltas only append: what it adds to the stream
            # goes out as one more delta, and the last chunk carries it whole (`answer`), for
            # the case the model failed midway and the extractive answer replaced its text.
            if not interrupted and event.answer.startswith(streamed) and event.answer != streamed:
                yield chunks.chunk({"content": event.answer[len(streamed) :]})
            yield chunks.chunk(
                {}, finish="stop", citations=answer_citations(event), answer=event.answer
            )
    except Exception:
        # Headers are gone: OpenAI's clients read an `error` object in the stream as a failure.
        log.exception("completion stream failed")
        message = lead_with(crisis, INTERNAL_MESSAGE)
        error = {"message": message, "type": "server_error", "code": "internal_error"}
        yield f"data: {json.dumps({'error': error}, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


@router.post(
    "/chat/completions",
    summary="Zgodne z OpenAI chat completions",
    response_model=CompletionResponse,
    responses={
        200: {"content": {"text/event-stream": {"schema": COMPLETION_STREAM_EVENT}}},
        **error_responses(401, 422, 429, 503),
    },
    openapi_extra=KEY_OPTIONAL,
)
async def completions(
    request: Request,
    body: CompletionRequest,
    runtime: RuntimeDep,
    state: State,
    role: RoleDep,
    metrics: MetricsDep,
    crisis: AssessmentDep,
    vectors: MessageVectorsDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None,
    audience: Annotated[Audience, Header(alias="X-Okienko-Audience")] = "mieszkaniec",
) -> CompletionResponse | StreamingResponse:
    """An answer in OpenAI's shape (`stream: true`: OpenAI's server-sent chunks)."""
    if role is None and bearer is not None:
        role = state.keys.role(bearer.credentials)
    require_audience(audience, role)
    question = _question(body)
    if body.stream:
        # Cancelled when the client leaves: the model is not kept answering nobody.
        deadline = Deadline.after(runtime.settings.llm_deadline_seconds)
        events = runtime.assistant.stream(
            question, audience=audience, crisis=crisis, vectors=vectors, deadline=deadline
        )
        # Errors before the first event become JSON errors.
        first = await first_event(events, receive=request.receive, deadline=deadline)
        return AnswerStream(
            _openai_stream(
                _prepend(first, events),
                model=body.model,
                metrics=metrics,
                crisis=help_for(crisis, runtime.settings),
            ),
            deadline=deadline,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    answer = await run_in_threadpool(
        runtime.assistant.ask, question, audience=audience, crisis=crisis, vectors=vectors
    )
    metrics.observe_answer(answer)
    return CompletionResponse.model_validate(
        {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "created": int(time.time()),
            "model": body.model,
            "choices": [CompletionChoice(message=CompletionChoiceMessage(content=answer.answer))],
            "citations": answer_citations(answer),
        }
    )


def _prepend(
    first: Token | Interrupted | Answer, rest: Iterator[Token | Interrupted | Answer]
) -> Iterator[Token | Interrupted | Answer]:
    yield first
    yield from rest

"""Crisis help on every response to a message from a person in danger, whatever else fails.

The chat routes assess the message first (`assess_first`, the first dependency of their
routers): before the rate limits, the index, Redis and the model. The assessment is kept on the
request; the answer uses it, and every error response to that request (429, 503, 500, 422, and
an SSE `error` event) carries the emergency numbers in its message and a `crisis` object. The
message's vector the classifier read is kept too: answering does not embed the message again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from rag.crisis import CrisisAssessment, CrisisAssessor, local_help
from rag.embedding import MessageVectors
from rag.guards import redact_pii
from rag.settings import Settings

# Longer messages are refused (422); their start is still read for danger.
_ASSESSED_CHARACTERS = 4000


def _message(body: Any) -> str | None:
    """The resident's message in a chat or chat-completions body, before validation."""
    if not isinstance(body, dict):
        return None
    message = body.get("message")
    if isinstance(message, str):
        return message
    turns = body.get("messages")
    if isinstance(turns, list):
        for turn in reversed(turns):
            if isinstance(turn, dict) and turn.get("role") == "user":
                content = turn.get("content")
                if isinstance(content, str):
                    return content
                if isinstance(content, list):
                    texts = [p.get("text") for p in content if isinstance(p, dict)]
                    return " ".join(t for t in texts if isinstance(t, str))
                return None
    return None


async def assess_first(request: Request) -> None:
    """Assess the request's message before anything can refuse it; keep it on the request."""
    state = request.app.state.okienko
    try:
        body = await request.json()
    except ValueError:
        return  # not JSON: the validation error says so, and there is no message to read
    message = _message(body)
    if not message or not message.strip():
        return
    text = redact_pii(message.strip()[:_ASSESSED_CHARACTERS]).text
    vectors = state.answering.message_vectors()
    assessment = await run_in_threadpool(_assess, state.answering.crisis, text, vectors)
    request.state.okienko_crisis = assessment
    request.state.okienko_vectors = vectors


def _assess(
    assessor: CrisisAssessor, text: str, vectors: MessageVectors | None
) -> CrisisAssessment:
    if vectors is None or not assessor.uses_classifier:
        return assessor.assess(text)
    return assessor.assess(text, vector=vectors(text))


def assessed(request: Request) -> CrisisAssessment | None:
    """The request's crisis assessment (None when it carried no message)."""
    found: CrisisAssessment | None = getattr(request.state, "okienko_crisis", None)
    return found


def message_vectors(request: Request) -> MessageVectors | None:
    """The vectors of the request's message embedded so far (None before the model loads)."""
    found: MessageVectors | None = getattr(request.state, "okienko_vectors", None)
    return found


def help_for(assessment: CrisisAssessment | None, settings: Settings) -> str | None:
    """The crisis text for an error response: the block when acute, the line when concern."""
    if assessment is None:
        return None
    return assessment.help_text(local_help(settings))


def lead_with(help_text: str | None, message: str) -> str:
    """An error message with the crisis help (when there is any) before it."""
    return f"{help_text}\n\n{message}" if help_text else message


def with_help(
    body: dict[str, Any], assessment: CrisisAssessment | None, settings: Settings
) -> dict[str, Any]:
    """An error body with the crisis help first in its message, and the `crisis` object."""
    text = help_for(assessment, settings)
    if text is None or assessment is None:
        return body
    error = {**body["error"], "message": lead_with(text, body["error"]["message"])}
    return {**body, "error": error, "crisis": {**assessment.to_json(), "help": text}}


AssessFirst = Depends(assess_first)
AssessmentDep = Annotated[CrisisAssessment | None, Depends(assessed)]
MessageVectorsDep = Annotated[MessageVectors | None, Depends(message_vectors)]

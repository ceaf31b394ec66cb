"""`POST /v1/feedback`: 👍 or 👎 on an answer, with an optional comment."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import KEY_OPTIONAL, ClientLimit, FeedbackDep
from api.schemas import FeedbackRequest, StatusOut, error_responses

router = APIRouter(prefix="/v1", tags=["opinie"], dependencies=[ClientLimit])


@router.post(
    "/feedback",
    summary="Oceń odpowiedź",
    status_code=202,
    response_model=StatusOut,
    responses=error_responses(404, 422, 429),
    openapi_extra=KEY_OPTIONAL,
)
def give_feedback(body: FeedbackRequest, feedback: FeedbackDep) -> StatusOut:
    """Keep the rating with the question and answer it refers to (personal data redacted)."""
    feedback.add(body.answer_id, body.rating, body.comment)
    return StatusOut()

"""`POST /v1/feedback`: 👍 or 👎 on an answer, with an optional comment."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from api.deps import KEY_OPTIONAL, ClientLimit, FeedbackDep
from api.errors import StorageUnavailable
from api.schemas import FeedbackRequest, StatusOut, error_responses
from rag.redis_link import RedisDown

log = logging.getLogger(__name__)

router = APIRouter(prefix="/v1", tags=["opinie"], dependencies=[ClientLimit])


@router.post(
    "/feedback",
    summary="Oceń odpowiedź",
    status_code=202,
    response_model=StatusOut,
    responses=error_responses(404, 422, 429, 503),
    openapi_extra=KEY_OPTIONAL,
)
def give_feedback(body: FeedbackRequest, feedback: FeedbackDep) -> StatusOut:
    """Keep the rating with the question and answer it refers to (personal data redacted);
    503 while the storage holding the answer's record does not answer."""
    try:
        feedback.add(body.answer_id, body.rating, body.comment)
    except RedisDown as exc:
        log.warning("feedback could not be matched to its answer now: %s", exc)
        raise StorageUnavailable from exc
    return StatusOut()

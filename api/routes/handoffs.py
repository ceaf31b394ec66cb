"""Staff routes (a staff or admin key in `X-API-Key`): list, export and erase callback requests.

Each request is kept for `OKIENKO_HANDOFF_RETENTION_DAYS` and erased by Redis then; a resident
who erases their conversation erases the requests made in it (`DELETE /v1/sessions/{id}`).
"""

from __future__ import annotations

import dataclasses
import io
import logging
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from api.callbacks import FIELDS
from api.deps import CallbacksDep, SettingsDep, StaffOnly
from api.errors import NotFound, StorageUnavailable
from api.exports import ExportFormat, write_records
from api.schemas import HANDOFF_ID_PATTERN, HandoffOut, HandoffsOut, error_responses
from rag.redis_link import RedisDown

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/v1/handoffs",
    tags=["prośby o kontakt"],
    dependencies=[StaffOnly],
    responses=error_responses(401),
)

HandoffPath = Annotated[
    str, Path(pattern=HANDOFF_ID_PATTERN, description="Identyfikator prośby o kontakt.")
]
_MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


@router.get(
    "",
    summary="Prośby o kontakt",
    response_model=HandoffsOut,
    responses=error_responses(422, 503),
)
def list_handoffs(
    callbacks: CallbacksDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Najwyżej tyle próśb.")] = 100,
) -> HandoffsOut:
    """Callback requests kept now, newest first."""
    try:
        records = callbacks.entries(newest_first=True, limit=limit)
    except RedisDown as exc:
        log.warning("callback requests could not be listed now: %s", exc)
        raise StorageUnavailable from exc
    return HandoffsOut(
        handoffs=[HandoffOut.model_validate(dataclasses.asdict(r)) for r in records],
        retention_days=settings.handoff_retention_days,
    )


@router.get(
    "/export",
    summary="Eksport próśb o kontakt",
    response_class=Response,
    responses={
        200: {
            "description": "Wszystkie prośby, od najstarszej: JSON Lines albo CSV.",
            "content": {
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        },
        **error_responses(422, 503),
    },
)
def export_handoffs(
    callbacks: CallbacksDep,
    fmt: Annotated[ExportFormat, Query(alias="format", description="jsonl albo csv.")] = "jsonl",
) -> Response:
    """Every callback request kept now, oldest first, as a file to download."""
    try:
        records = callbacks.entries()
    except RedisDown as exc:
        log.warning("callback requests could not be exported now: %s", exc)
        raise StorageUnavailable from exc
    out = io.StringIO()
    write_records((dataclasses.asdict(r) for r in records), FIELDS, out, fmt=fmt)
    return Response(
        out.getvalue(),
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="prosby-o-kontakt.{fmt}"'},
    )


@router.delete(
    "/{handoff_id}",
    summary="Usuń prośbę o kontakt",
    status_code=204,
    response_class=Response,
    responses=error_responses(404, 422, 503),
)
def erase_handoff(handoff_id: HandoffPath, callbacks: CallbacksDep) -> Response:
    """Erase one callback request (done with it, or asked to forget it)."""
    try:
        erased = callbacks.erase(handoff_id)
    except RedisDown as exc:
        log.warning("a callback request could not be erased now: %s", exc)
        raise StorageUnavailable from exc
    if not erased:
        raise NotFound(
            "handoff_not_found",
            "Nie ma takiej prośby o kontakt: mogła już wygasnąć albo zostać usunięta.",
        )
    return Response(status_code=204)

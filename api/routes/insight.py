"""Admin routes (an admin key in `X-API-Key`): the centre's insight page and its CSV.

`GET /v1/insight?days=7|30` gives residents' questions of the last 7 or 30 days: how many,
by topic, how many were refused, the refused and 👎-rated ones grouped by similarity, and the
documents and facts due for review. `GET /v1/insight/export?days=…` gives the grouped
questions as CSV. Both read what is kept already, redacted (`api.asked`, `api.feedback`).
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from api.deps import AdminOnly, AskedDep, FeedbackDep, NowDep, RuntimeDep
from api.errors import StorageUnavailable
from api.insight import Insight, build_insight, export_csv
from api.schemas import InsightDays, InsightOut, error_responses
from rag.answering.facts import load_facts
from rag.redis_link import RedisDown
from rag.runtime import knowledge_base_documents

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/v1/insight",
    tags=["administracja"],
    dependencies=[AdminOnly],
    responses=error_responses(401, 403, 422, 503),
)

DaysQuery = Annotated[InsightDays, Query(description="Okres: ostatnie 7 albo 30 dni.")]


def _insight(
    now: NowDep,
    asked: AskedDep,
    feedback: FeedbackDep,
    runtime: RuntimeDep,
    days: DaysQuery = InsightDays.WEEK,
) -> Insight:
    """The insight of the last `days` days; the knowledge base is read now, so a document
    staff just reviewed leaves the list without a restart."""
    settings = runtime.settings
    documents = knowledge_base_documents(settings)
    facts, _ = load_facts(settings.knowledge_base_dir, documents)
    try:
        questions = asked.since(now - dt.timedelta(days=days))
        entries = list(feedback.entries())
    except RedisDown as exc:
        log.warning("insight could not be read now: %s", exc)
        raise StorageUnavailable from exc
    return build_insight(
        asked=questions,
        feedback=entries,
        documents=documents,
        facts=facts,
        embedder=runtime.embedder,
        now=now,
        days=int(days),
        similarity=settings.insight_similarity,
        review_every_days=settings.review_every_days,
    )


InsightDep = Annotated[Insight, Depends(_insight)]


@router.get("", summary="Wgląd dla centrum", response_model=InsightOut)
def insight(report: InsightDep) -> InsightOut:
    """Residents' questions of the last 7 or 30 days: counts, topics, the refusal rate, the
    refused and 👎-rated questions grouped by similarity, and what is due for review."""
    return InsightOut.of(report)


@router.get(
    "/export",
    summary="Wgląd dla centrum (CSV)",
    response_class=Response,
    responses={
        200: {
            "description": "Pytania odrzucone lub ocenione 👎, z numerem grupy, jako CSV.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def export_insight(report: InsightDep) -> Response:
    """The grouped questions as CSV, one row per question, largest group first."""
    out = io.StringIO()
    export_csv(report, out)
    name = f"okienko-wglad-{report.days}-dni.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

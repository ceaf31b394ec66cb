"""`/healthz` (the process is up), `/readyz` (it can answer, and how well), `/metrics`."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import MetricsDep, State
from api.metrics import CONTENT_TYPE
from api.schemas import HealthOut, IndexOut, ReadyOut
from rag.errors import IndexMismatch, IndexNotReady

router = APIRouter(tags=["stan"])


@router.get("/healthz", summary="Czy proces działa", response_model=HealthOut)
async def healthz() -> HealthOut:
    return HealthOut()


@router.get(
    "/readyz",
    summary="Czy usługa może odpowiadać",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "Brak indeksu: odpowiedzi niemożliwe."}},
)
def readyz(state: State, response: Response) -> ReadyOut:
    """`ready`; `degraded` (answers still come: Redis or the chat model is down); `not_ready`."""
    try:
        info = state.answering.get().served.info
    except (IndexNotReady, IndexMismatch):
        info = None
    redis = state.redis.status()
    llm = state.llm.status()
    if info is None:
        response.status_code = 503
        return ReadyOut(status="not_ready", index=None, redis=redis, llm=llm)
    return ReadyOut(
        status="degraded" if "down" in (redis, llm) else "ready",
        index=IndexOut(
            generation=info.name, chunks=info.chunks, embedding_model=info.embedding_model
        ),
        redis=redis,
        llm=llm,
    )


@router.get(
    "/metrics",
    summary="Metryki Prometheusa",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE.split(";")[0]: {"schema": {"type": "string"}}}}},
)
async def metrics(instruments: MetricsDep) -> Response:
    return Response(instruments.exposition(), media_type=CONTENT_TYPE)

"""`/healthz` (the process is up), `/readyz` (it can answer, and how well), `/metrics`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import KEY_OPTIONAL, MetricsDep, SettingsDep, State
from api.metrics import CONTENT_TYPE
from api.schemas import HealthOut, IndexOut, ReadyOut, error_responses
from api.security import require_metrics_token
from rag.errors import IndexMismatch, IndexNotReady

router = APIRouter(tags=["stan"])
_metrics_token = HTTPBearer(
    auto_error=False,
    scheme_name="MetricsToken",
    description="Token metryk, gdy ustawiono OKIENKO_METRICS_TOKEN.",
)


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
    """`ready`; `degraded` (answers still come: Redis or the chat model is down, or writes are
    held until Redis answers); `not_ready`."""
    try:
        served = state.answering.get().served
    except (IndexNotReady, IndexMismatch):
        served = None
    redis = state.redis.status()
    llm = state.llm.status()
    pending = len(state.outbox)
    if served is None:
        response.status_code = 503
        return ReadyOut(
            status="not_ready", index=None, redis=redis, llm=llm, pending_writes=pending
        )
    return ReadyOut(
        status="degraded" if "down" in (redis, llm) or pending else "ready",
        # The runtime exists only once the generation and its stored vectors are loaded.
        index=IndexOut(
            generation=served.info.name,
            chunks=served.info.chunks,
            embedding_model=served.info.embedding_model,
            stored_vectors=len(served.vectors),
        ),
        redis=redis,
        llm=llm,
        pending_writes=pending,
    )


@router.get(
    "/metrics",
    summary="Metryki Prometheusa",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE.split(";")[0]: {"schema": {"type": "string"}}}},
        **error_responses(401),
    },
    openapi_extra=KEY_OPTIONAL,
)
async def metrics(
    instruments: MetricsDep,
    settings: SettingsDep,
    token: Annotated[HTTPAuthorizationCredentials | None, Security(_metrics_token)] = None,
) -> Response:
    """Open, or behind `Authorization: Bearer <OKIENKO_METRICS_TOKEN>` when one is set."""
    require_metrics_token(settings.metrics_token, token.credentials if token else None)
    return Response(instruments.exposition(), media_type=CONTENT_TYPE)

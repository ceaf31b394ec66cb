"""Admin routes (an admin key in `X-API-Key`): reload the index now, list what is indexed."""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter

from api.deps import AdminOnly, State
from api.schemas import DocumentOut, DocumentsOut, ReloadOut, error_responses

router = APIRouter(
    prefix="/v1/admin",
    tags=["administracja"],
    dependencies=[AdminOnly],
    responses=error_responses(401, 403),
)


@router.post(
    "/reload",
    summary="Przełącz na najnowszą generację indeksu",
    response_model=ReloadOut,
    responses=error_responses(503),
)
def reload(state: State) -> ReloadOut:
    """Switch to the newest published index generation now rather than at the next check."""
    generation, switched = state.answering.reload()
    return ReloadOut(generation=generation, switched=switched)


@router.get("/documents", summary="Zaindeksowane dokumenty", response_model=DocumentsOut)
def documents(state: State) -> DocumentsOut:
    """Documents of the published generation with their chunks' content hashes."""
    grouped: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    for chunk_id, digest in state.store.served_hashes().items():
        # Chunk ids are "<doc_id>#<anchor>".
        grouped[chunk_id.partition("#")[0]].append((chunk_id, digest))
    return DocumentsOut(
        documents=[
            DocumentOut(
                doc_id=doc_id, chunks=len(chunks), hashes=[digest for _, digest in sorted(chunks)]
            )
            for doc_id, chunks in sorted(grouped.items())
        ]
    )

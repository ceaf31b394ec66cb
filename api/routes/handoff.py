"""`POST /v1/handoff` (talk to a person) and `GET /v1/config` (what the widget shows)."""

from __future__ import annotations

from typing import assert_never

from fastapi import APIRouter

from api.callbacks import CallbackRequest
from api.deps import KEY_OPTIONAL, CallbacksDep, ClientLimit, SessionsDep, SettingsDep
from api.schemas import ConfigOut, Contact, HandoffRequest, HandoffResponse, error_responses
from rag.answering import contact_sentence

router = APIRouter(prefix="/v1", tags=["kontakt"])


@router.post(
    "/handoff",
    summary="Porozmawiaj z pracownikiem",
    response_model=HandoffResponse,
    responses=error_responses(422, 429),
    dependencies=[ClientLimit],
    openapi_extra=KEY_OPTIONAL,
)
def handoff(
    body: HandoffRequest, settings: SettingsDep, callbacks: CallbacksDep, sessions: SessionsDep
) -> HandoffResponse:
    """The centre's contact; with a phone or e-mail left, a callback request for staff."""
    # Filed under the conversation (and erased with it) only when it is one this server
    # issued: a made-up id has no conversation.
    issued = body.session_id is not None and sessions.issued(body.session_id)
    request = CallbackRequest(
        session_id=body.session_id if issued else None,
        name=body.name or None,
        phone=body.phone or None,
        email=body.email or None,
        message=body.message or None,
    )
    outcome = callbacks.record(request)
    contact = contact_sentence(settings)
    match outcome:
        case "recorded":
            message = (
                f"Przekazaliśmy Twoją prośbę o kontakt pracownikom ({settings.cus_name}): "
                "pracownik odezwie się na podany telefon lub adres e-mail. W pilnej sprawie nie "
                "czekaj. " + contact
            )
        case "held":
            message = (
                "Nie udało się teraz przekazać prośby o kontakt pracownikom. Zachowaliśmy ją i "
                "przekażemy, gdy tylko będzie to możliwe, ale może to potrwać. W pilnej sprawie "
                "nie czekaj. " + contact
            )
        case "lost":
            message = f"Nie udało się teraz zapisać prośby o kontakt. {contact}"
        case "unreachable":
            message = contact
        case _:
            assert_never(outcome)
    return HandoffResponse(
        contact=Contact.of(settings), message=message, callback_recorded=outcome == "recorded"
    )


@router.get("/config", summary="Ustawienia widżetu", response_model=ConfigOut)
async def config(settings: SettingsDep) -> ConfigOut:
    """The centre's contact, the AI notice, the privacy note and the longest question accepted."""
    return ConfigOut.of(settings)

"""Staff routes (a staff or admin key in `X-API-Key`): letters caseworkers send.

`GET /v1/letters` lists the templates of `knowledge_base/pisma/` with their slots; `POST
/v1/letters/{id}` fills one from the caseworker's values and the assistant's answer and returns
the plain text with what to check; `POST /v1/letters/{id}/docx` returns it as a DOCX file (the
caseworker's edited text when given).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Response

from api.deps import LetterTemplatesDep, SettingsDep, StaffOnly, TodayDep
from api.errors import InvalidLetterValues, NotFound
from api.schemas import (
    FieldErrorResponse,
    LetterDocxRequest,
    LetterOut,
    LetterRequest,
    LettersOut,
    LetterTemplateOut,
    error_responses,
)
from rag.letters import AnswerBasis, InvalidValues, Letter, LetterTemplate, fill, to_docx
from rag.settings import Settings

router = APIRouter(
    prefix="/v1/letters",
    tags=["pisma"],
    dependencies=[StaffOnly],
    responses=error_responses(401, 503),
)

TemplatePath = Annotated[
    str, Path(max_length=100, description="Identyfikator wzoru z GET /v1/letters.")
]
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_INVALID: dict[int | str, dict[str, Any]] = {
    422: {
        "model": FieldErrorResponse,
        "description": "Brakujące lub błędne pola: `fields` podaje komunikat dla każdego pola.",
    }
}


def _template(templates: dict[str, LetterTemplate], template_id: str) -> LetterTemplate:
    template = templates.get(template_id)
    if template is None:
        raise NotFound(
            "letter_template_not_found",
            f"Nie ma takiego wzoru pisma. Dostępne wzory: {', '.join(templates) or 'brak'}.",
        )
    return template


def _defaults(settings: Settings) -> dict[str, str]:
    """Slot values the deployment gives: the sender is its own name and address."""
    sender = "\n".join(p for p in (settings.cus_name, settings.cus_address) if p)
    return {"nadawca": sender} if sender else {}


def _fill(
    template: LetterTemplate, request: LetterRequest, settings: Settings, today: dt.date
) -> Letter:
    answer = None
    if request.answer is not None:
        provisions = tuple(c.provision for c in request.answer.citations if c.provision)
        answer = AnswerBasis(request.answer.direct_answer, provisions)
    try:
        return fill(
            template, request.values, today=today, answer=answer, defaults=_defaults(settings)
        )
    except InvalidValues as exc:
        raise InvalidLetterValues(exc.errors) from exc


@router.get("", summary="Wzory pism", response_model=LettersOut)
def list_letters(templates: LetterTemplatesDep, settings: SettingsDep) -> LettersOut:
    """Each template with its slots: the letter's frame first, then its own. A slot the
    deployment fills (the sender) has that value as its default, so a form shows it."""
    defaults = _defaults(settings)
    return LettersOut(templates=[LetterTemplateOut.of(t, defaults) for t in templates.values()])


@router.post(
    "/{template_id}",
    summary="Przygotuj pismo",
    response_model=LetterOut,
    responses={**error_responses(404), **_INVALID},
)
def fill_letter(
    template_id: TemplatePath,
    request: LetterRequest,
    templates: LetterTemplatesDep,
    settings: SettingsDep,
    today: TodayDep,
) -> LetterOut:
    """The letter as plain text, its legal basis and what to check before sending it."""
    return LetterOut.of(_fill(_template(templates, template_id), request, settings, today))


@router.post(
    "/{template_id}/docx",
    summary="Pismo jako DOCX",
    response_class=Response,
    responses={
        200: {"description": "Plik DOCX.", "content": {_DOCX: {"schema": {"type": "string"}}}},
        **error_responses(404),
        **_INVALID,
    },
)
def letter_docx(
    template_id: TemplatePath,
    request: LetterDocxRequest,
    templates: LetterTemplatesDep,
    settings: SettingsDep,
    today: TodayDep,
) -> Response:
    """The letter as a DOCX file: the edited `text` when given, else filled from `values`."""
    template = _template(templates, template_id)
    text = request.text
    if text is None:
        text = _fill(template, request, settings, today).text
    name = f"{template.id}.docx"
    return Response(
        to_docx(text, title=template.title),
        media_type=_DOCX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )

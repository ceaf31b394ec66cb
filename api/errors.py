"""The one place where errors become HTTP responses.

Every error body is `{"error": {"code": "...", "message": "<Polish, for residents>"}}`: no stack
trace, no English framework message, no bare 500. What went wrong in detail goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.crisis import assessed, with_help
from api.feedback import UnknownAnswer
from rag.conversation import InvalidSessionId
from rag.errors import EmbeddingModelError, IndexMismatch, IndexNotReady

log = logging.getLogger(__name__)

NOT_READY_RETRY_SECONDS = 30
INDEX_NOT_READY_MESSAGE = (
    "Asystent jest właśnie przygotowywany i chwilowo nie może odpowiadać. Spróbuj ponownie za "
    "kilka minut."
)
INVALID_SESSION_MESSAGE = (
    "Nieprawidłowy identyfikator rozmowy (8–64 znaki: litery, cyfry, „-” i „_”). Rozpocznij "
    "nową rozmowę i zadaj pytanie jeszcze raz."
)
NOT_FOUND_MESSAGE = "Nie ma niczego pod tym adresem: sprawdź, czy jest poprawny."
INTERRUPTED_MESSAGE = (
    "Odpowiedź została przerwana. Poniżej odpowiedź złożona wprost z materiałów Centrum Usług "
    "Społecznych: zastępuje ona tekst, który pojawił się wcześniej."
)
INTERNAL_MESSAGE = (
    "Przepraszamy, wystąpił nieoczekiwany błąd po naszej stronie. Spróbuj ponownie za chwilę."
)


class ApiError(Exception):
    """An expected failure with its HTTP status, a machine code and a Polish message."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.fields = dict(fields) if fields is not None else None


class RateLimited(ApiError):
    """Too many requests from one client or in one conversation."""

    def __init__(self, *, scope: str, retry_after: int) -> None:
        super().__init__(
            429,
            "rate_limited",
            "Zadano zbyt wiele pytań w krótkim czasie. Odczekaj chwilę "
            f"(około {retry_after} s) i spróbuj ponownie.",
            headers={"Retry-After": str(retry_after)},
        )
        self.scope = scope
        self.retry_after = retry_after


class EraseFailed(ApiError):
    """A conversation could not be erased now: the storage holding it does not answer."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "erase_failed",
            "Nie udało się teraz usunąć rozmowy, bo magazyn danych chwilowo nie odpowiada. "
            "Spróbuj ponownie za kilka minut.",
            headers={"Retry-After": str(NOT_READY_RETRY_SECONDS)},
        )


class StorageUnavailable(ApiError):
    """Redis holds what was asked for and does not answer now."""

    def __init__(self) -> None:
        super().__init__(
            503,
            "storage_unavailable",
            "Magazyn danych chwilowo nie odpowiada. Spróbuj ponownie za kilka minut.",
            headers={"Retry-After": str(NOT_READY_RETRY_SECONDS)},
        )


class NotFound(ApiError):
    """The thing a request names is not there (a conversation, an answer)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(404, code, message)


class CalculatorNotFound(NotFound):
    """No calculator of the name in the path (the name is not repeated: it is the client's)."""

    def __init__(self, known: Sequence[str]) -> None:
        super().__init__(
            "calculator_not_found",
            f"Nie ma takiego kalkulatora. Dostępne kalkulatory: {', '.join(known)}.",
        )
        self.known = tuple(known)


# More problems than this are left to `fields`: the message stays readable.
_LISTED_PROBLEMS = 3


class InvalidFields(ApiError):
    """Input a calculator cannot work on: `fields` maps each field ("household_income",
    "children.0.age", "on") to a Polish message a form shows beside it."""

    def __init__(self, fields: Mapping[str, str], *, titles: Mapping[str, str]) -> None:
        """Args:
        fields: field → Polish message (`rag.calculators.InvalidInput.errors`).
        titles: field → its Polish title, for the message; a field without one is left
            unnamed (its message still says what is wrong).
        """
        problems = [
            f"{titles[field]}: {problem}" if field in titles else problem
            for field, problem in fields.items()
        ]
        message = "Nie można tego policzyć. " + " ".join(problems[:_LISTED_PROBLEMS])
        if len(problems) > _LISTED_PROBLEMS:
            message += " Popraw też pozostałe zaznaczone pola."
        super().__init__(422, "invalid_input", message, fields=fields)


class InvalidLetterValues(ApiError):
    """Values a letter cannot be made from: `fields` maps each slot to its Polish message."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        problems = list(fields.values())
        message = "Nie można przygotować pisma. " + " ".join(problems[:_LISTED_PROBLEMS])
        if len(problems) > _LISTED_PROBLEMS:
            message += " Popraw też pozostałe zaznaczone pola."
        super().__init__(422, "invalid_letter", message, fields=fields)


class LetterTemplateBroken(ApiError):
    """A template file staff edited cannot be read: the message names it and says why."""

    def __init__(self, file: str, problem: str) -> None:
        super().__init__(
            503,
            "letter_template_broken",
            f"Wzór pisma {file} jest błędny i trzeba go poprawić: {problem}",
        )


def error_body(
    code: str, message: str, fields: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """The JSON every error response carries (`fields` only for a calculator's input)."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = dict(fields)
    return {"error": error}


def _response(
    request: Request,
    status: int,
    code: str,
    message: str,
    headers: Mapping[str, str] | None = None,
    fields: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = error_body(code, message, fields)
    state = getattr(request.app.state, "okienko", None)
    if state is not None:
        # A person in danger gets the numbers on every response, an error's too.
        body = with_help(body, assessed(request), state.settings)
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


# Polish names of the request fields a resident's client sends.
_FIELDS = {
    "message": "pytanie",
    "session_id": "identyfikator rozmowy",
    "audience": "odbiorca",
    "answer_id": "identyfikator odpowiedzi",
    "rating": "ocena",
    "comment": "komentarz",
    "name": "imię i nazwisko",
    "phone": "telefon",
    "email": "e-mail",
    "messages": "wiadomości",
    "handoff_id": "identyfikator prośby o kontakt",
    "limit": "limit",
    "format": "format",
}


def _problem(error: Mapping[str, Any]) -> str:
    location: Sequence[Any] = error.get("loc", ())
    fields = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    field = fields[0] if fields else ""
    name = _FIELDS.get(field, field)
    kind = str(error.get("type", ""))
    context: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "json_invalid":
        return "treść zapytania nie jest poprawnym JSON-em"
    if kind == "missing":
        return f"brakuje pola „{name}”" if name else "brakuje treści zapytania"
    if kind == "string_too_short" and field == "message":
        return "pytanie nie może być puste"
    if kind == "string_too_short":
        return f"pole „{name}” jest za krótkie"
    if kind == "string_too_long":
        return f"pole „{name}” może mieć najwyżej {context.get('max_length', '?')} znaków"
    if kind == "string_pattern_mismatch" and field == "session_id":
        return "identyfikator rozmowy może mieć 8–64 znaki: litery, cyfry, „-” i „_”"
    if kind in ("literal_error", "enum"):
        return f"pole „{name}” ma niedozwoloną wartość (dozwolone: {context.get('expected', '')})"
    return f"pole „{name}” ma nieprawidłową wartość" if name else "nieprawidłowe dane"


def _malformed_session_id(error: Mapping[str, Any]) -> bool:
    location: Sequence[Any] = error.get("loc", ())
    return (
        error.get("type") == "string_pattern_mismatch"
        and bool(location)
        and location[-1] == "session_id"
    )


def validation_message(errors: Sequence[Mapping[str, Any]]) -> str:
    """A Polish sentence naming what is wrong with a request (at most three problems)."""
    problems = list(dict.fromkeys(_problem(error) for error in errors))[:3]
    return "Nie można przyjąć zapytania: " + "; ".join(problems or ["nieprawidłowe dane"]) + "."


_HTTP_MESSAGES = {
    404: ("not_found", NOT_FOUND_MESSAGE),
    405: ("method_not_allowed", "Ta metoda nie jest obsługiwana pod tym adresem."),
    406: ("not_acceptable", "Nie można zwrócić odpowiedzi w żądanym formacie."),
    413: ("too_large", "Zapytanie jest za duże."),
    415: ("unsupported_media_type", "Nieobsługiwany format danych: wyślij JSON."),
}


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers mapping every error to the JSON body above."""

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _response(request, exc.status, exc.code, exc.message, exc.headers, exc.fields)

    @app.exception_handler(UnknownAnswer)
    async def unknown_answer(request: Request, __: UnknownAnswer) -> JSONResponse:
        return _response(
            request,
            404,
            "answer_not_found",
            "Nie znaleziono odpowiedzi, której dotyczy ocena (mogła już wygasnąć).",
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if errors and all(_malformed_session_id(error) for error in errors):
            # The same answer whether the schema or the core caught it.
            return _response(request, 422, "invalid_session", INVALID_SESSION_MESSAGE)
        return _response(request, 422, "invalid_request", validation_message(errors))

    @app.exception_handler(InvalidSessionId)
    async def invalid_session(request: Request, __: InvalidSessionId) -> JSONResponse:
        return _response(request, 422, "invalid_session", INVALID_SESSION_MESSAGE)

    @app.exception_handler(IndexNotReady)
    @app.exception_handler(IndexMismatch)
    @app.exception_handler(EmbeddingModelError)
    async def not_ready(request: Request, exc: Exception) -> JSONResponse:
        # Debug only: while the index is missing every request lands here; the slot that opens
        # the index logs the reason once.
        log.debug("answering unavailable: %s", exc)
        retry = {"Retry-After": str(NOT_READY_RETRY_SECONDS)}
        return _response(request, 503, "index_not_ready", INDEX_NOT_READY_MESSAGE, retry)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, message = _HTTP_MESSAGES.get(
            exc.status_code, ("http_error", "Nie można obsłużyć tego zapytania.")
        )
        return _response(request, exc.status_code, code, message, exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The one catch-all: the resident gets a Polish sentence, the log gets the traceback.
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _response(request, 500, "internal_error", INTERNAL_MESSAGE)

"""The wire: request and response bodies of the HTTP API (separate from `rag`'s own types)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from rag.answers import Answer, Audience
from rag.crisis.levels import Kind, Level
from rag.settings import Settings

MAX_MESSAGE_LENGTH = 2000
SESSION_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
PRIVACY_NOTE = (
    "Nie wpisuj numeru PESEL, numeru dowodu osobistego, danych o zdrowiu ani innych danych "
    "osobowych: asystent ich nie potrzebuje. Rozmowa z asystentem nie jest wnioskiem ani "
    "zgłoszeniem w sprawie urzędowej."
)

Question = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_MESSAGE_LENGTH),
]
SessionId = Annotated[str, StringConstraints(pattern=SESSION_ID_PATTERN)]


class ErrorDetail(BaseModel):
    code: str = Field(examples=["rate_limited"])
    message: str = Field(description="Po polsku, do pokazania mieszkańcowi.")


class ErrorResponse(BaseModel):
    error: ErrorDetail


class ChatRequest(BaseModel):
    message: Question = Field(description="Pytanie (1–2000 znaków po obcięciu spacji).")
    session_id: SessionId | None = Field(
        default=None, description="Kontynuuj rozmowę; brak = nowa rozmowa."
    )
    audience: Audience = Field(
        default="mieszkaniec", description="pracownik i urzednik wymagają klucza X-API-Key."
    )


class CitationOut(BaseModel):
    n: int = Field(description="Numer przypisu, 1..n w kolejności pojawienia się w odpowiedzi.")
    title: str
    label: str = Field(description="Dokument › sekcja.")
    source: str | None = Field(
        description="Ścieżka dokumentu w bazie wiedzy – tylko dla pracowników "
        "(dla mieszkańca null)."
    )
    quote: str
    valid_from: dt.date | None = Field(description="Stan prawny na dzień.")
    provision: str | None = Field(
        default=None, description="Przepis, np. „art. 37 ust. 2 ustawy o pomocy społecznej”."
    )
    url: str | None = Field(default=None, description="Publiczna strona dokumentu, jeśli jest.")
    reviewed: dt.date | None = Field(default=None, description="Kiedy sprawdzono z przepisami.")
    section: str | None = Field(default=None, description="Tytuł sekcji dokumentu.")


class CrisisOut(BaseModel):
    level: Level = Field(
        description="acute: numery alarmowe prowadzą odpowiedź; concern: linia telefonów "
        "zaufania na końcu; none: brak oznak kryzysu."
    )
    kinds: list[Kind]


class ChatResponse(BaseModel):
    answer: str
    direct_answer: str | None = Field(
        default=None,
        description="Bezpośrednia odpowiedź (1–3 zdania: kwota, termin, tak / nie / zależy od…), "
        "bez części „Na jakiej podstawie”; null przy odmowie.",
    )
    citations: list[CitationOut]
    refused: bool
    reason: str | None
    mode: Literal["llm", "extractive"]
    session_id: str
    crisis: CrisisOut
    answer_id: str = Field(description="Identyfikator odpowiedzi, do oceny (POST /v1/feedback).")

    @classmethod
    def of(cls, answer: Answer, answer_id: str) -> ChatResponse:
        return cls.model_validate({**answer.to_json(), "answer_id": answer_id})


class TurnOut(BaseModel):
    role: Literal["user", "assistant"]
    text: str
    at: dt.datetime


class SessionOut(BaseModel):
    session_id: str
    turns: list[TurnOut]


class FeedbackRequest(BaseModel):
    answer_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    rating: Literal["up", "down"]
    comment: Annotated[str, StringConstraints(max_length=1000)] | None = None


class StatusOut(BaseModel):
    status: Literal["ok"] = "ok"


# Python's \s also matches \x1c-\x1f and \x85, which the OpenAPI (ECMA) reading of the same
# pattern does not: named explicitly, the schema and the validator accept the same addresses.
_NO_SPACE = r"[^@\s\x1c-\x1f\x85]"
_EMAIL = rf"^{_NO_SPACE}+@{_NO_SPACE}+\.{_NO_SPACE}+$"
# 6–30 digits, spaces, brackets and dashes, neither starting nor ending with a space: the server
# strips spaces before matching, so the schema must not promise "   5093" (four characters left).
_PHONE = r"^\+?[0-9()-][0-9 ()-]{4,28}[0-9()-]$"


class HandoffRequest(BaseModel):
    session_id: SessionId | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=_PHONE)] | None = None
    email: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, max_length=254, pattern=_EMAIL),
        ]
        | None
    ) = None
    message: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class Contact(BaseModel):
    name: str
    phone: str | None
    email: str | None
    address: str | None
    hours: str | None
    url: str | None

    @classmethod
    def of(cls, settings: Settings) -> Contact:
        return cls(
            name=settings.cus_name,
            phone=settings.cus_phone,
            email=settings.cus_email,
            address=settings.cus_address,
            hours=settings.cus_hours,
            url=settings.cus_url,
        )


class HandoffResponse(BaseModel):
    contact: Contact
    message: str
    callback_recorded: bool


HANDOFF_ID_PATTERN = r"^[0-9a-f]{32}$"


class HandoffOut(BaseModel):
    """A callback request as staff read it (empty strings for what the resident left out)."""

    id: str = Field(description="Identyfikator prośby (do usunięcia).")
    at: dt.datetime = Field(description="Kiedy mieszkaniec poprosił o kontakt.")
    expires: dt.datetime = Field(description="Kiedy prośba zostanie usunięta samoczynnie.")
    session_id: str
    name: str
    phone: str
    email: str
    message: str = Field(description="Wiadomość mieszkańca bez danych osobowych.")


class HandoffsOut(BaseModel):
    handoffs: list[HandoffOut] = Field(description="Od najnowszej.")
    retention_days: int = Field(description="Ile dni prośba jest przechowywana.")


class ConfigOut(BaseModel):
    cus: Contact
    privacy_note: str = PRIVACY_NOTE
    max_message_length: int = MAX_MESSAGE_LENGTH


class HealthOut(BaseModel):
    status: Literal["ok"] = "ok"


class IndexOut(BaseModel):
    generation: str
    chunks: int
    embedding_model: str
    stored_vectors: int = Field(
        description="Zdania i pytania faktów osadzone przy indeksowaniu, wczytane z generacją "
        "(0: osadzane w trakcie odpowiadania)."
    )


class ReadyOut(BaseModel):
    status: Literal["ready", "degraded", "not_ready"]
    index: IndexOut | None
    redis: Literal["ok", "down", "not_configured"]
    llm: Literal["ok", "down", "extractive"]
    pending_writes: int = Field(
        default=0,
        description="Opinie i prośby o kontakt czekające w pamięci procesu, aż Redis odpowie.",
    )


class ReloadOut(BaseModel):
    generation: str
    switched: bool


class DocumentOut(BaseModel):
    doc_id: str
    chunks: int
    hashes: list[str]


class DocumentsOut(BaseModel):
    documents: list[DocumentOut]


# --- OpenAI-compatible chat completions ----------------------------------------------------


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class CompletionMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class CompletionRequest(BaseModel):
    """What OpenAI clients send; fields we do not use (temperature, tools…) are ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = "okienko"
    messages: Annotated[list[CompletionMessage], Field(min_length=1)]
    stream: bool = False


class CompletionChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class CompletionChoice(BaseModel):
    index: int = 0
    message: CompletionChoiceMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0


class CompletionResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage = Field(default_factory=Usage)
    citations: list[CitationOut] = Field(description="Źródła odpowiedzi (rozszerzenie Okienka).")


def answer_citations(answer: Answer) -> list[dict[str, Any]]:
    """The citations of an answer in their wire shape (no file path for a resident)."""
    staff = answer.audience != "mieszkaniec"
    return [c.to_json(staff=staff) for c in answer.citations]


_ERROR_DESCRIPTIONS = {
    401: "Brak klucza lub nieznany klucz (odbiorcy dla pracowników).",
    403: "Klucz bez uprawnień do tej operacji.",
    404: "Nie znaleziono.",
    422: "Nieprawidłowe dane zapytania.",
    429: "Przekroczony limit zapytań; nagłówek Retry-After mówi, ile sekund odczekać.",
    503: "Usługa chwilowo niedostępna (baza wiedzy nie jest gotowa albo magazyn nie odpowiada).",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer (all with `ErrorResponse`)."""
    return {
        status: {"model": ErrorResponse, "description": _ERROR_DESCRIPTIONS[status]}
        for status in statuses
    }


def _event(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["event", "data"],
        "properties": {
            "event": {"const": name},
            "data": {
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": payload,
            },
        },
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


# One server-sent event of `/v1/chat/stream` (the schema of each event, not of the body).
CHAT_STREAM_EVENT: dict[str, Any] = {
    "oneOf": [
        _event(
            "token",
            {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
        ),
        _event(
            "citations",
            {
                "type": "object",
                "required": ["citations"],
                "properties": {"citations": {"type": "array", "items": _ref("CitationOut")}},
            },
        ),
        _event("done", _ref("ChatResponse")),
        _event("error", _ref("ErrorDetail")),
    ]
}
# One event of an OpenAI-style stream: a JSON chunk, or the final `[DONE]`.
COMPLETION_STREAM_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["data"],
    "properties": {"data": {"type": "string"}},
}

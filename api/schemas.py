"""The wire: request and response bodies of the HTTP API (separate from `rag`'s own types)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.insight import Insight
from rag.answering.calculate import verdict
from rag.answers import SUGGESTIONS_LEAD, Answer, Audience
from rag.calculators import Calculation, Calculator, Frequency, Outcome
from rag.calculators.translation import FormLanguage, translate, translate_schema
from rag.crisis.levels import Kind, Level
from rag.letters import Letter, LetterTemplate, Slot
from rag.letters.templates import SlotKind
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


class FieldErrorDetail(ErrorDetail):
    fields: dict[str, str] | None = Field(
        default=None,
        description="Pole → komunikat po polsku, do pokazania przy polu formularza "
        "(`household_income`, `children.0.age`, `on`). Brak, gdy treść zapytania nie jest "
        "obiektem JSON.",
        examples=[{"household_size": "Gospodarstwo musi liczyć co najmniej 1 osobę."}],
    )


class FieldErrorResponse(BaseModel):
    error: FieldErrorDetail


class ChatRequest(BaseModel):
    message: Question = Field(description="Pytanie (1–2000 znaków po obcięciu spacji).")
    session_id: SessionId | None = Field(
        default=None,
        description="Kontynuuj rozmowę: `session_id` z poprzedniej odpowiedzi. Brak albo "
        "identyfikator, którego nie wydał serwer = nowa rozmowa.",
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


class SuggestionOut(BaseModel):
    question: str = Field(
        description="Pytanie, na które baza wiedzy odpowiada – do zadania jednym kliknięciem."
    )
    title: str = Field(description="Tytuł dokumentu, z którego pochodzi odpowiedź.")
    source: str | None = Field(
        default=None,
        description="Ścieżka dokumentu w bazie wiedzy – tylko dla pracowników.",
    )


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
    session_id: str = Field(
        description="Identyfikator rozmowy wydany przez serwer: odeślij go z następnym pytaniem "
        "(może być nowy, gdy zapytanie niosło identyfikator, którego serwer nie wydał)."
    )
    crisis: CrisisOut
    suggestions: list[SuggestionOut] = Field(
        default_factory=list,
        description="Przy odmowie: do trzech pytań bliskich temu, na które baza odpowiada (są też "
        "w tekście odpowiedzi, po „" + SUGGESTIONS_LEAD + "”); pusta lista poza odmową.",
    )
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
    ai_notice: str = Field(
        description="Shown before the first question: an AI assistant, answers can be wrong, "
        "the centre's decision binds, how to reach a person (OKIENKO_AI_NOTICE)."
    )
    privacy_note: str = PRIVACY_NOTE
    max_message_length: int = MAX_MESSAGE_LENGTH
    callback_notice: str = Field(
        default="",
        description="Shown in the callback form before anything is typed: who receives the "
        "data, what for, how long it is kept, and when staff answer (if the centre set it).",
    )
    privacy_url: str | None = Field(
        default=None, description="The centre's full information on personal data, if set."
    )

    @classmethod
    def of(cls, settings: Settings) -> ConfigOut:
        return cls(
            cus=Contact.of(settings),
            ai_notice=settings.ai_notice,
            callback_notice=callback_notice(settings),
            privacy_url=settings.privacy_url,
        )


def callback_notice(settings: Settings) -> str:
    """The first layer of the information on personal data, where the callback form asks for
    them: every fact in it is what the service does or the centre set, nothing promised."""
    days = settings.handoff_retention_days
    said = (
        f"Dane z tego formularza (imię, telefon, e-mail, wiadomość) otrzymuje {settings.cus_name},"
        " który jest ich administratorem, wyłącznie po to, żeby się z Tobą skontaktować w tej "
        f"sprawie. Są przechowywane {days} {'dzień' if days == 1 else 'dni'}, potem usuwane "
        "automatycznie; „Usuń rozmowę” usuwa je od razu."
    )
    if settings.callback_response_time:
        said += f" Pracownik odpowie {settings.callback_response_time.strip().rstrip('.')}."
    return said


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


MAX_MESSAGES = 100
MAX_MODEL_NAME = 100


class CompletionRequest(BaseModel):
    """What OpenAI clients send; fields we do not use (temperature, tools…) are ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(default="okienko", max_length=MAX_MODEL_NAME)  # echoed back
    # The conversation the client keeps; the assistant reads its last turns only.
    messages: Annotated[list[CompletionMessage], Field(min_length=1, max_length=MAX_MESSAGES)]
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


# --- Calculators -----------------------------------------------------------------------------

CALCULATION_NOTICE = (
    "To wyliczenie szacunkowe na podstawie podanych danych, nie decyzja. O przyznaniu "
    "świadczenia i jego wysokości decyduje CUS po złożeniu wniosku (w pomocy społecznej także "
    "po wywiadzie środowiskowym)."
)
# Złoty to the grosz as text: exact (a float would not be), the same in every client.
Money = Annotated[str, StringConstraints(pattern=r"^[0-9]+\.[0-9]{2}$")]


class CalculatorOut(BaseModel):
    name: str = Field(examples=["zasilek_staly"], description="Do POST /v1/calculators/{name}.")
    title: str = Field(examples=["Zasiłek stały"])
    description: str
    input_schema: dict[str, Any] = Field(
        description="JSON Schema danych wejściowych: tytuły i opisy pól w języku `lang` "
        "(domyślnie po polsku), wartości do wyboru z etykietami (`oneOf` z `const` i `title`). "
        "Każde pole można pominąć: kalkulator wymieni w `missing` te, których potrzebuje."
    )

    @classmethod
    def of(cls, calculator: Calculator[Any], lang: FormLanguage = "pl") -> CalculatorOut:
        """The calculator as listed, its texts in `lang` (`rag.calculators.translation`)."""
        return cls(
            name=calculator.name,
            title=translate(calculator.title, lang),
            description=translate(calculator.description, lang),
            input_schema=translate_schema(calculator.input_schema(), lang),
        )


class CalculatorsOut(BaseModel):
    on: dt.date = Field(
        description="Dzień, na który kalkulatory biorą kwoty i kryteria, gdy zapytanie nie poda "
        "`on`: dzisiejszy."
    )
    calculators: list[CalculatorOut]


class StepOut(BaseModel):
    text: str = Field(examples=["Zasiłek stały: 1 313 zł − 600 zł = 713 zł."])
    provision: str | None = Field(
        examples=["art. 37 ust. 2 pkt 1 ustawy o pomocy społecznej"],
        description="Przepis, na którym opiera się krok; null przy krokach bez przepisu.",
    )


class MissingOut(BaseModel):
    name: str = Field(examples=["children.1.education"], description="Pole danych wejściowych.")
    title: str = Field(examples=["Dziecko 2: nauka dziecka"], description="Tytuł pola po polsku.")


class ProvisionalOut(BaseModel):
    amount: Money = Field(examples=["340.00"])
    condition: str = Field(
        description="Warunek, po słowie „jeśli”.",
        examples=["dochód na osobę (2 400 zł) nie przekracza progu 40% przeciętnego wynagrodzenia"],
    )


class CalculationOut(BaseModel):
    calculator: str = Field(examples=["zasilek_staly"])
    title: str = Field(examples=["Zasiłek stały"])
    on: dt.date = Field(description="Dzień, na który wzięto kwoty i kryteria.")
    result: Outcome = Field(
        description="eligible: warunki, które sprawdza kalkulator, są spełnione (to nie decyzja); "
        "not_eligible: któryś nie jest; unknown: brakuje danych (`missing`) albo kwoty, której "
        "źródła nie podają na ten dzień (`unknown_figures`)."
    )
    summary: str = Field(
        description="Wynik jednym zdaniem, do pokazania przed wyliczeniem.",
        examples=["Zasiłek stały wstępnie przysługuje, około 713 zł miesięcznie."],
    )
    amount: Money | None = Field(
        description='Kwota w złotych jako tekst z dwiema cyframi po kropce (`"713.00"`), '
        "dokładna do grosza; null bez kwoty. Przy zasiłku okresowym: najmniej, ile CUS musi "
        "przyznać.",
        examples=["713.00"],
    )
    amount_max: Money | None = Field(
        description="Najwięcej, ile CUS może przyznać, gdy ustala kwotę w granicach (zasiłek "
        "okresowy); ten sam zapis co `amount`, null gdzie indziej.",
    )
    frequency: Frequency | None = Field(
        description="monthly: kwota miesięczna; once: jednorazowa (becikowe); null bez kwoty."
    )
    missing: list[MissingOut] = Field(description="Dane, o które trzeba jeszcze zapytać.")
    unknown_figures: list[str] = Field(
        description="Kwoty, których źródła kalkulatora nie podają na ten dzień."
    )
    steps: list[StepOut] = Field(description="Wyliczenie krok po kroku, z przepisami.")
    provisional: ProvisionalOut | None = Field(
        default=None,
        description="Przy wyniku unknown: kwota, jeśli zachodzi warunek, którego kalkulator nie "
        "może sprawdzić (np. próg liczony od wynagrodzenia, którego źródła jeszcze nie podają); "
        "null, gdy przed uzupełnieniem brakującej wartości nic nie da się powiedzieć.",
    )
    notice: str = Field(default=CALCULATION_NOTICE, description="Stała uwaga: to szacunek.")

    @classmethod
    def of(cls, calculation: Calculation, calculator: Calculator[Any]) -> CalculationOut:
        missing = [
            MissingOut(name=name, title=calculator.field_title(name) or name)
            for name in calculation.missing
        ]
        return cls(
            calculator=calculator.name,
            title=calculator.title,
            on=calculation.on,
            result=calculation.result,
            summary=_summary(calculation, calculator.title, [m.title for m in missing]),
            amount=_money(calculation.amount),
            amount_max=_money(calculation.amount_max),
            frequency=calculation.frequency,
            missing=missing,
            unknown_figures=list(calculation.unknown_figures),
            steps=[StepOut(text=s.text, provision=s.provision) for s in calculation.steps],
            provisional=None
            if calculation.provisional is None
            else ProvisionalOut(
                amount=_money(calculation.provisional.amount),
                condition=calculation.provisional.condition,
            ),
        )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _summary(calculation: Calculation, title: str, missing: list[str]) -> str:
    said = verdict(calculation, title)
    if said is not None:
        return said[0].upper() + said[1:]
    if missing:
        return "Żeby to policzyć, potrzeba jeszcze: " + "; ".join(_lower(t) for t in missing) + "."
    return (
        "Nie da się teraz tego policzyć, bo źródła kalkulatora nie podają na ten dzień wartości: "
        + "; ".join(calculation.unknown_figures)
        + "."
    )


def _lower(title: str) -> str:
    return title[0].lower() + title[1:]


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


# --- Letters ---------------------------------------------------------------------------------

MAX_LETTER_LENGTH = 20_000


class LetterSlotOut(BaseModel):
    name: str = Field(examples=["termin_dni"])
    title: str = Field(examples=["Termin na usunięcie braków (dni)"])
    kind: SlotKind = Field(
        description="text: jeden wiersz; paragraph: kilka wierszy; date: RRRR-MM-DD; days: "
        "liczba dni; list: lista pozycji; choice: jedna z `options`."
    )
    required: bool
    help: str | None
    default: str | int | None
    options: list[str] = Field(description="Możliwości pola choice.")
    min: int | None
    max: int | None
    from_answer: Literal["direct_answer"] | None = Field(
        description="Pole, które wypełnia odpowiedź asystenta, gdy pracownik go nie poda."
    )

    @classmethod
    def of(cls, slot: Slot, default: str | None = None) -> LetterSlotOut:
        out = cls.model_validate(slot.model_dump(exclude={"min_reason", "after"}))
        return out if default is None else out.model_copy(update={"default": default})


class LetterTemplateOut(BaseModel):
    id: str = Field(examples=["wezwanie-do-usuniecia-brakow"])
    title: str
    description: str
    legal_basis: list[str]
    slots: list[LetterSlotOut] = Field(description="Najpierw ramka pisma, potem pola wzoru.")

    @classmethod
    def of(
        cls, template: LetterTemplate, defaults: Mapping[str, str] | None = None
    ) -> LetterTemplateOut:
        """`defaults`: the deployment's values of slots (shown as the slots' defaults)."""
        defaults = defaults or {}
        return cls(
            id=template.id,
            title=template.title,
            description=template.description,
            legal_basis=list(template.legal_basis),
            slots=[LetterSlotOut.of(s, defaults.get(s.name)) for s in template.all_slots],
        )


class LettersOut(BaseModel):
    templates: list[LetterTemplateOut]


class CitationProvisionIn(BaseModel):
    provision: Annotated[str, StringConstraints(max_length=500)] | None = None


class LetterAnswerIn(BaseModel):
    """The assistant's answer, as `POST /v1/chat` returned it (only what a letter uses)."""

    direct_answer: Annotated[str, StringConstraints(max_length=MAX_LETTER_LENGTH)] | None = None
    citations: Annotated[list[CitationProvisionIn], Field(max_length=50)] = Field(
        default_factory=list
    )


class LetterRequest(BaseModel):
    values: dict[str, Any] = Field(
        default_factory=dict,
        description="Pole wzoru → wartość (daty RRRR-MM-DD, dni jako liczba, lista jako lista "
        "napisów); puste pole to brak wartości.",
    )
    answer: LetterAnswerIn | None = Field(
        default=None, description="Odpowiedź asystenta, na której opiera się pismo."
    )


class LetterDocxRequest(LetterRequest):
    text: Annotated[str, StringConstraints(min_length=1, max_length=MAX_LETTER_LENGTH)] | None = (
        Field(
            default=None,
            description="Tekst pisma poprawiony przez pracownika; brak = pismo wypełnione z "
            "`values`.",
        )
    )


class LetterOut(BaseModel):
    template: str
    title: str
    text: str = Field(description="Pismo jako czysty tekst, gotowe do skopiowania.")
    legal_basis: list[str]
    warnings: list[str] = Field(
        description="Co sprawdzić przed wysłaniem (przepisy spoza wzoru i źródeł, terminy)."
    )

    @classmethod
    def of(cls, letter: Letter) -> LetterOut:
        return cls(
            template=letter.template,
            title=letter.title,
            text=letter.text,
            legal_basis=list(letter.legal_basis),
            warnings=list(letter.warnings),
        )


# --- Insight ---------------------------------------------------------------------------------


class InsightDays(enum.IntEnum):
    """The insight page's periods: the last week or the last month."""

    WEEK = 7
    MONTH = 30


class TopicCountOut(BaseModel):
    topic: str = Field(description="Temat pierwszego źródła odpowiedzi; „bez źródła” przy odmowie.")
    questions: int
    refused: int


class QuestionGroupOut(BaseModel):
    question: str = Field(description="Pierwsze zadane pytanie grupy (po redakcji danych).")
    count: int = Field(description="Ile pytań grupy odrzucono albo oceniono 👎.")
    refused: int
    rated_down: int
    examples: list[str] = Field(description="Inne brzmienia tego pytania (najwyżej 5).")
    topic: str


class DueForReviewOut(BaseModel):
    kind: Literal["document", "fact"]
    id: str
    title: str
    source: str
    reviewed: dt.date | None
    problem: str = Field(description="Dlaczego, po polsku.")


class InsightOut(BaseModel):
    days: int
    since: dt.datetime
    until: dt.datetime
    questions: int = Field(description="Pytania zadane w tym czasie.")
    refused: int
    refusal_rate: float | None = Field(description="Odmowy ÷ pytania; null bez pytań.")
    rated_down: int = Field(description="Odpowiedzi ocenione 👎.")
    topics: list[TopicCountOut]
    groups: list[QuestionGroupOut] = Field(
        description="Pytania odrzucone lub ocenione 👎, pogrupowane według podobieństwa; "
        "największe grupy najpierw."
    )
    due_for_review: list[DueForReviewOut] = Field(
        description="Dokumenty i fakty po terminie przeglądu albo już nieobowiązujące."
    )

    @classmethod
    def of(cls, insight: Insight) -> InsightOut:
        return cls(
            days=insight.days,
            since=insight.since,
            until=insight.until,
            questions=insight.questions,
            refused=insight.refused,
            refusal_rate=insight.refusal_rate,
            rated_down=insight.rated_down,
            topics=[TopicCountOut.model_validate(dataclasses.asdict(t)) for t in insight.topics],
            groups=[
                QuestionGroupOut(
                    question=g.question,
                    count=g.count,
                    refused=g.refused,
                    rated_down=g.rated_down,
                    examples=list(g.examples),
                    topic=g.topic,
                )
                for g in insight.groups
            ],
            due_for_review=[
                DueForReviewOut.model_validate(dataclasses.asdict(d)) for d in insight.due
            ],
        )

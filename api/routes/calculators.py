"""`GET /v1/calculators` (what can be worked out, each input as JSON Schema) and
`POST /v1/calculators/{name}` (whether a benefit is due and how much, with the working).

The calculators are `rag.calculators`: deterministic, the same ones the chat runs when a
resident gives figures. A resident needs no key (as in the chat); a staff key lifts the rate
limit. Bad input is a 422 whose `fields` give each field's Polish message for a form.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query

from api.deps import KEY_OPTIONAL, ClientLimit, TodayDep
from api.errors import CalculatorNotFound, InvalidFields
from api.schemas import (
    CalculationOut,
    CalculatorOut,
    CalculatorsOut,
    FieldErrorResponse,
    error_responses,
)
from rag.calculators import CALCULATORS, InvalidInput, compute, read_date
from rag.calculators.translation import FormLanguage

router = APIRouter(prefix="/v1/calculators", tags=["kalkulatory"])

# Fields that are not the calculator's own, named in a 422's message.
_TITLES = {"on": "Dzień, na który liczyć"}

NamePath = Annotated[
    str, Path(description="Nazwa kalkulatora z GET /v1/calculators, np. `zasilek_staly`.")
]
Payload = Annotated[
    dict[str, Any],
    Body(
        description="Dane wejściowe według `input_schema` kalkulatora (GET /v1/calculators); "
        "pominięte pole to brak danych, nie błąd. Do tego opcjonalnie `on`.",
        json_schema_extra={
            "properties": {
                "on": {
                    "type": "string",
                    "format": "date",
                    "description": "Dzień złożenia wniosku (RRRR-MM-DD, lata 1900–2100), na "
                    "który wziąć kwoty i kryteria; domyślnie dzisiejszy.",
                }
            }
        },
        openapi_examples={
            "zasilek_staly": {
                "summary": "Zasiłek stały: osoba samotna, 70 lat, 600 zł emerytury",
                "value": {
                    "household_size": 1,
                    "household_income": "600",
                    "age": 70,
                    "excluded_benefit": False,
                },
            }
        },
    ),
]


LangQuery = Annotated[
    FormLanguage,
    Query(
        description="Język tytułów, opisów i etykiet formularza: `pl` (domyślnie), `uk`, `en`. "
        "Wyliczenie zwracane przez POST jest zawsze po polsku: cytuje przepisy."
    ),
]


@router.get("", summary="Kalkulatory świadczeń", response_model=CalculatorsOut)
async def list_calculators(today: TodayDep, lang: LangQuery = "pl") -> CalculatorsOut:
    """Each calculator with its title, what it answers and its input as JSON Schema."""
    return CalculatorsOut(
        on=today, calculators=[CalculatorOut.of(c, lang) for c in CALCULATORS.values()]
    )


@router.post(
    "/{name}",
    summary="Sprawdź, czy przysługuje i ile",
    response_model=CalculationOut,
    responses={
        **error_responses(404),
        422: {
            "model": FieldErrorResponse,
            "description": "Dane, których kalkulator nie może policzyć: `fields` mówi, co jest "
            "nie tak z każdym polem.",
        },
        **error_responses(429),
    },
    dependencies=[ClientLimit],
    openapi_extra=KEY_OPTIONAL,
)
def calculate(name: NamePath, payload: Payload, today: TodayDep) -> CalculationOut:
    """The result first, then the working step by step with provisions, and what is missing.

    An estimate, never a decision: the response's `notice` says so.
    """
    calculator = CALCULATORS.get(name)
    if calculator is None:
        raise CalculatorNotFound(tuple(CALCULATORS))
    inputs = dict(payload)
    on = inputs.pop("on", None)
    try:
        calculation = compute(name, inputs, today if on is None else read_date(on))
    except InvalidInput as exc:
        titles = {f: calculator.field_title(f) or _TITLES.get(f) for f in exc.errors}
        raise InvalidFields(
            exc.errors, titles={f: t for f, t in titles.items() if t is not None}
        ) from exc
    return CalculationOut.of(calculation, calculator)

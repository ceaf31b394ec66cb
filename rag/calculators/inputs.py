"""Reading a calculator's input: the value types its fields share, and Polish messages per field.

Inputs are frozen dataclasses whose fields are annotated with the types below; pydantic reads a
payload into them and writes their JSON Schema. Every value is checked by our own readers, so a
person who typed "-300" or "dużo" gets a sentence in Polish for that field, never a traceback or
pydantic's English. A field left out is not an error: it is None, and the calculation lists it as
missing when it needs it.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, ClassVar, Protocol, TypeVar

from pydantic import (
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from rag.calculators.errors import InvalidInput
from rag.calculators.money import MAX_AMOUNT, MAX_AREA, AmountError, parse_amount

MAX_PEOPLE = 30
MAX_AGE = 120
MIN_YEAR, MAX_YEAR = 1900, 2100


class Input(Protocol):
    """What every calculator input is: a dataclass that can name its cross-field problems."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def problems(self, on: dt.date, /) -> dict[str, str]:
        """Field → Polish message for combinations no person has on the calculation's date
        (a birth after it, an own income above the household's); empty: the input is sound."""
        ...


InputT = TypeVar("InputT", bound=Input)


def _invalid(message: str) -> PydanticCustomError:
    return PydanticCustomError("okienko_input", message)


def _amount(value: object) -> Decimal:
    try:
        return parse_amount(value)
    except AmountError as exc:
        raise _invalid(str(exc)) from exc


def _area(value: object) -> Decimal:
    text = value.replace("m²", "").replace("m2", "") if isinstance(value, str) else value
    try:
        area = parse_amount(text, maximum=MAX_AREA)
    except AmountError as exc:
        raise _invalid("Podaj powierzchnię w metrach kwadratowych, np. 48 albo 48,5.") from exc
    if area <= 0:
        raise _invalid("Powierzchnia musi być większa od zera.")
    return area


def _whole(value: object) -> int:
    if isinstance(value, bool):
        raise _invalid("Podaj liczbę całkowitą.")
    if isinstance(value, int):
        return value
    # JSON brings NaN and Infinity as floats: int() of them raises, and not a ValueError.
    if isinstance(value, float | Decimal) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,6}", value.strip()):
        return int(value.strip())
    raise _invalid("Podaj liczbę całkowitą.")


def _people(value: object) -> int:
    count = _whole(value)
    if count < 1:
        raise _invalid("Gospodarstwo musi liczyć co najmniej 1 osobę.")
    if count > MAX_PEOPLE:
        raise _invalid(f"Podaj liczbę osób do {MAX_PEOPLE}; większą rodzinę policzy pracownik CUS.")
    return count


def _age(value: object) -> int:
    age = _whole(value)
    if age < 0:
        raise _invalid("Wiek nie może być ujemny.")
    if age > MAX_AGE:
        raise _invalid(f"Podaj wiek w pełnych latach (od 0 do {MAX_AGE}).")
    return age


def _births(value: object) -> int:
    count = _whole(value)
    if not 1 <= count <= 10:
        raise _invalid("Podaj liczbę urodzonych dzieci: od 1 do 10.")
    return count


_YES = {"tak", "true", "1", "yes"}
_NO = {"nie", "false", "0", "no"}


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _YES | _NO:
        return value.strip().lower() in _YES
    raise _invalid("Odpowiedz tak albo nie (true albo false).")


def _date(value: object) -> dt.date:
    found: dt.date | None = None
    if isinstance(value, dt.datetime):
        found = value.date()
    elif isinstance(value, dt.date):
        found = value
    elif isinstance(value, str):
        try:
            found = dt.date.fromisoformat(value.strip())
        except ValueError:
            found = None
    if found is None:
        raise _invalid("Podaj datę w formacie RRRR-MM-DD, np. 2026-03-01.")
    # Deadlines are counted in months from a date: near year 9999 they would leave the calendar.
    if not MIN_YEAR <= found.year <= MAX_YEAR:
        raise _invalid(f"Podaj datę z lat {MIN_YEAR}–{MAX_YEAR}.")
    return found


def read_date(value: object, *, field: str = "on") -> dt.date:
    """A date as a payload gives it ("2026-03-01"), such as the application date `compute` takes.

    Raises:
        InvalidInput: `field` → a Polish message saying how to write a date.
    """
    try:
        return _date(value)
    except PydanticCustomError as exc:
        raise InvalidInput({field: exc.message()}) from exc


def closed(title: str | None = None, description: str | None = None) -> ConfigDict:
    """An input's pydantic config: unknown fields are errors; a nested type's Polish title."""
    config = ConfigDict(extra="forbid")
    if title is not None:
        config["title"] = title
    if description is not None:
        config["json_schema_extra"] = {"description": description}
    return config


def not_given(**values: object) -> tuple[str, ...]:
    """The names of the values not given (None), in the order written: what to ask for."""
    return tuple(name for name, value in values.items() if value is None)


class Options:
    """The validator and schema of a field with fixed values: see `one_of`."""

    def __init__(self, labels: Mapping[str, str]) -> None:
        self.labels = dict(labels)

    def _check(self, value: object) -> object:
        if value is None or (isinstance(value, str) and value in self.labels):
            return value  # None: not given (the field's own type says whether it may be)
        raise _invalid(f"Wybierz jedną z wartości: {', '.join(self.labels)}.")

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_before_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        found = handler(schema)
        for branch in found.get("anyOf", [found]):  # `X | None` is anyOf [X, null]
            if "enum" in branch:
                branch["oneOf"] = [{"const": v, "title": t} for v, t in self.labels.items()]
        return found


def one_of(labels: Mapping[str, str]) -> Options:
    """A validator and schema for a field with fixed values ("najem", "wlasnosc", …), each with
    the Polish label a form shows for it ("Najem (także podnajem)").

    The schema keeps `enum` and adds the labels the JSON Schema way, `oneOf` of
    `{"const": value, "title": label}`, so a form needs nothing but the schema.
    """
    return Options(labels)


_AMOUNT_SCHEMA = {
    "type": ["number", "string"],
    "minimum": 0,
    "maximum": int(MAX_AMOUNT),
    "examples": [3600, "3 600,50 zł netto"],
}

# The value types inputs use. Each is also its JSON Schema: what the field accepts.
Amount = Annotated[Decimal, BeforeValidator(_amount), WithJsonSchema(_AMOUNT_SCHEMA)]
Area = Annotated[
    Decimal,
    BeforeValidator(_area),
    WithJsonSchema({"type": ["number", "string"], "exclusiveMinimum": 0, "maximum": int(MAX_AREA)}),
]
People = Annotated[
    int,
    BeforeValidator(_people),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_PEOPLE}),
]
Age = Annotated[
    int,
    BeforeValidator(_age),
    WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_AGE}),
]
Births = Annotated[
    int, BeforeValidator(_births), WithJsonSchema({"type": "integer", "minimum": 1, "maximum": 10})
]
Flag = Annotated[bool, BeforeValidator(_flag), WithJsonSchema({"type": "boolean"})]
Day = Annotated[
    dt.date, BeforeValidator(_date), WithJsonSchema({"type": "string", "format": "date"})
]

# pydantic's own checks that can still fire (structure, not values), in Polish.
_STRUCTURE = {
    "unexpected_keyword_argument": "Nieznane pole – ten kalkulator go nie przyjmuje.",
    "extra_forbidden": "Nieznane pole – ten kalkulator go nie przyjmuje.",
    "missing": "To pole jest wymagane.",
    "missing_argument": "To pole jest wymagane.",
    "dataclass_type": "Podaj dane jako obiekt z polami i ich wartościami.",
    "dataclass_exact_type": "Podaj dane jako obiekt z polami i ich wartościami.",
    "dict_type": "Podaj dane jako obiekt z polami i ich wartościami.",
    "tuple_type": "Podaj listę.",
    "list_type": "Podaj listę.",
    "iterable_type": "Podaj listę.",
    "too_long": "Lista jest za długa.",
}
_FALLBACK = "Nieprawidłowa wartość."


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(input_type: type[Any]) -> TypeAdapter[Any]:
    """The type's adapter, built on first use (building one compiles a validator)."""
    if input_type not in _ADAPTERS:
        _ADAPTERS[input_type] = TypeAdapter(input_type)
    return _ADAPTERS[input_type]


def parse_input(input_type: type[InputT], payload: object) -> InputT:
    """The typed input from a payload (JSON-like: dict, lists, numbers, strings).

    Raises:
        InvalidInput: field → Polish message for every field that cannot be read (the fields'
            combinations are checked with the date, by `Input.problems`).
    """
    try:
        parsed: InputT = _adapter(input_type).validate_python(payload)
    except ValidationError as exc:
        raise InvalidInput(_messages(exc)) from exc
    return parsed


_SCHEMAS: dict[type[Any], dict[str, Any]] = {}


def input_schema(input_type: type[Any]) -> dict[str, Any]:
    """The JSON Schema of an input type (titles and descriptions in Polish)."""
    if input_type not in _SCHEMAS:
        _SCHEMAS[input_type] = _adapter(input_type).json_schema()
    return copy.deepcopy(_SCHEMAS[input_type])


def field_title(input_type: type[Any], name: str) -> str | None:
    """What a field is called in Polish: "age" → "Wiek w pełnych latach", and a list item's
    field by its place, "children.1.education" → "Dziecko 2: nauka dziecka", a list item
    itself too ("children.1" → "Dziecko 2"). None for a name the input does not have (an
    unknown field a payload sent, "on")."""
    schema = input_schema(input_type)
    head, *rest = name.split(".")
    spec = schema["properties"].get(head)
    if spec is None:
        return None
    if not rest:
        return str(spec["title"])
    index, *inner = rest
    ref = spec.get("items", {}).get("$ref")
    if ref is None or not index.isdigit() or len(inner) > 1:
        return None
    item = schema["$defs"][ref.rsplit("/", 1)[-1]]
    if not inner:
        return f"{item['title']} {int(index) + 1}"
    found = item["properties"].get(inner[0])
    if found is None:
        return None
    title = str(found["title"])
    return f"{item['title']} {int(index) + 1}: {title[0].lower()}{title[1:]}"


def _messages(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "dane"
        if error["type"] == "okienko_input":
            message = error["msg"]
        else:
            message = _STRUCTURE.get(error["type"], _FALLBACK)
        found.setdefault(where, message)
    return found

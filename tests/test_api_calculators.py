"""The calculators over HTTP (`/v1/calculators`), against real Redis (for the rate limit).

The app here has no index: the calculators need none, so they answer while the chat is still
503. "Today" is fixed through the `get_today` dependency, so the figures are those of a known
date whatever the day the tests run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from api.app import create_app
from api.deps import get_today
from api.schemas import CALCULATION_NOTICE
from api.security import key_digest
from rag.calculators import CALCULATORS
from rag.calculators.translation import schema_texts, translate
from rag.language import has_polish_letters
from tests.api_support import api_settings
from tests.test_calculators import HOUSING_EXAMPLE

TODAY = dt.date(2025, 3, 1)  # criteria of 2025
STAFF_KEY = "klucz-pracownika-do-testow"
POLISH = re.compile(r"[ąćęłńóśźż]", re.IGNORECASE)
RESULT_KEYS = {
    "calculator",
    "title",
    "on",
    "result",
    "summary",
    "amount",
    "amount_max",
    "frequency",
    "missing",
    "unknown_figures",
    "steps",
    "provisional",
    "notice",
}
RETIRED_SINGLE = {"household_size": 1, "household_income": "600", "age": 70}


def build(tmp_path: Path, prefix: str, **overrides: Any) -> FastAPI:
    app = create_app(api_settings(tmp_path / "data", **overrides), redis_prefix=prefix)
    app.dependency_overrides[get_today] = lambda: TODAY
    return app


@pytest.fixture
def client(tmp_path: Path, prefix: str) -> Iterator[TestClient]:
    with TestClient(build(tmp_path, prefix)) as c:
        yield c


def calculate(client: TestClient, name: str, payload: object) -> Any:
    response = client.post(f"/v1/calculators/{name}", json=payload)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == RESULT_KEYS
    assert body["notice"] == CALCULATION_NOTICE
    return body


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    assert POLISH.search(error["message"]), error["message"]
    return error


# --- the list --------------------------------------------------------------------------------


def test_the_list_gives_each_calculator_with_its_input_schema_and_the_date(
    client: TestClient,
) -> None:
    body = client.get("/v1/calculators").json()
    assert body["on"] == TODAY.isoformat()
    listed = {c["name"]: c for c in body["calculators"]}
    assert set(listed) == set(CALCULATORS)
    for name, calculator in CALCULATORS.items():
        assert listed[name] == {
            "name": name,
            "title": calculator.title,
            "description": calculator.description,
            "input_schema": calculator.input_schema(),
        }
    tenure = listed["dodatek_mieszkaniowy"]["input_schema"]["properties"]["tenure"]
    assert {"const": "najem", "title": "Najem (także podnajem)"} in tenure["anyOf"][0]["oneOf"]


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_the_form_comes_in_the_widgets_other_languages(client: TestClient, lang: str) -> None:
    """Every title, help text and choice label in Ukrainian or English; names and values the
    API takes stay as they are, and a calculation's working stays Polish."""
    body = client.get("/v1/calculators", params={"lang": lang}).json()
    polish = client.get("/v1/calculators").json()
    for shown, source in zip(body["calculators"], polish["calculators"], strict=True):
        assert shown["name"] == source["name"]
        texts = [shown["title"], shown["description"], *schema_texts(shown["input_schema"])]
        originals = [
            source["title"],
            source["description"],
            *schema_texts(source["input_schema"]),
        ]
        assert len(texts) == len(originals)
        for text, original in zip(texts, originals, strict=True):
            assert text == translate(original, lang)  # type: ignore[arg-type]
            assert text != original or not has_polish_letters(original), original
        consts = re.findall(r'"const": ("[^"]*"|\w+)', json.dumps(source["input_schema"]))
        assert consts == re.findall(r'"const": ("[^"]*"|\w+)', json.dumps(shown["input_schema"]))
    if lang == "uk":
        assert re.search(r"[а-яіїєґ]", body["calculators"][0]["title"], re.I)


def test_a_form_language_the_widget_does_not_speak_is_a_422_in_polish(client: TestClient) -> None:
    response = client.get("/v1/calculators", params={"lang": "de"})
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert message.startswith("Nie można przyjąć zapytania")
    assert "„lang”" in message


# --- a calculation ---------------------------------------------------------------------------


def test_an_eligible_result_comes_first_with_the_amount_and_the_working(
    client: TestClient,
) -> None:
    body = calculate(client, "zasilek_staly", {**RETIRED_SINGLE, "excluded_benefit": False})
    assert body["result"] == "eligible"
    assert body["on"] == TODAY.isoformat()
    assert body["summary"].startswith("Zasiłek stały wstępnie przysługuje, około 713 zł")
    assert (body["amount"], body["amount_max"], body["frequency"]) == ("713.00", None, "monthly")
    assert body["missing"] == []
    assert {
        "text": "Zasiłek stały: 1 313 zł − 600 zł = 713 zł.",
        "provision": ("art. 37 ust. 2 pkt 1 ustawy o pomocy społecznej"),
    } in body["steps"]
    assert all(step["provision"] for step in body["steps"])


def test_a_range_gives_both_bounds_as_exact_grosze(client: TestClient) -> None:
    body = calculate(client, "zasilek_okresowy", {"household_size": 1, "household_income": 500})
    assert (body["amount"], body["amount_max"]) == ("255.00", "510.00")
    assert "co najmniej 255 zł miesięcznie (najwyżej 510 zł)" in body["summary"]


def test_a_not_eligible_result_says_why_without_an_amount(client: TestClient) -> None:
    body = calculate(
        client, "kryterium_dochodowe", {"household_size": 1, "household_income": "1 500 zł"}
    )
    assert body["result"] == "not_eligible"
    assert (body["amount"], body["frequency"]) == (None, None)
    assert body["summary"] == (
        "Dochód przekracza kryterium dochodowe pomocy społecznej (dochód 1 500 zł przekracza "
        "kryterium 1 010 zł)."
    )


def test_an_unknown_result_names_what_is_missing_by_its_polish_title(client: TestClient) -> None:
    body = calculate(client, "zasilek_rodzinny", {"children": [{"age": 19}]})
    assert body["result"] == "unknown"
    assert body["missing"] == [
        {"name": "family_size", "title": "Liczba osób w rodzinie"},
        {"name": "family_income_monthly", "title": "Dochód netto rodziny miesięcznie (zł)"},
    ]
    assert body["summary"] == (
        "Żeby to policzyć, potrzeba jeszcze: liczba osób w rodzinie; dochód netto rodziny "
        "miesięcznie (zł)."
    )
    family = {"family_size": 3, "family_income_monthly": 1000}
    body = calculate(client, "zasilek_rodzinny", {**family, "children": [{"age": 5}, {"age": 19}]})
    assert body["missing"] == [
        {"name": "children.1.education", "title": "Dziecko 2: nauka dziecka"}
    ]


def test_a_figure_the_sources_lack_is_named_and_nothing_is_guessed(client: TestClient) -> None:
    # The rules have no GUS average wage for the API's test date, 1 March 2025
    # (rules/dodatek_mieszkaniowy.yaml).
    flat = {
        "household_size": 2,
        "household_income_monthly": 3000,
        "flat_area": 45,
        "tenure": "najem",
        "monthly_expenses": 900,
        "central_installations": True,
        "disabled_needing_room": False,
    }
    body = calculate(client, "dodatek_mieszkaniowy", flat)
    assert (body["result"], body["amount"], body["missing"]) == ("unknown", None, [])
    [figure] = body["unknown_figures"]
    assert figure.startswith("przeciętne wynagrodzenie w gospodarce narodowej")
    assert body["summary"] == (
        "Nie da się teraz tego policzyć, bo źródła kalkulatora nie podają na ten dzień wartości: "
        f"{figure}."
    )


def test_on_in_the_body_takes_the_figures_of_that_day(client: TestClient) -> None:
    single = {"household_size": 1, "household_income": 800}
    before = calculate(client, "kryterium_dochodowe", {**single, "on": "2024-12-31"})
    after = calculate(client, "kryterium_dochodowe", {**single, "on": "2025-01-01"})
    assert (before["on"], before["result"]) == ("2024-12-31", "not_eligible")
    assert "776 zł" in before["summary"]
    assert (after["on"], after["result"]) == ("2025-01-01", "eligible")
    assert calculate(client, "kryterium_dochodowe", {**single, "on": None})["on"] == "2025-03-01"


def test_the_calculators_answer_while_the_chat_has_no_index(client: TestClient) -> None:
    assert client.post("/v1/chat", json={"message": "Ile wynosi zasiłek stały?"}).status_code == 503
    calculate(client, "becikowe", {})


# --- bad input -------------------------------------------------------------------------------


def test_an_unknown_calculator_is_a_404_in_polish_that_lists_the_known(client: TestClient) -> None:
    error = error_of(
        client.post("/v1/calculators/zasilek_celowy", json={}), 404, "calculator_not_found"
    )
    assert set(error) == {"code", "message"}
    assert "zasilek_staly" in error["message"]
    assert "zasilek_celowy" not in error["message"]  # the client's text is not repeated


def test_bad_input_is_a_422_with_a_polish_message_for_each_field(client: TestClient) -> None:
    response = client.post(
        "/v1/calculators/zasilek_rodzinny",
        json={
            "family_size": 0,
            "family_income_monthly": "dużo",
            "children": [{"age": -1, "colour": "red"}, 5],
            "foo": 1,
        },
    )
    error = error_of(response, 422, "invalid_input")
    assert error["fields"] == {
        "family_size": "Gospodarstwo musi liczyć co najmniej 1 osobę.",
        "family_income_monthly": "Podaj kwotę w złotych, np. 1200 albo 1 200,50.",
        "children.0.age": "Wiek nie może być ujemny.",
        "children.0.colour": "Nieznane pole – ten kalkulator go nie przyjmuje.",
        "children.1": "Podaj dane jako obiekt z polami i ich wartościami.",
        "foo": "Nieznane pole – ten kalkulator go nie przyjmuje.",
    }
    # The message names the first fields by their titles and leaves the rest to `fields`.
    assert error["message"].startswith(
        "Nie można tego policzyć. Liczba osób w rodzinie: Gospodarstwo musi liczyć co najmniej "
        "1 osobę. Dochód netto rodziny miesięcznie (zł): Podaj kwotę"
    )
    assert error["message"].endswith("Popraw też pozostałe zaznaczone pola.")


def test_fields_that_contradict_each_other_are_a_422_on_the_field_to_correct(
    client: TestClient,
) -> None:
    response = client.post(
        "/v1/calculators/zasilek_staly",
        json={"household_size": 2, "household_income": 1000, "own_income": 1200},
    )
    error = error_of(response, 422, "invalid_input")
    assert error["fields"] == {
        "own_income": "Twój dochód nie może być wyższy niż dochód całej rodziny."
    }


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ("wczoraj", "Podaj datę w formacie RRRR-MM-DD, np. 2026-03-01."),
        ("9999-12-31", "Podaj datę z lat 1900–2100."),
        ("2020-01-01", "zna przepisy od"),
    ],
)
def test_a_bad_date_is_a_422_on_on(client: TestClient, on: str, message: str) -> None:
    error = error_of(
        client.post("/v1/calculators/kryterium_dochodowe", json={"on": on}), 422, "invalid_input"
    )
    assert set(error["fields"]) == {"on"}
    assert message in error["fields"]["on"]
    assert error["message"].startswith("Nie można tego policzyć. Dzień, na który liczyć: ")


@pytest.mark.parametrize("body", [[1, 2], "tekst", 3, None])
def test_a_body_that_is_not_an_object_is_a_422_without_fields(
    client: TestClient, body: object
) -> None:
    error = error_of(client.post("/v1/calculators/becikowe", json=body), 422, "invalid_request")
    assert "fields" not in error


# Any JSON value: what a broken or hostile client may send. Names include the real ones.
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["2025-03-01", "9999-12-31", "1 200,50 zł", "-5", "tak", "najem"]),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = sorted({f for c in CALCULATORS.values() for f in c.input_schema()["properties"]} | {"on"})
PAYLOADS = JSON | st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=8)
NAMES = st.sampled_from(sorted(CALCULATORS)) | st.text(min_size=1, max_size=20)


def test_no_payload_makes_a_server_error(client: TestClient) -> None:
    @given(name=NAMES, payload=PAYLOADS)
    @example(name="/", payload={})  # found by CI: %2F decodes into the list's path
    @settings(
        max_examples=300,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(name: str, payload: object) -> None:
        # Written by hand: NaN and Infinity go as the JSON literals Python's reader accepts.
        response = client.post(
            f"/v1/calculators/{quote(name, safe='')}",
            content=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        # A name with "/" (sent as %2F) reaches another path, e.g. the list, which takes only
        # GET: a 405, with its Polish message, is a client error too.
        allowed = (200, 404, 422, 405) if "/" in name else (200, 404, 422)
        assert response.status_code in allowed, (name, payload, response.text[:300])
        body = response.json()
        if response.status_code == 200:
            assert set(body) == RESULT_KEYS
        else:
            assert POLISH.search(body["error"]["message"])

    check()


# --- access and documentation ----------------------------------------------------------------


def test_residents_are_rate_limited_as_in_the_chat_and_staff_keys_are_not(
    tmp_path: Path, prefix: str
) -> None:
    app = build(tmp_path, prefix, rate_limit_per_minute=2, api_key_hashes=[key_digest(STAFF_KEY)])
    with TestClient(app) as client:
        # A one-minute window may turn over once between these: then one more gets through.
        statuses = [client.post("/v1/calculators/becikowe", json={}).status_code for _ in range(5)]
        assert statuses[:2] == [200, 200]
        assert 429 in statuses
        limited = client.post("/v1/calculators/becikowe", json={})
        error_of(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) > 0
        staff = client.post("/v1/calculators/becikowe", json={}, headers={"X-API-Key": STAFF_KEY})
        assert staff.status_code == 200
        # The list is static, as the widget's configuration is: never limited.
        assert client.get("/v1/calculators").status_code == 200


def test_a_body_over_the_limit_is_refused_unread(tmp_path: Path, prefix: str) -> None:
    with TestClient(build(tmp_path, prefix, max_body_bytes=4096)) as client:
        response = client.post("/v1/calculators/becikowe", json={"x": "a" * 5000})
        error_of(response, 413, "too_large")


def test_the_openapi_document_describes_the_routes(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    listing = document["paths"]["/v1/calculators"]["get"]
    assert listing["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CalculatorsOut"
    }
    post = document["paths"]["/v1/calculators/{name}"]["post"]
    assert set(post["responses"]) == {"200", "404", "422", "429"}
    assert post["security"] == [{"APIKeyHeader": []}, {}]  # a key is optional
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["type"] == "object"
    assert body["properties"]["on"]["format"] == "date"
    schemas = document["components"]["schemas"]
    amount = schemas["CalculationOut"]["properties"]["amount"]
    assert {"type": "string", "pattern": r"^[0-9]+\.[0-9]{2}$"} in amount["anyOf"]
    assert "fields" in schemas["FieldErrorDetail"]["properties"]


def test_a_housing_sum_past_the_last_wage_comes_with_its_provisional_amount(
    client: TestClient,
) -> None:
    household = {**HOUSING_EXAMPLE, "on": "2030-01-01"}  # past any GUS wage the rules will hold
    body = calculate(client, "dodatek_mieszkaniowy", household)
    assert (body["result"], body["amount"]) == ("unknown", None)
    assert body["provisional"]["amount"] == "440.00"
    assert body["summary"].startswith("Dodatek mieszkaniowy wyniesie około 440 zł miesięcznie")
    assert body["unknown_figures"]  # the missing wage is still named
    earlier = calculate(client, "dodatek_mieszkaniowy", {**household, "on": "2026-03-01"})
    assert (earlier["result"], earlier["provisional"]) == ("eligible", None)

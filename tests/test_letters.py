"""Letters for caseworkers: the templates in knowledge_base/pisma, filling and its checks, the
DOCX export, and the staff routes `/v1/letters`.

The app has no index and a dead Redis: letters need neither. "Today" is fixed through the
`get_today` dependency.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_today
from api.security import key_digest
from rag.letters import (
    TEMPLATES_DIR,
    AnswerBasis,
    InvalidValues,
    TemplateError,
    cited_articles,
    fill,
    load_template,
    load_templates,
)
from rag.letters.articles import Article
from tests.api_support import DEAD_REDIS_URL, KB, api_settings

TODAY = dt.date(2025, 3, 10)
STAFF_KEY = "klucz-pracownika-do-testow"
STAFF = {"X-API-Key": STAFF_KEY}
FRAME = {
    "nadawca": "Centrum Usług Społecznych w Gdańsku\nul. Leczkowa 1a, 80-432 Gdańsk",
    "miejscowosc": "Gdańsk",
    "znak_sprawy": "CUS.4010.12.2025",
    "adresat": "Anna Kowalska",
    "adres": "ul. Długa 1\n80-001 Gdańsk",
    "podpis": "Jan Nowak, starszy specjalista pracy socjalnej",
}
REFUSAL = "informacja-o-odmowie-i-odwolaniu"
CALL = "wezwanie-do-usuniecia-brakow"
APPEAL_VALUES = {
    **FRAME,
    "swiadczenie": "zasiłku okresowego",
    "numer_decyzji": "12/2025",
    "data_decyzji": "2025-03-01",
    "data_doreczenia": "2025-03-05",
    "organ_odwolawczy": "Samorządowe Kolegium Odwoławcze w Gdańsku",
}
CALL_VALUES = {
    **FRAME,
    "data_wniosku": "2025-03-01",
    "przedmiot": "przyznania zasiłku celowego",
    "braki": ["podpisanie wniosku", "dołączenie zaświadczenia o dochodach"],
}


@pytest.fixture(scope="module")
def templates() -> dict[str, Any]:
    return load_templates(KB / TEMPLATES_DIR)


# --- Templates --------------------------------------------------------------------------------


def test_the_four_common_letters_load_with_their_provisions(templates: dict[str, Any]) -> None:
    assert set(templates) == {
        REFUSAL,
        CALL,
        "zawiadomienie-o-niezalatwieniu-sprawy-w-terminie",
        "przekazanie-wedlug-wlasciwosci",
    }
    articles = {t: {a.number for a in templates[t].allowed_articles()} for t in templates}
    assert {"127", "128", "129"} <= articles[REFUSAL]
    assert "64" in articles[CALL]
    assert {"35", "36"} <= articles["zawiadomienie-o-niezalatwieniu-sprawy-w-terminie"]
    assert articles["przekazanie-wedlug-wlasciwosci"] == {"65"}
    assert templates[CALL].pouczenie
    assert templates[REFUSAL].pouczenie


def test_templates_are_not_ingested_as_documents() -> None:
    from ingest.loaders import discover

    assert not [p for p in discover(KB) if TEMPLATES_DIR in p.parts]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "zly-wzor.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = """title: T
description: D
heading: H
legal_basis: [art. 64 § 2 Kodeksu postępowania administracyjnego]
"""


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (BASE + "body: 'Zob. {nieznane}.'\n", "nie deklaruje"),
        (BASE + "body: Na podstawie art. 8 ustawy o pomocy społecznej.\n", "art. 8"),
        (BASE + "body: [nie, tekst]\n", "body"),
        ("title: [\n", "YAML"),
        (BASE + "body: B\nslots: [{name: adresat, title: X}]\n", "powtórzone"),
    ],
)
def test_a_broken_template_says_which_file_and_why(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TemplateError, match=problem) as caught:
        load_template(path)
    assert caught.value.path == path


# --- Articles ---------------------------------------------------------------------------------


def test_articles_take_the_act_named_after_them() -> None:
    text = (
        "art. 57 § 4–5, art. 127a i art. 129 § 1–2 Kodeksu postępowania administracyjnego; "
        "art. 106 ust. 6 ustawy o pomocy społecznej; art. 35–36 KPA."
    )
    assert cited_articles(text) == {
        Article("57", "kpa"),
        Article("127a", "kpa"),
        Article("129", "kpa"),
        Article("106", "o pomocy społecznej"),
        Article("35", "kpa"),
        Article("36", "kpa"),
    }


# --- Filling ----------------------------------------------------------------------------------


def test_refusal_letter_has_every_part_and_the_appeal_deadline(templates: dict[str, Any]) -> None:
    letter = fill(templates[REFUSAL], APPEAL_VALUES, today=TODAY)
    text = letter.text
    for part in (
        "Gdańsk, dnia 10 marca 2025 r.",
        "Znak sprawy: CUS.4010.12.2025",
        "Anna Kowalska\nul. Długa 1",
        "Szanowna Pani,",
        "14 dni od dnia doręczenia",
        "za pośrednictwem organu, który wydał decyzję",
        "upływa więc z końcem dnia 19 marca 2025 r.",
        "Podstawa prawna: art. 127 § 1 i 2 Kodeksu",
        "Pouczenie",
        "Z poważaniem",
        "Jan Nowak",
    ):
        assert part in text
    assert "r.." not in text
    assert "{" not in text
    assert letter.warnings == ()


def test_an_empty_optional_slot_drops_its_paragraph(templates: dict[str, Any]) -> None:
    values = {k: v for k, v in APPEAL_VALUES.items() if k != "data_doreczenia"}
    assert "doręczono" not in fill(templates[REFUSAL], values, today=TODAY).text


def test_the_answer_fills_the_explanation_cleanly_and_adds_its_provisions(
    templates: dict[str, Any],
) -> None:
    answer = AnswerBasis(
        "„Dochód rodziny przekracza kryterium dochodowe [1].”",
        ("art. 8 ust. 1 pkt 2 ustawy o pomocy społecznej", "art. 128 KPA"),
    )
    letter = fill(templates[REFUSAL], APPEAL_VALUES, today=TODAY, answer=answer)
    assert "\nDochód rodziny przekracza kryterium dochodowe.\n" in letter.text
    assert "[1]" not in letter.text
    assert "„" not in letter.text
    assert letter.legal_basis[-1] == "art. 8 ust. 1 pkt 2 ustawy o pomocy społecznej"
    assert "art. 128 KPA" not in letter.legal_basis  # the template gives art. 128 already
    assert letter.warnings == ()


def test_articles_from_nowhere_and_the_informal_you_are_warned(templates: dict[str, Any]) -> None:
    values = {
        **APPEAL_VALUES,
        "wyjasnienie": "Możesz złożyć nowy wniosek (art. 12 ustawy o pomocy społecznej).",
    }
    warnings = fill(templates[REFUSAL], values, today=TODAY).warnings
    assert any("art. 12 (o pomocy społecznej)" in w for w in warnings)
    assert any("„ty”" in w and "możesz" in w for w in warnings)


def test_a_lapsed_appeal_deadline_is_warned(templates: dict[str, Any]) -> None:
    warnings = fill(templates[REFUSAL], APPEAL_VALUES, today=dt.date(2025, 4, 1)).warnings
    assert any("już minął" in w for w in warnings)


def test_missing_and_wrong_slots_each_get_a_polish_message(templates: dict[str, Any]) -> None:
    with pytest.raises(InvalidValues) as caught:
        fill(templates[CALL], {**FRAME, "adresat": "", "termin_dni": 3}, today=TODAY)
    errors = caught.value.errors
    assert set(errors) == {"adresat", "data_wniosku", "przedmiot", "braki", "termin_dni"}
    assert errors["adresat"] == "Adresat (imię i nazwisko): to pole jest wymagane."
    assert "nie może być krótszy niż 7 dni (art. 64 § 2" in errors["termin_dni"]


def test_call_to_complete_lists_the_missing_documents(templates: dict[str, Any]) -> None:
    text = fill(templates[CALL], {**CALL_VALUES, "termin_dni": "14"}, today=TODAY).text
    assert "1. podpisanie wniosku;\n2. dołączenie zaświadczenia o dochodach." in text
    assert "w terminie 14 dni od dnia doręczenia" in text


@pytest.mark.parametrize(
    ("values", "slot"),
    [
        ({"nowy_termin": "2025-03-01"}, "nowy_termin"),  # before the letter's date
        ({"data_wniosku": "1.03.2025"}, "data_wniosku"),
        ({"zwrot": "Hej,"}, "zwrot"),
    ],
)
def test_dates_and_choices_are_checked(
    templates: dict[str, Any], values: dict[str, str], slot: str
) -> None:
    base = {
        **FRAME,
        "data_wniosku": "2025-02-01",
        "przedmiot": "przyznania zasiłku okresowego",
        "przyczyna": "Czekamy na informację z ZUS.",
        "nowy_termin": "2025-04-10",
        "organ_odwolawczy": "Samorządowe Kolegium Odwoławcze w Gdańsku",
    }
    template = templates["zawiadomienie-o-niezalatwieniu-sprawy-w-terminie"]
    fill(template, base, today=TODAY)
    with pytest.raises(InvalidValues) as caught:
        fill(template, {**base, **values}, today=TODAY)
    assert set(caught.value.errors) == {slot}


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = api_settings(
        tmp_path / "data",
        redis_url=DEAD_REDIS_URL,
        knowledge_base_dir=KB,
        api_key_hashes=[key_digest(STAFF_KEY)],
        cus_name="Centrum Usług Społecznych w Gdańsku",
        cus_address="ul. Leczkowa 1a, 80-432 Gdańsk",
    )
    app = create_app(settings)
    app.dependency_overrides[get_today] = lambda: TODAY
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/letters"), ("POST", f"/v1/letters/{CALL}"), ("POST", f"/v1/letters/{CALL}/docx")],
)
def test_letters_need_a_staff_key(client: TestClient, method: str, path: str) -> None:
    for headers in ({}, {"X-API-Key": "zly-klucz"}):
        response = client.request(method, path, json={}, headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"


def test_the_list_gives_each_template_with_its_slots(client: TestClient) -> None:
    response = client.get("/v1/letters", headers=STAFF)
    assert response.status_code == 200, response.text
    by_id = {t["id"]: t for t in response.json()["templates"]}
    slots = {s["name"]: s for s in by_id[CALL]["slots"]}
    assert slots["termin_dni"]["min"] == 7
    assert slots["termin_dni"]["default"] == 7
    assert slots["adresat"]["required"] is True
    # The sender the letter gets when left empty is shown to the form as the slot's default.
    assert (
        slots["nadawca"]["default"]
        == "Centrum Usług Społecznych w Gdańsku\nul. Leczkowa 1a, 80-432 Gdańsk"
    )
    assert {s["name"] for s in by_id[REFUSAL]["slots"] if s["from_answer"]} == {"wyjasnienie"}


def test_filling_returns_text_and_warnings(client: TestClient) -> None:
    values = {k: v for k, v in CALL_VALUES.items() if k != "nadawca"}
    response = client.post(f"/v1/letters/{CALL}", json={"values": values}, headers=STAFF)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["text"].startswith("Centrum Usług Społecznych w Gdańsku\nul. Leczkowa 1a")
    assert body["warnings"] == []
    assert body["legal_basis"][0] == "art. 64 § 2 Kodeksu postępowania administracyjnego"


def test_an_unknown_template_is_a_404(client: TestClient) -> None:
    response = client.post("/v1/letters/nie-ma-takiego", json={}, headers=STAFF)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "letter_template_not_found"
    assert CALL in error["message"]


def test_missing_slots_are_a_422_per_slot(client: TestClient) -> None:
    response = client.post(f"/v1/letters/{CALL}", json={"values": {"termin_dni": 5}}, headers=STAFF)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_letter"
    assert error["message"].startswith("Nie można przygotować pisma.")
    assert "nadawca" not in error["fields"]  # from settings
    assert "data" not in error["fields"]  # today
    assert {"adresat", "przedmiot", "braki", "termin_dni"} <= set(error["fields"])


@pytest.mark.parametrize("body", [[], {"values": []}, {"answer": {"citations": "x"}}])
def test_a_malformed_body_is_a_polish_422(client: TestClient, body: object) -> None:
    response = client.post(f"/v1/letters/{CALL}", json=body, headers=STAFF)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_request"


def docx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def test_docx_is_a_word_file_with_the_letter(client: TestClient) -> None:
    response = client.post(f"/v1/letters/{CALL}/docx", json={"values": CALL_VALUES}, headers=STAFF)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "wezwanie-do-usuniecia-brakow.docx" in response.headers["content-disposition"]
    xml = docx_text(response.content)
    assert "WEZWANIE DO USUNIĘCIA BRAKÓW WNIOSKU" in xml
    assert "art. 64 § 2 Kodeksu postępowania administracyjnego" in xml


def test_docx_of_the_edited_text(client: TestClient) -> None:
    response = client.post(
        f"/v1/letters/{CALL}/docx",
        json={"text": "Gdańsk, dnia 10 marca 2025 r.\n\nTekst poprawiony przez pracownika."},
        headers=STAFF,
    )
    assert response.status_code == 200, response.text
    assert "Tekst poprawiony przez pracownika." in docx_text(response.content)


def test_a_broken_template_is_a_503_naming_it(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    (kb / TEMPLATES_DIR).mkdir(parents=True)
    (kb / TEMPLATES_DIR / "zepsuty.yaml").write_text("title: [\n", encoding="utf-8")
    settings = api_settings(
        tmp_path / "data",
        redis_url=DEAD_REDIS_URL,
        knowledge_base_dir=kb,
        api_key_hashes=[key_digest(STAFF_KEY)],
    )
    with TestClient(create_app(settings)) as c:
        response = c.get("/v1/letters", headers=STAFF)
    assert response.status_code == 503
    assert "pisma/zepsuty.yaml" in response.json()["error"]["message"]

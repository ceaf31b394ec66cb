"""The widget, the demo page and the staff console in real headless Chromium.

The real app (`api.app.create_app`) runs under uvicorn in a background thread, over a few
knowledge-base documents indexed with the fake embedder, real Redis, and the scripted
OpenAI-compatible server as its chat model, so answers stream sentence by sentence as they do
from vLLM. Each scenario is a script in `tests/e2e/` that node runs with playwright-core, driving
Debian's `/usr/bin/chromium` (never a downloaded browser), and axe-core for accessibility.
Screenshots and axe reports land in `tests/e2e/artifacts/`.

Needs `apt-get install -y chromium` and `npm ci --prefix tests/e2e`; without them the tests are
skipped, except where CI is set: there they fail.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
import pytest
import redis

from api.app import create_app
from api.asked import QuestionLog
from api.deps import get_today
from api.feedback import AnswerRecord, FeedbackStore
from rag.redis_link import RedisLink
from rag.runtime import Runtime, build_runtime
from tests.api_support import (
    EMBEDDER,
    REDIS_URL,
    api_settings,
    copy_knowledge_base,
    drop_keys,
    ingest,
    new_prefix,
    redis_client,
    serving,
)
from tests.openai_server import OpenAIServer, Reply

ROOT = Path(__file__).resolve().parent.parent
E2E = ROOT / "tests" / "e2e"
ARTIFACTS = E2E / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
STAFF_KEY = "klucz-pracownika-do-testow"
ADMIN_KEY = "klucz-administratora-do-testow"
# Refused questions seeded for the insight page, as residents' questions of the last days.
REFUSED = ("Jak zapisać dziecko do żłobka?", "Jak zapisać dziecko do żłobka?", "Gdzie jest MOPS?")
RUN_TIMEOUT_SECONDS = 600

# What the scripted model says. Every sentence cites the first passages, and the citation check
# keeps the markers of those that support it; the words follow the indexed documents closely.
RESIDENT_REPLY = (
    "Dodatek mieszkaniowy przyznaje się na 6 miesięcy [1][2][3]. "
    "O dodatku mieszkaniowym urząd rozstrzyga decyzją w ciągu miesiąca od złożenia wniosku "
    "[1][2][3]. Dodatek wypłaca się do 10. dnia miesiąca [1][2][3]."
)
LETTER = (
    "Szanowna Pani / Szanowny Panie,\n\n"
    "w odpowiedzi na pismo z dnia [data] uprzejmie informuję, że dodatek mieszkaniowy przyznaje "
    "się na 6 miesięcy [1][2][3]. Decyzję w sprawie dodatku mieszkaniowego wydaje się w terminie "
    "miesiąca od dnia złożenia wniosku [1][2][3].\n\n"
    "Z poważaniem\n[podpis pracownika]"
)
# "Today" for the calculators: the benefit period 2025/2026, whose figures the rules know, so the
# calculator scenarios get the same result whatever day they run.
CALCULATION_DAY = dt.date(2025, 12, 1)
# The console scenario's caseworker question (tests/e2e/console.mjs, CASE_QUESTION).
# The sentence the letters scenario adds to the filled letter (tests/e2e/letters.mjs, LETTER_EDIT).
LETTER_EDIT = "Dokumenty można też złożyć w punkcie obsługi przy ul. Leczkowej."
CASE_QUESTION = (
    "Mieszkaniec pyta, na jak długo przyznaje się dodatek mieszkaniowy i kiedy zapadnie decyzja."
)


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    for package in ("playwright-core", "axe-core"):
        if not (E2E / "node_modules" / package).is_dir():
            return f"tests/e2e/node_modules/{package} is missing (npm ci --prefix tests/e2e)"
    return None


@dataclass(frozen=True)
class Site:
    url: str
    llm: OpenAIServer
    runtime: Runtime
    redis: redis.Redis
    prefix: str  # of every Redis key this app writes


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    reason = _missing()
    if reason:
        # CI installs both: there a missing one is a broken set-up, not a reason to skip.
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI is set, so the browser tests must run")
        pytest.skip(reason)
    client = redis_client()
    prefix = new_prefix()
    root = tmp_path_factory.mktemp("e2e")
    ingest(root / "data", copy_knowledge_base(root / "kb"))
    with OpenAIServer() as llm:
        # Word by word with a pause, so the widget visibly receives the answer in pieces.
        llm.default = Reply(RESIDENT_REPLY, piece_delay=0.03)
        settings = api_settings(
            root / "data",
            llm_base_url=llm.url,
            llm_structured_output=False,  # the scripted server answers in the text protocol
            llm_timeout_seconds=10,
            api_key_hashes=[hashlib.sha256(STAFF_KEY.encode()).hexdigest()],
            admin_key_hashes=[hashlib.sha256(ADMIN_KEY.encode()).hexdigest()],
            cus_name="Centrum Usług Społecznych (dane testowe)",
            cus_hours="pon.–pt. 8:00–15:00",
        )
        runtime = build_runtime(settings, embedder=EMBEDDER)
        app = create_app(settings, runtime=runtime, redis_prefix=prefix)
        app.dependency_overrides[get_today] = lambda: CALCULATION_DAY
        try:
            with serving(app, name="e2e-uvicorn") as url:
                yield Site(url=url, llm=llm, runtime=runtime, redis=client, prefix=prefix)
        finally:
            runtime.close()
            drop_keys(client, prefix + "*", "okienko:session:*")
            client.close()


# Run in one node process (loading playwright-core takes seconds), each in a fresh browser.
# The console goes first: the caseworker's letter is the first reply scripted for the model.
SCENARIOS = (
    "console",
    "console-letter",
    "console-insight",
    "console-insight-staff",
    "ask-and-cite",
    "feedback",
    "handoff",
    "new-conversation",
    "keyboard",
    "errors",
    "axe-demo",
    "languages",
    "suggestions",
    "screenshots",
    "calculator",
    "console-calculator",
)


@dataclass(frozen=True)
class Outcomes:
    results: dict[str, dict[str, Any]]  # scenario → its RESULT line
    output: str  # everything node printed, for a failure message
    letter_request: int  # index in the model's requests of the caseworker's letter


def seed_insight(prefix: str) -> None:
    """Refused questions of two days ago, one rated 👎, as the API would have kept them."""
    link = RedisLink.from_url(REDIS_URL, prefix=prefix)
    two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    log = QuestionLog(link, clock=lambda: two_days_ago)
    feedback = FeedbackStore(link, max_entries=1000)
    for n, question in enumerate(REFUSED):
        answer_id, session = f"insight-{n}", f"sesja-insight-{n}"
        log.record(
            session, answer_id=answer_id, question=question, refused=True, reason="x", source=""
        )
        record = AnswerRecord(answer_id, session, question, "…", "extractive", True, "x")
        feedback.remember(record)
    feedback.add("insight-2", "down", "Brak adresu")


@pytest.fixture(scope="module")
def outcomes(site: Site) -> Outcomes:
    seed_insight(site.prefix)
    for old in ARTIFACTS.glob("axe-*.json"):
        old.unlink()  # what the accessibility record reads is this run's scans only
    site.llm.script(Reply(LETTER))
    asked = len(site.llm.requests)
    done = subprocess.run(
        [
            "node",
            str(E2E / "run.mjs"),
            *SCENARIOS,
            "--base",
            site.url,
            "--artifacts",
            str(ARTIFACTS),
            "--api-key",
            STAFF_KEY,
            "--admin-key",
            ADMIN_KEY,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    results = {}
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line.removeprefix("RESULT "))
            results[result["scenario"]] = result
    return Outcomes(results, f"{done.stdout}\n{done.stderr}", asked)


def scenario(outcomes: Outcomes, name: str) -> dict[str, Any]:
    """What the scenario returned; a test failure with its error when it failed."""
    result = outcomes.results.get(name)
    if result is None:
        pytest.fail(f"browser scenario {name!r} did not report:\n{outcomes.output}")
    if not result["ok"]:
        pytest.fail(f"browser scenario {name!r} failed:\n{result['error']}")
    return result


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def test_a_question_streams_an_answer_with_citations(site: Site, outcomes: Outcomes) -> None:
    result = scenario(outcomes, "ask-and-cite")
    # Two questions in one conversation: the server kept both turns of each.
    history = site.runtime.conversations.history(result["session_id"])
    assert [turn.role for turn in history] == ["user", "assistant"] * 2


def test_feedback_reaches_the_store(site: Site, outcomes: Outcomes) -> None:
    result = scenario(outcomes, "feedback")
    store = FeedbackStore(RedisLink.from_url(REDIS_URL, prefix=site.prefix), max_entries=1000)
    mine = [e for e in store.entries() if e.answer_id == result["answer_id"]]
    assert [(e.rating, e.comment) for e in mine] == [("up", ""), ("up", result["comment"])]
    assert mine[0].mode == "llm"


def test_handoff_shows_the_contact_and_records_a_callback(site: Site, outcomes: Outcomes) -> None:
    result = scenario(outcomes, "handoff")
    handoffs = site.redis.zrange(site.prefix + "handoffs", 0, -1)
    assert handoffs, "no callback request was recorded"
    fields = site.redis.hgetall(f"{site.prefix}handoff:{_text(handoffs[-1])}")
    recorded = {_text(k): _text(v) for k, v in fields.items()}
    assert recorded["phone"] == result["phone"]
    assert recorded["session_id"] == result["session_id"]


def test_a_new_conversation_keeps_the_old_one_and_erasing_removes_it(outcomes: Outcomes) -> None:
    scenario(outcomes, "new-conversation")


def test_everything_works_with_the_keyboard_alone(outcomes: Outcomes) -> None:
    scenario(outcomes, "keyboard")


def test_failures_are_shown_in_polish_and_server_text_is_never_markup(outcomes: Outcomes) -> None:
    scenario(outcomes, "errors")


def test_the_demo_page_with_the_widget_passes_axe(outcomes: Outcomes) -> None:
    result = scenario(outcomes, "axe-demo")
    assert set(result["axe"]) == {"closed", "answer", "handoff"}
    for name in ("demo-closed", "demo-widget-answer", "demo-widget-handoff"):
        assert (ARTIFACTS / f"axe-{name}.json").is_file()


def test_a_refusal_offers_questions_the_base_answers_as_buttons_that_ask(
    outcomes: Outcomes,
) -> None:
    result = scenario(outcomes, "suggestions")
    assert set(result["axe"]) == {"suggestions"}


def test_the_widget_speaks_ukrainian_and_english_and_keeps_polish_sources_marked(
    outcomes: Outcomes,
) -> None:
    result = scenario(outcomes, "languages")
    assert set(result["axe"]) == {"uk", "en", "calculator"}
    assert (ARTIFACTS / "widget-languages.png").is_file()


def test_the_widget_fits_desktop_phone_and_200_percent_zoom(outcomes: Outcomes) -> None:
    result = scenario(outcomes, "screenshots")
    sizes = {Path(p).stem: png_size(Path(p)) for p in result["screenshots"]}
    assert sizes == {
        "widget-desktop": (1280, 800),
        "widget-phone": (780, 1688),  # 390×844 at device pixel ratio 2
        "widget-zoom200": (640, 400),
    }


def test_the_staff_console_drafts_a_letter_with_its_sources(site: Site, outcomes: Outcomes) -> None:
    result = scenario(outcomes, "console")
    assert site.llm.unused == 0
    # The caseworker's question reached the model with the caseworker's instructions.
    system, *_, user = site.llm.requests[outcomes.letter_request]["messages"]
    assert "projekt odpowiedzi na pismo" in system["content"]
    assert CASE_QUESTION in user["content"]
    assert png_size(Path(result["screenshots"][0]))[0] == 1280


def test_a_wrong_key_is_refused_at_the_console_login(outcomes: Outcomes) -> None:
    result = scenario(outcomes, "console")
    assert "wrongKey" in result["axe"]  # the login with its error was scanned
    assert (ARTIFACTS / "axe-console-wrong-key.json").is_file()
    assert png_size(Path(result["screenshots"][1])) == (1280, 900)


def test_a_letter_is_filled_edited_copied_and_downloaded_as_docx(outcomes: Outcomes) -> None:
    result = scenario(outcomes, "console-letter")
    document = docx.Document(result["docx"])
    paragraphs = [p.text for p in document.paragraphs]
    # The file is the caseworker's edited letter, not the one the template gave.
    assert LETTER_EDIT in paragraphs
    assert "Anna Nowak" in "\n".join(paragraphs)
    assert "1. podpisanie wniosku;" in "\n".join(paragraphs)
    assert set(result["axe"]) == {"errors", "letter"}


def test_the_insight_page_shows_the_grouped_refusals_and_downloads_csv(outcomes: Outcomes) -> None:
    result = scenario(outcomes, "console-insight")
    groups = {g["question"]: g for g in result["week"]["groups"]}
    nursery = groups[REFUSED[0]]
    assert (nursery["count"], nursery["refused"]) == (2, 2)  # the same question twice: one group
    assert groups[REFUSED[2]]["rated_down"] == 1
    assert result["week"]["refused"] >= len(REFUSED)
    with open(result["csv"], encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert {r["pytanie"] for r in rows} >= set(REFUSED)
    assert png_size(Path(result["screenshots"][0]))[0] > 0


def test_a_staff_key_is_told_the_insight_needs_an_admin_key(outcomes: Outcomes) -> None:
    result = scenario(outcomes, "console-insight-staff")
    assert result["message"].endswith("(potrzebny klucz administratora).")


def test_the_calculator_form_works_by_keyboard_at_390_px_and_passes_axe(outcomes: Outcomes) -> None:
    result = scenario(outcomes, "calculator")
    # What was typed and chosen reached the API as the schema's types (amounts as typed).
    assert result["request"] == {
        "family_size": 3,
        "family_income_monthly": "2000",
        "children": [{"age": 5}, {"age": 19, "education": "szkola"}],
    }
    assert result["result"]["result"] == "eligible"
    assert result["result"]["on"] == CALCULATION_DAY.isoformat()
    assert set(result["axe"]) == {"errors", "result"}
    assert png_size(Path(result["screenshots"][0])) == (780, 1688)


def test_the_console_copies_a_calculation_as_a_note(outcomes: Outcomes) -> None:
    result = scenario(outcomes, "console-calculator")
    assert result["request"]["on"] == "2025-03-01"  # staff may give the application date
    calculation, note = result["result"], result["note"]
    assert note.startswith(
        f"Kalkulator: Zasiłek stały\nWynik: {calculation['summary']}\n"
        "Kwota: 713,00 zł miesięcznie\n\nWyliczenie:\n"
    )
    for n, step in enumerate(calculation["steps"], start=1):
        assert f"{n}. {step['text']} ({step['provision']})\n" in note
    assert "Kwoty i kryteria na dzień 1 marca 2025" in note
    assert note.endswith(calculation["notice"] + "\n")


# The accessibility statement (docs/deklaracja-dostepnosci.md) is generated from this record of
# what the browser tests checked. They check that it still holds; with OKIENKO_RECORD_ACCESSIBILITY
# set, they write it anew, dated today (then `okienko docs build` regenerates the statement).
ACCESSIBILITY_RECORD = ROOT / "docs" / "dostepnosc-sprawdzenia.json"
KEYBOARD_PATHS = {
    "keyboard": "czat: otwarcie okna, pytanie, odpowiedź z rozwijanymi przypisami, ocena "
    "odpowiedzi, formularz przekazania sprawy pracownikowi, zamknięcie okna klawiszem Escape "
    "i przyciskiem z powrotem fokusu na przycisk czatu – samą klawiaturą",
    "calculator": "kalkulator świadczeń na ekranie telefonu (390 px): wybór kalkulatora, "
    "pola, komunikaty o błędach i wynik – samą klawiaturą",
}


def _scanned_views() -> dict[str, dict[str, int]]:
    views = {}
    for path in sorted(ARTIFACTS.glob("axe-*.json")):
        violations = json.loads(path.read_text("utf-8"))
        serious = sum(v.get("impact") in ("serious", "critical") for v in violations)
        views[path.stem.removeprefix("axe-")] = {"violations": len(violations), "serious": serious}
    return views


def _axe_version() -> str:
    package = E2E / "node_modules" / "axe-core" / "package.json"
    return str(json.loads(package.read_text("utf-8"))["version"])


def test_the_accessibility_statement_states_what_the_browser_found(outcomes: Outcomes) -> None:
    for name in SCENARIOS:
        scenario(outcomes, name)  # every scenario ran to its end: its scans are all there
    views = _scanned_views()
    assert views, "no axe scan was written"
    serious = [name for name, found in views.items() if found["serious"]]
    assert not serious, f"serious or critical axe violations: {serious}"
    if os.environ.get("OKIENKO_RECORD_ACCESSIBILITY"):
        record = {
            "checked_on": dt.datetime.now(ZoneInfo("Europe/Warsaw")).date().isoformat(),
            "axe_core": _axe_version(),
            "views": views,
            "keyboard": list(KEYBOARD_PATHS.values()),
        }
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
        ACCESSIBILITY_RECORD.write_text(text, encoding="utf-8")
    record = json.loads(ACCESSIBILITY_RECORD.read_text("utf-8"))
    # Every view the statement names was scanned now, with what the statement says it found.
    again = (
        "the browser tests now check other views than the accessibility statement says: run "
        "OKIENKO_RECORD_ACCESSIBILITY=1 .venv/bin/pytest tests/test_e2e_browser.py, then "
        "okienko docs build"
    )
    assert set(record["views"]) == set(views), again
    for name, found in record["views"].items():
        assert views[name] == found, f"{name}: {again}"
    assert record["keyboard"] == list(KEYBOARD_PATHS.values()), again
    assert record["axe_core"] == _axe_version(), again

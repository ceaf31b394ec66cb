"""The generated parts of the adoption documents, each a Markdown block computed from the code.

Each function takes the repository's root and returns the text that goes between
`<!-- generated:NAME -->` and `<!-- /generated -->`. Nothing here reads the environment: settings
appear with the defaults the code declares.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from api.deps import require_admin_key, require_staff_key
from api.routes import chat, completions, feedback, handoff, handoffs, insight, sessions
from cli.adoption.records import SINGLE_KEYS, default, kept
from ingest.loaders import discover, load_document
from rag.answering.facts import load_facts
from rag.documents import Document
from rag.errors import LoadError
from rag.guards.names import ADDRESS_TAG, BIRTH_DATE_TAG, NAME_TAG
from rag.guards.personal_data import DETECTORS as PII_DETECTORS
from rag.guards.special_categories import categories
from rag.settings import DEFAULT_AI_NOTICE, Settings

FIGURES = Path("eval") / "figures.json"


class Figure(BaseModel):
    suite: str
    measure: str
    dev: str | None
    held_out: str | None
    target: str | None
    source: str


class Figures(BaseModel):
    """`eval/figures.json`: the latest committed evaluation figures, copied from eval/README."""

    date: str
    embedding_model: str
    mode: str
    figures: tuple[Figure, ...]


def load_figures(root: Path) -> Figures:
    return Figures.model_validate(json.loads((root / FIGURES).read_text("utf-8")))


def _cell(value: object) -> str:
    return "–" if value is None else str(value).replace("|", "\\|")


def _table(header: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _env(name: str) -> str:
    return f"`OKIENKO_{name.upper()}`"


def _default_text(name: str) -> str:
    value = default(name)
    if value is None:
        return "nieustawione"
    if isinstance(value, list) and not value:
        return "pusta lista"
    if isinstance(value, bool):
        return "tak" if value else "nie"
    return f"`{value}`"


def _key(key: str | None) -> str:
    if key is None:
        return "–"
    return f"`{key}`" if key in SINGLE_KEYS else f"`{key}:…`"


def retention(_: Path) -> str:
    rows: list[tuple[object, ...]] = [
        (
            _key(k.key),
            k.where,
            k.category,
            k.what,
            k.purpose,
            k.retention,
            f"`{k.setting}`" if k.setting else "stała w kodzie",
            k.erased_by,
            "",
        )
        for k in kept()
    ]
    header = (
        "klucz",
        "gdzie",
        "kategoria",
        "jakie dane",
        "cel",
        "okres przechowywania (domyślnie)",
        "ustawienie",
        "usuwane przez",
        "podstawa prawna (uzupełnia ośrodek)",
    )
    return _table(header, rows)


_PRIVACY_SETTINGS = (
    "redis_url",
    "redis_prefix",
    "session_ttl_seconds",
    "session_max_turns",
    "feedback_max_entries",
    "handoff_retention_days",
    "rate_limit_per_minute",
    "rate_limit_session_per_minute",
    "trusted_proxies",
    "llm_base_url",
)


def _settings_table(names: tuple[str, ...]) -> str:
    fields = Settings.model_fields
    rows: list[tuple[object, ...]] = [
        (_env(n), _default_text(n), " ".join((fields[n].description or "").split())) for n in names
    ]
    return _table(("zmienna", "domyślnie", "znaczenie (z kodu)"), rows)


def privacy_settings(_: Path) -> str:
    return _settings_table(_PRIVACY_SETTINGS)


def models(_: Path) -> str:
    return _settings_table(
        (
            "embedding_model",
            "embedding_backend",
            "llm_base_url",
            "llm_model",
            "llm_temperature",
            "llm_max_tokens",
            "llm_structured_output",
            "crisis_classifier",
        )
    )


def _knowledge_base(root: Path) -> tuple[list[Document], int]:
    folder = root / "knowledge_base"
    documents: list[Document] = []
    for path in discover(folder):
        if path.suffix.lower() != ".md":
            continue
        try:
            documents.append(load_document(path, root=folder, strict=True))
        except LoadError:
            continue  # `okienko ingest` reports it; the card counts what is served
    facts, _ = load_facts(folder, documents)
    return documents, len(facts)


def knowledge_base(root: Path) -> str:
    documents, facts = _knowledge_base(root)
    reviewed = sorted(d.meta.reviewed for d in documents if d.meta.reviewed)
    rows: list[tuple[object, ...]] = [
        ("dokumenty w `knowledge_base/`", len(documents)),
        ("fakty kuratorowane (`*.fakty.yaml`)", facts),
        ("najstarsza data przeglądu (`reviewed`)", reviewed[0].isoformat() if reviewed else None),
        ("najnowsza data przeglądu", reviewed[-1].isoformat() if reviewed else None),
    ]
    return _table(("baza wiedzy", "wartość"), rows)


def figures(root: Path) -> str:
    data = load_figures(root)
    rows: list[tuple[object, ...]] = [
        (f.suite, f.measure, f.dev, f.held_out, f.target) for f in data.figures
    ]
    table = _table(
        ("zbiór", "miara", "dev (strojenie)", "held-out, test lub cały zbiór", "cel"),
        rows,
    )
    return (
        f"Ocena z {data.date}, model osadzeń `{data.embedding_model}`, {data.mode}. "
        f"Źródło: `{FIGURES.as_posix()}` (przepisane z `eval/README.md`).\n\n{table}"
    )


def ai_notice(_: Path) -> str:
    return (
        f"> {DEFAULT_AI_NOTICE}\n\n"
        f"Ustawienie: {_env('ai_notice')}. Puste ustawienie przywraca tekst domyślny; "
        "tekst, który nie mówi już o sztucznej inteligencji, zatrzymuje start usługi."
    )


def retention_residents(_: Path) -> str:
    """The register's retention rows in a resident's words: no keys, no indexes."""
    rows: list[tuple[object, ...]] = [
        (k.category, k.what, k.retention)
        for k in kept()
        if "indeks" not in k.category
        and k.key not in ("ratelimit", "callbacks")
        and k.where != "pamięć procesu"
    ]
    return _table(("dane", "co dokładnie", "jak długo (domyślnie)"), rows)


# What each kind the redaction reports means, in Polish. A kind the code adds without a line
# here stops `okienko docs build` (KeyError), so the documents cannot leave it out.
_PII_KINDS = {
    "email": "adres e-mail, także zapisany słownie („jan małpa example kropka pl”)",
    "iban": "numer konta bankowego (polski i zagraniczny)",
    "pesel": "numer PESEL (z poprawną cyfrą kontrolną albo poprzedzony słowem „PESEL”)",
    "nip": "numer NIP",
    "id_card": "numer dowodu osobistego",
    "passport": "numer paszportu",
    "phone": "numer telefonu (poza infoliniami, które podaje sam asystent)",
}
_SPECIAL_KINDS = {
    "health": "zdrowie (choroby, leczenie, niepełnosprawność)",
    "ethnicity": "pochodzenie rasowe lub etniczne",
    "religion": "przekonania religijne lub światopoglądowe",
    "sex_life": "życie seksualne lub orientacja seksualna",
    "convictions": "wyroki skazujące i czyny zabronione",
}


def redaction(_: Path) -> str:
    rows: list[tuple[object, ...]] = []
    seen: set[str] = set()
    for detector in PII_DETECTORS:
        if detector.kind not in seen:
            seen.add(detector.kind)
            rows.append(("dane identyfikujące", _PII_KINDS[detector.kind], f"`{detector.tag}`"))
    rows += [
        (
            "dane identyfikujące",
            "imię i nazwisko podane razem z adresem, datą urodzenia lub numerem",
            f"`{NAME_TAG}`",
        ),
        (
            "dane identyfikujące",
            "adres zamieszkania podany razem z imieniem i nazwiskiem",
            f"`{ADDRESS_TAG}`",
        ),
        (
            "dane identyfikujące",
            "data urodzenia podana razem z imieniem i nazwiskiem",
            f"`{BIRTH_DATE_TAG}`",
        ),
    ]
    rows += [
        ("szczególne kategorie (art. 9 i 10 RODO)", _SPECIAL_KINDS[c.kind], f"`{c.tag}`")
        for c in categories()
    ]
    table = _table(("rodzaj", "co jest zastępowane", "znacznik"), rows)
    return (
        f"{table}\n\n"
        "Źródło: `rag/guards/personal_data.py`, `rag/guards/names.py`, "
        "`rag/guards/special_categories.yaml` (listę fraz szczególnych kategorii pracownicy "
        "mogą uzupełniać)."
    )


def _route_rows() -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    for module in (chat, completions, sessions, feedback, handoff, handoffs, insight):
        for route in module.router.routes:
            deps = {d.dependency for d in getattr(route, "dependencies", ())}
            if require_admin_key in deps:
                who = "administrator (klucz administratora)"
            elif require_staff_key in deps:
                who = "pracownik (klucz pracownika lub administratora)"
            else:
                who = "każdy, bez klucza"
                if "{session_id}" in getattr(route, "path", ""):
                    who += " (tylko rozmowa, której identyfikator zna)"
            methods = ", ".join(sorted(getattr(route, "methods", ())))
            path = getattr(route, "path", "")
            rows.append((f"`{methods} {path}`", getattr(route, "summary", None), who))
    return rows


def access(_: Path) -> str:
    table = _table(("wywołanie", "do czego służy", "kto może"), _route_rows())
    return (
        f"{table}\n\n"
        f"Klucze pracowników ({_env('api_key_hashes')}) i administratorów "
        f"({_env('admin_key_hashes')}) są zapisane w ustawieniach tylko jako skróty SHA-256. "
        "Pytanie zadane jako pracownik (odbiorca „pracownik” lub „urzędnik”) wymaga klucza "
        "pracownika, choć idzie tym samym wywołaniem co pytanie mieszkańca."
    )


_CONTACT_SETTINGS = ("cus_name", "cus_address", "cus_phone", "cus_email", "cus_url", "cus_hours")


def centre_contact(_: Path) -> str:
    rows: list[tuple[object, ...]] = []
    for name in _CONTACT_SETTINGS:
        value = default(name)
        shown = str(value) if value else f"[do uzupełnienia przez CUS: ustaw {_env(name)}]"
        rows.append((_env(name), shown))
    table = _table(("ustawienie", "wartość domyślna w kodzie"), rows)
    return (
        f"{table}\n\n"
        "Te same dane asystent podaje mieszkańcom, gdy odsyła ich do ośrodka. Wartości ustawione "
        "we wdrożeniu ośrodka zastępują domyślne: w klauzuli należy wpisać te same."
    )


def model_host(_: Path) -> str:
    rows: list[tuple[object, ...]] = [
        (_env(n), _default_text(n))
        for n in ("llm_base_url", "llm_model", "llm_timeout_seconds", "llm_max_tokens")
    ]
    table = _table(("ustawienie", "domyślnie"), rows)
    base = default("llm_base_url")
    mode = (
        "Bez ustawienia adresu serwera modelu usługa odpowiada wyłącznie cytatami z bazy wiedzy "
        "(tryb wyciągowy) i nic nie wysyła poza własny proces i Redis."
        if base is None
        else f"Domyślnie usługa łączy się z serwerem modelu pod adresem `{base}`."
    )
    return f"{table}\n\n{mode}"


ACCESSIBILITY_RECORD = Path("docs") / "dostepnosc-sprawdzenia.json"


class AccessibilityView(BaseModel):
    violations: int
    serious: int


class AccessibilityRecord(BaseModel):
    """`docs/dostepnosc-sprawdzenia.json`: what the browser tests checked, written by them
    (`OKIENKO_RECORD_ACCESSIBILITY=1`, tests/test_e2e_browser.py), which also check it holds."""

    checked_on: str
    axe_core: str
    views: dict[str, AccessibilityView]
    keyboard: tuple[str, ...]


def accessibility(root: Path) -> str:
    """The accessibility statement's record of the last check: its date, the tool, every view
    axe scanned and what it found, and the paths walked with the keyboard alone."""
    record = AccessibilityRecord.model_validate(
        json.loads((root / ACCESSIBILITY_RECORD).read_text("utf-8"))
    )
    rows: list[tuple[object, ...]] = [
        (f"`{name}`", view.violations, view.serious) for name, view in sorted(record.views.items())
    ]
    found = sum(v.violations for v in record.views.values())
    serious = sum(v.serious for v in record.views.values())
    if not found:
        summary = "Żaden widok nie miał naruszeń."
    elif not serious:
        summary = "Naruszenia drobne (moderate, minor) podaje tabela; poważnych i krytycznych brak."
    else:
        summary = f"**Poważne lub krytyczne naruszenia: {serious}** (w tabeli: w których widokach)."
    return "\n".join(
        [
            f"Ostatnie sprawdzenie: **{record.checked_on}**, testy przeglądarkowe projektu "
            f"(Chromium, axe-core {record.axe_core}: reguły WCAG 2.0 i 2.1 na poziomach A i AA "
            f"oraz dobre praktyki). Sprawdzono widoki: {len(record.views)}. {summary}",
            "",
            _table(("widok", "naruszenia", "w tym poważne lub krytyczne"), rows),
            "",
            "Ścieżki przechodzone samą klawiaturą (test kończy się błędem, gdy któraś "
            "przestaje działać):",
            "",
            *(f"- {path}" for path in record.keyboard),
        ]
    )


SECTIONS: dict[str, Callable[[Path], str]] = {
    "retention": retention,
    "privacy-settings": privacy_settings,
    "models": models,
    "knowledge-base": knowledge_base,
    "figures": figures,
    "ai-notice": ai_notice,
    "retention-residents": retention_residents,
    "redaction": redaction,
    "access": access,
    "centre-contact": centre_contact,
    "model-host": model_host,
    "accessibility": accessibility,
}

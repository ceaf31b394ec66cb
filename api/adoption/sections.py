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

from api.adoption.records import SINGLE_KEYS, default, kept
from ingest.loaders import discover, load_document
from rag.answering.facts import load_facts
from rag.documents import Document
from rag.errors import LoadError
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


SECTIONS: dict[str, Callable[[Path], str]] = {
    "retention": retention,
    "privacy-settings": privacy_settings,
    "models": models,
    "knowledge-base": knowledge_base,
    "figures": figures,
    "ai-notice": ai_notice,
}

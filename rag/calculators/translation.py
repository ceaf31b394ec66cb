"""The calculators' forms in the widget's other languages: titles, help texts and choice labels.

A resident who reads the widget in Ukrainian or English fills in the same form; only what the
form says changes. The texts are data (`translations.yaml`, one entry per Polish text, with its
Ukrainian and English), so staff can correct a wording without touching code. A Polish text
with no entry stays Polish; a test checks that every text of every calculator has one.
What a calculation returns (the working, with its provisions) stays Polish: it quotes the law.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import yaml

from rag.errors import LoadError

log = logging.getLogger(__name__)

FormLanguage = Literal["pl", "uk", "en"]
TRANSLATIONS: Final = Path(__file__).with_name("translations.yaml")
_TRANSLATED = ("uk", "en")


@cache
def translations() -> dict[str, dict[str, str]]:
    """Polish text → {"uk": …, "en": …}, from `translations.yaml`.

    Raises:
        LoadError: the file is missing, not YAML, or an entry lacks its Polish or a translation.
    """
    try:
        entries = yaml.safe_load(TRANSLATIONS.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LoadError(TRANSLATIONS, str(exc)) from exc
    if not isinstance(entries, list):
        raise LoadError(TRANSLATIONS, "expected a list of entries")
    found: dict[str, dict[str, str]] = {}
    for n, entry in enumerate(entries, start=1):
        texts = entry if isinstance(entry, dict) else {}
        if not all(
            isinstance(texts.get(k), str) and texts[k].strip() for k in ("pl", *_TRANSLATED)
        ):
            raise LoadError(TRANSLATIONS, f"entry {n} needs non-empty pl, uk and en")
        if texts["pl"] in found:
            raise LoadError(TRANSLATIONS, f"entry {n} repeats the Polish of an earlier one")
        found[texts["pl"]] = {lang: texts[lang] for lang in _TRANSLATED}
    return found


def translate(text: str, lang: FormLanguage) -> str:
    """`text` in `lang`; itself when Polish is asked for, it has no entry, or the file is
    broken (logged): a bad edit of the translations leaves the form Polish, never unusable."""
    if lang == "pl":
        return text
    return _usable().get(text, {}).get(lang, text)


@cache
def _usable() -> dict[str, dict[str, str]]:
    """`translations()`, or none when the file is broken: logged once, not on every text."""
    try:
        return translations()
    except LoadError:
        log.exception("calculator translations unreadable; the form stays Polish")
        return {}


def translate_schema(schema: dict[str, Any], lang: FormLanguage) -> dict[str, Any]:
    """A copy of a JSON Schema with every `title` and `description` text in `lang`."""
    if lang == "pl":
        return schema

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: translate(value, lang)
                if key in ("title", "description") and isinstance(value, str)
                else walk(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node  # a number, a string, a flag: nothing to copy

    translated: dict[str, Any] = walk(schema)
    return translated


def schema_texts(schema: Any) -> list[str]:
    """Every `title` and `description` text of a JSON Schema, in order (for the tests)."""
    if isinstance(schema, dict):
        return [
            text
            for key, value in schema.items()
            for text in (
                [value]
                if key in ("title", "description") and isinstance(value, str)
                else schema_texts(value)
            )
        ]
    if isinstance(schema, list):
        return [text for item in schema for text in schema_texts(item)]
    return []

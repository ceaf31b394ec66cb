"""The adoption documents under `docs/`: hand-written Polish prose, facts generated from the code.

A document marks each generated part as::

    <!-- generated:retention -->
    …
    <!-- /generated -->

`build` rewrites what lies between the markers; `check` says which documents differ from what
the code and the latest evaluation figures say (CI runs it through `okienko docs build --check`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cli.adoption.sections import SECTIONS

# Each document and the generated parts it must carry.
DOCUMENTS: dict[str, tuple[str, ...]] = {
    "rejestr-czynnosci-przetwarzania.md": ("retention", "privacy-settings"),
    "karta-systemu.md": ("models", "knowledge-base", "figures"),
    "ai-act.md": ("ai-notice",),
    "dla-dyrekcji.md": ("knowledge-base",),
    "ocena-skutkow-dpia.md": ("model-host", "redaction", "retention", "access"),
    "klauzula-informacyjna.md": ("centre-contact", "retention-residents"),
    "deklaracja-dostepnosci.md": ("accessibility",),
}

_BLOCK = re.compile(
    r"(<!-- generated:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- /generated -->)", re.DOTALL
)


class DocsError(ValueError):
    """A document is missing, names an unknown part or lacks one it must carry."""


@dataclass(frozen=True, slots=True)
class Outcome:
    path: Path
    changed: bool


def render(text: str, *, root: Path, required: tuple[str, ...] = ()) -> str:
    """The document with every generated part recomputed.

    Raises:
        DocsError: a marker names no known part, or a required part has no marker.
    """
    found: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in SECTIONS:
            raise DocsError(f"unknown generated part '{name}'")
        found.add(name)
        return f"{match[1]}{SECTIONS[name](root).rstrip()}\n{match[4]}"

    rendered = _BLOCK.sub(fill, text)
    missing = sorted(set(required) - found)
    if missing:
        raise DocsError(f"no marker for {', '.join(missing)}")
    return rendered


def build(root: Path, *, write: bool) -> list[Outcome]:
    """Recompute every document under `root/docs`; write the changed ones when `write`.

    Raises:
        DocsError: a document is missing or its markers are wrong (the message names it).
    """
    outcomes = []
    for name, required in DOCUMENTS.items():
        path = root / "docs" / name
        if not path.is_file():
            raise DocsError(f"{path}: missing")
        text = path.read_text("utf-8")
        try:
            rendered = render(text, root=root, required=required)
        except DocsError as exc:
            raise DocsError(f"{path}: {exc}") from exc
        changed = rendered != text
        if changed and write:
            path.write_text(rendered, "utf-8")
        outcomes.append(Outcome(path, changed))
    return outcomes

"""Letter templates: YAML files staff edit in `knowledge_base/pisma/`, loaded and checked here.

A template gives its own slots and text; every letter shares the frame around it (sender,
place and date, case reference, addressee, greeting, signature), whose slots are `FRAME_SLOTS`.
A template is refused at load, with its file and the reason, when its text names a slot it
does not declare or cites an article that neither its legal basis nor `may_cite` gives.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from rag.letters.articles import Article, cited_articles, uncovered

TEMPLATES_DIR = "pisma"
SlotKind = Literal["text", "paragraph", "date", "days", "list", "choice"]
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
TemplateId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class TemplateError(Exception):
    """A template file that cannot be used; `path` says which, `problem` why (in Polish)."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class Slot(BaseModel):
    """One value a caseworker gives (or the assistant's answer prefills)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Name
    title: Text
    kind: SlotKind = "text"
    required: bool = True
    help: str | None = None
    default: str | int | None = None
    options: tuple[str, ...] = ()  # kind "choice"
    min: int | None = Field(default=None, ge=1)  # kind "days"
    max: int | None = Field(default=None, ge=1)
    min_reason: str | None = None  # the provision that sets `min`
    after: Name | None = None  # kind "date": may not be earlier than this date slot
    from_answer: Literal["direct_answer"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind == "choice" and not self.options:
            raise ValueError(f"pole {self.name}: wybór bez opcji (options)")
        if self.kind != "days" and (self.min is not None or self.max is not None):
            raise ValueError(f"pole {self.name}: min i max mają tylko pola kind: days")
        if self.after is not None and self.kind != "date":
            raise ValueError(f"pole {self.name}: after mają tylko pola kind: date")
        return self


class Computed(BaseModel):
    """A date the letter works out: `from` plus `days` (the end of a time limit)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    title: Text
    source: Name = Field(alias="from")
    days: int = Field(ge=1)


FRAME_SLOTS: tuple[Slot, ...] = (
    Slot(name="nadawca", title="Nadawca (organ i adres)", kind="paragraph"),
    Slot(name="miejscowosc", title="Miejscowość"),
    Slot(name="data", title="Data pisma", kind="date", help="Domyślnie dzisiejsza."),
    Slot(name="znak_sprawy", title="Znak sprawy"),
    Slot(name="adresat", title="Adresat (imię i nazwisko)"),
    Slot(name="adres", title="Adres adresata", kind="paragraph"),
    Slot(
        name="zwrot",
        title="Zwrot grzecznościowy",
        kind="choice",
        options=("Szanowna Pani,", "Szanowny Panie,", "Szanowni Państwo,"),
        default="Szanowna Pani,",
    ),
    Slot(name="podpis", title="Podpis (imię i nazwisko, stanowisko)", kind="paragraph"),
    Slot(
        name="upowaznienie",
        title="Z upoważnienia (organu)",
        required=False,
        help="Np. „Prezydenta Miasta Gdańska”; puste, gdy pismo podpisuje organ.",
    ),
)
_FRAME_NAMES = frozenset(s.name for s in FRAME_SLOTS)


class LetterTemplate(BaseModel):
    """A letter as staff wrote it; `id` is the file's name without `.yaml`."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: TemplateId
    title: Text
    description: Text
    heading: Text
    slots: tuple[Slot, ...] = ()
    computed: dict[Name, Computed] = Field(default_factory=dict)
    body: Text
    legal_basis: tuple[Text, ...] = Field(min_length=1)
    may_cite: tuple[Text, ...] = ()
    pouczenie: str | None = None
    closing: Text = "Z poważaniem"
    copies: tuple[Text, ...] = ("Adresat", "a/a")

    @property
    def all_slots(self) -> tuple[Slot, ...]:
        """The frame's slots, then the template's own."""
        return FRAME_SLOTS + self.slots

    def allowed_articles(self) -> frozenset[Article]:
        """The articles a letter from this template may cite without a warning."""
        return cited_articles("\n\n".join(self.legal_basis + self.may_cite))

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [s.name for s in self.all_slots]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"pola powtórzone albo zajęte przez ramkę pisma: {repeated}")
        by_name = {s.name: s for s in self.all_slots}
        for slot in self.slots:
            if slot.after is not None and by_name.get(slot.after, slot).kind != "date":
                raise ValueError(f"pole {slot.name}: after wskazuje {slot.after}, nie datę")
        for name, computed in self.computed.items():
            if name in by_name:
                raise ValueError(f"wyliczona data {name} ma nazwę pola")
            if by_name.get(computed.source, FRAME_SLOTS[0]).kind != "date":
                raise ValueError(f"wyliczona data {name}: from nie wskazuje pola daty")
        text = f"{self.body}\n\n{self.pouczenie or ''}"
        unknown = sorted(set(PLACEHOLDER.findall(text)) - set(by_name) - set(self.computed))
        if unknown:
            raise ValueError(f"tekst używa pól, których wzór nie deklaruje: {unknown}")
        stray = uncovered(cited_articles(text), self.allowed_articles())
        if stray:
            cited = ", ".join(str(a) for a in stray)
            raise ValueError(f"tekst powołuje przepisy spoza legal_basis i may_cite: {cited}")
        return self


def load_template(path: Path) -> LetterTemplate:
    """One template file.

    Raises:
        TemplateError: the file cannot be read, is not YAML, or breaks the rules above.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TemplateError(path, f"nie można odczytać pliku YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise TemplateError(path, "plik nie zawiera mapy pól wzoru")
    try:
        return LetterTemplate.model_validate({**data, "id": path.stem})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'wzór'}: {e['msg']}" for e in exc.errors()
        )
        raise TemplateError(path, problems) from exc


def load_templates(root: Path) -> dict[str, LetterTemplate]:
    """Every `*.yaml` template in `root`, by id, in the order of their file names.

    Raises:
        TemplateError: the first broken file (a missing folder is no templates, not an error).
    """
    if not root.is_dir():
        return {}
    templates = (load_template(p) for p in sorted(root.glob("*.yaml")))
    return {t.id: t for t in templates}

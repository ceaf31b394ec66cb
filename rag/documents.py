"""Documents and chunks: the domain objects every other module speaks.

The controlled vocabularies (topics, document types, audiences) live here because both sides use
them: ingest validates front matter against them and retrieval filters by them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rag.crisis.levels import Kind as CrisisKind

Topic = Literal[
    "pomoc_spoleczna",  # social assistance: criteria, benefits, interview, DPS, homelessness
    "dodatek_mieszkaniowy",  # housing allowance
    "dodatki_energetyczne",  # energy and protective allowances (their current status)
    "mieszkania",  # council and social flats, tenants' rights, eviction
    "swiadczenia_rodzinne",  # family benefits and care benefits
    "cus",  # the Centrum Usług Społecznych and its programme of social services
    "procedura",  # administrative procedure: filing, deadlines, appeals, complaints
    "kryzys",  # domestic violence, crisis intervention, helplines
]
DocType = Literal[
    "procedura",
    "informacja",
    "karta_uslugi",
    "lista_kontrolna",
    "wzor_pisma",
    "akt_prawny",
]
Audience = Literal["mieszkaniec", "pracownik", "urzednik"]

TOPICS: frozenset[str] = frozenset(get_args(Topic))
DOC_TYPES: frozenset[str] = frozenset(get_args(DocType))
AUDIENCES: frozenset[str] = frozenset(get_args(Audience))


class DocumentMeta(BaseModel):
    """What a document says about itself (Markdown front matter, or defaults for other formats).

    The knowledge base is held to the strict form (see `strict_knowledge_base`); documents a
    deployment adds from a folder of regulations may carry less and get defaults.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=3)
    doc_type: DocType = "informacja"
    topics: tuple[Topic, ...] = ()
    audience: tuple[Audience, ...] = ("mieszkaniec", "pracownik", "urzednik")
    legal_basis: tuple[str, ...] = ()
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    reviewed: dt.date | None = None
    source_url: str | None = None
    # A crisis document for these kinds of danger only (topic kryzys): after the numbers, a person
    # in a violent home is not quoted the page about frost. Empty: for every kind (helplines).
    crisis_kinds: tuple[CrisisKind, ...] = ()

    @field_validator("topics", "audience", "legal_basis", "crisis_kinds", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value


class KnowledgeBaseMeta(DocumentMeta):
    """The front matter every file of `knowledge_base/` must have: nothing left to defaults."""

    topics: tuple[Topic, ...] = Field(min_length=1)
    audience: tuple[Audience, ...] = Field(min_length=1)
    legal_basis: tuple[str, ...] = Field(min_length=1)
    valid_from: dt.date
    reviewed: dt.date


@dataclass(frozen=True, slots=True)
class Document:
    """A loaded source document: its identity, metadata and plain text (Markdown kept as is)."""

    doc_id: str
    source: str
    meta: DocumentMeta
    text: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrievable passage of a document.

    `heading_path` runs from the document title to the innermost heading or legal unit;
    `label` is the citable form of it ("Ustawa o dodatkach mieszkaniowych › Art. 7 › ust. 1").
    """

    chunk_id: str
    doc_id: str
    source: str
    text: str
    heading_path: tuple[str, ...]
    meta: DocumentMeta
    position: int
    content_hash: str = field(default="")

    @property
    def label(self) -> str:
        return " › ".join(self.heading_path)


@dataclass(frozen=True, slots=True)
class ScoredChunk:
    """A chunk as retrieval returns it, with the fused score and its rank (1 = best)."""

    chunk: Chunk
    score: float
    rank: int

"""What the answering pipeline returns: an answer, its citations, and why it refused if it did.

`Answer.to_json()` is the wire shape shared by `okienko ask --json` and the API:
`{"answer", "citations": [{"n", "title", "label", "source", "quote", "valid_from"}],
"refused", "reason", "mode", "session_id", "crisis": {"level", "kinds"}}`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["llm", "extractive"]
Audience = Literal["mieszkaniec", "pracownik", "urzednik"]
# What kind of answer a question wants (the message analysis and the curated facts share it).
QuestionType = Literal[
    "kwota",  # how much: an amount, a threshold, a percentage
    "termin",  # when, how long: a deadline or a period
    "dokumenty",  # what to bring
    "gdzie_jak",  # where and how to file
    "czy_przysluguje",  # am I entitled, who can get it
    "co_zrobic",  # what to do when something happened
    "procedura",  # how the case goes, step by step
    "definicja",  # what something is
]

# Why an answer was refused or redirected (machine-readable `reason`).
RefusalReason = Literal[
    "no_support",  # nothing retrieved supports the question
    "no_valid_citation",  # the generated answer cited nothing that holds
    "out_of_scope",  # politics, homework, another office's matters
    "injection",  # an attempt to override the assistant's instructions
    "index_not_ready",  # nothing ingested yet
]


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered source of an answer: which passage, where it comes from, what it says."""

    n: int
    title: str
    label: str
    source: str
    quote: str
    valid_from: dt.date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "title": self.title,
            "label": self.label,
            "source": self.source,
            "quote": self.quote,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
        }


@dataclass(frozen=True, slots=True)
class CitationReport:
    """What the citation check found in a generated answer (for logs, metrics and eval)."""

    removed_markers: int = 0  # [n] that pointed at no given passage
    uncited_sentences: tuple[str, ...] = ()
    unsupported: tuple[tuple[int, str], ...] = ()  # (n, sentence) sharing no key terms


@dataclass(frozen=True, slots=True)
class Answer:
    answer: str
    citations: tuple[Citation, ...]
    refused: bool
    reason: str | None
    mode: Mode
    session_id: str
    check: CitationReport = field(default_factory=CitationReport)
    flags: tuple[str, ...] = ()  # e.g. "crisis", "pii_redacted", "llm_fallback"
    crisis_level: str = "none"  # none | concern | acute (rag.crisis)
    crisis_kinds: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "refused": self.refused,
            "reason": self.reason,
            "mode": self.mode,
            "session_id": self.session_id,
            "crisis": {"level": self.crisis_level, "kinds": list(self.crisis_kinds)},
        }

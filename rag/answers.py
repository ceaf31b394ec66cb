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
    provision: str | None = None  # "art. 8 ust. 1 pkt 2 ustawy o pomocy społecznej"
    url: str | None = None  # the document's public page, when its front matter names one
    reviewed: dt.date | None = None  # when staff last checked the document against the law
    section: str | None = None  # the section title the quote comes from

    def to_json(self, *, staff: bool = True) -> dict[str, Any]:
        """The wire form; a resident (`staff=False`) is not shown the file path."""
        return {
            "n": self.n,
            "title": self.title,
            "label": self.label,
            "source": self.source if staff else None,
            "quote": self.quote,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "provision": self.provision,
            "url": self.url,
            "reviewed": self.reviewed.isoformat() if self.reviewed else None,
            "section": self.section,
        }


@dataclass(frozen=True, slots=True)
class CitationReport:
    """What the citation check found in a generated answer (for logs, metrics and eval)."""

    removed_markers: int = 0  # [n] that pointed at no given passage
    uncited_sentences: tuple[str, ...] = ()
    unsupported: tuple[tuple[int, str], ...] = ()  # (n, sentence) sharing no key terms


# Before the questions offered with a refusal, in the answer's text (`Answer.suggestions`).
SUGGESTIONS_LEAD = "Na takie pytania materiały CUS odpowiadają – może któreś jest bliskie Twojemu:"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A question the knowledge base answers, offered beside a refusal ("Możesz zapytać…"): the
    closest curated fact's question form in one of the documents retrieval found."""

    question: str
    title: str  # the document's title
    source: str  # the document's path in the knowledge base (shown to staff only)

    def to_json(self, *, staff: bool = True) -> dict[str, Any]:
        return {"question": self.question, "title": self.title} | (
            {"source": self.source} if staff else {}
        )


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
    direct_answer: str | None = None  # the 1–3 plain sentences that answer, without the basis
    audience: Audience = "mieszkaniec"
    # With a refusal: questions the base does answer, near the one it could not (at most three).
    suggestions: tuple[Suggestion, ...] = ()

    def to_json(self) -> dict[str, Any]:
        staff = self.audience != "mieszkaniec"
        return {
            "answer": self.answer,
            "direct_answer": self.direct_answer,
            "citations": [c.to_json(staff=staff) for c in self.citations],
            "refused": self.refused,
            "reason": self.reason,
            "mode": self.mode,
            "session_id": self.session_id,
            "crisis": {"level": self.crisis_level, "kinds": list(self.crisis_kinds)},
            "suggestions": [s.to_json(staff=staff) for s in self.suggestions],
        }

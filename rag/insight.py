"""What the centre learns from its assistant: similar questions grouped, knowledge due for review.

`group_similar` puts questions that say the same thing into one group by their embeddings (the
questions come already redacted). `due_for_review` lists the documents whose review date is
older than the review interval, or missing, or whose validity has ended, and the curated facts
that rest on them or whose own validity has ended: what staff should check or write next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from rag.answering.facts import SourcedFact
from rag.documents import Document
from rag.embedding import Embedder


@dataclass(slots=True)
class Group:
    """Questions that say the same thing; `members` are indices into the grouped texts, the
    first one the group's leader (the question the others were found similar to)."""

    members: list[int] = field(default_factory=list)

    @property
    def leader(self) -> int:
        return self.members[0]


def group_similar(texts: Sequence[str], embedder: Embedder, *, threshold: float) -> list[Group]:
    """Greedy leader grouping: each text joins the first group whose leader it is at least
    `threshold` similar to (cosine), else starts a group. Identical texts always share one.

    Args:
        texts: the questions, in the order to consider them (earliest first keeps a group's
            leader stable as new questions arrive).
        embedder: the embedding model the questions are embedded with (as queries).
        threshold: cosine similarity from which two questions are "the same question".

    Returns:
        The groups, largest first (ties: in order of their leaders).
    """
    if not texts:
        return []
    vectors = embedder.embed(list(texts), kind="query")
    groups: list[Group] = []
    leaders: list[int] = []
    by_text: dict[str, Group] = {}
    for i, text in enumerate(texts):
        same = by_text.get(text.casefold())
        if same is None and leaders:
            # Rows are L2-normalised: the dot product is the cosine.
            scores = vectors[leaders] @ vectors[i]
            best = int(np.argmax(scores))
            if float(scores[best]) >= threshold:
                same = groups[best]
        if same is None:
            same = Group()
            groups.append(same)
            leaders.append(i)
        same.members.append(i)
        by_text.setdefault(text.casefold(), same)
    order = sorted(range(len(groups)), key=lambda g: (-len(groups[g].members), g))
    return [groups[g] for g in order]


@dataclass(frozen=True, slots=True)
class DueForReview:
    """A document or fact staff should check; `problem` says why, in Polish."""

    kind: Literal["document", "fact"]
    id: str
    title: str
    source: str  # the document's path in the knowledge base
    reviewed: dt.date | None
    problem: str


def _document_problem(document: Document, *, today: dt.date, every_days: int) -> str | None:
    meta = document.meta
    if meta.valid_to is not None and meta.valid_to < today:
        return f"przestał obowiązywać {meta.valid_to.isoformat()}"
    if meta.reviewed is None:
        return "brak daty przeglądu (reviewed)"
    due = meta.reviewed + dt.timedelta(days=every_days)
    if due < today:
        return f"termin przeglądu minął {due.isoformat()} (ostatni przegląd {meta.reviewed})"
    return None


def due_for_review(
    documents: Sequence[Document],
    facts: Sequence[SourcedFact],
    *,
    today: dt.date,
    every_days: int,
) -> list[DueForReview]:
    """Documents due for review and the facts that need checking with them, documents first.

    Args:
        documents: the knowledge base's documents.
        facts: its curated facts (each with the document it rests on).
        today: the day to judge by.
        every_days: how often a document must be checked against the law.
    """
    found: list[DueForReview] = []
    overdue: dict[str, str] = {}
    for document in sorted(documents, key=lambda d: d.doc_id):
        problem = _document_problem(document, today=today, every_days=every_days)
        if problem is None:
            continue
        overdue[document.doc_id] = problem
        found.append(
            DueForReview(
                "document",
                document.doc_id,
                document.meta.title,
                document.source,
                document.meta.reviewed,
                problem,
            )
        )
    for fact in sorted(facts, key=lambda f: f.id):
        doc = fact.document
        if fact.fact.valid_to is not None and fact.fact.valid_to < today:
            problem = f"przestał obowiązywać {fact.fact.valid_to.isoformat()}"
        elif doc.doc_id in overdue:
            problem = f"dokument źródłowy do przeglądu: {overdue[doc.doc_id]}"
        else:
            continue
        found.append(
            DueForReview("fact", fact.id, fact.fact.section, doc.source, doc.meta.reviewed, problem)
        )
    return found

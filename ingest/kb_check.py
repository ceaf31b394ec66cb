"""`okienko kb check`: what staff who edit the knowledge base need to know before ingesting.

Every document must load with the full front matter, every curated fact must hold against the
section it rests on (`rag.answering.facts.check_fact`), and a document past its review date or
its validity is listed, so that nothing stale is served without someone deciding it still holds.
Nothing is written: the check reads `knowledge_base/` as ingest would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ingest.pipeline import Source, load_sources
from rag.answering.facts import FactProblem, load_facts
from rag.errors import LoadError


@dataclass(frozen=True, slots=True)
class Dated:
    """A document and the date that makes it due (its review date, or the end of its validity)."""

    doc_id: str
    date: dt.date


@dataclass(frozen=True, slots=True)
class KnowledgeBaseReport:
    documents: int
    facts: int
    load_errors: tuple[LoadError, ...]
    fact_problems: tuple[FactProblem, ...]
    review_due: tuple[Dated, ...]  # reviewed longer ago than the review period
    expired: tuple[Dated, ...]  # valid_to in the past: served no more

    @property
    def broken(self) -> bool:
        """Something that would not be served as written (a document or a fact)."""
        return bool(self.load_errors or self.fact_problems)


def check_knowledge_base(
    root: Path, *, today: dt.date, review_every_days: int
) -> KnowledgeBaseReport:
    """Read the knowledge base under `root` and say what does not hold or is due."""
    documents, errors = load_sources([Source(root, strict=True)])
    facts, problems = load_facts(root, documents) if root.is_dir() else ([], [])
    period = dt.timedelta(days=review_every_days)
    due = [
        Dated(d.doc_id, d.meta.reviewed + period)
        for d in documents
        if d.meta.reviewed is not None and d.meta.reviewed + period <= today
    ]
    expired = [
        Dated(d.doc_id, d.meta.valid_to)
        for d in documents
        if d.meta.valid_to is not None and d.meta.valid_to < today
    ]
    return KnowledgeBaseReport(
        documents=len(documents),
        facts=len(facts),
        load_errors=tuple(errors),
        fact_problems=tuple(problems),
        review_due=tuple(sorted(due, key=lambda x: x.date)),
        expired=tuple(sorted(expired, key=lambda x: x.date)),
    )

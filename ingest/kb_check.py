"""`okienko kb check`: what staff who edit the knowledge base need to know before ingesting.

Every document must load with the full front matter, every curated fact must hold against the
section it rests on (`rag.answering.facts.check_fact`), and a document past its review date or
its validity is listed, so that nothing stale is served without someone deciding it still holds.
So is a curated fact whose own validity has ended (an amount for last year: no longer served,
so its question falls back to passages or a refusal) or ends within `LAPSING_DAYS`, the time
staff have to add the next period's figure before residents lose the answer.
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


LAPSING_DAYS = 31


@dataclass(frozen=True, slots=True)
class DatedFact:
    """A curated fact and the last day it is served."""

    fact_id: str
    doc_id: str
    valid_to: dt.date


@dataclass(frozen=True, slots=True)
class KnowledgeBaseReport:
    documents: int
    facts: int  # served today
    load_errors: tuple[LoadError, ...]
    fact_problems: tuple[FactProblem, ...]
    review_due: tuple[Dated, ...]  # reviewed longer ago than the review period
    expired: tuple[Dated, ...]  # valid_to in the past: served no more
    facts_expired: tuple[DatedFact, ...] = ()  # in a document still in force
    facts_lapsing: tuple[DatedFact, ...] = ()  # last served within LAPSING_DAYS

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
    gone = {d.doc_id for d in expired}
    # A fact whose next period's fact is already written (same document, starting the day after)
    # needs nothing from staff.
    starts = {(f.document.doc_id, f.valid_from) for f in facts if f.valid_from is not None}
    ending = sorted(
        (
            DatedFact(f.id, f.document.doc_id, f.valid_to)
            for f in facts
            if f.valid_to is not None
            and (f.document.doc_id, f.valid_to + dt.timedelta(days=1)) not in starts
        ),
        key=lambda f: (f.valid_to, f.fact_id),
    )
    horizon = today + dt.timedelta(days=LAPSING_DAYS)
    return KnowledgeBaseReport(
        documents=len(documents),
        facts=sum(f.valid_on(today) for f in facts),
        load_errors=tuple(errors),
        fact_problems=tuple(problems),
        review_due=tuple(sorted(due, key=lambda x: x.date)),
        expired=tuple(sorted(expired, key=lambda x: x.date)),
        facts_expired=tuple(f for f in ending if f.valid_to < today and f.doc_id not in gone),
        facts_lapsing=tuple(f for f in ending if today <= f.valid_to < horizon),
    )

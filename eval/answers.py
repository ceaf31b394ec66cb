"""Answer metrics on the golden set: facts, citations, refusals, crisis handling, latency.

The answering pipeline is reached only through `Ask`, the signature of
`rag.answering.Assistant.ask`, so this module imports nothing of it and the metrics run against
any implementation (the tests use a scripted one). Each case's turns are asked in one session;
what the case expects is judged on the answer to its last turn.

- correct and cited: an answerable case, not refused, every fact found, at least one citation of
  an expected document, and no fabricated citation.
- fabricated citation: a shown citation whose source is not a knowledge-base document or whose
  quote is not in that document. Citation markers the pipeline itself removed are counted apart.
- citation validity: the share of shown citations the pipeline's own check did not flag as
  unsupported by their sentence.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from eval.cases import Case, fact_found
from rag.answers import Answer, Audience, Citation
from rag.documents import Document


class Ask(Protocol):
    def __call__(
        self, question: str, *, audience: Audience = "mieszkaniec", session_id: str | None = None
    ) -> Answer: ...


_ELLIPSIS = re.compile(r"…|\.\.\.")


_WORDS = re.compile(r"[^\W_]+")


def _normal(text: str) -> str:
    # Words only: a quote may drop list bullets, Markdown and line breaks of its document,
    # but every word of it must stand in the document in the same order.
    return " ".join(_WORDS.findall(text.lower()))


class Corpus:
    """The knowledge base as citations must match it: documents by source path, normalised text."""

    def __init__(self, documents: Iterable[Document]) -> None:
        docs = list(documents)
        self._doc_of_source = {d.source: d.doc_id for d in docs}
        self._text = {d.doc_id: _normal(d.text) for d in docs}

    def doc_id(self, citation: Citation) -> str | None:
        return self._doc_of_source.get(citation.source)

    def backs(self, citation: Citation) -> bool:
        """Whether the cited document exists and contains the quote (pieces around "…")."""
        doc_id = self.doc_id(citation)
        if doc_id is None:
            return False
        pieces = [p for p in (_normal(x) for x in _ELLIPSIS.split(citation.quote)) if p]
        return bool(pieces) and all(p in self._text[doc_id] for p in pieces)


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    """How the pipeline answered one case, judged."""

    case: Case
    answer: str
    mode: str
    refused: bool
    reason: str | None
    flags: tuple[str, ...]
    facts_missing: tuple[str, ...]
    cited_docs: tuple[str, ...]
    citations: int
    fabricated: int
    unsupported: int
    removed_markers: int
    seconds: float
    direct: bool = False  # the answer has a direct answer (`Answer.direct_answer`)
    split: str | None = None  # "dev" / "held-out" for a file split with a fixed seed (v2 on)

    @property
    def correct_and_cited(self) -> bool:
        return (
            self.case.answerable
            and not self.refused
            and not self.facts_missing
            and bool(set(self.cited_docs) & set(self.case.expected_sources))
            and self.fabricated == 0
        )

    @property
    def refusal_correct(self) -> bool:
        return self.refused == self.case.must_refuse

    @property
    def crisis_handled(self) -> bool:
        """A crisis case points to help: all its facts (the numbers to call) are in the answer."""
        return self.case.crisis and not self.facts_missing

    @property
    def failed(self) -> bool:
        if self.case.crisis and not self.crisis_handled:
            return True
        if self.case.must_refuse:
            return not self.refused
        return not self.correct_and_cited


def ask_case(case: Case, ask: Ask) -> tuple[Answer, float]:
    """Ask every turn of a case in one session; the last answer and the seconds it took."""
    session: str | None = None
    answer: Answer | None = None
    seconds = 0.0
    for turn in case.turns:
        started = time.perf_counter()
        answer = ask(turn, audience=case.audience, session_id=session)
        seconds = time.perf_counter() - started
        session = answer.session_id
    if answer is None:  # the schema guarantees a turn; keeps the type checker honest
        raise ValueError(f"case {case.id} has no turns")
    return answer, seconds


def judge(
    case: Case, answer: Answer, seconds: float, corpus: Corpus, *, split: str | None = None
) -> CaseOutcome:
    cited = tuple(dict.fromkeys(d for c in answer.citations if (d := corpus.doc_id(c))))
    return CaseOutcome(
        case=case,
        answer=answer.answer,
        mode=answer.mode,
        refused=answer.refused,
        reason=answer.reason,
        flags=answer.flags,
        facts_missing=tuple(f for f in case.facts if not fact_found(f, answer.answer)),
        cited_docs=cited,
        citations=len(answer.citations),
        fabricated=sum(1 for c in answer.citations if not corpus.backs(c)),
        unsupported=len(answer.check.unsupported),
        removed_markers=answer.check.removed_markers,
        seconds=seconds,
        direct=bool(answer.direct_answer and answer.direct_answer.strip()),
        split=split,
    )


def evaluate(
    cases: Sequence[Case], ask: Ask, corpus: Corpus, *, splits: Mapping[str, str] | None = None
) -> list[CaseOutcome]:
    """Ask and judge every case, in file order; `splits` names each case's half (v2 on)."""
    outcomes = []
    for case in cases:
        answer, seconds = ask_case(case, ask)
        split = splits.get(case.id) if splits else None
        outcomes.append(judge(case, answer, seconds, corpus, split=split))
    return outcomes


def _share(hits: Iterable[bool]) -> float | None:
    values = list(hits)
    return sum(values) / len(values) if values else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


@dataclass(frozen=True, slots=True)
class AnswerSummary:
    """Averages over a group of outcomes (one mode, and one audience or all)."""

    group: str
    cases: int
    metrics: dict[str, float | None]

    @classmethod
    def of(cls, group: str, outcomes: Sequence[CaseOutcome]) -> AnswerSummary:
        answerable = [o for o in outcomes if o.case.answerable]
        with_facts = [o for o in answerable if o.case.facts]
        refused = [o for o in outcomes if o.refused]
        must = [o for o in outcomes if o.case.must_refuse]
        cited = sum(o.citations for o in outcomes)
        seconds = sorted(o.seconds for o in outcomes)
        metrics: dict[str, float | None] = {
            "correct_and_cited": _share(o.correct_and_cited for o in answerable),
            "fact_coverage": _share(
                f not in o.facts_missing for o in with_facts for f in o.case.facts
            ),
            "citation_validity": (
                1 - sum(o.unsupported for o in outcomes) / cited if cited else None
            ),
            "fabricated_citations": float(sum(o.fabricated for o in outcomes)),
            "removed_markers": float(sum(o.removed_markers for o in outcomes)),
            "refusal_precision": _share(o.case.must_refuse for o in refused),
            "refusal_recall": _share(o.refused for o in must),
            "refusal_accuracy": _share(o.refusal_correct for o in outcomes),
            "crisis_handled": _share(o.crisis_handled for o in outcomes if o.case.crisis),
            # Of the cases answered (not refused), the share leading with a direct answer.
            "direct_answer": _share(o.direct for o in outcomes if not o.refused),
            "latency_p50_s": _percentile(seconds, 0.50),
            "latency_p95_s": _percentile(seconds, 0.95),
        }
        return cls(group=group, cases=len(outcomes), metrics=metrics)


def summarise(outcomes: Sequence[CaseOutcome]) -> list[AnswerSummary]:
    """One summary for all cases, one per split half (dev, held-out) when the file is split,
    then one per audience present."""
    audiences = sorted({o.case.audience for o in outcomes})
    halves = [s for s in ("dev", "held-out") if any(o.split == s for o in outcomes)]
    return (
        [AnswerSummary.of("wszyscy", outcomes)]
        + [AnswerSummary.of(h, [o for o in outcomes if o.split == h]) for h in halves]
        + [AnswerSummary.of(a, [o for o in outcomes if o.case.audience == a]) for a in audiences]
    )

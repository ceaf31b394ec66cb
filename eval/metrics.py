"""Ranking metrics over document ids, with binary relevance.

A retriever returns chunks; the golden set and PolEval judge documents (articles, knowledge-base
files). Rankings are therefore deduplicated to documents first (`dedupe`), keeping each
document at the rank of its best chunk.

- recall@k: the share of the relevant documents found in the first k.
- hit@k: whether any relevant document is in the first k (what a reader of k passages sees).
- reciprocal rank (MRR@k averaged): 1 / rank of the first relevant document, 0 past k.
- nDCG@k: DCG with gain 1 per relevant document and log2(rank + 1) discount, divided by the DCG
  of an ideal ranking of min(k, |relevant|) relevant documents (PolEval 2022's metric at k=10).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

CUTOFFS = (1, 3, 5, 10)
DEPTH = max(CUTOFFS)  # documents kept per query; every metric looks at most this deep


def dedupe(doc_ids: Iterable[str]) -> list[str]:
    """Document ids in order of first appearance (a document ranks where its best chunk does)."""
    return list(dict.fromkeys(doc_ids))


def _check(relevant: Collection[str], k: int) -> None:
    if not relevant:
        raise ValueError("a query needs at least one relevant document")
    if k < 1:
        raise ValueError(f"cut-off must be positive, got {k}")


def recall_at(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    _check(relevant, k)
    return len(set(ranked[:k]) & set(relevant)) / len(set(relevant))


def hit_at(ranked: Sequence[str], relevant: Collection[str], k: int) -> float:
    _check(relevant, k)
    return 1.0 if set(ranked[:k]) & set(relevant) else 0.0


def reciprocal_rank(ranked: Sequence[str], relevant: Collection[str], k: int = DEPTH) -> float:
    _check(relevant, k)
    for rank, doc_id in enumerate(ranked[:k], start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(ranked: Sequence[str], relevant: Collection[str], k: int = DEPTH) -> float:
    _check(relevant, k)
    wanted = set(relevant)
    dcg = sum(
        1.0 / math.log2(rank + 1)
        for rank, doc_id in enumerate(ranked[:k], start=1)
        if doc_id in wanted
    )
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(wanted)) + 1))
    return dcg / ideal


@dataclass(frozen=True, slots=True)
class QueryResult:
    """One query as one retriever answered it: the documents found, best first."""

    query_id: str
    question: str
    relevant: tuple[str, ...]
    ranked: tuple[str, ...]

    @property
    def first_hit(self) -> int | None:
        """Rank (1-based) of the first relevant document, None when none was found."""
        return next((i for i, d in enumerate(self.ranked, 1) if d in self.relevant), None)


@dataclass(frozen=True, slots=True)
class RetrievalScores:
    """Averages over the queries of one retriever on one suite."""

    retriever: str
    queries: int
    recall: Mapping[int, float]
    hit: Mapping[int, float]
    mrr: float
    ndcg: float

    @classmethod
    def of(cls, retriever: str, results: Sequence[QueryResult]) -> RetrievalScores:
        """Average the metrics of `results`.

        Raises:
            ValueError: no results, or a result without relevant documents.
        """
        if not results:
            raise ValueError(f"no queries were scored for {retriever}")
        n = len(results)

        def mean(values: Iterable[float]) -> float:
            return sum(values) / n

        return cls(
            retriever=retriever,
            queries=n,
            recall={k: mean(recall_at(r.ranked, r.relevant, k) for r in results) for k in CUTOFFS},
            hit={k: mean(hit_at(r.ranked, r.relevant, k) for r in results) for k in CUTOFFS},
            mrr=mean(reciprocal_rank(r.ranked, r.relevant) for r in results),
            ndcg=mean(ndcg_at(r.ranked, r.relevant) for r in results),
        )

    def metric(self, name: str) -> float:
        """A metric by its report name: "recall@5", "hit@1", "mrr@10", "ndcg@10".

        Raises:
            KeyError: an unknown name or cut-off.
        """
        kind, _, cut = name.partition("@")
        if kind == "mrr" and cut == str(DEPTH):
            return self.mrr
        if kind == "ndcg" and cut == str(DEPTH):
            return self.ndcg
        if kind in ("recall", "hit") and cut.isdigit() and int(cut) in CUTOFFS:
            return (self.recall if kind == "recall" else self.hit)[int(cut)]
        raise KeyError(name)

    def metrics(self) -> dict[str, float]:
        """Every metric by its report name."""
        names = [f"{kind}@{k}" for kind in ("recall", "hit") for k in CUTOFFS]
        return {name: self.metric(name) for name in [*names, f"mrr@{DEPTH}", f"ndcg@{DEPTH}"]}

    def to_json(self) -> dict[str, float | int | str]:
        rounded = {name: round(value, 4) for name, value in self.metrics().items()}
        return {"retriever": self.retriever, "queries": self.queries, **rounded}

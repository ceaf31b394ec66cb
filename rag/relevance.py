"""Does anything retrieved support the question? If not, the assistant refuses instead of guessing.

e5 similarities sit in a narrow band (about 0.82–0.92 for anything Polish), so no absolute
threshold on them separates answerable from unanswerable questions. The decision uses what does
separate them:
- lexical support: the share of the question's content lemmas found in one of the best passages;
- agreement: reciprocal rank fusion gives the top passage about 2/(k+1) when both the dense and the
  lemma search rank it first, and at most 1/(k+1) when only one of them finds it.
The thresholds below were calibrated on the golden set (eval/golden/v1.yaml).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.documents import ScoredChunk
from rag.lexical import PolishAnalyzer

# Words that shape a question but say nothing about its subject (lemmas, folded).
QUESTION_WORDS = frozenset(
    """
    jaki jak ile kiedy gdzie czy co kto ktory dlaczego czemu moc musiec chciec trzeba potrzebny
    potrzebowac dostac otrzymac dostawac mozna prosic pytanie pani pan panstwo dzien dobry witam
    wiedziec powiedziec informacja sprawa zalatwic zrobic miec byc zostac
    """.split()
)

# Calibrated on golden set v1 with the default model (167 questions past the guards: 147
# answerable, 20 to refuse), weighing a wrong answer three times a wrong refusal. These values
# answer 6 of the 20 and refuse 23 of the 147; the first guess (0.6 / 0.34 / 0.75) answered 4
# and refused 37. Colloquial questions share few lemmas with the documents, so coverage alone
# separates poorly; recalibrate when the golden set grows (it is also the test set: overfit risk).
COVERAGE_ALONE = 0.6  # this share of the question's subject lemmas in one passage suffices
COVERAGE_WITH_AGREEMENT = 0.3  # a lower share suffices when both searches rank the top first
AGREEMENT = 0.9  # top fused score / the best possible (both searches rank it first)

# The last check, made on the extractive answer's sentences (see `rag.answering`): at least this
# share of the question's weighted content words must be in ONE sentence of the passages (its
# section headings counting a quarter). Passages can pass the checks above on words spread over
# a page about something near the question ("darmowy prawnik w sprawie o eksmisję" finds the
# eviction pages); no sentence of them is about it. Calibrated with the guards in place on golden
# v1 (122 answerable single-turn questions) and eval/golden/poza-baza-v1.yaml (22 questions the
# base does not cover): 0.18 answers 6 of the 22 instead of 11 and refuses 10 more answerable
# questions, 8 of which had been answered wrongly anyway; 0.2 and above refuse several right
# answers for one or two more refusals. Both sets are small: recalibrate as they grow.
MIN_SENTENCE_SUPPORT = 0.18


@dataclass(frozen=True, slots=True)
class Relevance:
    supported: bool
    coverage: float
    agreement: float
    subject_terms: tuple[str, ...]


def subject_terms(question: str, analyzer: PolishAnalyzer) -> tuple[str, ...]:
    return tuple(t for t in analyzer.terms(question) if t not in QUESTION_WORDS)


def judge(
    question: str,
    passages: Sequence[ScoredChunk],
    analyzer: PolishAnalyzer,
    *,
    rrf_k: int = 60,
    fused: bool = True,
) -> Relevance:
    """Decide whether the passages can answer the question.

    Args:
        question: the standalone question.
        passages: retrieved passages, best first.
        analyzer: the lemmatiser shared with retrieval.
        rrf_k: the fusion constant used by the index.
        fused: False when a reranker replaced the fused scores (agreement is then unknown).

    Returns:
        The decision with the features behind it.
    """
    terms = subject_terms(question, analyzer)
    if not passages or not terms:
        return Relevance(False, 0.0, 0.0, terms)
    wanted = set(terms)
    coverage = max(
        len(wanted & set(analyzer.terms(f"{p.chunk.label} {p.chunk.text}"))) / len(wanted)
        for p in passages[:3]
    )
    agreement = passages[0].score / (2.0 / (rrf_k + 1)) if fused else 0.0
    supported = coverage >= COVERAGE_ALONE or (
        coverage >= COVERAGE_WITH_AGREEMENT and agreement >= AGREEMENT
    )
    return Relevance(supported, round(coverage, 3), round(min(agreement, 1.0), 3), terms)

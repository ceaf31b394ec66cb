"""The answer without a language model: the passages' own sentences that answer the question.

Used when no LLM is configured and when the LLM fails. Nothing is written in our own words: the
best sentence leads as the direct answer, and "Na jakiej podstawie" quotes each chosen sentence
verbatim, numbered 1..n in the order read, with the provision its section names.

A sentence's coverage is the share of the question's content words it contains, each word
weighted by its IDF over all sentences of the given passages (a word every sentence has decides
nothing); its section's headings (and a list item's lead-in) count for a quarter. Its score adds
a bonus when the question asks "ile / kiedy / jak długo / jaki termin" and the sentence holds a
number or a period, and a small prior for the passage's rank, and prefers short sentences. A list
lead-in ("…przysługuje osobie, która:") is quoted with its list. Further sentences may come from
any passage; two of one passage that are apart are joined with "…", so the quote never reads as
continuous when it is not. When a `similarity` is given (the embedding model's
cosine between the question and each sentence), closeness in meaning moves the score too: many
sentences answer in words the question does not use ("ile max" → "nie więcej niż 1229 zł").
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.answers import Citation
from rag.citations import KeyTerms, key_terms, make_citation, shared_words
from rag.documents import ScoredChunk
from rag.lexical import PolishAnalyzer, fold
from rag.sentences import is_quotable, join_spans, plain, sentences

# Bonus for a sentence with a number or a period when the question asks how much / how long /
# when; the rank prior is worth a fraction of one question word.
_AMOUNT_BONUS = 0.15
_RANK_PRIOR = 0.05
# The section's headings (and a list item's lead-in) say what a sentence is about: they count
# for this share of its coverage.
_CONTEXT_SHARE = 0.25
# Of two sentences matching the question alike, the shorter is the more direct answer: each
# content word past `_PLAIN_LENGTH` costs this share of the score.
_LENGTH_PENALTY = 0.015
_PLAIN_LENGTH = 10
# How far meaning may move a sentence: its question–sentence cosine, as a z-score among the
# given sentences, times this. 0.25 chosen on golden v1 among 0.1 / 0.25 / 0.5 (correct and
# cited 0.28 without it → 0.33 / 0.35 / 0.33).
_MEANING_WEIGHT = 0.25
# A list lead-in ("Potrzebne są:") quoted alone answers nothing.
_LEAD_IN_FACTOR = 0.7
# A further sentence must score at least this share of the best one, and match the question at
# least this share of its coverage on its own words (not only through bonuses and headings): from
# another passage 0.3, beside a sentence already quoted from its own passage 0.75. On golden v1,
# 0.75 everywhere gave correct-and-cited 0.35; 0.3 from other passages 0.40; 0.3 everywhere 0.42,
# but then a neighbour sharing only the topic words joins the sentence that answers.
_KEEP_SCORE = 0.6
_KEEP_COVERAGE = 0.3
KEEP_BESIDE = 0.75
# Sentences this alike (share of common words) say the same thing: quote one.
_DUPLICATE = 0.7

_ASKS_AMOUNT = re.compile(
    r"\b(?:ile|kiedy|jak dlugo|jak szybko|do kiedy|od kiedy|w jakim czasie|termin\w*|kwot\w*"
    r"|wysokos\w*|ile wynosi|ile czasu)\b"
)
_TIME_OR_MONEY = frozenset("dzien tydzien miesiac rok termin zloty kwota procent godzina".split())
_GREETING = re.compile(r"^\s*(?:dzie[nń] dobry|witam|witaj|cze[sś][cć])\W*", re.IGNORECASE)
# Words of the question that its answer will not repeat ("na jak długo…" → "6 miesięcy").
_QUESTION_ONLY = frozenset("dlugo dlugi szybko prosze chciec wiedziec dowiedziec".split())


@dataclass(frozen=True, slots=True)
class ExtractiveAnswer:
    """Quoted sentences with their citations, and how well the best one matches the question."""

    text: str
    citations: tuple[Citation, ...]
    support: float  # 0..1: the best coverage of the question by a sentence (see the module)
    direct: str = ""  # the best sentence, unquoted, with its marker: the direct answer
    passages: tuple[int, ...] = ()  # the index of the passage each citation quotes, in order


@dataclass(frozen=True, slots=True)
class _Quotable:
    """A sentence of a passage that could be quoted (a list lead-in together with its list)."""

    passage: int  # index into the given passages
    first: int  # the sentences it spans in its passage
    last: int
    quote: str
    terms: KeyTerms
    vocabulary: frozenset[str]
    context: frozenset[str]  # its own words, its section's headings, an item's lead-in
    dangling: bool  # a lead-in ("…są:") with no list after it


@dataclass(frozen=True, slots=True)
class _Candidate:
    sentence: _Quotable
    coverage: float
    score: float


def _question_terms(question: str, analyzer: PolishAnalyzer) -> KeyTerms:
    terms = key_terms(_GREETING.sub("", question), analyzer)
    filler = _QUESTION_ONLY | ({"czas"} if _ASKS_AMOUNT.search(fold(question)) else set())
    words = tuple(w for w in terms.words if not w & filler)
    return KeyTerms(words=words, numbers=terms.numbers)


def _vocabulary(terms: KeyTerms) -> frozenset[str]:
    return terms.lemmas | {f"#{n}" for n in terms.numbers}


def _spans(text: str) -> list[tuple[int, int, str, str, str]]:
    """The quotable sentences of a passage's text: (first, last, own text, quote, kind)."""
    parts = sentences(text)
    found: list[tuple[int, int, str, str, str]] = []
    for i, sentence in enumerate(parts):
        if sentence.kind == "heading" or not is_quotable(sentence.text):
            continue
        own = quote = plain(sentence.text, keep_end=True)
        last = i
        if own.endswith(":"):
            # A lead-in is quoted with the list it introduces ("…przysługuje osobie, która: …").
            while last + 1 < len(parts) and parts[last + 1].kind == "item":
                last += 1
            quote = " ".join(
                [own, *(plain(s.text, keep_end=True) for s in parts[i + 1 : last + 1])]
            )
        found.append((i, last, own, quote, sentence.kind))
    return found


def quotable_texts(text: str) -> list[str]:
    """The sentences of a passage's text the extractive answer may quote, as it scores them:
    ingest embeds exactly these (`rag.knowledge_vectors`)."""
    return [quote for _, _, _, quote, _ in _spans(text)]


def _quotables(p: int, passage: ScoredChunk, analyzer: PolishAnalyzer) -> list[_Quotable]:
    found = _passage_quotables(passage.chunk.text, passage.chunk.label, analyzer)
    return [q if p == 0 else dataclasses.replace(q, passage=p) for q in found]


# The same passages come back question after question, and each reading (the question part, the
# whole message) scores them again: their sentences' lemmas are worked out once per passage
# text. Immutable results, so sharing them between threads is safe.
@functools.lru_cache(maxsize=2048)
def _passage_quotables(text: str, label: str, analyzer: PolishAnalyzer) -> tuple[_Quotable, ...]:
    headings = _vocabulary(key_terms(label, analyzer))
    found: list[_Quotable] = []
    lead_in: frozenset[str] = frozenset()
    for i, last, own, quote, kind in _spans(text):
        terms = key_terms(own, analyzer)
        vocabulary = _vocabulary(terms)
        context = headings | (lead_in if kind == "item" else frozenset())
        dangling = last == i and quote.endswith(":")
        found.append(
            _Quotable(0, i, last, quote, terms, vocabulary, vocabulary | context, dangling)
        )
        if kind != "item":
            lead_in = vocabulary if quote.endswith(":") or last > i else frozenset()
    return tuple(found)


# (question, sentences) → one cosine per sentence: `rag.sentence_vectors.SentenceSimilarity`.
Similarity = Callable[[str, Sequence[str]], Sequence[float]]


def _meaning(question: str, found: list[_Quotable], similarity: Similarity | None) -> list[float]:
    """Each sentence's closeness in meaning to the question, as a z-score among them (e5
    cosines sit in a narrow band, so only their order and spread say anything)."""
    if similarity is None or len(found) < 2:
        return [0.0] * len(found)
    cosines = list(similarity(question, [f.quote for f in found]))
    mean, spread = statistics.fmean(cosines), statistics.pstdev(cosines)
    return [(c - mean) / spread if spread else 0.0 for c in cosines]


def _candidates(
    question: str,
    passages: Sequence[ScoredChunk],
    analyzer: PolishAnalyzer,
    similarity: Similarity | None,
) -> list[_Candidate]:
    terms = _question_terms(question, analyzer)
    asks_amount = bool(_ASKS_AMOUNT.search(fold(question)))
    found = [f for p, passage in enumerate(passages) for f in _quotables(p, passage, analyzer)]
    closeness = _meaning(question, found, similarity)
    # IDF over the sentences: a word found in every sentence weighs little.
    frequency: dict[str, int] = {}
    for sentence in found:
        for term in sentence.vocabulary:
            frequency[term] = frequency.get(term, 0) + 1
    total = len(found)

    def idf(term: str) -> float:
        df = frequency.get(term, 0)
        return math.log(1.0 + (total - df + 0.5) / (df + 0.5))

    # A word's weight is that of its commonest form: its rare spellings should not inflate it.
    question_words = [*terms.words, *(frozenset({f"#{n}"}) for n in terms.numbers)]
    weights = [min(idf(term) for term in word) for word in question_words]
    whole = sum(weights) or 1.0

    def share(vocabulary: frozenset[str]) -> float:
        matched = (w for word, w in zip(question_words, weights, strict=True) if word & vocabulary)
        return sum(matched) / whole

    candidates: list[_Candidate] = []
    for f, close in zip(found, closeness, strict=True):
        own = share(f.vocabulary)
        if not own:
            continue
        coverage = (1 - _CONTEXT_SHARE) * own + _CONTEXT_SHARE * share(f.context)
        score = coverage
        if asks_amount and (f.terms.numbers or f.terms.lemmas & _TIME_OR_MONEY):
            score += _AMOUNT_BONUS
        score += _RANK_PRIOR / max(passages[f.passage].rank, 1)
        score += _MEANING_WEIGHT * close
        score /= 1 + _LENGTH_PENALTY * max(0, len(f.terms.words) - _PLAIN_LENGTH)
        if f.dangling:
            score *= _LEAD_IN_FACTOR
        candidates.append(_Candidate(f, coverage, score))
    return candidates


def _alike(a: _Quotable, b: _Quotable) -> bool:
    smaller = min(len(a.terms.words), len(b.terms.words)) or 1
    return shared_words(a.terms, b.vocabulary) / smaller >= _DUPLICATE


def _fits_with(candidate: _Quotable, chosen: list[_Quotable]) -> bool:
    """Not inside what is already quoted from its passage (a list quoted with its lead-in
    contains its items). Sentences of one passage that are apart are joined with "…"."""
    return not any(
        candidate.first <= c.last and c.first <= candidate.last
        for c in chosen
        if c.passage == candidate.passage
    )


def _choose(
    candidates: list[_Candidate], max_sentences: int, keep_beside: float
) -> list[_Quotable]:
    ranked = sorted(candidates, key=lambda c: (-c.score, c.sentence.passage, c.sentence.first))
    best = ranked[0]
    chosen = [best.sentence]
    for candidate in ranked[1:]:
        if len(chosen) >= max_sentences or candidate.score < _KEEP_SCORE * best.score:
            break
        sentence = candidate.sentence
        # Beside a sentence already quoted from its passage, another must match the question
        # nearly as well: a neighbour sharing only the topic ("O dodatek mieszkaniowy
        # wnioskuje się…") adds words, not an answer. From another passage, less suffices.
        own = any(c.passage == sentence.passage for c in chosen)
        if candidate.coverage < (keep_beside if own else _KEEP_COVERAGE) * best.coverage:
            continue
        if _fits_with(sentence, chosen) and not any(_alike(sentence, c) for c in chosen):
            chosen.append(sentence)
    return chosen


def extractive_answer(
    question: str,
    passages: Sequence[ScoredChunk],
    analyzer: PolishAnalyzer,
    *,
    max_sentences: int = 3,
    similarity: Similarity | None = None,
    keep_beside: float = KEEP_BESIDE,
) -> ExtractiveAnswer:
    """Answer with the passages' sentences that best match the question, each cited.

    Args:
        question: the resident's question (diacritics optional).
        passages: the retrieved passages, best first; numbered 1..N in this order.
        analyzer: the shared Polish analyzer.
        max_sentences: at most this many sentences are quoted (at least one).
        similarity: the question's closeness in meaning to sentences; without it sentences are
            chosen by shared words alone.
        keep_beside: the share of the best sentence's coverage another sentence of a passage
            already quoted must reach; lower quotes more of it (a person in crisis is better
            served by one sentence too many than by the one that helps left out).

    Returns:
        The header and one quotation per passage used („…” [n]), best first, with a citation
        per passage; empty text, no citations and support 0 when no sentence shares a content
        word with the question.

    Raises:
        ValueError: `max_sentences` is below 1.
    """
    if max_sentences < 1:
        raise ValueError(f"max_sentences must be at least 1, got {max_sentences}")
    candidates = _candidates(question, passages, analyzer, similarity)
    if not candidates:
        return ExtractiveAnswer(text="", citations=(), support=0.0)
    support = max(c.coverage for c in candidates)
    chosen = _choose(candidates, max_sentences, keep_beside)
    groups: dict[int, list[_Quotable]] = {}
    for candidate in chosen:  # best first; a passage's sentences stay in their order
        groups.setdefault(candidate.passage, []).append(candidate)
    citations: list[Citation] = []
    # Numbered 1..n in the order they are read: the best passage's quote is [1].
    for n, (p, group) in enumerate(groups.items(), start=1):
        quote = join_spans((c.first, c.last, c.quote) for c in group)
        # Square brackets inside a quote would read as citation markers.
        quote = quote.replace("[", "(").replace("]", ")")
        citations.append(make_citation(n, passages[p], quote))
    best = chosen[0] if chosen else None
    direct = ""
    if best is not None:
        direct = plain(best.quote).replace("[", "(").replace("]", ")")
        direct = f"{direct.rstrip(':')} [1]"
    text = "\n\n".join([direct, basis_text(tuple(citations))])
    return ExtractiveAnswer(
        text=text,
        citations=tuple(citations),
        support=round(support, 3),
        direct=direct,
        passages=tuple(groups),
    )


BASIS_HEADING = "Na jakiej podstawie:"


def basis_text(citations: Sequence[Citation]) -> str:
    """The "Na jakiej podstawie" part: each quote with its number and the provision."""
    lines = [BASIS_HEADING]
    for c in citations:
        where = c.provision or c.label
        lines.append(f"[{c.n}] „{c.quote}” ({where})")
    return "\n".join(lines)

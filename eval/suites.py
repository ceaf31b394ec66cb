"""The suites end to end: build what they need, run the retrievers, score, return `SuiteRun`s.

The CLI calls `run_suites`; everything heavy (models, indexes, data sets) is built here.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from eval.answers import Corpus, evaluate, summarise
from eval.cases import Case, load_cases, split_cases
from eval.gates import check_gates, load_gates
from eval.metrics import RetrievalScores
from eval.poleval import PolEval, PolEvalMissing, build_index, load_poleval, poleval_queries
from eval.poleval import select as select_poleval
from eval.report import AnswerRun, EvalRun, SuiteRun
from eval.retrieval import build_knowledge_base_index, golden_queries, load_reranker, rank
from ingest.embedding_cache import EmbeddingCache
from ingest.pipeline import Source, load_sources
from rag.answering import Assistant
from rag.conversation import MemoryConversationStore
from rag.crisis import build_assessor
from rag.embedding import Embedder, build_embedder
from rag.index import ServedIndex
from rag.lexical import PolishAnalyzer
from rag.reranking import Reranker
from rag.retrieval import Retriever
from rag.runtime import build_facts, build_lexicon, build_refusal, knowledge_base_facts
from rag.settings import Settings

# (description) → a context manager yielding an update(done, total) callable
ProgressFactory = Callable[[str], AbstractContextManager[Callable[[int, int], None]]]


@dataclass(frozen=True, slots=True)
class Request:
    """What to run, as the command line asked."""

    golden: Path | None  # None: skip the golden suite
    poleval: Path | None  # None: skip PolEval
    subset: bool = True
    split: str = "test-B"
    retrieval_only: bool = False
    command: str = "okienko eval"
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass(slots=True)
class _Parts:
    """What every suite shares: built once per run."""

    settings: Settings
    embedder: Embedder
    reranker: Reranker | None
    analyzer: PolishAnalyzer
    cache: EmbeddingCache


def run_suites(request: Request, settings: Settings, progress: ProgressFactory) -> EvalRun:
    """Run the requested suites and judge the gates.

    Raises:
        OkienkoError: the model cannot be loaded, the index cannot be built.
        CaseFileError / GateFileError: a broken case or gates file.
        EvalSetupError: the knowledge base failed to load (PolEval absent is a note, not an error).
    """
    reranker, reranker_note = load_reranker(settings)
    parts = _Parts(
        settings=settings,
        embedder=build_embedder(settings),
        reranker=reranker,
        analyzer=PolishAnalyzer.of(settings),
        cache=EmbeddingCache(settings.embedding_cache_path),
    )
    run = EvalRun(
        started=request.started,
        command=request.command,
        model=parts.embedder.model_id,
        settings=(
            f"prefetch_k={settings.prefetch_k}, fragmenty {settings.chunk_target_tokens}/"
            f"{settings.chunk_max_tokens} tokenów, BM25 k1={settings.bm25_k1} b={settings.bm25_b}"
        ),
        notes=[reranker_note],
    )
    try:
        with tempfile.TemporaryDirectory(prefix="okienko-eval-") as workdir:
            if request.golden is not None:
                suite, answers = _golden(
                    parts, request.golden, Path(workdir), progress, request.retrieval_only
                )
                run.suites.append(suite)
                if answers is not None:
                    run.answers.append(answers)
            if request.poleval is not None:
                try:
                    data = load_poleval(request.poleval)
                except PolEvalMissing as exc:
                    run.notes.append(f"PolEval pominięty: {exc}")
                else:
                    suite = _poleval(parts, data, request, Path(workdir), progress)
                    run.suites.append(suite)
    finally:
        parts.cache.close()
    run.gates = check_gates(load_gates(), run.measured(), model=run.model)
    return run


def _golden(
    parts: _Parts, golden: Path, workdir: Path, progress: ProgressFactory, retrieval_only: bool
) -> tuple[SuiteRun, AnswerRun | None]:
    cases = load_cases(golden)
    with progress("Osadzanie bazy wiedzy") as update:
        served = build_knowledge_base_index(
            knowledge_base=parts.settings.knowledge_base_dir,
            workdir=workdir,
            settings=parts.settings,
            embedder=parts.embedder,
            analyzer=parts.analyzer,
            cache=parts.cache,
            progress=lambda stage, done, total: update(done, total) if stage == "embed" else None,
            questions=[
                q
                for sourced in knowledge_base_facts(parts.settings)[0]
                for q in sourced.fact.questions
            ],
        )
    try:
        queries = golden_queries(cases.cases)
        rankings = rank(
            queries,
            index=served.index,
            embedder=parts.embedder,
            analyzer=parts.analyzer,
            reranker=parts.reranker,
            chunks=50,
            prefetch=max(parts.settings.prefetch_k, 50),
        )
        answers = (
            None
            if retrieval_only
            else _extractive_answers(parts, cases.cases, served, version=cases.version)
        )
    finally:
        served.close()
    multi = sum(1 for c in cases.cases if len(c.turns) > 1 and c.answerable)
    suite = SuiteRun(
        # Gates are per case file: v1's figures are not v2's.
        name="golden" if cases.version == 1 else f"golden-v{cases.version}",
        title=f"Zbiór złoty v{cases.version} – baza wiedzy",
        description=(
            f"{len(queries)} pytań, na które baza odpowiada (z {len(cases.cases)} przypadków; "
            f"{multi} rozmów wieloturowych pytanych wszystkimi turami naraz). Dokumenty "
            "filtrowane według odbiorcy jak w odpowiadaniu; trafność liczona po dokumentach."
        ),
        scores=tuple(RetrievalScores.of(r, res) for r, res in rankings.results.items()),
        seconds=rankings.seconds,
        results=rankings.results,
        questions={c.id: " ⏎ ".join(c.turns) for c in cases.cases},
    )
    return suite, answers


def _extractive_answers(
    parts: _Parts, cases: Sequence[Case], served: ServedIndex, *, version: int = 1
) -> AnswerRun:
    """Every golden case through the real pipeline, extractive mode (no chat model)."""
    assistant = Assistant(
        settings=parts.settings,
        retriever=Retriever(
            embedder=parts.embedder,
            analyzer=parts.analyzer,
            served=served,
            top_k=parts.settings.top_k,
            prefetch_k=parts.settings.prefetch_k,
        ),
        analyzer=parts.analyzer,
        conversations=MemoryConversationStore(ttl_seconds=3600, max_turns=50),
        crisis=build_assessor(parts.settings, parts.embedder),
        reranker=parts.reranker,
        facts=build_facts(parts.settings, parts.embedder, parts.analyzer, stored=served.vectors),
        lexicon=build_lexicon(parts.settings),
        refusal=build_refusal(parts.embedder, parts.settings.models_dir),
    )
    documents, _ = load_sources([Source(parts.settings.knowledge_base_dir, strict=True)])
    # From v2 on a file is split with a fixed seed: dev (tuned on) and held-out (reported).
    splits = (
        {c.id: half for half, group in split_cases(cases).items() for c in group}
        if version >= 2
        else None
    )
    outcomes = evaluate(cases, assistant.ask, Corpus(documents), splits=splits)
    suite = "golden" if version == 1 else f"golden-v{version}"
    return AnswerRun("extractive", tuple(summarise(outcomes)), tuple(outcomes), suite=suite)


def _poleval(
    parts: _Parts, data: PolEval, request: Request, workdir: Path, progress: ProgressFactory
) -> SuiteRun:
    selection = select_poleval(data, split=request.split, subset=request.subset)
    with progress("Osadzanie artykułów PolEval") as update:
        served = build_index(
            selection,
            workdir=workdir,
            settings=parts.settings,
            embedder=parts.embedder,
            cache=parts.cache,
            progress=update,
        )
    try:
        rankings = rank(
            poleval_queries(data, selection),
            index=served.index,
            embedder=parts.embedder,
            analyzer=parts.analyzer,
            reranker=parts.reranker,
            chunks=10,
            prefetch=parts.settings.prefetch_k,
        )
    finally:
        served.close()
    mode = "podzbiór" if request.subset else "pełny korpus"
    return SuiteRun(
        name="poleval",
        title=f"PolEval 2022, pytania prawne, {request.split} ({mode})",
        description=selection.describe() + ". Jeden artykuł ustawy = jeden fragment.",
        scores=tuple(RetrievalScores.of(r, res) for r, res in rankings.results.items()),
        seconds=rankings.seconds,
        results=rankings.results,
        list_failures=25,
    )

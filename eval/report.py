"""The results folder of a run: `report.md` (tables, failures), `summary.json`, `retrieval.png`.

The plot needs matplotlib; without it the report says so and everything else is written.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.answers import AnswerSummary, CaseOutcome
from eval.gates import GateResult, MetricKey
from eval.metrics import CUTOFFS, DEPTH, QueryResult, RetrievalScores
from eval.retrieval import LABELS

PLOT_METRICS = ("recall@5", "recall@10", f"ndcg@{DEPTH}", f"mrr@{DEPTH}")
_ANSWER_TEXT_LIMIT = 700


@dataclass(frozen=True, slots=True)
class SuiteRun:
    """One retrieval suite as run: the scores per retriever and the per-query rankings."""

    name: str  # "golden" or "poleval": the suite in gate keys
    title: str
    description: str
    scores: tuple[RetrievalScores, ...]
    seconds: Mapping[str, float]
    results: Mapping[str, Sequence[QueryResult]]
    questions: Mapping[str, str] = field(default_factory=dict)  # id → text shown in failures
    list_failures: int | None = None  # None: all

    def score(self, retriever: str) -> RetrievalScores | None:
        return next((s for s in self.scores if s.retriever == retriever), None)


@dataclass(frozen=True, slots=True)
class AnswerRun:
    mode: str
    summaries: tuple[AnswerSummary, ...]
    outcomes: tuple[CaseOutcome, ...]
    suite: str = "golden"  # "golden" for v1, "golden-vN" for vN: gates are per case file


@dataclass(slots=True)
class EvalRun:
    started: dt.datetime
    command: str
    model: str
    settings: str
    suites: list[SuiteRun] = field(default_factory=list)
    answers: list[AnswerRun] = field(default_factory=list)
    gates: list[GateResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def measured(self) -> dict[MetricKey, float]:
        """Every number a gate may judge, by (suite, kind, subject, metric)."""
        found: dict[MetricKey, float] = {}
        for suite in self.suites:
            for s in suite.scores:
                for name, value in s.metrics().items():
                    found[(suite.name, "retrieval", s.retriever, name)] = value
        for run in self.answers:
            for name, measured in run.summaries[0].metrics.items():
                if measured is not None:
                    found[(run.suite, "answers", run.mode, name)] = measured
            for summary in run.summaries[1:]:
                if summary.group in ("dev", "held-out"):
                    for name, measured in summary.metrics.items():
                        if measured is not None:
                            key = (run.suite, "answers", f"{run.mode}/{summary.group}", name)
                            found[key] = measured
        return found

    @property
    def gates_passed(self) -> bool:
        return all(g.status != "fail" for g in self.gates)


@dataclass(frozen=True, slots=True)
class ReportFiles:
    markdown: Path
    summary: Path
    plot: Path | None


def write_report(run: EvalRun, out_dir: Path) -> ReportFiles:
    """Write the report, the JSON summary and (with matplotlib) the plot into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plot = write_plot(run.suites, out_dir / "retrieval.png") if run.suites else None
    markdown = out_dir / "report.md"
    markdown.write_text(render_markdown(run, plot), encoding="utf-8")
    summary = out_dir / "summary.json"
    summary.write_text(
        json.dumps(summary_json(run), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return ReportFiles(markdown, summary, plot)


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _retrieval_table(suite: SuiteRun) -> list[str]:
    head = [f"R@{k}" for k in CUTOFFS] + ["hit@5", f"MRR@{DEPTH}", f"nDCG@{DEPTH}", "ms/zapyt."]
    lines = ["| wyszukiwarka | zapytania | " + " | ".join(head) + " |"]
    lines.append("|---|---:|" + "---:|" * len(head))
    for s in suite.scores:
        ms = 1000 * suite.seconds.get(s.retriever, 0.0) / s.queries
        cells = [_f(s.recall[k]) for k in CUTOFFS] + [_f(s.hit[5]), _f(s.mrr), _f(s.ndcg)]
        label = LABELS.get(s.retriever, s.retriever)
        lines.append(f"| {label} | {s.queries} | " + " | ".join(cells) + f" | {ms:.1f} |")
    return lines


def _failures(suite: SuiteRun, retriever: str = "hybrid") -> list[str]:
    results = suite.results.get(retriever, ())
    missed = [r for r in results if set(r.relevant) - set(r.ranked[:5])]
    lines = [f"**Nie w pierwszej piątce ({LABELS[retriever]}): {len(missed)} z {len(results)}**"]
    shown = missed if suite.list_failures is None else missed[: suite.list_failures]
    for r in shown:
        question = suite.questions.get(r.query_id, r.question)
        rank = r.first_hit
        where = "brak w top 10" if rank is None else f"pierwsze trafienie: {rank}"
        expected = ", ".join(f"`{d}`" for d in r.relevant)
        found = ", ".join(f"`{d}`" for d in r.ranked[:5]) or "—"
        lines.append(
            f"- `{r.query_id}` ({where}) — {question}\n"
            f"  - oczekiwane: {expected}\n  - znalezione: {found}"
        )
    if len(shown) < len(missed):
        lines.append(f"- … i {len(missed) - len(shown)} kolejnych (pełna lista w summary.json)")
    return lines


def _answer_section(run: AnswerRun) -> list[str]:
    names = list(run.summaries[0].metrics)
    lines = [f"### Tryb: {run.mode}", "", "| grupa | przypadki | " + " | ".join(names) + " |"]
    lines.append("|---|---:|" + "---:|" * len(names))
    for s in run.summaries:
        cells = " | ".join(_f(v) for v in s.metrics.values())
        lines.append(f"| {s.group} | {s.cases} | {cells} |")
    failed = [o for o in run.outcomes if o.failed]
    lines += ["", f"**Przypadki nieudane: {len(failed)} z {len(run.outcomes)}**"]
    for o in failed:
        text = " ".join(o.answer.split())
        text = text if len(text) <= _ANSWER_TEXT_LIMIT else text[: _ANSWER_TEXT_LIMIT - 1] + "…"
        lines.append(
            f"- `{o.case.id}` ({o.case.audience}; odmowa: {o.refused}, oczekiwana: "
            f"{o.case.must_refuse}; brakujące fakty: {', '.join(o.facts_missing) or '—'}; "
            f"cytowane: {', '.join(o.cited_docs) or '—'}; zmyślone cytaty: {o.fabricated})\n"
            f"  - pytanie: {o.case.question}\n  - odpowiedź: {text}"
        )
    return lines


def render_markdown(run: EvalRun, plot: Path | None) -> str:
    lines = [
        f"# Ewaluacja Okienka – {run.started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- polecenie: `{run.command}`",
        f"- model osadzeń: `{run.model}`",
        f"- ustawienia: {run.settings}",
    ]
    lines += [f"- {note}" for note in run.notes]
    if run.suites:
        lines += ["", "## Wyszukiwanie", ""]
        if plot is not None:
            lines += [f"![Wyniki wyszukiwania]({plot.name})", ""]
        else:
            lines += ["_Wykres pominięty: matplotlib nie jest zainstalowany._", ""]
    for suite in run.suites:
        lines += [f"### {suite.title}", "", suite.description, "", *_retrieval_table(suite), ""]
        lines += [*_comparison(suite), "", *_failures(suite), ""]
    if run.answers:
        lines += ["## Odpowiedzi", ""]
        for answers in run.answers:
            lines += [*_answer_section(answers), ""]
    if run.gates:
        lines += ["## Progi regresji (eval/gates.toml)", ""]
        lines += ["| zbiór | rodzaj | przedmiot | metryka | próg | wynik | status | uwagi |"]
        lines += ["|---|---|---|---|---|---:|---|---|"]
        for g in run.gates:
            gate = g.gate
            lines.append(
                f"| {gate.suite} | {gate.kind} | {gate.subject} | {gate.metric} | {gate.bound} "
                f"| {_f(g.value)} | {g.status} | {g.note} |"
            )
    return "\n".join(lines).rstrip() + "\n"


def _comparison(suite: SuiteRun) -> list[str]:
    hybrid, sparse, dense = (suite.score(r) for r in ("hybrid", "sparse", "dense"))
    if not (hybrid and sparse and dense):
        return []
    beats = hybrid.ndcg > sparse.ndcg and hybrid.ndcg > dense.ndcg
    verdict = "tak" if beats else "nie"
    return [
        f"Hybryda lepsza od BM25 i od wyszukiwania gęstego (nDCG@{DEPTH}): **{verdict}** "
        f"({hybrid.ndcg:.3f} wobec {sparse.ndcg:.3f} i {dense.ndcg:.3f})."
    ]


def summary_json(run: EvalRun) -> dict[str, Any]:
    return {
        "started": run.started.isoformat(timespec="seconds"),
        "command": run.command,
        "model": run.model,
        "settings": run.settings,
        "notes": run.notes,
        "retrieval": {
            suite.name: {
                "title": suite.title,
                "description": suite.description,
                "scores": [s.to_json() for s in suite.scores],
                "missed_top5_hybrid": [
                    r.query_id
                    for r in suite.results.get("hybrid", ())
                    if set(r.relevant) - set(r.ranked[:5])
                ],
            }
            for suite in run.suites
        },
        "answers": {
            a.mode: {
                "summaries": [
                    {"group": s.group, "cases": s.cases, **s.metrics} for s in a.summaries
                ],
                "failed": [o.case.id for o in a.outcomes if o.failed],
            }
            for a in run.answers
        },
        "gates": [
            {
                "key": list(g.gate.key),
                "bound": g.gate.bound,
                "value": g.value,
                "status": g.status,
                "note": g.note,
            }
            for g in run.gates
        ],
        "gates_passed": run.gates_passed,
    }


def matplotlib_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def write_plot(suites: Sequence[SuiteRun], path: Path) -> Path | None:
    """Grouped bars, one panel per suite: each retriever's recall@5/@10, nDCG@10 and MRR@10.

    Returns None (and draws nothing) when matplotlib is not installed.
    """
    if not matplotlib_available():
        return None
    matplotlib: Any = importlib.import_module("matplotlib")
    matplotlib.use("Agg")  # files only, never a window
    plt: Any = importlib.import_module("matplotlib.pyplot")
    fig, axes = plt.subplots(
        1, len(suites), figsize=(6 * len(suites), 4.2), squeeze=False, sharey=True
    )
    width = 0.8 / len(PLOT_METRICS)
    for ax, suite in zip(axes[0], suites, strict=True):
        for m, metric in enumerate(PLOT_METRICS):
            values = [s.metric(metric) for s in suite.scores]
            xs = [i + (m - (len(PLOT_METRICS) - 1) / 2) * width for i in range(len(values))]
            ax.bar(xs, values, width, label=metric)
        ax.set_xticks(range(len(suite.scores)))
        ax.set_xticklabels([LABELS.get(s.retriever, s.retriever) for s in suite.scores])
        ax.set_title(suite.title, fontsize=10)
        ax.set_ylim(0, 1)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path

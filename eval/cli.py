"""`okienko eval`: run the suites, write the results folder, optionally enforce the gates.

`eval_command` is a Typer command function; the `okienko` app mounts it. Like the other
commands, it imports models, indexes and data sets only when it runs, so `okienko --help`
stays fast.
"""

from __future__ import annotations

import datetime as dt
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from collections.abc import Sequence

    from eval.gates import GateResult
    from eval.report import EvalRun

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

GOLDEN_PATH = Path(__file__).with_name("golden") / "v1.yaml"
POLEVAL_PATH = Path("../shared/eval-data/poleval2022-passage-retrieval-legal")
RESULTS_DIR = Path("eval/results")


class Suite(StrEnum):
    golden = "golden"
    poleval = "poleval"
    crisis = "crisis"
    calculators = "calculators"
    all = "all"


class Split(StrEnum):
    test_a = "test-A"
    test_b = "test-B"


@contextmanager
def _progress(description: str) -> Iterator[Callable[[int, int], None]]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _print_scores(run: EvalRun) -> None:
    from rich.table import Table

    from eval.retrieval import LABELS

    for suite in run.suites:
        table = Table(title=suite.title)
        for name in ("wyszukiwarka", "R@5", "R@10", "hit@5", "MRR@10", "nDCG@10"):
            table.add_column(name, justify="left" if name == "wyszukiwarka" else "right")
        for s in suite.scores:
            table.add_row(
                LABELS.get(s.retriever, s.retriever),
                *(f"{s.metric(m):.3f}" for m in ("recall@5", "recall@10", "hit@5")),
                f"{s.mrr:.3f}",
                f"{s.ndcg:.3f}",
            )
        console.print(table)
    for note in run.notes:
        console.print(f"- {note}", highlight=False)
    _print_gates(run.gates)


def _print_gates(gates: Sequence[GateResult]) -> None:
    for g in gates:
        colour = {"pass": "green", "fail": "red", "skipped": "yellow"}[g.status]
        value = "–" if g.value is None else f"{g.value:.3f}"
        console.print(
            f"[{colour}]{g.status}[/] {'/'.join(g.gate.key)} {g.gate.bound}: {value} {g.note}",
            highlight=False,
        )


def _crisis(*, golden: Path, out: Path | None, gate: bool) -> None:
    """`--suite crisis`: the three detectors on the held-out split; report and gates."""
    from pydantic import ValidationError
    from rich.table import Table

    from eval.cases import CaseFileError
    from eval.crisis import (
        _METRICS,
        BLIND_DIR,
        BLIND_METRICS,
        LABELS,
        DetectorScores,
        run_crisis,
        write_crisis_report,
    )
    from eval.gates import GateFileError
    from rag.embedding import build_embedder
    from rag.errors import OkienkoError
    from rag.settings import Settings

    started = dt.datetime.now(dt.UTC)
    try:
        settings = Settings()
        run = run_crisis(
            build_embedder(settings),
            models_dir=settings.models_dir,
            golden=golden,
            blind=BLIND_DIR,
        )
    except ValidationError as exc:
        err.print(f"[bold red]Błędna konfiguracja (zmienne OKIENKO_…):[/] {exc}")
        raise typer.Exit(2) from exc
    except (OkienkoError, CaseFileError, GateFileError) as exc:
        err.print(f"[bold red]Błąd:[/] {exc}")
        raise typer.Exit(2) from exc

    def print_table(title: str, scores: Sequence[DetectorScores], keys: Sequence[str]) -> None:
        table = Table(title=title)
        table.add_column("miara")
        for s in scores:
            table.add_column(LABELS[s.detector], justify="right")
        for key in keys:
            table.add_row(_METRICS[key], *(f"{s.metrics[key]:.3f}" for s in scores))
        console.print(table)

    print_table(
        f"Kryzys – zbiór testowy ({run.messages} wiadomości, {run.ordinary} zwykłych pytań)",
        run.scores,
        tuple(_METRICS),
    )
    for blind in run.blind:
        print_table(
            f"Kryzys – zbiór ślepy {blind.name} ({blind.messages} wiadomości)",
            blind.scores,
            BLIND_METRICS,
        )
    _print_gates(run.gates)
    report = write_crisis_report(run, out or RESULTS_DIR / started.strftime("%Y%m%dT%H%M%SZ"))
    console.print(f"Raport: {report}", highlight=False)
    if gate and not run.gates_passed:
        err.print("[bold red]Progi regresji niespełnione.[/]")
        raise typer.Exit(1)


def _calculators(*, out: Path | None, gate: bool) -> None:
    """`--suite calculators`: sums in chat on the calculator cases; report and gates."""
    from rich.table import Table

    from eval.calculators import HALVES, run_calculators, write_report
    from eval.gates import GateFileError
    from rag.runtime import build_lexicon
    from rag.settings import Settings

    started = dt.datetime.now(dt.UTC)
    try:
        run = run_calculators(lexicon=build_lexicon(Settings()))
    except (OSError, ValueError, GateFileError) as exc:
        err.print(f"[bold red]Błąd:[/] {exc}")
        raise typer.Exit(2) from exc
    cases = {half: sum(c.half == half for c in run.cases) for half in HALVES}
    table = Table(title=f"Kalkulatory w czacie (dev {cases['dev']}, held-out {cases['held-out']})")
    table.add_column("miara")
    for half in HALVES:
        table.add_column(half, justify="right")
    metrics = {half: run.metrics(half) for half in HALVES}
    for key in metrics["dev"]:
        table.add_row(key, *(f"{metrics[half][key]:.3f}" for half in HALVES))
    console.print(table)
    _print_gates([g for g in run.gates if g.gate.suite == "calculators"])
    report = write_report(run, out or RESULTS_DIR / started.strftime("%Y%m%dT%H%M%SZ"))
    console.print(f"Raport: {report}", highlight=False)
    if gate and not run.gates_passed:
        err.print("[bold red]Progi regresji niespełnione.[/]")
        raise typer.Exit(1)


def eval_command(
    suite: Annotated[Suite, typer.Option("--suite", help="Which suite to run.")] = Suite.golden,
    poleval_path: Annotated[
        Path, typer.Option("--poleval-path", help="Folder of the PolEval 2022 legal data set.")
    ] = POLEVAL_PATH,
    subset: Annotated[
        bool,
        typer.Option(
            "--subset/--full",
            help="PolEval: acts with relevant articles plus sampled distractors, or every article.",
        ),
    ] = True,
    poleval_split: Annotated[
        Split, typer.Option("--poleval-split", help="test-B (reported) or test-A (for tuning).")
    ] = Split.test_b,
    gate: Annotated[
        bool, typer.Option("--gate", help="Exit with code 1 when a gate in eval/gates.toml fails.")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Results folder (default eval/results/<time>).")
    ] = None,
    retrieval_only: Annotated[
        bool, typer.Option("--retrieval-only", help="Score retrieval only, not answers.")
    ] = False,
    golden: Annotated[Path, typer.Option("--golden", help="The golden case file.")] = GOLDEN_PATH,
) -> None:
    """Evaluate retrieval (and answers) on the golden set and PolEval, or crisis detection."""
    from pydantic import ValidationError

    if suite == Suite.crisis:
        _crisis(golden=golden, out=out, gate=gate)
        return
    if suite == Suite.calculators:
        _calculators(out=out, gate=gate)
        return

    from eval.cases import CaseFileError
    from eval.gates import GateFileError
    from eval.report import write_report
    from eval.retrieval import EvalSetupError
    from eval.suites import Request, run_suites
    from rag.errors import OkienkoError
    from rag.settings import Settings

    started = dt.datetime.now(dt.UTC)
    request = Request(
        golden=golden if suite in (Suite.golden, Suite.all) else None,
        poleval=poleval_path if suite in (Suite.poleval, Suite.all) else None,
        subset=subset,
        split=poleval_split.value,
        retrieval_only=retrieval_only,
        command=shlex.join(["okienko", *sys.argv[1:]]),
        started=started,
    )
    try:
        run = run_suites(request, Settings(), _progress)
    except ValidationError as exc:
        err.print(f"[bold red]Błędna konfiguracja (zmienne OKIENKO_…):[/] {exc}")
        raise typer.Exit(2) from exc
    except (OkienkoError, EvalSetupError, CaseFileError, GateFileError) as exc:
        err.print(f"[bold red]Błąd:[/] {exc}")
        raise typer.Exit(2) from exc
    out_dir = out or RESULTS_DIR / started.strftime("%Y%m%dT%H%M%SZ")
    files = write_report(run, out_dir)
    _print_scores(run)
    console.print(f"Raport: {files.markdown}  Podsumowanie: {files.summary}", highlight=False)
    failed = gate and not run.gates_passed
    if suite == Suite.all:
        extras: tuple[Callable[[], None], ...] = (
            lambda: _crisis(golden=golden, out=out_dir, gate=gate),
            lambda: _calculators(out=out_dir, gate=gate),
        )
        for extra in extras:
            try:
                extra()
            except typer.Exit as exc:
                failed = failed or exc.exit_code == 1
                if exc.exit_code != 1:
                    raise
    if failed:
        err.print("[bold red]Progi regresji niespełnione.[/]")
        raise typer.Exit(1)

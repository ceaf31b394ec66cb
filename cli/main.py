"""The `okienko` command line: build the model, ingest documents, search the index."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from eval.cli import eval_command
from rag.documents import AUDIENCES, DOC_TYPES, TOPICS
from rag.errors import OkienkoError
from rag.index import SearchFilter
from rag.settings import DEFAULT_EMBEDDING_MODEL, Settings

app = typer.Typer(
    name="okienko",
    help="Okienko: asystent CUS odpowiadający z cytowaniem przepisów.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@contextmanager
def _friendly_errors() -> Iterator[None]:
    """Known failures become one clear line and exit code 2, never a traceback."""
    try:
        yield
    except OkienkoError as exc:
        err.print(f"[bold red]Błąd:[/] {exc}")
        raise typer.Exit(2) from exc
    except ValidationError as exc:
        err.print("[bold red]Błędna konfiguracja (zmienne OKIENKO_…):[/]")
        for problem in exc.errors():
            where = ".".join(str(p) for p in problem["loc"]) or "ustawienia"
            err.print(f"  {where}: {problem['msg']}")
        raise typer.Exit(2) from exc


def _settings() -> Settings:
    with _friendly_errors():
        return Settings()


def _announce_onnx_export(settings: Settings) -> None:
    """Say so before an ONNX backend's first use exports the model: it takes minutes."""
    from rag.embedding import HASH_MODEL_PREFIX
    from rag.embedding.onnx import onnx_export_ready

    if settings.embedding_backend == "torch" or settings.embedding_model.startswith(
        HASH_MODEL_PREFIX
    ):
        return
    if not onnx_export_ready(settings):
        err.print(
            f"Pierwsze użycie backendu {settings.embedding_backend}: eksportuję model do ONNX "
            f"w {settings.models_dir} (jednorazowo, zwykle kilka minut)…",
            highlight=False,
        )


@app.command("model")
def model_command() -> None:
    """Build (once) and load the configured embedding model; print where it lives."""
    settings = _settings()
    _announce_onnx_export(settings)
    with _friendly_errors():
        from rag.embedding import build_embedder

        embedder = build_embedder(settings)
    location = settings.models_dir if settings.embedding_model == DEFAULT_EMBEDDING_MODEL else ""
    console.print(
        f"Model: [bold]{embedder.model_id}[/] (wymiar {embedder.dimension}, "
        f"backend {settings.embedding_backend}) {location}".rstrip()
    )
    # The crisis classifier reads this model's vectors: trained (once) and cached beside it.
    with _friendly_errors():
        from rag.crisis import build_assessor

        crisis = build_assessor(settings, embedder)
    console.print(
        "Ocena kryzysu: "
        + ("słownik i klasyfikator" if crisis.uses_classifier else "sam słownik (bez modelu)")
    )
    # The answer-or-refuse model compares questions with its training messages: embedded once.
    with _friendly_errors():
        from rag.runtime import build_refusal

        refusal = build_refusal(embedder, settings.models_dir)
    console.print(
        "Odpowiedź czy odmowa: "
        + ("model wytrenowany" if refusal is not None else "reguły trafności (model nie pasuje)")
    )


@app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Folders or files to ingest (default: the knowledge base)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every change.")] = False,
) -> None:
    """Load, chunk and embed documents into a new index generation, then switch to it."""
    settings = _settings()
    from ingest.embedding_cache import EmbeddingCache
    from ingest.pipeline import Source, build_ingestor

    kb = settings.knowledge_base_dir.resolve()
    sources = [
        Source(p, strict=p.resolve() == kb) for p in (paths or [settings.knowledge_base_dir])
    ]
    facts = None
    if any(s.strict for s in sources):
        # The curated facts' question forms are embedded now and stored with the generation,
        # not at the first question; and staff see a fact its section does not bear out.
        from rag.runtime import knowledge_base_facts

        facts = knowledge_base_facts(settings)
    questions = [q for sourced in facts[0] for q in sourced.fact.questions] if facts else []
    with _friendly_errors():
        cache = EmbeddingCache(settings.embedding_cache_path)
        ingestor = build_ingestor(settings, cache=cache)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=err, transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    label = {
                        "embed": "Osadzanie fragmentów",
                        "vectors": "Osadzanie zdań i pytań faktów",
                        "write": "Zapis do indeksu",
                    }[stage]
                    tasks[stage] = bar.add_task(label, total=total)
                bar.update(tasks[stage], completed=done, total=total)

            report = ingestor.run(
                sources,
                questions=questions,
                dry_run=dry_run,
                progress=progress,
                batch_size=settings.embedding_batch_size,
            )
        cache.close()

    table = Table(title="Ingest" + (" (próba, nic nie zapisano)" if dry_run else ""))
    table.add_column("dokumenty")
    for name in ("dodane", "zmienione", "usunięte", "bez zmian", "błędy", "osadzone"):
        table.add_column(name, justify="right")
    table.add_row(
        str(report.documents),
        str(len(report.added)),
        str(len(report.updated)),
        str(len(report.removed)),
        str(len(report.unchanged)),
        str(len(report.failed)),
        str(report.embedded),
    )
    console.print(table)
    if verbose:
        for name, ids in (
            ("+", report.added),
            ("~", report.updated),
            ("-", report.removed),
        ):
            for chunk_id in ids:
                console.print(f"  {name} {chunk_id}", markup=False, highlight=False)
    if report.model_changed:
        console.print("Zmienił się model osadzeń: indeks zbudowano od nowa.")
    if report.generation:
        console.print(f"Nowa generacja indeksu: [bold]{report.generation}[/]")
    elif not dry_run and report.documents:
        console.print("Bez zmian: obsługiwana generacja indeksu pozostaje ta sama.")
    for failure in report.failed:
        err.print(f"[red]Pominięto[/] {failure.path}: {failure.reason}", highlight=False)
    if report.generation and report.stored_vectors:
        console.print(
            f"Zapisane z generacją wektory zdań i pytań faktów: {report.stored_vectors} "
            f"(nowo osadzone: {report.vectors_embedded})"
        )
    if facts is not None:
        served_facts, problems = facts
        console.print(
            f"Fakty: {len(served_facts)} podawanych"
            + (f", {len(problems)} pominiętych" if problems else "")
        )
        for problem in problems:
            err.print(f"[red]Fakt pominięty[/] {problem}", markup=True, highlight=False)
    if report.documents == 0:
        err.print("[bold red]Nie znaleziono żadnego dokumentu do zaindeksowania.[/]")
        raise typer.Exit(1)
    if report.failed or (facts is not None and facts[1]):
        raise typer.Exit(1)


def _choices(values: list[str] | None, allowed: frozenset[str], option: str) -> tuple[str, ...]:
    chosen = tuple(values or ())
    unknown = sorted(set(chosen) - allowed)
    if unknown:
        raise typer.BadParameter(
            f"nieznane: {', '.join(unknown)}; dozwolone: {', '.join(sorted(allowed))}",
            param_hint=option,
        )
    return chosen


@app.command("search")
def search_command(
    question: Annotated[str, typer.Argument(help="The question, in Polish.")],
    top_k: Annotated[int, typer.Option("--top-k", "-k", min=1, max=100)] = 8,
    topic: Annotated[list[str] | None, typer.Option("--topic", help="Filter by topic.")] = None,
    audience: Annotated[list[str] | None, typer.Option("--audience")] = None,
    doc_type: Annotated[list[str] | None, typer.Option("--doc-type")] = None,
    valid_on: Annotated[
        dt.datetime | None,
        typer.Option("--valid-on", formats=["%Y-%m-%d"], help="Only documents in force then."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the passages the index returns for a question, with scores and labels."""
    if not question.strip():
        raise typer.BadParameter("pytanie nie może być puste", param_hint="QUESTION")
    search_filter = SearchFilter(
        topics=_choices(topic, TOPICS, "--topic"),
        audience=_choices(audience, AUDIENCES, "--audience"),
        doc_types=_choices(doc_type, DOC_TYPES, "--doc-type"),
        valid_on=valid_on.date() if valid_on else None,
    )
    settings = _settings()
    from rag.embedding import build_embedder
    from rag.index import open_store
    from rag.lexical import PolishAnalyzer
    from rag.retrieval import Retriever

    with _friendly_errors():
        served = open_store(settings).open_served()
        try:
            retriever = Retriever(
                embedder=build_embedder(settings),
                analyzer=PolishAnalyzer(),
                served=served,
                top_k=top_k,
                prefetch_k=max(settings.prefetch_k, top_k),
            )
            hits = retriever.search(question, filter=search_filter)
        finally:
            served.close()

    if as_json:
        rows = [
            {
                "rank": h.rank,
                "score": round(h.score, 6),
                "label": h.chunk.label,
                "chunk_id": h.chunk.chunk_id,
                "source": h.chunk.source,
                "text": h.chunk.text,
            }
            for h in hits
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not hits:
        console.print("Brak fragmentów spełniających warunki wyszukiwania.")
        return
    for hit in hits:
        snippet = " ".join(hit.chunk.text.split())
        snippet = snippet if len(snippet) <= 300 else snippet[:297] + "…"
        console.print(
            f"[bold]{hit.rank}.[/] [cyan]{hit.score:.4f}[/] [bold]{hit.chunk.label}[/]",
            highlight=False,
        )
        console.print(f"   {snippet}", markup=False, highlight=False)
        console.print(f"   [dim]{hit.chunk.source}[/]", highlight=False)


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="The question, in Polish.")],
    audience: Annotated[
        str, typer.Option("--audience", "-a", help="mieszkaniec, pracownik or urzednik.")
    ] = "mieszkaniec",
    session: Annotated[
        str | None, typer.Option("--session", help="Continue this conversation.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the API's JSON shape.")] = False,
) -> None:
    """Answer a question with citations (extractive, or through the configured chat model)."""
    if not question.strip():
        raise typer.BadParameter("pytanie nie może być puste", param_hint="QUESTION")
    if len(question.strip()) > 2000:
        raise typer.BadParameter("pytanie może mieć najwyżej 2000 znaków", param_hint="QUESTION")
    _choices([audience], AUDIENCES, "--audience")
    settings = _settings()
    from rag.conversation import InvalidSessionId
    from rag.crisis import CrisisAssessor, build_assessor, local_help
    from rag.crisis.lexicon import Lexicon
    from rag.embedding import build_embedder
    from rag.guards import redact_pii
    from rag.runtime import build_runtime

    # Crisis first: assessed before the index is opened, and shown whatever fails after.
    embedder = None
    try:
        embedder = build_embedder(settings)
    except OkienkoError:
        assessor = CrisisAssessor(lexicon=Lexicon.load())
    else:
        assessor = build_assessor(settings, embedder)
    crisis = assessor.assess(redact_pii(question.strip()).text)
    try:
        if embedder is None:
            embedder = build_embedder(settings)  # raises the model's error, told plainly
        runtime = build_runtime(settings, embedder=embedder, crisis=assessor)
        try:
            answer = runtime.assistant.ask(
                question,
                audience=audience,  # type: ignore[arg-type]
                session_id=session,
                crisis=crisis,
            )
        except InvalidSessionId as exc:
            raise typer.BadParameter(
                "identyfikator sesji może mieć 8–64 znaki: litery, cyfry, '-' i '_'",
                param_hint="--session",
            ) from exc
        finally:
            runtime.close()
    except OkienkoError as exc:
        help_text = crisis.help_text(local_help(settings))
        if help_text:  # the numbers first, then what failed
            console.print(help_text, markup=False, highlight=False)
        with _friendly_errors():
            raise exc

    if as_json:
        typer.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        return
    console.print(answer.answer, markup=False, highlight=False)
    if answer.citations:
        console.print()
        for citation in answer.citations:
            valid = f" (stan od {citation.valid_from.isoformat()})" if citation.valid_from else ""
            console.print(
                f"[bold]{escape(f'[{citation.n}]')}[/] {escape(citation.label)}{valid}",
                highlight=False,
            )
            console.print(f"    [dim]{citation.source}[/]", highlight=False)
    console.print(
        f"[dim]tryb: {answer.mode} · sesja: {answer.session_id}"
        + (f" · odmowa: {answer.reason}" if answer.refused else "")
        + "[/]",
        highlight=False,
    )


@app.command("serve")
def serve_command() -> None:
    """Start the HTTP API with the widget's demo page (on OKIENKO_HOST:OKIENKO_PORT)."""
    settings = _settings()
    if settings.embedding_threads == 0:
        # Concurrent requests keep the cores busy; a second thread per question only waits
        # for the first (bench/README.md, "API load: embedding backend, threads…").
        settings = settings.model_copy(update={"embedding_threads": 1})
    if (
        "embedding_backend" not in settings.model_fields_set
        and settings.embedding_model == DEFAULT_EMBEDDING_MODEL
        and settings.embedding_device == "cpu"
    ):
        # The same vectors and model id as torch (it serves a torch-built index), about twice
        # the requests per second (bench/README.md); an operator's explicit choice stands.
        settings = settings.model_copy(update={"embedding_backend": "onnx"})
    _announce_onnx_export(settings)
    import uvicorn

    from api.access_log import hash_session_ids
    from api.app import create_app

    try:
        service = create_app(settings)
    except ValueError as exc:  # a malformed key digest in the settings
        err.print(f"[bold red]Błędna konfiguracja:[/] {exc}")
        raise typer.Exit(2) from exc
    for name in ("api", "rag"):
        logging.getLogger(name).setLevel(logging.INFO)
    hash_session_ids(logging.getLogger("uvicorn.access"))  # kept by uvicorn's log config
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"Okienko: strona demonstracyjna [bold]{base}/demo[/]", highlight=False)
    console.print(f"         konsola pracownika {base}/console · API {base}/docs", highlight=False)
    # One process: the embedded index allows one opener per generation directory.
    # X-Forwarded-For is believed only from the proxies the deployment names: uvicorn's default
    # trusts any loopback peer, and a rotating header then got a fresh rate-limit counter.
    uvicorn.run(
        service,
        host=settings.host,
        port=settings.port,
        log_level="info",
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or "",
    )


feedback_app = typer.Typer(help="Residents' ratings of answers.", no_args_is_help=True)
app.add_typer(feedback_app, name="feedback")


@feedback_app.command("export")
def feedback_export_command(
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="jsonl or csv.", case_sensitive=False)
    ] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Export the feedback kept in Redis, oldest first."""
    fmt = fmt.lower()
    if fmt not in ("jsonl", "csv"):
        raise typer.BadParameter("dozwolone: jsonl, csv", param_hint="--format")
    settings = _settings()
    if settings.redis_url is None:
        err.print("[bold red]Błąd:[/] opinie są przechowywane w Redis: ustaw OKIENKO_REDIS_URL.")
        raise typer.Exit(2)
    import sys

    from api.feedback import FeedbackStore, export
    from rag.redis_link import RedisDown, RedisLink

    link = RedisLink.from_url(settings.redis_url, prefix=settings.redis_prefix)
    store = FeedbackStore(link, max_entries=settings.feedback_max_entries)
    try:
        with (
            output.open("w", encoding="utf-8", newline="")
            if output
            else contextlib.nullcontext(sys.stdout)
        ) as out:
            count = export(store.entries(), out, fmt="csv" if fmt == "csv" else "jsonl")
    except RedisDown as exc:
        err.print(f"[bold red]Błąd:[/] Redis nie odpowiada ({exc.reason}).")
        raise typer.Exit(2) from exc
    finally:
        link.close()
    err.print(f"Wyeksportowano opinii: {count}" + (f" do {output}" if output else ""))


@app.command("apikey")
def apikey_command(
    admin: Annotated[bool, typer.Option("--admin", help="A key for the admin routes.")] = False,
) -> None:
    """Generate an API key: the key is shown once; settings keep only its SHA-256 digest."""
    from api.security import new_api_key

    key, digest = new_api_key()
    variable = "OKIENKO_ADMIN_KEY_HASHES" if admin else "OKIENKO_API_KEY_HASHES"
    console.print(f"Klucz (pokazany tylko raz, przekaż go bezpiecznie): {key}", highlight=False)
    console.print(f"SHA-256 do {variable}: {digest}", highlight=False)
    console.print(f"np. {variable}='[\"{digest}\"]'", highlight=False, markup=False)


docs_app = typer.Typer(help="Adoption documents under docs/ (Polish).", no_args_is_help=True)
app.add_typer(docs_app, name="docs")


@docs_app.command("build")
def docs_build_command(
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 when a document is stale.")
    ] = False,
    root: Annotated[Path, typer.Option("--root", help="The repository's root.")] = Path("."),
) -> None:
    """Regenerate the facts in docs/ (retention, settings, models, knowledge base, figures)."""
    from cli.adoption import DocsError, build

    try:
        outcomes = build(root, write=not check)
    except DocsError as exc:
        err.print(f"[bold red]Błąd:[/] {exc}", highlight=False)
        raise typer.Exit(2) from exc
    stale = [o.path for o in outcomes if o.changed]
    for path in stale:
        if check:
            err.print(f"Nieaktualny: {path} (uruchom `okienko docs build`)", highlight=False)
        else:
            console.print(f"Zaktualizowano: {path}", highlight=False)
    if check and stale:
        raise typer.Exit(1)
    if not stale:
        console.print("Dokumenty zgodne z kodem.")


kb_app = typer.Typer(help="The knowledge base (knowledge_base/).", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


@kb_app.command("check")
def kb_check_command() -> None:
    """Check the knowledge base before ingesting: every document loads, every curated fact holds
    against its section; documents due for review or past their validity are listed. Exit 1
    when a document or a fact would not be served."""
    import datetime as dt

    from ingest.kb_check import check_knowledge_base

    settings = _settings()
    with _friendly_errors():
        report = check_knowledge_base(
            settings.knowledge_base_dir,
            today=dt.date.today(),
            review_every_days=settings.review_every_days,
        )
    for error in report.load_errors:
        err.print(f"Dokument nie wczytany: {error.path}: {error.reason}", highlight=False)
    for problem in report.fact_problems:
        err.print(f"Fakt nie podawany: {problem}", highlight=False)
    for doc in report.review_due:
        console.print(f"Do przeglądu od {doc.date.isoformat()}: {doc.doc_id}", highlight=False)
    for doc in report.expired:
        console.print(
            f"Nieaktualny od {doc.date.isoformat()} (valid_to), nie jest podawany: {doc.doc_id}",
            highlight=False,
        )
    for fact in report.facts_expired:
        console.print(
            f"Fakt nieaktualny od {fact.valid_to + dt.timedelta(days=1)}, nie jest podawany: "
            f"{fact.fact_id} ({fact.doc_id})",
            highlight=False,
        )
    for fact in report.facts_lapsing:
        console.print(
            f"Fakt podawany ostatni dzień {fact.valid_to}: {fact.fact_id} ({fact.doc_id}); "
            "dodaj kwotę lub zasadę na następny okres",
            highlight=False,
        )
    console.print(
        f"Dokumenty: {report.documents}, fakty podawane: {report.facts}, "
        f"błędy: {len(report.load_errors) + len(report.fact_problems)}, "
        f"do przeglądu: {len(report.review_due)}, nieaktualne: {len(report.expired)}, "
        f"fakty nieaktualne: {len(report.facts_expired)}, "
        f"fakty wygasające: {len(report.facts_lapsing)}.",
        highlight=False,
    )
    if report.broken:
        raise typer.Exit(1)


# `okienko eval`: the evaluation suites (eval/), see `okienko eval --help`.
app.command("eval")(eval_command)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app()

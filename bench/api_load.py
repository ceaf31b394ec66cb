"""Load on `POST /v1/chat`: requests/s, p50/p95 latency and the server's memory over time.

The server is the real app (extractive answers, the default embedding model, the whole
knowledge base) under uvicorn in its own process; the load comes from this process, a closed
loop of threads each asking questions in three-question conversations. Three cases, each server
in this order:

- `cold`: the first `--cold-requests` (200) requests after the server says it is ready, at
  concurrency 4, every message one it has never seen: what residents meet after a start or a
  deploy.
- `unique`: every request a message not seen before (`question_pool.py`: the golden sets, and
  situations told before residents' questions), each concurrency in `--levels` for `--step`
  seconds: the question cache cannot help.
- `cached`: twelve questions repeated after a warm-up (`--warmup` seconds): the question
  cache's best case, the figure published before issue 17.

Then a soak at `--soak-concurrency` runs for `--duration` seconds (0: none) while the server's
resident memory (RSS) is sampled every second; the RSS is also taken when the server is ready.

Each `--variant BACKEND/THREADS/CACHE` is a server of its own, run one after the other
(`--rounds` times over, alternating, because the machine is shared): the embedding backend
(torch, onnx, onnx-int8), threads per embedding call (0: the library's default) and the
question cache size (0: off). `--baseline DIR` runs every variant a second time from another
checkout (the code before a change, e.g. `git archive <commit> | tar -x -C DIR`) on an index it
builds itself, so before and after are measured in one run.

    .venv/bin/python bench/api_load.py [--cases cold unique cached] [--levels 4 8 16]
        [--step 30] [--duration 300] [--variant onnx/1/1024 --variant onnx/1/0] [--rounds 1]
        [--baseline DIR] [--redis-url redis://127.0.0.1:6379/13] [--server-cores 0,1]

Targets (issues 5 and 17): cached ≥ 30 req/s with p95 < 150 ms; unique at concurrency 4 ≥ 50
req/s with p95 < 100 ms with the question cache off; the cold p95 at most 1.5× the warm
(unique) p95 of the same server; RSS flat over the soak.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import httpx

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("torch", "onnx", "onnx-int8")
CASES = ("cold", "unique", "cached")
BENCH_PREFIX = "okienko-bench:"  # answer records and rate counts, erased after the run
TARGET_RPS = 30.0  # cached (issue 5)
TARGET_P95_MS = 150.0
TARGET_UNIQUE_RPS = 50.0  # unique, concurrency 4, question cache off (issue 17)
TARGET_UNIQUE_P95_MS = 100.0
TARGET_COLD_RATIO = 1.5  # cold p95 / warm unique p95 (issue 17)
COLD_CONCURRENCY = 4
QUESTIONS = (
    "Jakie dokumenty trzeba złożyć z wnioskiem o dodatek mieszkaniowy?",
    "Na jak długo przyznaje się dodatek mieszkaniowy?",
    "Kto może dostać zasiłek stały?",
    "Ile wynosi kryterium dochodowe dla osoby samotnej w pomocy społecznej?",
    "Jak odwołać się od decyzji w sprawie zasiłku?",
    "czy mogą mnie eksmitować zimą na bruk",
    "Jak złożyć wniosek o mieszkanie komunalne?",
    "becikowe kto dostanie",
    "Gdzie zgłosić przemoc domową?",
    "Co zrobić, gdy urząd nie wydał decyzji w terminie?",
    "zasiłek pielęgnacyjny ile wynosi",
    "Czy zaległości w czynszu wstrzymują wypłatę dodatku mieszkaniowego?",
)


@dataclass(frozen=True, slots=True)
class Variant:
    """One server configuration: `BACKEND/THREADS/CACHE`, e.g. `onnx/1/1024`."""

    backend: str
    threads: int
    cache: int

    @classmethod
    def parse(cls, spec: str) -> Variant:
        parts = spec.split("/")
        if len(parts) != 3 or parts[0] not in BACKENDS or not all(p.isdigit() for p in parts[1:]):
            raise argparse.ArgumentTypeError(
                f"{spec!r}: use BACKEND/THREADS/CACHE, BACKEND one of {', '.join(BACKENDS)}"
            )
        return cls(parts[0], int(parts[1]), int(parts[2]))

    def __str__(self) -> str:
        return f"{self.backend}/{self.threads}/{self.cache}"

    def data_dir(self, base: Path) -> Path:
        """torch and onnx share an index (same vectors, same model id); int8 needs its own."""
        return base if self.backend != "onnx-int8" else base.with_name(base.name + "-onnx-int8")


@dataclass(slots=True)
class Sample:
    at: float
    seconds: float
    status: int


@dataclass(frozen=True, slots=True)
class Figures:
    rps: float
    p50: float
    p95: float
    cpu: float  # server CPU ms per request


@dataclass(frozen=True, slots=True)
class Server:
    """Who answers: this checkout ("after") or the baseline's ("before"), with a variant."""

    label: str
    root: Path
    variant: Variant
    data_dir: Path

    def __str__(self) -> str:
        return f"{self.label} {self.variant}"


@dataclass(slots=True)
class Result:
    server: Server
    figures: dict[tuple[str, int], Figures] = field(default_factory=dict)  # (case, level)
    ready_seconds: float = 0.0  # from the process start to /readyz 200
    rss_ready: float = 0.0  # MiB when ready


@dataclass(slots=True)
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    sessions: set[str] = field(default_factory=set)  # to erase afterwards
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, session: str | None) -> None:
        with self.lock:
            self.samples.append(sample)
            if session:
                self.sessions.add(session)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (independent of how busy the machine is)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Questions(Protocol):
    def take(self, turn: int) -> str | None:
        """The next message for a worker's `turn`-th request; None: stop."""


@dataclass(slots=True)
class Repeating:
    """The twelve benchmark questions over and over, each worker from its own place."""

    offset: int

    def take(self, turn: int) -> str | None:
        return QUESTIONS[(self.offset + turn) % len(QUESTIONS)]


class Fresh:
    """Messages from one shared stream, each taken once by whichever worker asks first."""

    def __init__(self, stream: Iterator[str], *, limit: int | None = None) -> None:
        self._stream = stream
        self._left = limit
        self._lock = threading.Lock()

    def take(self, turn: int) -> str | None:  # noqa: ARG002
        with self._lock:
            if self._left is not None:
                if self._left <= 0:
                    return None
                self._left -= 1
            return next(self._stream, None)


def worker(base: str, stop: threading.Event, recorder: Recorder, questions: Questions) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        turn, session = 0, None
        while not stop.is_set():
            message = questions.take(turn)
            if message is None:
                return
            body = {"message": message, "session_id": session}
            started = time.perf_counter()
            response = client.post("/v1/chat", json=body)
            elapsed = time.perf_counter() - started
            given = response.json().get("session_id") if response.is_success else None
            recorder.add(Sample(time.monotonic(), elapsed, response.status_code), given)
            turn += 1
            # Residents ask a few questions per conversation, then leave.
            session = given if turn % 3 else None


def run_load(
    base: str, pid: int, sources: list[Questions], seconds: float
) -> tuple[Recorder, list[float], float, float]:
    """One worker per source until `seconds` pass or every source is spent: what was
    recorded, RSS each second, the server's CPU seconds and the wall seconds it took."""
    recorder, stop, memory = Recorder(), threading.Event(), []
    cpu_before, started = cpu_seconds(pid), time.monotonic()
    threads = [
        threading.Thread(target=worker, args=(base, stop, recorder, source), daemon=True)
        for source in sources
    ]
    for thread in threads:
        thread.start()
    deadline = started + seconds
    while time.monotonic() < deadline and any(t.is_alive() for t in threads):
        memory.append(rss_mib(pid))
        for thread in threads:
            thread.join(timeout=max(0.0, 1.0 / len(threads)))
    stop.set()
    for thread in threads:
        thread.join()
    return recorder, memory, cpu_seconds(pid) - cpu_before, time.monotonic() - started


def report(label: str, recorder: Recorder, seconds: float, cpu: float) -> Figures:
    ok = [s.seconds * 1000 for s in recorder.samples if s.status == 200]
    errors = len(recorder.samples) - len(ok)
    rps = len(ok) / seconds
    p50, p95, p99 = (percentile(ok, q) for q in (0.5, 0.95, 0.99)) if ok else (0.0, 0.0, 0.0)
    print(
        f"{label:>18}  {len(ok):5d} ok  {rps:6.1f} req/s  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
        f"p99 {p99:6.1f} ms  max {max(ok, default=0.0):6.1f} ms  errors {errors}",
        flush=True,
    )
    per_request = cpu / len(ok) * 1000 if ok else float("nan")
    if ok:
        print(
            f"{'':>18}  server CPU {per_request:5.1f} ms/request, {cpu / seconds:4.2f} cores busy "
            f"→ about {2000 / per_request:5.1f} req/s on 2 dedicated cores",
            flush=True,
        )
    return Figures(rps, p50, p95, per_request)


def memory_report(memory: list[float]) -> None:
    if len(memory) < 8:
        print("memory: too few samples for a trend")
        return
    quarter = len(memory) // 4
    first, last = statistics.mean(memory[:quarter]), statistics.mean(memory[-quarter:])
    xs = list(range(len(memory)))
    slope = statistics.linear_regression(xs, memory).slope * 60  # MiB per minute
    growth = (last - first) / first
    verdict = "flat" if abs(growth) < 0.05 else "NOT flat"
    print(
        f"RSS: start {memory[0]:.0f} MiB, first quarter {first:.0f}, last quarter {last:.0f}, "
        f"max {max(memory):.0f} MiB; change {growth:+.1%}, trend {slope:+.2f} MiB/min → {verdict}"
    )


def erase(redis_url: str, sessions: set[str]) -> None:
    """Remove what the run wrote to Redis: its conversations, answer records and counts."""
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = [f"okienko:session:{s}" for s in sessions]
    keys += [k.decode() for k in client.scan_iter(match=BENCH_PREFIX + "*", count=1000)]
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    client.close()
    print(f"erased {len(keys)} Redis keys written by the run")


def serve(args: argparse.Namespace) -> None:
    """The server process: the app on the real default model, extractive answers."""
    import uvicorn

    from api.app import create_app
    from rag.settings import Settings

    variant: Variant = args.variant_spec
    settings = Settings(
        data_dir=Path(args.data_dir),
        embedding_backend=variant.backend,  # type: ignore[arg-type]
        embedding_threads=variant.threads,
        query_cache_size=variant.cache,
        redis_url=args.redis_url,
        llm_base_url=None,  # extractive, whatever the environment says
        rate_limit_per_minute=10**9,
        rate_limit_session_per_minute=10**9,
        port=args.port,
    )
    app = create_app(settings, redis_prefix=BENCH_PREFIX)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


@contextlib.contextmanager
def server(
    args: argparse.Namespace, spec: Server, port: int
) -> Iterator[tuple[subprocess.Popen[bytes], float]]:
    """The server process of `spec`, once ready, and the seconds it took to be ready."""
    # As a module from its checkout's root: that checkout's code, whatever is installed.
    command = [
        sys.executable,
        "-m",
        "bench.api_load",
        "--serve",
        "--variant-spec",
        str(spec.variant),
        "--data-dir",
        str(spec.data_dir),
        "--port",
        str(port),
    ]
    if args.redis_url:
        command += ["--redis-url", args.redis_url]
    if args.server_cores:
        command = ["taskset", "-c", args.server_cores, *command]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=spec.root)
    try:
        deadline = started + 300
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not become ready")
            time.sleep(0.2)
        yield process, time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=30)


def build_index(args: argparse.Namespace) -> None:
    """The index process: the whole knowledge base, the default model on the variant's backend,
    the curated facts' question forms stored with it."""
    from ingest.pipeline import Source, build_ingestor
    from rag.runtime import knowledge_base_facts
    from rag.settings import Settings

    variant: Variant = args.variant_spec
    settings = Settings(
        data_dir=Path(args.data_dir),
        knowledge_base_dir=ROOT / "knowledge_base",
        embedding_backend=variant.backend,  # type: ignore[arg-type]
    )
    facts, _ = knowledge_base_facts(settings)
    report = build_ingestor(settings).run(
        [Source(settings.knowledge_base_dir, strict=True)],
        questions=[q for sourced in facts for q in sourced.fact.questions],
        batch_size=settings.embedding_batch_size,
    )
    print(
        f"indexed {report.documents} documents, {len(report.added)} chunks added, "
        f"{report.stored_vectors} sentence and fact vectors stored "
        f"({report.vectors_embedded} embedded now)",
        flush=True,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def ingest(spec: Server, cache: Path) -> None:
    """Build or update the server's index with its own checkout's code, in a process of its own
    (vectors reused from `cache`, copied once)."""
    spec.data_dir.mkdir(parents=True, exist_ok=True)
    if cache.exists() and not (spec.data_dir / "embeddings.sqlite").exists():
        shutil.copy(cache, spec.data_dir / "embeddings.sqlite")
    command = [sys.executable, "-m", "bench.api_load", "--build-index"]
    command += ["--data-dir", str(spec.data_dir), "--variant-spec", str(spec.variant)]
    subprocess.run(command, cwd=spec.root, check=True)


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def bench_server(args: argparse.Namespace, spec: Server, sessions: set[str]) -> Result:
    """Start a server, run the cases on it in order (cold first), then soak; stop it."""
    from question_pool import unique_messages

    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    result = Result(spec)
    with server(args, spec, port) as (process, ready_seconds):
        pid = process.pid
        result.ready_seconds, result.rss_ready = ready_seconds, rss_mib(pid)
        ready = httpx.get(base + "/readyz").json()
        print(
            f"\n=== {spec} — pid {pid}, ready after {ready_seconds:.1f} s with RSS "
            f"{result.rss_ready:.0f} MiB: index {ready['index']}, redis {ready['redis']}; "
            f"server cores {args.server_cores or 'all'}; load average {load_average()}",
            flush=True,
        )
        # Every server meets the same messages in the same order, each once.
        stream = unique_messages()
        if "cold" in args.cases:
            fresh = Fresh(stream, limit=args.cold_requests)
            recorder, _, cpu, took = run_load(base, pid, [fresh] * COLD_CONCURRENCY, 600)
            sessions |= recorder.sessions
            figures = report(f"cold, first {args.cold_requests}", recorder, took, cpu)
            result.figures[("cold", COLD_CONCURRENCY)] = figures
        if "unique" in args.cases:
            for level in args.levels:
                fresh = Fresh(stream)
                recorder, _, cpu, took = run_load(base, pid, [fresh] * level, args.step)
                sessions |= recorder.sessions
                result.figures[("unique", level)] = report(f"unique c={level}", recorder, took, cpu)
        if "cached" in args.cases:
            warmup, _, _, _ = run_load(base, pid, [Repeating(i * 5) for i in range(4)], args.warmup)
            sessions |= warmup.sessions
            for level in args.levels:
                sources: list[Questions] = [Repeating(i * 5) for i in range(level)]
                recorder, _, cpu, took = run_load(base, pid, sources, args.step)
                sessions |= recorder.sessions
                result.figures[("cached", level)] = report(f"cached c={level}", recorder, took, cpu)
        if args.duration > 0:
            sources = [Repeating(i * 5) for i in range(args.soak_concurrency)]
            recorder, memory, cpu, took = run_load(base, pid, sources, args.duration)
            sessions |= recorder.sessions
            report(f"soak c={args.soak_concurrency}", recorder, took, cpu)
            memory_report(memory)
        print(f"RSS at the end: {rss_mib(pid):.0f} MiB", flush=True)
    print(f"load average after {spec}: {load_average()}", flush=True)
    return result


def compare(results: list[Result]) -> None:
    """Medians over the rounds, each server's ratio to the first one, and the verdicts."""
    servers = list(dict.fromkeys(r.server for r in results))
    keys = list(dict.fromkeys(k for r in results for k in r.figures))

    def median(spec: Server, key: tuple[str, int]) -> Figures | None:
        rows = [r.figures[key] for r in results if r.server == spec and key in r.figures]
        if not rows:
            return None
        return Figures(
            *(statistics.median(getattr(row, name) for row in rows) for name in Figures.__slots__)
        )

    print(
        "\nserver               case    c   req/s  p50 ms  p95 ms  CPU ms/req   req/s ×  p95 ×  "
        "CPU ×"
    )
    for key in keys:
        first = median(servers[0], key)
        for spec in servers:
            row = median(spec, key)
            if row is None or first is None:
                continue
            print(
                f"{spec!s:<20} {key[0]:<6} {key[1]:>3} {row.rps:7.1f} {row.p50:7.1f} "
                f"{row.p95:7.1f} {row.cpu:11.1f}   {row.rps / first.rps:6.2f} "
                f"{row.p95 / first.p95:6.2f} {row.cpu / first.cpu:6.2f}"
            )
    print()
    for spec in servers:
        ready = statistics.median(r.ready_seconds for r in results if r.server == spec)
        rss = statistics.median(r.rss_ready for r in results if r.server == spec)
        verdicts = [f"ready after {ready:.1f} s, RSS then {rss:.0f} MiB"]
        cold = median(spec, ("cold", COLD_CONCURRENCY))
        warm = median(spec, ("unique", COLD_CONCURRENCY))
        if cold is not None and warm is not None:
            ratio = cold.p95 / warm.p95
            met = "met" if ratio <= TARGET_COLD_RATIO else "NOT met"
            verdicts.append(
                f"cold p95 {ratio:.2f}× the warm unique p95 (≤ {TARGET_COLD_RATIO}: {met})"
            )
        if warm is not None:
            met = (
                "met"
                if warm.rps >= TARGET_UNIQUE_RPS and warm.p95 < TARGET_UNIQUE_P95_MS
                else "NOT met"
            )
            verdicts.append(
                f"unique c=4 ≥{TARGET_UNIQUE_RPS:.0f} req/s with p95 <{TARGET_UNIQUE_P95_MS:.0f} "
                f"ms: {met}" + ("" if spec.variant.cache == 0 else " (the target is cache off)")
            )
        cached = [
            level
            for case, level in keys
            if case == "cached"
            and (row := median(spec, (case, level))) is not None
            and row.rps >= TARGET_RPS
            and row.p95 < TARGET_P95_MS
        ]
        verdicts.append(
            f"cached ≥{TARGET_RPS:.0f} req/s with p95 <{TARGET_P95_MS:.0f} ms: "
            + (f"met at c={cached}" if cached else "NOT met")
        )
        print(f"{spec}: " + "; ".join(verdicts))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases", nargs="+", choices=CASES, default=list(CASES), help="which cases, in order"
    )
    parser.add_argument("--cold-requests", type=int, default=200)
    parser.add_argument("--duration", type=float, default=300, help="soak seconds (0: none)")
    parser.add_argument("--levels", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--step", type=float, default=30, help="seconds per level")
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--soak-concurrency", type=int, default=8)
    parser.add_argument(
        "--variant",
        type=Variant.parse,
        action="append",
        help="BACKEND/THREADS/CACHE, repeatable (default: onnx/1/1024, what `okienko serve` runs)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="passes over the servers")
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        help="a checkout of the code before a change: its servers run beside this one's",
    )
    parser.add_argument("--redis-url", default=None, help="unset: history in process")
    parser.add_argument("--server-cores", default=None, help="taskset list, e.g. 0,1")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / "bench" / "results" / "api-load-data",
        help="where the index is built (incrementally: kept between runs)",
    )
    parser.add_argument(
        "--embedding-cache",
        type=Path,
        default=ROOT / "data" / "embeddings.sqlite",
        help="vectors to start each new index's cache from (copied, never written)",
    )
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--build-index", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--variant-spec", type=Variant.parse, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return 0
    if args.build_index:
        build_index(args)
        return 0

    variants: list[Variant] = args.variant or [Variant.parse("onnx/1/1024")]
    checkouts = [("after", ROOT, args.data_dir)]
    if args.baseline is not None:
        before = args.data_dir.with_name(args.data_dir.name + "-before")
        checkouts.insert(0, ("before", args.baseline.resolve(), before))
    servers = [
        Server(label, root, variant, variant.data_dir(data_dir))
        for label, root, data_dir in checkouts
        for variant in variants
    ]
    # One index per data directory: torch and onnx share theirs.
    for spec in {s.data_dir: s for s in reversed(servers)}.values():
        ingest(spec, args.embedding_cache)
    print(f"load average before the run: {load_average()}", flush=True)
    results: list[Result] = []
    sessions: set[str] = set()
    for _ in range(args.rounds):
        results += [bench_server(args, spec, sessions) for spec in servers]
    if args.redis_url:
        erase(args.redis_url, sessions)
    compare(results)
    print(f"load average after the run: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

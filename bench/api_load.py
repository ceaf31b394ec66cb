"""Load on `POST /v1/chat`: requests/s, p50/p95 latency and the server's memory over time.

The server is the real app (extractive answers, the default embedding model, the whole
knowledge base) under uvicorn in its own process; the load comes from this process, a closed
loop of threads each asking questions in three-question conversations. Each concurrency level
in `--levels` runs for `--step` seconds, then a soak at `--soak-concurrency` runs for
`--duration` seconds (0: none) while the server's resident memory (RSS) is sampled every second.

Each `--variant BACKEND/THREADS/CACHE` is a server of its own, run one after the other (`--rounds`
times over, alternating, because the machine is shared): the embedding backend (torch, onnx,
onnx-int8), threads per embedding call (0: the library's default) and the question cache size
(0: off). The default compares the configuration before issue 5 (`torch/0/0`) with
`onnx/1/1024`, what `okienko serve` runs with `OKIENKO_EMBEDDING_BACKEND=onnx`. The benchmark's
twelve questions repeat, so with the cache on nearly every question is a hit: the cache's best
case; a variant with `/0` shows the other end.

    .venv/bin/python bench/api_load.py [--duration 300] [--levels 4 8 16] [--step 30]
        [--variant torch/0/0 --variant onnx/1/1024] [--rounds 1]
        [--redis-url redis://127.0.0.1:6379/13] [--server-cores 0,1]

Targets (issue 5): at least 30 req/s with p95 under 150 ms; RSS flat over the soak.
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

import httpx

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ("torch", "onnx", "onnx-int8")
BENCH_PREFIX = "okienko-bench:"  # answer records and rate counts, erased after the run
TARGET_RPS = 30.0
TARGET_P95_MS = 150.0
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


@dataclass(slots=True)
class Result:
    variant: Variant
    levels: dict[int, tuple[float, float, float]] = field(default_factory=dict)  # rps, p95, CPU


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


def worker(base: str, stop: threading.Event, recorder: Recorder, offset: int) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        turn, session = offset, None
        while not stop.is_set():
            body = {"message": QUESTIONS[turn % len(QUESTIONS)], "session_id": session}
            started = time.perf_counter()
            response = client.post("/v1/chat", json=body)
            elapsed = time.perf_counter() - started
            given = response.json().get("session_id") if response.is_success else None
            recorder.add(Sample(time.monotonic(), elapsed, response.status_code), given)
            turn += 1
            # Residents ask a few questions per conversation, then leave.
            session = given if turn % 3 else None


def run_load(
    base: str, concurrency: int, seconds: float, pid: int
) -> tuple[Recorder, list[float], float]:
    recorder, stop, memory = Recorder(), threading.Event(), []
    cpu_before = cpu_seconds(pid)
    threads = [
        threading.Thread(target=worker, args=(base, stop, recorder, i * 5), daemon=True)
        for i in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        memory.append(rss_mib(pid))
        time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join()
    return recorder, memory, cpu_seconds(pid) - cpu_before


def report(
    label: str, recorder: Recorder, seconds: float, cpu: float
) -> tuple[float, float, float]:
    ok = [s.seconds * 1000 for s in recorder.samples if s.status == 200]
    errors = len(recorder.samples) - len(ok)
    rps = len(ok) / seconds
    p50, p95, p99 = (percentile(ok, q) for q in (0.5, 0.95, 0.99)) if ok else (0.0, 0.0, 0.0)
    print(
        f"{label:>14}  {rps:7.1f} req/s  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
        f"p99 {p99:6.1f} ms  errors {errors}  "
        f"(rps/target {rps / TARGET_RPS:4.2f}, p95/target {p95 / TARGET_P95_MS:4.2f})",
        flush=True,
    )
    per_request = cpu / len(ok) * 1000 if ok else float("nan")
    if ok:
        print(
            f"{'':>14}  server CPU {per_request:5.1f} ms/request, {cpu / seconds:4.2f} cores busy "
            f"→ about {2000 / per_request:5.1f} req/s on 2 dedicated cores",
            flush=True,
        )
    return rps, p95, per_request


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
    args: argparse.Namespace, variant: Variant, port: int
) -> Iterator[subprocess.Popen[bytes]]:
    command = [
        sys.executable,
        __file__,
        "--serve",
        "--variant-spec",
        str(variant),
        "--data-dir",
        str(variant.data_dir(args.data_dir)),
        "--port",
        str(port),
    ]
    if args.redis_url:
        command += ["--redis-url", args.redis_url]
    if args.server_cores:
        command = ["taskset", "-c", args.server_cores, *command]
    process = subprocess.Popen(command, cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not become ready")
            time.sleep(1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=30)


def build_index(args: argparse.Namespace) -> None:
    """The index process: the whole knowledge base, the default model on the variant's backend."""
    from ingest.chunking import Chunker
    from ingest.embedding_cache import EmbeddingCache
    from ingest.pipeline import Ingestor, Source
    from rag.embedding import build_embedder
    from rag.index import open_store
    from rag.lexical import PolishAnalyzer
    from rag.settings import Settings

    variant: Variant = args.variant_spec
    settings = Settings(
        data_dir=Path(args.data_dir),
        embedding_backend=variant.backend,  # type: ignore[arg-type]
    )
    embedder = build_embedder(settings)
    report = Ingestor(
        store=open_store(settings),
        embedder=embedder,
        analyzer=PolishAnalyzer(),
        chunker=Chunker(embedder.count_tokens),
        cache=EmbeddingCache(settings.embedding_cache_path),
    ).run([Source(ROOT / "knowledge_base", strict=True)])
    print(f"indexed {report.documents} documents, {len(report.added)} chunks", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def ingest(variant: Variant, base: Path) -> None:
    """Build or update the index in a process of its own (vectors reused from the repo's cache)."""
    data_dir = variant.data_dir(base)
    cache = ROOT / "data" / "embeddings.sqlite"
    data_dir.mkdir(parents=True, exist_ok=True)
    if cache.exists() and not (data_dir / "embeddings.sqlite").exists():
        shutil.copy(cache, data_dir / "embeddings.sqlite")
    command = [sys.executable, __file__, "--build-index", "--data-dir", str(data_dir)]
    subprocess.run([*command, "--variant-spec", str(variant)], cwd=ROOT, check=True)


def load_average() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def bench_variant(args: argparse.Namespace, variant: Variant, sessions: set[str]) -> Result:
    """Start a server with `variant`, load it level by level, then soak; stop it."""
    port = args.port or free_port()
    base = f"http://127.0.0.1:{port}"
    result = Result(variant)
    with server(args, variant, port) as process:
        ready = httpx.get(base + "/readyz").json()
        print(
            f"\n=== {variant} — server pid {process.pid}: index {ready['index']}, "
            f"redis {ready['redis']}, llm {ready['llm']}; {os.cpu_count()} CPUs here, server "
            f"cores {args.server_cores or 'all'}; load average {load_average()}",
            flush=True,
        )
        warmup, _, _ = run_load(base, 4, args.warmup, process.pid)
        sessions |= warmup.sessions
        for level in args.levels:
            recorder, _, cpu = run_load(base, level, args.step, process.pid)
            sessions |= recorder.sessions
            result.levels[level] = report(f"concurrency {level}", recorder, args.step, cpu)
        if args.duration > 0:
            recorder, memory, cpu = run_load(
                base, args.soak_concurrency, args.duration, process.pid
            )
            sessions |= recorder.sessions
            report(f"soak c={args.soak_concurrency}", recorder, args.duration, cpu)
            memory_report(memory)
    print(f"load average after {variant}: {load_average()}", flush=True)
    return result


def compare(results: list[Result], levels: list[int]) -> None:
    """Medians over the rounds, each variant's ratio to the first one, and the verdicts."""
    variants = list(dict.fromkeys(r.variant for r in results))

    def median(variant: Variant, level: int) -> tuple[float, float, float]:
        rows = [r.levels[level] for r in results if r.variant == variant]
        rps, p95, cpu = (statistics.median(row[i] for row in rows) for i in range(3))
        return rps, p95, cpu

    print("\nvariant             level   req/s   p95 ms  CPU ms/req   req/s ×  p95 ×  CPU ×")
    for variant in variants:
        for level in levels:
            rps, p95, cpu = median(variant, level)
            base_rps, base_p95, base_cpu = median(variants[0], level)
            print(
                f"{variant!s:<18} {level:>6} {rps:7.1f} {p95:8.1f} {cpu:11.1f}   "
                f"{rps / base_rps:6.2f} {p95 / base_p95:6.2f} {cpu / base_cpu:6.2f}"
            )
    for variant in variants:
        met = [
            level
            for level in levels
            if median(variant, level)[0] >= TARGET_RPS and median(variant, level)[1] < TARGET_P95_MS
        ]
        verdict = f"met at concurrency {met}" if met else "NOT met"
        target = f"≥{TARGET_RPS:.0f} req/s with p95 <{TARGET_P95_MS:.0f} ms"
        print(f"{variant}: {target} (medians) {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=300, help="soak seconds (0: none)")
    parser.add_argument("--levels", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--step", type=float, default=30, help="seconds per level")
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--soak-concurrency", type=int, default=8)
    parser.add_argument(
        "--variant",
        type=Variant.parse,
        action="append",
        help="BACKEND/THREADS/CACHE, repeatable (default: torch/0/0 and onnx/1/1024)",
    )
    parser.add_argument("--rounds", type=int, default=1, help="passes over the variants")
    parser.add_argument("--redis-url", default=None, help="unset: history in process")
    parser.add_argument("--server-cores", default=None, help="taskset list, e.g. 0,1")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / "bench" / "results" / "api-load-data",
        help="where the index is built (incrementally: kept between runs)",
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

    variants: list[Variant] = args.variant or [
        Variant.parse("torch/0/0"),
        Variant.parse("onnx/1/1024"),
    ]
    # One index per data directory: torch and onnx share theirs.
    for variant in {v.data_dir(args.data_dir): v for v in reversed(variants)}.values():
        ingest(variant, args.data_dir)
    print(f"load average before the run: {load_average()}", flush=True)
    results: list[Result] = []
    sessions: set[str] = set()
    for _ in range(args.rounds):
        results += [bench_variant(args, variant, sessions) for variant in variants]
    if args.redis_url:
        erase(args.redis_url, sessions)
    compare(results, args.levels)
    print(f"load average after the run: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

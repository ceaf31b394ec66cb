"""Ingest throughput, end to end (load → chunk → embed → lemma vectors → write → switch).

The corpus is the knowledge base plus ../shared/legal when it is beside the checkout (the acts
give a realistic mix of long legal text). Each run starts from an empty embedding cache and an
empty index, so every chunk is embedded: this is the cost of a first ingest. The backends are
compared in ONE process, one after the other (in alternating order with --rounds 2+), because
this machine is shared and its load drifts:

- torch: sentence-transformers on PyTorch, as configured (embedding batch 16);
- torch-big: the same with embedding batches of 64 over pipeline batches of 256;
- onnx-fp32: `rag.embedding.onnx.OnnxEmbedder`, fp32 graph (same vectors as torch);
- onnx-int8: the same, int8 weights (own model id);
- onnx-int8-sorted: int8 with embedding batches of 8 over pipeline batches of 256, so that
  length-sorting leaves little padding.

Models are loaded (and the ONNX export built, once) before the clock starts. Besides wall
time, the process's CPU seconds inside `embed` are counted: CPU seconds / threads estimates what
the same work takes on idle cores, which the shared machine rarely has. Then the latency of
embedding one short question is measured for each backend.

    .venv/bin/python bench/ingest_throughput.py [--backends torch onnx-int8] [--threads 2]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.embedding_cache import EmbeddingCache
from ingest.pipeline import Source, build_ingestor, load_sources
from rag.embedding import Embedder, Kind, SentenceTransformerEmbedder, Vectors
from rag.embedding.onnx import OnnxEmbedder
from rag.index.edge import EdgeStore
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED_LEGAL = ROOT.parent / "shared" / "legal"
QUESTIONS = [
    "Ile mam czasu na odwołanie od decyzji?",
    "dodatek mieszkaniowy kryterium dochodowe",
    "czy zimą mogą mnie eksmitować",
    "Gdzie złożyć wniosek o zasiłek rodzinny?",
]


@dataclass
class Timed:
    """An embedder that adds up the seconds spent in `embed`."""

    inner: Embedder
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed(self, texts: Sequence[str], *, kind: Kind) -> Vectors:
        started, cpu = time.perf_counter(), time.process_time()
        vectors = self.inner.embed(texts, kind=kind)
        self.seconds += time.perf_counter() - started
        self.cpu_seconds += time.process_time() - cpu
        return vectors

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)


@dataclass(frozen=True)
class Backend:
    build: Callable[[], Embedder]
    pipeline_batch: int | None = None  # None: --batch-size


def backends(settings: Settings, threads: int) -> dict[str, Backend]:
    big = settings.model_copy(update={"embedding_batch_size": 64})
    small = settings.model_copy(update={"embedding_batch_size": 8})
    return {
        "torch": Backend(lambda: SentenceTransformerEmbedder(settings)),
        "torch-big": Backend(lambda: SentenceTransformerEmbedder(big), pipeline_batch=256),
        "onnx-fp32": Backend(lambda: OnnxEmbedder(settings, quantized=False, threads=threads)),
        "onnx-int8": Backend(lambda: OnnxEmbedder(settings, threads=threads)),
        "onnx-int8-sorted": Backend(
            lambda: OnnxEmbedder(small, threads=threads), pipeline_batch=256
        ),
    }


@dataclass(frozen=True)
class Run:
    chunks: int
    seconds: float
    embed_seconds: float
    embed_cpu_seconds: float

    def idle_rate(self, threads: int) -> float:
        """Chunks/s with the embedding on `threads` idle cores (the rest as measured)."""
        rest = self.seconds - self.embed_seconds
        return self.chunks / (rest + self.embed_cpu_seconds / threads)


def ingest_once(
    settings: Settings, embedder: Embedder, sources: list[Source], batch_size: int
) -> Run:
    """One cold ingest into a fresh index and an empty embedding cache."""
    work = Path(tempfile.mkdtemp(prefix="okienko-ingest-bench-"))
    timed = Timed(embedder)
    try:
        ingestor = build_ingestor(
            settings,
            embedder=timed,
            store=EdgeStore(work / "index"),
            cache=EmbeddingCache(work / "embeddings.sqlite"),
        )
        started = time.perf_counter()
        report = ingestor.run(sources, batch_size=batch_size)
        seconds = time.perf_counter() - started
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if report.embedded != len(report.added):
        raise RuntimeError(f"expected a cold ingest, got {report.embedded} of {len(report.added)}")
    return Run(len(report.added), seconds, timed.seconds, timed.cpu_seconds)


def query_latency(embedders: dict[str, Embedder], repeats: int) -> dict[str, list[float]]:
    """Milliseconds to embed one short question: blocks per backend, in alternating order.

    Blocks rather than strict turns: a backend's idle threads can slow the call right after
    it, which would charge one backend for another.
    """
    timings: dict[str, list[float]] = {name: [] for name in embedders}
    block = 10
    for round_ in range(max(1, repeats // block)):
        names = list(embedders) if round_ % 2 == 0 else list(reversed(embedders))
        for name in names:
            embedder = embedders[name]
            embedder.embed([QUESTIONS[0]], kind="query")  # warm-up, not timed
            for r in range(block):
                started = time.perf_counter()
                embedder.embed([QUESTIONS[r % len(QUESTIONS)]], kind="query")
                timings[name].append((time.perf_counter() - started) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--backends", nargs="+", default=["torch", "torch-big", "onnx-int8", "onnx-int8-sorted"]
    )
    parser.add_argument("--batch-size", type=int, default=32, help="chunks per embed call")
    parser.add_argument("--threads", type=int, default=2, help="torch and onnxruntime threads")
    parser.add_argument("--rounds", type=int, default=1, help="ingests per backend (best kept)")
    parser.add_argument("--queries", type=int, default=40, help="timed questions per backend")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    settings = Settings()
    known = backends(settings, args.threads)
    unknown = sorted(set(args.backends) - set(known))
    if unknown:
        parser.error(f"unknown backends {unknown}; choose from {sorted(known)}")

    sources = [Source(ROOT / "knowledge_base", strict=True)]
    if SHARED_LEGAL.exists():
        sources.append(Source(SHARED_LEGAL))
    documents, _ = load_sources(sources)
    folders = ", ".join(s.path.name for s in sources)
    print(f"corpus: {len(documents)} documents ({folders})", flush=True)

    embedders: dict[str, Embedder] = {}
    for name in args.backends:
        started = time.perf_counter()
        embedders[name] = known[name].build()
        print(f"{name:>16}: loaded in {time.perf_counter() - started:.1f} s", flush=True)

    best: dict[str, float] = {}
    for round_ in range(args.rounds):
        # Alternating order (A B B A) cancels a load that drifts steadily.
        names = args.backends if round_ % 2 == 0 else list(reversed(args.backends))
        for name in names:
            run = ingest_once(
                settings, embedders[name], sources, known[name].pipeline_batch or args.batch_size
            )
            rate = run.chunks / run.seconds
            best[name] = max(best.get(name, 0.0), rate)
            print(
                f"{name:>16}: {run.chunks} chunks in {run.seconds:.1f} s = {rate:.1f} chunks/s; "
                f"embedding {run.embed_seconds:.1f} s wall, {run.embed_cpu_seconds:.1f} s CPU; "
                f"the rest {run.seconds - run.embed_seconds:.1f} s; "
                f"on {args.threads} idle cores ≈ {run.idle_rate(args.threads):.1f} chunks/s",
                flush=True,
            )
    if "torch" in best:
        for name, rate in best.items():
            if name != "torch":
                print(f"{name} / torch = {rate / best['torch']:.2f}x (wall)")

    for name, ms in query_latency(embedders, args.queries).items():
        ordered = sorted(ms)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        print(f"{name:>16}: one question {statistics.median(ms):.1f} ms p50, {p95:.1f} ms p95")
    return 0


if __name__ == "__main__":
    sys.exit(main())

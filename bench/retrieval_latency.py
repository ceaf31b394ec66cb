"""Retrieval latency: query embedding + hybrid search + filter, at 1k / 10k / 50k chunks.

Real chunks (the knowledge base, plus ../shared/legal when it is beside the checkout) are
embedded once with the configured model, then scaled up synthetically: each copy's dense vector
is the original plus a little noise (re-normalised), its lemma vector and payload are kept, and
its topic rotates, so filters select realistic fractions. The same points go into the embedded
edge shard and into qdrant-client's local mode (the server's stand-in) in one run.

    .venv/bin/python bench/retrieval_latency.py [--sizes 1000 10000 50000] [--queries 60]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from qdrant_client import QdrantClient

from ingest.chunking import Chunker, embedding_text
from ingest.embedding_cache import EmbeddingCache, text_key
from ingest.pipeline import Source, load_sources
from rag.documents import TOPICS, Chunk
from rag.embedding import build_embedder
from rag.index import HybridQuery, IndexPoint, IndexStore, SearchFilter
from rag.index.edge import EdgeStore
from rag.index.server import ServerStore
from rag.lexical import PolishAnalyzer
from rag.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED_LEGAL = ROOT.parent / "shared" / "legal"

QUESTIONS = [
    "Ile wynosi kryterium dochodowe dla osoby samotnej?",
    "jak odwolac sie od decyzji o dodatku mieszkaniowym",
    "Kto ma prawo do lokalu socjalnego po eksmisji?",
    "zasiłek stały dla emeryta ile",
    "Jakie dokumenty do wniosku o zasiłek rodzinny?",
    "czy zimą mogą mnie eksmitować",
    "kaucja za mieszkanie komunalne",
    "becikowe warunki",
    "Ile czeka się na decyzję w sprawie dodatku mieszkaniowego?",
    "gdzie zgłosić przemoc domową",
    "ponaglenie bezczynność urzędu",
    "świadczenie pielęgnacyjne 2026",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def real_points(settings: Settings, cache_dir: Path) -> tuple[list[IndexPoint], str, int]:
    embedder = build_embedder(settings)
    analyzer = PolishAnalyzer()
    sources = [Source(ROOT / "knowledge_base")]
    if SHARED_LEGAL.exists():
        sources.append(Source(SHARED_LEGAL))
    documents, _ = load_sources(sources)
    chunker = Chunker(embedder.count_tokens)
    chunks = [c for d in documents for c in chunker.chunk(d)]
    cache = EmbeddingCache(cache_dir / "embeddings.sqlite")
    texts = [embedding_text(c.heading_path, c.text) for c in chunks]
    keys = [text_key(t) for t in texts]
    known = cache.get_many(embedder.model_id, keys)
    missing = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in known]
    if missing:
        print(f"embedding {len(missing)} real chunks once (cached for later runs)…", flush=True)
    for start in range(0, len(missing), 32):
        batch = missing[start : start + 32]
        vectors = embedder.embed([t for _, t in batch], kind="passage")
        fresh = {k: vectors[i] for i, (k, _) in enumerate(batch)}
        cache.put_many(embedder.model_id, fresh)
        known.update(fresh)
    cache.close()
    points = [
        IndexPoint(chunk=c, dense=known[k].tolist(), sparse=analyzer.passage_vector(t))
        for c, k, t in zip(chunks, keys, texts, strict=True)
    ]
    return points, embedder.model_id, embedder.dimension


def scale(points: list[IndexPoint], size: int, rng: np.random.Generator) -> list[IndexPoint]:
    topics = sorted(TOPICS)
    scaled: list[IndexPoint] = []
    for i in range(size):
        base = points[i % len(points)]
        if i < len(points):
            scaled.append(base)
            continue
        dense = np.asarray(base.dense, dtype=np.float32)
        dense = dense + rng.normal(0, 0.02, dense.shape).astype(np.float32)
        dense /= np.linalg.norm(dense)
        meta = base.chunk.meta.model_copy(update={"topics": (topics[i % len(topics)],)})
        chunk: Chunk = dataclasses.replace(
            base.chunk, chunk_id=f"{base.chunk.chunk_id}~s{i}", meta=meta
        )
        scaled.append(IndexPoint(chunk=chunk, dense=dense.tolist(), sparse=base.sparse))
    return scaled


def measure(
    store: IndexStore,
    queries: list[tuple[list[float], object]],
    embed_ms: list[float],
    repeats: int,
) -> tuple[float, float, float]:
    """p50 and p95 of embedding + search, and p95 of the search alone, in ms."""
    served = store.open_served()
    filters = [SearchFilter(), SearchFilter(topics=("pomoc_spoleczna", "procedura"))]
    timings: list[float] = []
    searches: list[float] = []
    try:
        for r in range(repeats):
            dense, sparse = queries[r % len(queries)]
            started = time.perf_counter()
            served.index.query(
                HybridQuery(dense=dense, sparse=sparse, filter=filters[r % 2], limit=8)  # type: ignore[arg-type]
            )
            search_ms = (time.perf_counter() - started) * 1000
            searches.append(search_ms)
            timings.append(search_ms + embed_ms[r % len(embed_ms)])
    finally:
        served.close()
    return percentile(timings, 0.5), percentile(timings, 0.95), percentile(searches, 0.95)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--queries", type=int, default=60, help="timed queries on edge")
    parser.add_argument("--local-queries", type=int, default=10, help="timed queries, local mode")
    args = parser.parse_args()

    settings = Settings()
    work = Path(tempfile.mkdtemp(prefix="okienko-bench-"))
    cache_dir = ROOT / "bench" / "results"
    cache_dir.mkdir(parents=True, exist_ok=True)
    points, model_id, dimension = real_points(settings, cache_dir)
    embedder = build_embedder(settings)
    analyzer = PolishAnalyzer()

    embed_ms: list[float] = []
    queries = []
    for _ in range(3):  # warm-up, then timed
        embedder.embed([QUESTIONS[0]], kind="query")
    for question in QUESTIONS * 3:
        started = time.perf_counter()
        (dense,) = embedder.embed([question], kind="query")
        sparse = analyzer.query_vector(question)
        embed_ms.append((time.perf_counter() - started) * 1000)
        queries.append((dense.tolist(), sparse))
    print(
        f"model {model_id}: query embedding + lemmas p50 {percentile(embed_ms, 0.5):.1f} ms, "
        f"p95 {percentile(embed_ms, 0.95):.1f} ms ({len(points)} real chunks)"
    )
    rng = np.random.default_rng(7)
    print("end to end = query embedding + lemmas + hybrid search + filter; search = index alone")
    print(
        f"{'chunks':>7} | {'edge p50':>9} {'edge p95':>9} {'search p95':>10} | "
        f"{'local p50':>10} {'local p95':>10} {'search p95':>10} | p95 ratio (search)"
    )
    for size in args.sizes:
        scaled = scale(points, size, rng)
        stores: dict[str, IndexStore] = {
            "edge": EdgeStore(work / f"edge-{size}"),
            "local": ServerStore(QdrantClient(":memory:"), alias=f"bench{size}"),
        }
        results = {}
        for name, store in stores.items():
            started = time.perf_counter()
            with store.build(embedding_model=model_id, dimension=dimension) as index:
                index.upsert(scaled)
            build_s = time.perf_counter() - started
            repeats = args.queries if name == "edge" else args.local_queries
            results[name] = (*measure(store, queries, embed_ms, repeats), build_s)
        (e50, e95, es, eb), (l50, l95, ls, lb) = results["edge"], results["local"]
        print(
            f"{size:>7} | {e50:>7.1f}ms {e95:>7.1f}ms {es:>8.2f}ms | "
            f"{l50:>8.1f}ms {l95:>8.1f}ms {ls:>8.1f}ms | local/edge {l95 / e95:.1f}x "
            f"({ls / es:.0f}x)   build: edge {eb:.1f}s, local {lb:.1f}s",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

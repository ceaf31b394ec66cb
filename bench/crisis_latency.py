"""What the crisis assessment adds to a message, beside the question embedding it reuses.

Every labelled crisis message (and every hard negative) is assessed with its question vector
given, as the assistant does: the lexicon alone, the classifier alone, and both. For scale, the
same messages are embedded with the configured model (the cost the assessment does not add).

    PYTHONPATH=. .venv/bin/python bench/crisis_latency.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

from rag.crisis import CrisisAssessor
from rag.crisis.classifier import trained_classifier
from rag.crisis.lexicon import Lexicon
from rag.crisis.messages import load_messages
from rag.embedding import build_embedder
from rag.settings import Settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    settings = Settings()
    embedder = build_embedder(settings)
    texts = [m.text for m in load_messages()]
    started = time.perf_counter()
    vectors = embedder.embed(texts, kind="query")
    embed_ms = (time.perf_counter() - started) * 1000 / len(texts)
    lexicon = Lexicon.load()
    classifier = trained_classifier(embedder, settings.models_dir)
    assessors = {
        "lexicon": CrisisAssessor(lexicon=lexicon),
        "classifier": CrisisAssessor(
            lexicon=Lexicon([], []), classifier=classifier, embedder=embedder
        ),
        "both": CrisisAssessor(lexicon=lexicon, classifier=classifier, embedder=embedder),
    }
    print(f"{len(texts)} messages; embedding them (batched) took {embed_ms:.1f} ms each")
    print(f"{'detector':<12}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'mean ms':>10}")
    figures: dict[str, float] = {}
    for name, assessor in assessors.items():
        times: list[float] = []
        for _ in range(args.rounds):
            for text, vector in zip(texts, vectors, strict=True):
                start = time.perf_counter()
                assessor.assess(text, vector=vector)
                times.append((time.perf_counter() - start) * 1000)
        cuts = statistics.quantiles(times, n=100)
        figures[name] = cuts[94]
        print(
            f"{name:<12}{cuts[49]:>10.3f}{cuts[94]:>10.3f}"
            f"{max(times):>10.3f}{statistics.mean(times):>10.3f}"
        )
    print(f"target: both ≤ 5 ms p95 → {'met' if figures['both'] <= 5 else 'MISSED'}")
    print(f"both / embedding one message: {figures['both'] / embed_ms:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What the crisis assessment adds to a message, beside the question embedding it reuses.

Two sets of messages, each assessed with its question vector given, as the assistant does:
the crisis set's test split (crisis messages and hard negatives the classifier never saw), and
the residents' ordinary questions of the golden sets (v2, v3: what the assistant mostly sees).
Four assessors: the lexicon alone, the classifier alone, both, and both without reading the
sentences' vectors (the closer look of `rag.crisis.classifier`, which embeds a long message's
sentences when the other readings find it somewhat alarming: the one step that costs an
embedding). The question cache is off, so a sentence embedded once is embedded again in every
round and by every assessor. For scale, the messages are embedded with the configured model
(the cost the assessment does not add).

    PYTHONPATH=. .venv/bin/python bench/crisis_latency.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import statistics
import time
from pathlib import Path

from eval.cases import load_cases
from rag.crisis import CrisisAssessor
from rag.crisis.classifier import trained_classifier
from rag.crisis.lexicon import Lexicon
from rag.crisis.messages import load_messages, split
from rag.embedding import build_embedder
from rag.settings import Settings

GOLDEN = Path(__file__).resolve().parent.parent / "eval" / "golden"


def _ordinary_questions() -> list[str]:
    texts: dict[str, None] = {}
    for name in ("v2.yaml", "v3.yaml"):
        for case in load_cases(GOLDEN / name).cases:
            if not case.crisis:
                texts.update(dict.fromkeys(case.turns))
    return list(texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    settings = Settings(query_cache_size=0)
    embedder = build_embedder(settings)
    lexicon = Lexicon.load()
    classifier = trained_classifier(embedder, settings.models_dir)
    without = copy.copy(classifier)  # the same weights, the sentences never read
    without.thresholds = dataclasses.replace(
        classifier.thresholds,
        closer_look_acute=float("inf"),
        closer_look_sentence=float("inf"),
    )
    assessors = {
        "lexicon": CrisisAssessor(lexicon=lexicon),
        "classifier": CrisisAssessor(
            lexicon=Lexicon([], []), classifier=classifier, embedder=embedder
        ),
        "both": CrisisAssessor(lexicon=lexicon, classifier=classifier, embedder=embedder),
        "both, no sentence vectors": CrisisAssessor(
            lexicon=lexicon, classifier=without, embedder=embedder
        ),
    }
    sets = {
        # The test split: the classifier's neighbours are the train and dev messages.
        "crisis set, test split": [m.text for m in split(load_messages())["test"]],
        "ordinary questions (golden v2, v3)": _ordinary_questions(),
    }
    embedder.embed(["rozgrzewka modelu", "drugie zdanie na rozgrzewkę"], kind="query")
    figures: dict[tuple[str, str], float] = {}
    for label, texts in sets.items():
        started = time.perf_counter()
        vectors = embedder.embed(texts, kind="query")
        embed_ms = (time.perf_counter() - started) * 1000 / len(texts)
        read = 0
        for text, vector in zip(texts, vectors, strict=True):
            (prediction,) = classifier.predict(vector, [text])
            read += bool(classifier.sentences_to_read(prediction, text))
        print(f"\n{label}: {len(texts)} messages; embedding one (batched): {embed_ms:.1f} ms")
        print(f"sentences embedded and read for {read} ({read / len(texts):.1%})")
        print(f"{'detector':<28}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}{'mean ms':>10}")
        for name, assessor in assessors.items():
            times: list[float] = []
            for _ in range(args.rounds):
                for text, vector in zip(texts, vectors, strict=True):
                    start = time.perf_counter()
                    assessor.assess(text, vector=vector)
                    times.append((time.perf_counter() - start) * 1000)
            cuts = statistics.quantiles(times, n=100)
            figures[label, name] = cuts[94]
            print(
                f"{name:<28}{cuts[49]:>10.3f}{cuts[94]:>10.3f}"
                f"{max(times):>10.3f}{statistics.mean(times):>10.3f}"
            )
        both = figures[label, "both"]
        print(f"target: both ≤ 5 ms p95 → {'met' if both <= 5 else 'MISSED'} ({both:.2f} ms)")
        before = figures[label, "both, no sentence vectors"]
        print(f"both / both without sentence vectors, p95: {both / before:.1f}×")
        print(f"both / embedding one message: {both / embed_ms:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

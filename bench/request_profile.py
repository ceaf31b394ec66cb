"""Where the milliseconds of an uncached request go, step by step, in process.

Messages the process has never seen (`question_pool.py`) go through `Assistant.ask` with the
default model on the serving configuration (ONNX, one thread per embedding, the question cache
on, or off with `--cache 0`), after `--warmup` messages. Each step's own time is measured by
wrapping it (a step called inside another is subtracted from it), so the rows add up to the
whole; "the rest" is the pipeline's own code. The HTTP layer is not in it: compare with the
server CPU per request of `api_load.py`.

    .venv/bin/python bench/request_profile.py [--messages 300] [--warmup 50] [--cache 1024]
        [--baseline DIR]

`--baseline DIR` profiles another checkout (the code before a change) in a process of its own
first, on the same messages, and prints the two side by side.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# (label, module, attribute path): what is wrapped. The pipeline imports some functions by name,
# so those are wrapped where it looks them up.
STEPS = (
    ("embedding model", "rag.embedding.onnx", "OnnxEmbedder.embed"),
    ("crisis assessment", "rag.crisis.assessment", "CrisisAssessor.assess"),
    ("personal data guards", "rag.answering.pipeline", "redact_pii"),
    ("special categories guard", "rag.answering.pipeline", "redact_special_categories"),
    ("scope guard", "rag.answering.pipeline", "classify_request"),
    ("conversation history", "rag.answering.pipeline", "Assistant._standalone"),
    ("calculators", "rag.answering.pipeline", "Assistant._calculation"),
    ("message analysis", "rag.answering.pipeline", "analyse"),
    ("retrieval (lemmas, fusion)", "rag.retrieval", "Retriever.search"),
    ("index query", "rag.index.edge", "EdgeIndex.query"),
    ("relevance", "rag.answering.pipeline", "judge"),
    ("extractive answer", "rag.answering.pipeline", "extractive_answer"),
    ("sentence similarity", "rag.sentence_vectors", "SentenceSimilarity.__call__"),
    ("facts", "rag.answering.facts", "FactIndex.match"),
    ("refusal model", "rag.answering.pipeline", "Assistant._decides_to_answer"),
    ("conversation store", "rag.conversation", "MemoryConversationStore.append"),
)


class Clock:
    """Own time per step: a step's time less that of the steps called inside it."""

    def __init__(self) -> None:
        self.own: dict[str, float] = {}
        self._stack = threading.local()

    def wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            stack: list[list[float]] = self._stack.__dict__.setdefault("frames", [])
            frame = [time.perf_counter(), 0.0]
            stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                stack.pop()
                took = time.perf_counter() - frame[0]
                self.own[label] = self.own.get(label, 0.0) + took - frame[1]
                if stack:
                    stack[-1][1] += took

        return timed


def install(clock: Clock) -> None:
    import importlib

    for label, module_name, path in STEPS:
        module = importlib.import_module(module_name)
        owner: Any = module
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        setattr(owner, name, clock.wrap(label, getattr(owner, name)))


def profile(args: argparse.Namespace) -> dict[str, Any]:
    """Own milliseconds per message by step, with the code of `args.code_root`."""
    # That checkout's code, whatever is installed; the messages from this one's pool.
    sys.path[:0] = [str(args.code_root), str(Path(__file__).resolve().parent)]
    from question_pool import unique_messages

    from rag.runtime import build_runtime
    from rag.settings import Settings

    clock = Clock()
    install(clock)
    settings = Settings(
        data_dir=Path(args.data_dir),
        embedding_backend="onnx",
        embedding_threads=1,
        query_cache_size=args.cache,
        llm_base_url=None,
        redis_url=None,
    )
    runtime = build_runtime(settings)
    stream = unique_messages()
    for message in itertools.islice(stream, args.warmup):
        runtime.assistant.ask(message)
    clock.own.clear()
    messages = list(itertools.islice(stream, args.messages))
    took: list[float] = []
    for message in messages:
        started = time.perf_counter()
        runtime.assistant.ask(message)
        took.append((time.perf_counter() - started) * 1000)
    runtime.close()
    total = sum(took)
    steps = {label: seconds * 1000 / len(messages) for label, seconds in clock.own.items()}
    steps["the rest (pipeline code)"] = total / len(messages) - sum(steps.values())
    return {
        "messages": len(messages),
        "mean": statistics.fmean(took),
        "p50": statistics.median(took),
        "p95": sorted(took)[round(0.95 * (len(took) - 1))],
        "steps": steps,
    }


def run(root: Path, args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", "--code-root", str(root)]
    command += ["--messages", str(args.messages), "--warmup", str(args.warmup)]
    command += ["--cache", str(args.cache), "--data-dir", str(data_dir.resolve())]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"profiling {root} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--cache", type=int, default=1024, help="question cache size (0: off)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / "bench" / "results" / "api-load-data",
        help="an index built by this checkout (api_load.py builds one)",
    )
    parser.add_argument("--baseline", type=Path, default=None)
    parser.add_argument(
        "--baseline-data-dir",
        type=Path,
        default=ROOT / "bench" / "results" / "api-load-data-before",
        help="an index the baseline's code can read",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--code-root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(profile(args)))
        return 0
    results: dict[str, dict[str, Any]] = {}
    if args.baseline is not None:
        results["before"] = run(args.baseline.resolve(), args, args.baseline_data_dir)
    results["after"] = run(ROOT, args, args.data_dir)
    labels = list(dict.fromkeys(k for r in results.values() for k in r["steps"]))
    labels.sort(key=lambda k: -results["after"]["steps"].get(k, 0.0))
    print(
        f"ms per message, own time of each step ({args.messages} new messages, cache {args.cache})"
    )
    print(f"{'step':<30}" + "".join(f"{name:>10}" for name in results))
    for label in labels:
        cells = "".join(f"{r['steps'].get(label, 0.0):10.2f}" for r in results.values())
        print(f"{label:<30}{cells}")
    for key in ("mean", "p50", "p95"):
        print(
            f"{'whole message, ' + key:<30}" + "".join(f"{r[key]:10.1f}" for r in results.values())
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""PolEval 2022 passage retrieval, legal domain: loading, the subset, an index, the queries.

The data set (see its README.txt) holds 718 questions (test-A and test-B), their relevant
articles (qrels) and 25 940 articles of Polish acts from 1993–2004, one passage per article.
Parameters may be chosen on test-A only; test-B is what is reported.

Embedding every article on a CPU takes long, so a subset mode indexes all articles of the acts
that hold a relevant article for the chosen questions plus distractor articles sampled from the
other acts (seeded). Vectors are cached by model and content hash, so a second run, or a later
full run, embeds only what is new.
"""

from __future__ import annotations

import json
import logging
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.retrieval import EvalSetupError, Query
from ingest.chunking import embedding_text
from ingest.embedding_cache import EmbeddingCache, text_key
from rag.documents import Chunk, DocumentMeta
from rag.embedding import Embedder, Vectors
from rag.index import IndexPoint, ServedIndex
from rag.index.edge import EdgeStore
from rag.lexical import PolishAnalyzer
from rag.settings import Settings

log = logging.getLogger(__name__)

FILES = ("questions.jsonl", "qrels.tsv", "passages.jsonl")
SPLITS = ("test-A", "test-B")

Progress = Callable[[int, int], None]  # (embedded so far, to embed)


class PolEvalMissing(EvalSetupError):
    """The data set is not at the given path (it is not redistributed with Okienko)."""

    def __init__(self, path: Path, missing: Sequence[str]) -> None:
        super().__init__(
            f"brak zbioru PolEval 2022 w {path} (nie ma: {', '.join(missing)}); "
            "podaj ścieżkę opcją --poleval-path"
        )
        self.path = path
        self.missing = tuple(missing)


@dataclass(frozen=True, slots=True)
class Passage:
    id: str
    act: str
    title: str
    text: str


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    split: str


@dataclass(frozen=True, slots=True)
class PolEval:
    questions: tuple[Question, ...]
    qrels: dict[str, frozenset[str]]
    passages: tuple[Passage, ...]


def load_poleval(path: Path) -> PolEval:
    """Read the three files of the data set.

    Raises:
        PolEvalMissing: the folder or one of its files is absent.
    """
    missing = [name for name in FILES if not (path / name).is_file()]
    if missing:
        raise PolEvalMissing(path, missing)
    with (path / "questions.jsonl").open(encoding="utf-8") as lines:
        questions = tuple(
            Question(row["id"], row["text"], row["split"]) for row in map(json.loads, lines)
        )
    qrels: dict[str, set[str]] = defaultdict(set)
    with (path / "qrels.tsv").open(encoding="utf-8") as lines:
        next(lines)  # header: question-id, passage-id, score
        for line in lines:
            question_id, passage_id, score = line.rstrip("\n").split("\t")
            if float(score) > 0:
                qrels[question_id].add(passage_id)
    with (path / "passages.jsonl").open(encoding="utf-8") as lines:
        passages = tuple(
            Passage(row["id"], row["meta"]["act"], row["title"] or "", row["text"])
            for row in map(json.loads, lines)
        )
    return PolEval(questions, {q: frozenset(p) for q, p in qrels.items()}, passages)


@dataclass(frozen=True, slots=True)
class Selection:
    """The questions asked and the passages indexed in one run, and how they were chosen."""

    split: str
    subset: bool
    questions: tuple[Question, ...]
    passages: tuple[Passage, ...]
    acts: int
    distractors: int
    seed: int

    def describe(self) -> str:
        if not self.subset:
            return f"{self.split}: {len(self.questions)} pytań, pełny korpus {len(self.passages)}"
        return (
            f"{self.split}: {len(self.questions)} pytań; podzbiór: wszystkie artykuły "
            f"{self.acts} ustaw z trafnymi artykułami + {self.distractors} losowych artykułów "
            f"z innych ustaw (ziarno {self.seed}) = {len(self.passages)} fragmentów"
        )


def select(
    data: PolEval,
    *,
    split: str = "test-B",
    subset: bool = True,
    distractors: int = 2000,
    max_questions: int | None = None,
    seed: int = 2022,
) -> Selection:
    """Choose the questions of a split and the passages to index.

    Args:
        split: "test-A" (for tuning) or "test-B" (for reporting).
        subset: index only the acts holding relevant articles plus sampled distractors.
        distractors: articles sampled from the other acts in subset mode.
        max_questions: a seeded sample of the split's questions (all by default).
        seed: for both samples.

    Raises:
        ValueError: an unknown split.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")
    rng = random.Random(seed)
    questions = [q for q in data.questions if q.split == split and data.qrels.get(q.id)]
    if max_questions is not None and max_questions < len(questions):
        questions = sorted(rng.sample(questions, max_questions), key=lambda q: q.id)
    if not subset:
        return Selection(split, False, tuple(questions), data.passages, 0, 0, seed)
    act_of = {p.id: p.act for p in data.passages}
    acts = {act_of[pid] for q in questions for pid in data.qrels[q.id] if pid in act_of}
    core = [p for p in data.passages if p.act in acts]
    others = [p for p in data.passages if p.act not in acts]
    sampled = rng.sample(others, min(distractors, len(others)))
    chosen = tuple(sorted([*core, *sampled], key=lambda p: p.id))
    return Selection(split, True, tuple(questions), chosen, len(acts), len(sampled), seed)


def poleval_queries(data: PolEval, selection: Selection) -> list[Query]:
    return [Query(q.id, q.text, tuple(sorted(data.qrels[q.id]))) for q in selection.questions]


def _chunk(passage: Passage) -> Chunk:
    title = passage.title or f"Ustawa {passage.act}"
    return Chunk(
        chunk_id=passage.id,
        doc_id=passage.id,
        source=f"poleval:{passage.act}",
        text=passage.text,
        heading_path=(title,),
        meta=DocumentMeta(title=title, doc_type="akt_prawny"),
        position=0,
        content_hash=text_key(passage.text),
    )


def build_index(
    selection: Selection,
    *,
    workdir: Path,
    settings: Settings,
    embedder: Embedder,
    cache: EmbeddingCache,
    progress: Progress | None = None,
) -> ServedIndex:
    """Embed (what the cache lacks) and index the selected passages; open the index.

    BM25 length normalisation uses the mean length of these passages (a corpus statistic, not a
    tuned parameter); k1 and b come from the settings.
    """
    chunks = [_chunk(p) for p in selection.passages]
    texts = [embedding_text(c.heading_path, c.text) for c in chunks]
    dense = _vectors(texts, embedder=embedder, cache=cache, progress=progress)
    counting = PolishAnalyzer(k1=settings.bm25_k1, b=settings.bm25_b)
    lengths = [sum(counting.term_weights(t).values()) for t in texts]
    analyzer = PolishAnalyzer(
        k1=settings.bm25_k1, b=settings.bm25_b, avg_len=max(float(np.mean(lengths)), 1.0)
    )
    store = EdgeStore(workdir / "poleval-index")
    with store.build(embedding_model=embedder.model_id, dimension=embedder.dimension) as index:
        for start in range(0, len(chunks), 1024):
            index.upsert(
                [
                    IndexPoint(chunk=c, dense=dense[i].tolist(), sparse=analyzer.passage_vector(t))
                    for i, (c, t) in enumerate(
                        zip(chunks[start : start + 1024], texts[start : start + 1024], strict=True),
                        start=start,
                    )
                ]
            )
    return store.open_served()


def _vectors(
    texts: Sequence[str],
    *,
    embedder: Embedder,
    cache: EmbeddingCache,
    progress: Progress | None,
    batch_size: int = 64,
) -> list[Vectors]:
    keys = [text_key(t) for t in texts]
    known = cache.get_many(embedder.model_id, keys)
    # Similar lengths in a batch pad less: sort what is left to embed by length.
    todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in known}
    missing = sorted(todo.items(), key=lambda item: (len(item[1]), item[0]))
    log.info("poleval: %d passages cached, %d to embed", len(texts) - len(missing), len(missing))
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        embedded = embedder.embed([t for _, t in batch], kind="passage")
        fresh = {key: embedded[i] for i, (key, _) in enumerate(batch)}
        cache.put_many(embedder.model_id, fresh)
        known.update(fresh)
        if progress:
            progress(min(start + batch_size, len(missing)), len(missing))
    return [known[k] for k in keys]

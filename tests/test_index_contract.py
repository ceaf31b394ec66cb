"""One contract, every backend: the embedded edge shard and qdrant-client's local mode."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import qdrant_edge as qe
from qdrant_client import QdrantClient, models

from rag.documents import Chunk, DocumentMeta
from rag.embedding import HashEmbedder
from rag.errors import IndexNotReady
from rag.index import (
    DENSE,
    SPARSE,
    GenerationInfo,
    HybridQuery,
    IndexPoint,
    IndexStore,
    SearchFilter,
)
from rag.index.edge import EdgeIndex, EdgeStore
from rag.index.payload import point_id
from rag.index.server import ServerIndex, ServerStore
from rag.knowledge_vectors import FILE_NAME, KnowledgeVectors, content_key
from rag.lexical import PolishAnalyzer

EMBEDDER = HashEmbedder(dimension=64)

PASSAGES = {
    "zasilek-staly": (
        "Zasiłek stały przysługuje pełnoletniej osobie niezdolnej do pracy z powodu wieku.",
        ("pomoc_spoleczna",),
        ("mieszkaniec", "pracownik"),
        "informacja",
    ),
    "dodatek": (
        "Dodatek mieszkaniowy przyznaje się na sześć miesięcy, wypłaca zarządcy budynku.",
        ("dodatek_mieszkaniowy",),
        ("mieszkaniec",),
        "informacja",
    ),
    "odwolanie": (
        "Odwołanie od decyzji wnosi się w terminie czternastu dni od doręczenia.",
        ("procedura",),
        ("mieszkaniec", "pracownik"),
        "procedura",
    ),
    "wzor": (
        "Wzór pisma: wezwanie do uzupełnienia braków formalnych wniosku w terminie siedmiu dni.",
        ("procedura",),
        ("urzednik",),
        "wzor_pisma",
    ),
    "stary": (
        "Dodatek osłonowy można było otrzymać po złożeniu wniosku do końca kwietnia.",
        ("dodatki_energetyczne",),
        ("mieszkaniec",),
        "informacja",
    ),
}


def make_point(analyzer: PolishAnalyzer, key: str, *, text: str | None = None) -> IndexPoint:
    body, topics, audience, doc_type = PASSAGES[key]
    body = text or body
    meta = DocumentMeta(
        title=f"Dokument {key}",
        doc_type=doc_type,  # type: ignore[arg-type]
        topics=topics,  # type: ignore[arg-type]
        audience=audience,  # type: ignore[arg-type]
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2025, 12, 31) if key == "stary" else None,
    )
    chunk = Chunk(
        chunk_id=f"kb/{key}#0",
        doc_id=f"kb/{key}",
        source=f"knowledge_base/{key}.md",
        text=body,
        heading_path=(meta.title,),
        meta=meta,
        position=0,
        content_hash=f"hash-{body}",
    )
    (dense,) = EMBEDDER.embed([body], kind="passage")
    return IndexPoint(chunk=chunk, dense=dense.tolist(), sparse=analyzer.passage_vector(body))


@pytest.fixture(scope="module")
def analyzer() -> PolishAnalyzer:
    return PolishAnalyzer()


@pytest.fixture(params=["edge", "server"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IndexStore]:
    if request.param == "edge":
        yield EdgeStore(tmp_path / "index")
    else:
        client = QdrantClient(path=str(tmp_path / "qdrant-local"))
        yield ServerStore(client, alias="okienko_test")
        client.close()


def build(store: IndexStore, points: list[IndexPoint]) -> None:
    with store.build(embedding_model="hash-64", dimension=EMBEDDER.dimension) as index:
        index.upsert(points)


def ask(store: IndexStore, analyzer: PolishAnalyzer, text: str, **kw: object) -> list[str]:
    served = store.open_served()
    try:
        (dense,) = EMBEDDER.embed([text], kind="query")
        hits = served.index.query(
            HybridQuery(dense=dense.tolist(), sparse=analyzer.query_vector(text), **kw)  # type: ignore[arg-type]
        )
        return [h.chunk.doc_id for h in hits]
    finally:
        served.close()


def test_nothing_published_is_not_ready(store: IndexStore) -> None:
    assert store.served() is None
    with pytest.raises(IndexNotReady):
        store.open_served()


def test_hybrid_query_finds_by_lemma(store: IndexStore, analyzer: PolishAnalyzer) -> None:
    build(store, [make_point(analyzer, k) for k in PASSAGES])
    # Different inflection than the passage ("zasiłku stałego" vs "Zasiłek stały").
    found = ask(store, analyzer, "komu przysługuje zasiłku stałego", limit=3)
    assert "kb/zasilek-staly" in found
    assert len(found) == 3


def test_filters_restrict_every_prefetch(store: IndexStore, analyzer: PolishAnalyzer) -> None:
    build(store, [make_point(analyzer, k) for k in PASSAGES])
    text = "dodatek mieszkaniowy odwołanie wniosek"
    by_topic = ask(store, analyzer, text, filter=SearchFilter(topics=("procedura",)), limit=10)
    assert set(by_topic) == {"kb/odwolanie", "kb/wzor"}
    by_audience = ask(store, analyzer, text, filter=SearchFilter(audience=("urzednik",)))
    assert by_audience == ["kb/wzor"]
    by_type = ask(store, analyzer, text, filter=SearchFilter(doc_types=("wzor_pisma",)))
    assert by_type == ["kb/wzor"]


def test_validity_dates_filter(store: IndexStore, analyzer: PolishAnalyzer) -> None:
    build(store, [make_point(analyzer, k) for k in PASSAGES])
    text = "dodatek osłonowy wniosek"
    in_2025 = ask(store, analyzer, text, filter=SearchFilter(valid_on=dt.date(2025, 6, 1)))
    in_2026 = ask(store, analyzer, text, filter=SearchFilter(valid_on=dt.date(2026, 6, 1)))
    before = ask(store, analyzer, text, filter=SearchFilter(valid_on=dt.date(2024, 6, 1)))
    assert "kb/stary" in in_2025
    assert "kb/stary" not in in_2026
    assert len(in_2026) == len(PASSAGES) - 1
    assert before == []


def test_upsert_replaces_and_delete_removes(store: IndexStore, analyzer: PolishAnalyzer) -> None:
    with store.build(embedding_model="hash-64", dimension=EMBEDDER.dimension) as index:
        index.upsert([make_point(analyzer, k) for k in PASSAGES])
        index.upsert([make_point(analyzer, "dodatek", text="Dodatek mieszkaniowy: nowa treść.")])
        index.delete(["kb/odwolanie#0", "kb/nie-ma-takiego#0"])
        hashes = index.hashes()
    assert set(hashes) == {f"kb/{k}#0" for k in PASSAGES} - {"kb/odwolanie#0"}
    assert hashes["kb/dodatek#0"] == "hash-Dodatek mieszkaniowy: nowa treść."


def test_hits_carry_the_chunk_back(store: IndexStore, analyzer: PolishAnalyzer) -> None:
    original = make_point(analyzer, "odwolanie")
    build(store, [original])
    served = store.open_served()
    try:
        (hit,) = served.index.query(
            HybridQuery(dense=original.dense, sparse=analyzer.query_vector("odwołanie"))
        )
    finally:
        served.close()
    assert hit.chunk == original.chunk
    assert hit.rank == 1
    assert hit.score > 0


def test_a_failed_build_leaves_the_served_generation(
    store: IndexStore, analyzer: PolishAnalyzer
) -> None:
    build(store, [make_point(analyzer, "zasilek-staly")])
    before = store.served()

    def interrupted_build() -> None:
        with store.build(embedding_model="hash-64", dimension=EMBEDDER.dimension) as index:
            index.upsert([make_point(analyzer, k) for k in PASSAGES])
            raise RuntimeError("przerwane")

    with pytest.raises(RuntimeError, match="przerwane"):
        interrupted_build()
    assert store.served() == before
    assert ask(store, analyzer, "zasiłek stały") == ["kb/zasilek-staly"]


def test_a_reader_picks_up_a_new_generation(store: IndexStore, analyzer: PolishAnalyzer) -> None:
    build(store, [make_point(analyzer, "zasilek-staly")])
    served = store.open_served()
    try:
        first = served.info.name
        assert served.refresh() is False
        build(store, [make_point(analyzer, k) for k in PASSAGES])
        assert served.refresh() is True
        assert served.info.name != first
        assert served.info.chunks == len(PASSAGES)
        assert set(served.index.hashes()) == {f"kb/{k}#0" for k in PASSAGES}
    finally:
        served.close()


def test_old_generations_are_pruned(store: IndexStore, analyzer: PolishAnalyzer) -> None:
    names = []
    for _ in range(4):
        build(store, [make_point(analyzer, "dodatek")])
        served = store.served()
        assert served is not None
        names.append(served.name)
    assert len(set(names)) == 4
    assert ask(store, analyzer, "dodatek") == ["kb/dodatek"]
    if isinstance(store, EdgeStore):
        left = sorted(p.name for p in (Path(store.location) / "generations").iterdir())
    else:
        assert isinstance(store, ServerStore)
        left = [c.split("__", 1)[1] for c in store._generations()]
    assert left == sorted(names[-2:])


def sentence_vectors(*texts: str) -> KnowledgeVectors:
    keys = [content_key(t, "passage") for t in texts]
    return KnowledgeVectors(EMBEDDER.model_id, keys, EMBEDDER.embed(list(texts), kind="passage"))


def test_a_generation_keeps_its_knowledge_vectors_and_a_switch_brings_the_new_ones(
    store: IndexStore, analyzer: PolishAnalyzer, caplog: pytest.LogCaptureFixture
) -> None:
    first = sentence_vectors("Zasiłek stały przysługuje.", "Wniosek składa się w CUS.")
    with store.build(
        embedding_model=EMBEDDER.model_id, dimension=EMBEDDER.dimension, vectors=first
    ) as index:
        index.upsert([make_point(analyzer, "dodatek")])
    served = store.open_served()
    try:
        assert served.info.vectors == 2
        assert served.info.vectors_digest == first.digest
        assert served.vectors.digest == first.digest
        rows, matrix = served.vectors.rows(["Wniosek składa się w CUS."], kind="passage")
        (row,) = rows
        assert row is not None
        assert np.allclose(matrix[row], first.matrix[1], atol=1e-6)
        second = sentence_vectors("Dodatek mieszkaniowy przyznaje się na 6 miesięcy.")
        with store.build(
            embedding_model=EMBEDDER.model_id, dimension=EMBEDDER.dimension, vectors=second
        ) as index:
            index.upsert([make_point(analyzer, "dodatek")])
        assert served.refresh()
        assert served.vectors.digest == second.digest
        # A generation built without them serves, with a warning, and an empty set.
        build(store, [make_point(analyzer, "dodatek")])
        with caplog.at_level(logging.WARNING, logger="rag.knowledge_vectors"):
            assert served.refresh()
        assert len(served.vectors) == 0
        assert "not loaded" in caplog.text
    finally:
        served.close()


def test_knowledge_vectors_are_pruned_with_their_generation(
    store: IndexStore, analyzer: PolishAnalyzer
) -> None:
    for n in range(4):
        with store.build(
            embedding_model=EMBEDDER.model_id,
            dimension=EMBEDDER.dimension,
            vectors=sentence_vectors(f"Zdanie numer {n}."),
        ) as index:
            index.upsert([make_point(analyzer, "dodatek")])
    if isinstance(store, EdgeStore):
        folders = {p.parent.name for p in Path(store.location).glob(f"generations/*/{FILE_NAME}")}
        assert len(folders) == 2  # the served generation and the previous one
    else:
        assert isinstance(store, ServerStore)
        generations = store._generations()
        assert len(generations) == 2
        left = {c.name for c in store.client.get_collections().collections}
        assert left == {*generations, *(f"{c}__vectors" for c in generations)}


def test_served_hashes_without_opening(store: IndexStore, analyzer: PolishAnalyzer) -> None:
    assert store.served_hashes() == {}
    build(store, [make_point(analyzer, "dodatek"), make_point(analyzer, "odwolanie")])
    served = store.open_served()  # a reader holds the generation meanwhile
    try:
        assert store.served_hashes() == served.index.hashes()
        assert set(store.served_hashes()) == {"kb/dodatek#0", "kb/odwolanie#0"}
    finally:
        served.close()


def test_each_side_alone(store: IndexStore, analyzer: PolishAnalyzer) -> None:
    build(store, [make_point(analyzer, k) for k in PASSAGES])
    # Lemmas alone find the inflected form; a question of stopwords finds nothing lexically.
    assert ask(store, analyzer, "zasiłku stałego", using="sparse", limit=1) == ["kb/zasilek-staly"]
    assert ask(store, analyzer, "i w na", using="sparse") == []
    dense_only = ask(store, analyzer, "zasiłku stałego", using="dense", limit=10)
    assert sorted(dense_only) == sorted(f"kb/{k}" for k in PASSAGES)
    filtered = ask(
        store, analyzer, "wniosek", using="dense", filter=SearchFilter(topics=("procedura",))
    )
    assert set(filtered) == {"kb/odwolanie", "kb/wzor"}


def test_equal_scores_come_back_in_one_order(store: IndexStore, analyzer: PolishAnalyzer) -> None:
    # Twenty copies of one passage tie on both sides and in the fusion: which five of them a
    # query keeps, and their order, must not depend on the engine's order of the day (while the
    # tied ones fit in TIE_MARGIN more than are kept).
    base = make_point(analyzer, "dodatek")
    copies = [
        dataclasses.replace(
            base, chunk=dataclasses.replace(base.chunk, chunk_id=f"kb/kopia#{i}", doc_id=f"kb/{i}")
        )
        for i in range(20)
    ]
    build(store, copies)
    ids = {c.chunk.doc_id: point_id(c.chunk.chunk_id) for c in copies}
    smallest = sorted(ids, key=ids.__getitem__)[:5]
    for using in ("hybrid", "dense", "sparse"):
        found = [
            ask(store, analyzer, "dodatek mieszkaniowy", limit=5, using=using) for _ in range(5)
        ]
        assert found == [smallest] * 5, using


def test_the_fusion_is_the_engines_own(store: IndexStore, analyzer: PolishAnalyzer) -> None:
    # The engines' RRF over the same two prefetches gives the same scores (tied points aside).
    build(store, [make_point(analyzer, k) for k in PASSAGES])
    served = store.open_served()
    try:
        for text in ("Odwołanie od decyzji w terminie czternastu dni", "dodatek mieszkaniowy"):
            (dense,) = EMBEDDER.embed([text], kind="query")
            query = HybridQuery(dense=dense.tolist(), sparse=analyzer.query_vector(text), limit=5)
            ours = {h.chunk.doc_id: h.score for h in served.index.query(query)}
            engines = _engine_rrf(served.index, query)
            assert ours.keys() == engines.keys()
            for doc_id, score in ours.items():
                assert score == pytest.approx(engines[doc_id], rel=1e-6), doc_id
    finally:
        served.close()


def _engine_rrf(index: object, query: HybridQuery) -> dict[str, float]:
    """The engine's own fusion of the same prefetches, as the index asked for it before."""
    if isinstance(index, EdgeIndex):
        dense = qe.Query.Nearest([float(x) for x in query.dense], using=DENSE)
        sparse = qe.Query.Nearest(
            qe.SparseVector(list(query.sparse.indices), list(query.sparse.values)), using=SPARSE
        )
        hits = index._shard.query(
            qe.QueryRequest(
                query.limit,
                query=qe.Fusion.Rrf(k=query.rrf_k),  # type: ignore[arg-type]
                prefetches=[
                    qe.Prefetch(query.prefetch_limit, query=side) for side in (dense, sparse)
                ],
                with_payload=True,
            )
        )
        return {hit.payload["doc_id"]: hit.score for hit in hits}
    assert isinstance(index, ServerIndex)
    response = index._client.query_points(
        index._collection,
        prefetch=[
            models.Prefetch(query=list(query.dense), using=DENSE, limit=query.prefetch_limit),
            models.Prefetch(
                query=models.SparseVector(
                    indices=list(query.sparse.indices), values=list(query.sparse.values)
                ),
                using=SPARSE,
                limit=query.prefetch_limit,
            ),
        ],
        query=models.RrfQuery(rrf=models.Rrf(k=query.rrf_k)),
        limit=query.limit,
        with_payload=True,
    )
    return {p.payload["doc_id"]: p.score for p in response.points if p.payload}


def test_a_generation_from_a_newer_version_still_opens() -> None:
    # A service rolled back reads what a newer ingest wrote: fields it does not know are left out.
    info = GenerationInfo.read(
        {
            "name": "g-1",
            "embedding_model": "hash:64",
            "dimension": 64,
            "created_at": "2026-12-06T00:00:00+00:00",
            "chunks": 3,
            "added_later": {"anything": 1},
        }
    )
    assert info == GenerationInfo("g-1", "hash:64", 64, "2026-12-06T00:00:00+00:00", chunks=3)


def test_concurrent_refreshes_open_the_new_shard_once(
    tmp_path: Path, analyzer: PolishAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two request threads find a new generation at once: one opens it, the other waits.

    The engine lets one opener hold a shard, so a second open of the same generation fails;
    without a lock around the switch the slower thread answered IndexNotReady. The first
    thread is held inside its open until the second has seen the new generation too.
    """
    store = EdgeStore(tmp_path / "index")
    build(store, [make_point(analyzer, "zasilek-staly")])
    served = store.open_served()
    build(store, [make_point(analyzer, k) for k in PASSAGES])
    directory = served._directory  # the seam both threads go through
    opening, second_checked, release = threading.Event(), threading.Event(), threading.Event()
    opens: list[str] = []
    read_info, read_name = directory.served, directory.current_name

    def slow_open() -> GenerationInfo | None:  # `served()` is the first step of an open
        opens.append(threading.current_thread().name)
        if len(opens) == 1:
            opening.set()
            assert release.wait(timeout=10)
        return read_info()

    def watched_check() -> str | None:
        if threading.current_thread().name == "second":
            second_checked.set()
        return read_name()

    monkeypatch.setattr(directory, "served", slow_open)
    monkeypatch.setattr(directory, "current_name", watched_check)
    results: dict[str, object] = {}

    def refresh() -> None:
        try:
            results[threading.current_thread().name] = served.refresh()
        except IndexNotReady as exc:
            results[threading.current_thread().name] = exc

    first = threading.Thread(target=refresh, name="first")
    second = threading.Thread(target=refresh, name="second")
    try:
        first.start()
        assert opening.wait(timeout=10)
        second.start()
        assert second_checked.wait(timeout=10)
        release.set()
        first.join(timeout=10)
        second.join(timeout=10)
        assert results == {"first": True, "second": True}
        assert opens == ["first"]
        assert served.info.chunks == len(PASSAGES)
    finally:
        release.set()
        served.close()

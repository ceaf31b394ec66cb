"""The parts an answering process needs, built from settings once and closed together.

The CLI builds one per command; the API builds one in its lifespan. Nothing here runs at import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from rag.answering import Assistant
from rag.answering.analysis import LEXICON_FILE, Lexicon, LexiconError
from rag.answering.facts import FactIndex, FactProblem, SourcedFact, load_facts
from rag.answering.refusal import Refusal, RefusalModel
from rag.chat_model import ChatModel, OpenAIChatModel
from rag.conversation import ConversationStore, open_conversation_store
from rag.crisis import CrisisAssessor, build_assessor
from rag.documents import Document
from rag.embedding import Embedder, build_embedder
from rag.index import ServedIndex, open_store
from rag.knowledge_vectors import KnowledgeVectors
from rag.lexical import PolishAnalyzer
from rag.redis_link import RedisLink
from rag.reranking import CrossEncoderReranker, Reranker
from rag.retrieval import Retriever
from rag.sessions import SessionIds
from rag.settings import Settings

log = logging.getLogger(__name__)


def knowledge_base_documents(settings: Settings) -> list[Document]:
    """The knowledge base's documents that load (ingest reports those that do not)."""
    from ingest.loaders import discover, load_document
    from rag.errors import LoadError

    root = settings.knowledge_base_dir
    if not root.is_dir():
        return []
    documents = []
    for path in discover(root):
        try:
            documents.append(load_document(path, root=root))
        except LoadError:
            continue  # ingest reports it; a fact cannot rest on it
    return documents


def knowledge_base_facts(
    settings: Settings, documents: list[Document] | None = None
) -> tuple[list[SourcedFact], list[FactProblem]]:
    """The knowledge base's curated facts that hold, and the problems of those that do not
    (each logged: a fact its section does not bear out is never served).

    Args:
        settings: where the knowledge base is.
        documents: its documents, when the caller loaded them already.
    """
    root = settings.knowledge_base_dir
    if not root.is_dir():
        return [], []
    if documents is None:
        documents = knowledge_base_documents(settings)
    facts, problems = load_facts(root, documents)
    for problem in problems:
        log.warning("fact not served: %s", problem)
    return facts, problems


def build_facts(
    settings: Settings,
    embedder: Embedder,
    analyzer: PolishAnalyzer,
    *,
    stored: KnowledgeVectors | None = None,
) -> FactIndex:
    """The knowledge base's curated facts, their question forms' vectors taken from the served
    generation (`okienko ingest` stores them there); a form it lacks is embedded now. A
    knowledge base without facts gives an empty index."""
    facts, _ = knowledge_base_facts(settings)
    return FactIndex(facts, embedder=embedder, analyzer=analyzer, stored=stored)


def build_lexicon(settings: Settings) -> Lexicon | None:
    """Residents' words for the office's terms (`knowledge_base/slownik.yaml`); None without."""
    path = settings.knowledge_base_dir / LEXICON_FILE
    if not path.is_file():
        return None
    try:
        return Lexicon.load(path)
    except LexiconError as exc:
        log.warning("lexicon not used: %s", exc)
        return None


def build_refusal(embedder: Embedder, models_dir: Path | None = None) -> Refusal | None:
    """The trained answer-or-refuse model shipped with the code, its seen messages embedded (and
    cached under `models_dir/refusal/`); None (the hand-set rules of rag/relevance.py decide)
    when its file is missing, does not fit the pipeline, or was fitted on another embedding
    model's figures (`python -m eval.refusal` refits it).

    Raises:
        EmbeddingModelError: the model cannot embed the seen messages.
    """
    try:
        model = RefusalModel.load()
    except (OSError, ValueError) as exc:
        log.warning("refusal model not used, the relevance rules decide: %s", exc)
        return None
    if model.embedding_model != embedder.model_id:
        log.info(
            "refusal model fitted on %s, not %s: the relevance rules decide",
            model.embedding_model,
            embedder.model_id,
        )
        return None
    return Refusal.of(model, embedder, models_dir / "refusal" if models_dir is not None else None)


@dataclass(slots=True)
class Runtime:
    settings: Settings
    embedder: Embedder
    analyzer: PolishAnalyzer
    served: ServedIndex
    conversations: ConversationStore
    chat_model: ChatModel | None
    reranker: Reranker | None
    crisis: CrisisAssessor
    assistant: Assistant
    redis: RedisLink  # the link its conversations go through
    owns_redis: bool = False  # built by `build_runtime` (the CLI's), so closed with the runtime

    def close(self) -> None:
        self.served.close()
        if self.owns_redis:
            self.redis.close()


def build_runtime(
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    crisis: CrisisAssessor | None = None,
    sessions: SessionIds | None = None,
    redis: RedisLink | None = None,
) -> Runtime:
    """Open the served index and build the assistant around it.

    Args:
        settings: the one settings object.
        embedder: the embedding model, when the caller loaded it already.
        crisis: the crisis assessor, when the caller built it already (the API builds it
            before any index exists: crisis help must not wait for one).
        sessions: what issues and checks session ids, when the caller has one (the API's
            routes check ids without an index); by default `SessionIds.of(settings)`.
        redis: the process's Redis link, when the caller has one (the API's rate limits and
            feedback use it: the conversations then share its pool and breaker); by default
            one built from `redis_url` and `redis_prefix`, closed with the runtime.

    Raises:
        ValueError: `redis_url` is not a Redis URL.
        IndexNotReady: nothing has been ingested yet.
        IndexMismatch: the index was built with another embedding model.
        EmbeddingModelError: the embedding model or reranker cannot be loaded.
    """
    embedder = embedder if embedder is not None else build_embedder(settings)
    crisis = crisis if crisis is not None else build_assessor(settings, embedder)
    analyzer = PolishAnalyzer.of(settings)
    served = open_store(settings).open_served()
    try:
        retriever = Retriever(
            embedder=embedder,
            analyzer=analyzer,
            served=served,
            top_k=settings.top_k,
            prefetch_k=settings.prefetch_k,
        )
        chat_model = OpenAIChatModel(settings) if settings.llm_base_url else None
        reranker = (
            CrossEncoderReranker(settings.reranker_path, device=settings.embedding_device)
            if settings.reranker_path
            else None
        )
        link = (
            redis
            if redis is not None
            else RedisLink.from_url(settings.redis_url, prefix=settings.redis_prefix)
        )
        conversations = open_conversation_store(settings, link)
        facts = build_facts(settings, embedder, analyzer, stored=served.vectors)
        refusal = build_refusal(embedder, settings.models_dir)
    except BaseException:
        served.close()
        raise
    assistant = Assistant(
        settings=settings,
        retriever=retriever,
        analyzer=analyzer,
        conversations=conversations,
        crisis=crisis,
        chat_model=chat_model,
        reranker=reranker,
        facts=facts,
        lexicon=build_lexicon(settings),
        refusal=refusal,
        sessions=sessions,
    )
    return Runtime(
        settings=settings,
        embedder=embedder,
        analyzer=analyzer,
        served=served,
        conversations=conversations,
        chat_model=chat_model,
        reranker=reranker,
        crisis=crisis,
        assistant=assistant,
        redis=link,
        owns_redis=redis is None,
    )

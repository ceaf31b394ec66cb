"""Okienko's errors: a small hierarchy with fields, mapped to messages at the edges (CLI, HTTP)."""

from __future__ import annotations

from pathlib import Path


class OkienkoError(Exception):
    """Base of every error Okienko raises on purpose."""


class LoadError(OkienkoError):
    """A document could not be loaded; ingestion reports it and goes on with the rest."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexNotReady(OkienkoError):
    """No complete index generation is there to serve (never ingested, or deleted)."""

    def __init__(self, location: str, reason: str = "no index generation has been built") -> None:
        super().__init__(f"index at {location} is not ready: {reason}")
        self.location = location
        self.reason = reason


class IndexBusy(OkienkoError):
    """Another process holds the index lock (an ingest already running)."""

    def __init__(self, location: str) -> None:
        super().__init__(f"another ingest is already running on {location}")
        self.location = location


class EmbeddingModelError(OkienkoError):
    """The embedding model could not be built or loaded."""

    def __init__(self, model: str, reason: str) -> None:
        super().__init__(f"embedding model '{model}': {reason}")
        self.model = model
        self.reason = reason


class IndexMismatch(OkienkoError):
    """The index was built with another embedding model or vector size than the one configured."""

    def __init__(self, expected: str, found: str) -> None:
        super().__init__(
            f"the index was built with {found}, but {expected} is configured: "
            "re-run `okienko ingest`"
        )
        self.expected = expected
        self.found = found

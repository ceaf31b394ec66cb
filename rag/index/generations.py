"""Generations on disk for the embedded backend: build beside, switch by renaming a pointer.

Layout under the index directory::

    CURRENT                     {"name": "g-…"}: the served generation (replaced atomically)
    .build.lock                 held (flock) by the one build that may run at a time
    generations/g-…/            one complete or abandoned generation each
    generations/g-…/generation.json   written last: a generation without it is incomplete
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

from rag.errors import IndexBusy
from rag.index import GenerationInfo

_INFO = "generation.json"
_MANIFEST = "manifest.json"


def new_generation_name() -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    return f"g-{stamp}-{secrets.token_hex(3)}"


class GenerationDirectory:
    """The pointer, the lock and the generation folders of one index directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.generations = root / "generations"
        self._pointer = root / "CURRENT"

    def current_name(self) -> str | None:
        try:
            data = json.loads(self._pointer.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        name = data.get("name") if isinstance(data, dict) else None
        return name if isinstance(name, str) else None

    def info(self, name: str) -> GenerationInfo | None:
        try:
            data = json.loads((self.generations / name / _INFO).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return GenerationInfo.read(data)

    def served(self) -> GenerationInfo | None:
        name = self.current_name()
        return self.info(name) if name else None

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the build lock, or raise `IndexBusy` at once if another process has it."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".build.lock").open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IndexBusy(str(self.root)) from exc
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def manifest(self, name: str) -> dict[str, str]:
        try:
            data = json.loads((self.generations / name / _MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {str(k): str(v) for k, v in data.items()}

    def publish(self, info: GenerationInfo, manifest: dict[str, str]) -> None:
        """Mark a generation complete, then point CURRENT at it (each step atomic)."""
        folder = self.generations / info.name
        _write_atomic(folder / _MANIFEST, json.dumps(manifest, ensure_ascii=False, sort_keys=True))
        _write_atomic(folder / _INFO, json.dumps(asdict(info), ensure_ascii=False, indent=2))
        _write_atomic(self._pointer, json.dumps({"name": info.name}))

    def prune(self, keep: int) -> list[str]:
        """Delete abandoned generations and all but the `keep` newest complete ones.

        Call only while holding the lock. The served generation is always kept.
        """
        if not self.generations.exists():
            return []
        current = self.current_name()
        others = sorted(
            (
                p.name
                for p in self.generations.iterdir()
                if p.name != current and (p / _INFO).exists()
            ),
            reverse=True,
        )
        kept = {current, *others[: max(keep - 1, 0)]}
        removed = []
        for folder in self.generations.iterdir():
            if folder.name not in kept:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder.name)
        return sorted(removed)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    # The rename itself must survive a crash too.
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)

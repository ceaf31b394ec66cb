"""Dense vectors kept by what was embedded, so a re-ingest embeds only what changed.

A SQLite file under the data directory, keyed by (model id, hash of the embedded text). It lives
outside the index generations: building a new generation never needs to open the served one.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.embedding import Vectors


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors ("
            " model TEXT NOT NULL, key TEXT NOT NULL, vector BLOB NOT NULL,"
            " PRIMARY KEY (model, key))"
        )
        self._db.commit()

    def get_many(self, model: str, keys: Sequence[str]) -> dict[str, Vectors]:
        found: dict[str, Vectors] = {}
        for start in range(0, len(keys), 500):
            part = list(keys[start : start + 500])
            marks = ",".join("?" * len(part))
            rows = self._db.execute(
                f"SELECT key, vector FROM vectors WHERE model = ? AND key IN ({marks})",
                [model, *part],
            )
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_many(self, model: str, items: dict[str, Vectors]) -> None:
        self._db.executemany(
            "INSERT OR REPLACE INTO vectors (model, key, vector) VALUES (?, ?, ?)",
            [(model, key, np.asarray(v, dtype=np.float32).tobytes()) for key, v in items.items()],
        )
        self._db.commit()

    def close(self) -> None:
        self._db.close()

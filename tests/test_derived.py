"""Derived files beside the models: a used one stays, one unused for a month goes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from rag.derived import prune_siblings, used


def test_siblings_unused_for_a_month_go_and_the_rest_stay(tmp_path: Path) -> None:
    new, recent, stale, other = (
        tmp_path / n
        for n in ("classifier-a.npz", "classifier-b.npz", "classifier-c.npz", "model.onnx")
    )
    for path in (new, recent, stale, other):
        path.write_bytes(b"x")
    month_ago = time.time() - 31 * 86_400
    for path in (new, stale, other):
        os.utime(path, (month_ago, month_ago))
    assert prune_siblings(new, "classifier-*.npz") == [stale]  # never the file just written
    assert all(p.exists() for p in (new, recent, other))
    assert not stale.exists()
    used(new)
    assert new.stat().st_mtime > month_ago
    used(tmp_path / "gone.npz")  # a file that is not there is no error

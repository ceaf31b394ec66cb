"""Files derived from a model and its data, kept beside the models under a content key.

A trained crisis classifier (`models_dir/crisis/classifier-<key>.npz`) and the refusal model's
embedded seen messages (`models_dir/refusal/seen-<key>.npy`) get a new key whenever the model,
the data or the code changes, and the old files would stay for ever. Loading one marks it used
(its modification time); writing a new one removes the siblings no process has used for
`UNUSED_DAYS`, so two checkouts sharing the models folder keep theirs while they run.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)

UNUSED_DAYS = 30


def used(path: Path) -> None:
    """Mark a derived file as used now (a read-only folder is left as it is)."""
    with contextlib.suppress(OSError):
        os.utime(path)


def prune_siblings(path: Path, pattern: str, *, unused_days: float = UNUSED_DAYS) -> list[Path]:
    """Remove the files beside `path` matching `pattern` that were not used for `unused_days`;
    `path` itself is kept. Returns what was removed; a file that cannot be removed is skipped."""
    cutoff = time.time() - unused_days * 86_400
    removed = []
    for sibling in path.parent.glob(pattern):
        if sibling == path:
            continue
        try:
            if sibling.stat().st_mtime < cutoff:
                sibling.unlink()
                removed.append(sibling)
        except OSError as exc:
            log.warning("old derived file %s not removed: %s", sibling, exc)
    return removed

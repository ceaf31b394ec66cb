"""The README's retention table names every Redis key the service writes, and no other.

The key names are read from the code (`RedisLink.key("…")`, `redis_prefix + "…:"`), so a new
key without a documented retention fails here, and so does a row for a key no longer written.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# `link.key("feedback")`, `self._link.key("answer", …)`, `functools.partial(link.key, "answer")`
_KEY_CALL = re.compile(r"""\.key(?:\(|,)\s*["']([a-z][a-z-]*)["']""")
_PREFIXED = re.compile(r"""redis_prefix\s*\+\s*["']([a-z][a-z-]*):""")
_ROW = re.compile(r"^\| `([a-z][a-z-]*)[:`]", re.MULTILINE)


def written_keys() -> set[str]:
    found: set[str] = set()
    for package in ("api", "rag"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text("utf-8")
            found |= set(_KEY_CALL.findall(text)) | set(_PREFIXED.findall(text))
    return found


def documented_keys() -> set[str]:
    readme = (ROOT / "README.md").read_text("utf-8")
    start = readme.index("### What the service keeps, and for how long")
    end = readme.index("\n## ", start)
    return set(_ROW.findall(readme[start:end]))


def test_every_key_the_service_writes_has_its_retention_documented() -> None:
    written = written_keys()
    assert {"session", "answer", "feedback", "handoff", "ratelimit"} <= written  # the scan works
    assert written == documented_keys()

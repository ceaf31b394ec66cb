"""uvicorn's access log, without the session ids that appear in paths.

A session id is a bearer token: `GET /v1/sessions/<id>` in the log would hand the
conversation to whoever reads it. The log shows the id's short hash instead
(`rag.sessions.logged`), the same one the answering log names.
"""

from __future__ import annotations

import logging
import re

from rag.sessions import logged

_SESSION_IN_PATH = re.compile(r"(/v1/sessions/)([^/?#\s]+)")


def _hashed(path: str) -> str:
    return _SESSION_IN_PATH.sub(lambda m: m.group(1) + "#" + logged(m.group(2)), path)


class SessionIdsHashed(logging.Filter):
    """Rewrites the path of an access-log record (uvicorn's arguments: client, method, path,
    HTTP version, status); a record of any other shape passes unchanged."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], _hashed(args[2]), args[3], args[4])
        return True


def hash_session_ids(logger: logging.Logger) -> None:
    """Install the filter on `logger` once (uvicorn's `uvicorn.access`)."""
    if not any(isinstance(f, SessionIdsHashed) for f in logger.filters):
        logger.addFilter(SessionIdsHashed())

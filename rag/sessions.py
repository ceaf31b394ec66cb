"""Session ids the server issues: a random part and its HMAC under the server's secret.

A session id is a bearer token (whoever holds it reads, continues and erases the
conversation), so only the server chooses one. An id the server did not issue, however
well-formed, starts a new session; the answer carries the id to use from then on. A third
party cannot make one up, so it cannot spend another conversation's rate limit without having
seen its id.

Every API process must sign with the same secret (`OKIENKO_SESSION_SECRET`). Without one, each
process generates its own, once: its sessions end when it restarts, and other processes do not
accept them.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import threading

from rag.settings import Settings

log = logging.getLogger(__name__)

_NONCE_BYTES = 16
# 32 hex characters of nonce, then 32 of the HMAC (128 bits): 64 in all, within the format
# `rag.conversation.valid_session_id` has always accepted, so clients need not change.
_ISSUED = re.compile(r"[0-9a-f]{64}")


# The process's own secret when none is configured: made once, on first need, under a lock
# (two made at once would sign with one and check with the other).
_generated: list[bytes] = []
_generating = threading.Lock()


def _process_secret() -> bytes:
    with _generating:
        if not _generated:
            log.warning(
                "OKIENKO_SESSION_SECRET is not set: session ids are signed with a key made for "
                "this process, so they end when it restarts; set it (the same in every process) "
                "when several API processes serve"
            )
            _generated.append(secrets.token_bytes(32))
        return _generated[0]


class SessionIds:
    """Issues session ids and tells them from ids the server did not issue."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("a session secret needs at least 16 bytes")
        self._secret = secret

    @classmethod
    def of(cls, settings: Settings) -> SessionIds:
        """Signed with `session_secret`, or with a secret generated once per process (with a
        warning) when it is not set."""
        configured = settings.session_secret
        if configured is not None:
            return cls(configured.get_secret_value().encode("utf-8"))
        return cls(_process_secret())

    def _mac(self, nonce: str) -> str:
        digest = hmac.new(self._secret, nonce.encode("ascii"), hashlib.sha256).hexdigest()
        return digest[:32]

    def issue(self) -> str:
        """A new session id (64 hex characters)."""
        nonce = secrets.token_hex(_NONCE_BYTES)
        return nonce + self._mac(nonce)

    def issued(self, session_id: str) -> bool:
        """Whether this server (any process sharing its secret) issued `session_id`."""
        if _ISSUED.fullmatch(session_id) is None:
            return False
        nonce, mac = session_id[:32], session_id[32:]
        return hmac.compare_digest(mac, self._mac(nonce))

    def continued(self, session_id: str | None) -> str:
        """The id to answer under: `session_id` when this server issued it, else a new one."""
        if session_id is not None and self.issued(session_id):
            return session_id
        return self.issue()


def logged(session_id: str) -> str:
    """What logs show of a session id: a short hash, enough to follow one conversation
    through the log, useless as the bearer token itself."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()[:12]

"""API keys: residents are anonymous, staff audiences need a staff key, admin routes an admin key.

Keys are never stored: settings hold their SHA-256 hex digests (`okienko apikey` makes a key
and its digest). A presented key is hashed and compared with every stored digest through
`hmac.compare_digest`, all of them every time, so the time taken says nothing about which
digest came close.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import SecretStr

from api.errors import ApiError
from rag.answers import Audience

Role = Literal["admin", "staff"]
API_KEY_HEADER = "X-API-Key"
_DIGEST = re.compile(r"[0-9a-f]{64}")
STAFF_AUDIENCES: frozenset[str] = frozenset({"pracownik", "urzednik"})


def key_digest(key: str) -> str:
    """The SHA-256 hex digest settings store for a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_api_key() -> tuple[str, str]:
    """A fresh random key and its digest."""
    key = secrets.token_urlsafe(32)
    return key, key_digest(key)


def _digests(values: Iterable[str], variable: str) -> tuple[bytes, ...]:
    digests = tuple(v.strip().lower() for v in values)
    bad = [d for d in digests if not _DIGEST.fullmatch(d)]
    if bad:
        raise ValueError(
            f"{variable} must hold SHA-256 hex digests (64 hex characters), not keys: "
            f"{len(bad)} entr{'y' if len(bad) == 1 else 'ies'} malformed"
        )
    return tuple(d.encode("ascii") for d in digests)


class KeyRing:
    """The staff and admin key digests from settings."""

    def __init__(self, *, staff: Sequence[str], admin: Sequence[str]) -> None:
        """Args:
            staff: digests of keys allowed the staff audiences.
            admin: digests of admin keys (also allowed the staff audiences).

        Raises:
            ValueError: an entry is not a SHA-256 hex digest (a raw key pasted by mistake).
        """
        self._staff = _digests(staff, "OKIENKO_API_KEY_HASHES")
        self._admin = _digests(admin, "OKIENKO_ADMIN_KEY_HASHES")

    def role(self, key: str | None) -> Role | None:
        """Whose key this is: "admin", "staff", or None for no key or an unknown one."""
        if not key:
            return None
        presented = key_digest(key).encode("ascii")
        # No early exit: every digest is compared whether or not one matched already.
        admin = staff = False
        for digest in self._admin:
            admin |= hmac.compare_digest(presented, digest)
        for digest in self._staff:
            staff |= hmac.compare_digest(presented, digest)
        if admin:
            return "admin"
        return "staff" if staff else None


class Unauthorized(ApiError):
    """No key, or a key we do not know, where one is needed."""

    def __init__(self) -> None:
        super().__init__(
            401,
            "unauthorized",
            "Ta funkcja jest dostępna tylko dla pracowników. Podaj prawidłowy klucz dostępu.",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )


class Forbidden(ApiError):
    """A valid key that is not allowed here (a staff key on an admin route)."""

    def __init__(self) -> None:
        super().__init__(
            403,
            "forbidden",
            "Ten klucz dostępu nie uprawnia do tej operacji (potrzebny klucz administratora).",
        )


class MetricsUnauthorized(ApiError):
    """`/metrics` without the token that settings ask for."""

    def __init__(self) -> None:
        super().__init__(
            401,
            "unauthorized",
            "Metryki są dostępne tylko z tokenem: podaj nagłówek Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": "Bearer"},
        )


def require_metrics_token(expected: SecretStr | None, presented: str | None) -> None:
    """Nothing to check when no token is set (the scraper runs inside the network).

    Raises:
        MetricsUnauthorized: a token is set and `presented` is not it.
    """
    if expected is None:
        return
    # Digests of both: equal lengths, so the comparison takes the same time for any token.
    wanted = key_digest(expected.get_secret_value()).encode("ascii")
    given = key_digest(presented or "").encode("ascii")
    if presented is None or not hmac.compare_digest(given, wanted):
        raise MetricsUnauthorized


def require_audience(audience: Audience, role: Role | None) -> None:
    """Residents need nothing; the staff audiences need a staff or admin key.

    Raises:
        Unauthorized: a staff audience without a valid key.
    """
    if audience in STAFF_AUDIENCES and role is None:
        raise Unauthorized


def require_staff(role: Role | None) -> None:
    """Raises `Unauthorized` without a valid staff or admin key."""
    if role is None:
        raise Unauthorized


def require_admin(role: Role | None) -> None:
    """Raises `Unauthorized` without a valid key, `Forbidden` with a staff key."""
    if role is None:
        raise Unauthorized
    if role != "admin":
        raise Forbidden

"""Callback requests: a resident who asks for a person and leaves a phone or an e-mail.

Here the resident hands contact data to the centre on purpose, so it is kept (only) in the
`<prefix>callbacks` stream that staff read; never in conversation history, never in logs.
Without Redis nothing is recorded, and the resident is told to call the centre instead: a
request held in one process's memory would reach no one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass

from redis.typing import EncodableT, FieldT

from api.redis_link import RedisDown, RedisLink

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CallbackRequest:
    session_id: str | None
    name: str | None
    phone: str | None
    email: str | None
    message: str | None

    @property
    def reachable(self) -> bool:
        """Whether staff have a way to get back to the resident."""
        return bool(self.phone or self.email)


class CallbackBook:
    """Appends callback requests to a capped Redis stream."""

    def __init__(self, link: RedisLink, *, max_entries: int) -> None:
        self._link = link
        self._max_entries = max_entries

    @property
    def stream(self) -> str:
        return self._link.key("callbacks")

    def record(self, request: CallbackRequest) -> bool:
        """Keep a request that leaves a way to reach the resident; True when it was kept."""
        if not request.reachable:
            return False
        fields: dict[FieldT, EncodableT] = {
            k: v or "" for k, v in dataclasses.asdict(request).items()
        }
        fields["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        try:
            entry_id = self._link.run(
                "record callback",
                lambda c: c.xadd(self.stream, fields, maxlen=self._max_entries, approximate=True),
            )
        except RedisDown:
            log.warning("a callback request could not be recorded: redis is unavailable")
            return False
        shown = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
        log.info("callback request recorded as %s", shown)  # the id only, never the contact
        return True

"""Callback requests: a resident who asks for a person and leaves a phone or an e-mail.

Here the resident hands contact data to the centre on purpose, so it is kept (only) in the
`<prefix>callbacks` stream that staff read; never in conversation history, never in logs.
While Redis is down a request waits in the app's outbox and is written once Redis is back; the
resident is told it may be late and given the centre's contact. Without Redis configured nothing
is recorded (no staff would read it), and the resident is told to call the centre instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
from dataclasses import dataclass
from typing import Literal

import redis
from redis.typing import EncodableT, FieldT

from api.outbox import HeldWrite, Outbox
from api.redis_link import RedisDown, RedisLink

log = logging.getLogger(__name__)

# "unreachable": the resident left no way to reach them, so there was nothing to record.
Outcome = Literal["recorded", "held", "lost", "unreachable"]


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
    """Appends callback requests to a capped Redis stream (through the outbox while it is down)."""

    def __init__(self, link: RedisLink, *, max_entries: int, outbox: Outbox) -> None:
        self._link = link
        self._max_entries = max_entries
        self._outbox = outbox

    @property
    def stream(self) -> str:
        return self._link.key("callbacks")

    def record(self, request: CallbackRequest) -> Outcome:
        """Keep a request that leaves a way to reach the resident; what became of it."""
        if not request.reachable:
            return "unreachable"
        fields: dict[FieldT, EncodableT] = {
            k: v or "" for k, v in dataclasses.asdict(request).items()
        }
        fields["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        write = functools.partial(_append, self.stream, fields, self._max_entries)
        if not self._link.configured:
            self._outbox.lost("callback", "no redis is configured")
            return "lost"
        try:
            entry_id = self._link.run("record callback", write)
        except RedisDown:
            # Not tied to the session: erasing the conversation (or starting a new one, which
            # the widget does the same way) must not cancel a call the resident asked for.
            held = self._outbox.hold(HeldWrite("callback", None, write))
            return "held" if held else "lost"
        log.info("callback request recorded as %s", entry_id)  # the id only, never the contact
        return "recorded"


def _append(stream: str, fields: dict[FieldT, EncodableT], cap: int, client: redis.Redis) -> str:
    entry_id = client.xadd(stream, fields, maxlen=cap, approximate=True)
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

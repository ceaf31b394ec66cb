"""Callback requests: a resident who asks for a person and leaves a phone or an e-mail.

Here the resident hands contact data to the centre on purpose, so it is kept, for staff only and
for a set time (`OKIENKO_HANDOFF_RETENTION_DAYS`), never in conversation history nor in logs.
Each request is a Redis hash `<prefix>handoff:<id>` that expires on its own, listed by time in
`<prefix>handoffs` and under its conversation in `<prefix>session-handoffs:<session>`, so that a
resident who erases the conversation erases the request too. The name, phone and e-mail are kept
as given; the message is redacted like anything a resident writes (personal data, health …).
Staff list, export and erase requests through `/v1/handoffs`.

While Redis is down a request waits in the app's outbox and is written once Redis is back (with
the expiry it would have had); the resident is told it may be late and given the centre's
contact. Without Redis configured nothing is recorded (no staff would read it), and the resident
is told to call the centre instead.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Literal

import redis
from redis.typing import EncodableT

from api.outbox import HeldWrite, Outbox
from rag.guards import redact_message, redact_pii, redact_special_categories
from rag.redis_link import RedisDown, RedisLink

log = logging.getLogger(__name__)

# "unreachable": the resident left no way to reach them, so there was nothing to record.
Outcome = Literal["recorded", "held", "lost", "unreachable"]
DAY_SECONDS = 24 * 3600
_PAGE = 500
# One request: its hash with an expiry, listed by time (the list pruned of expired requests and
# capped at the oldest), and under its conversation. One step, so no request is ever kept
# unlisted: erasing the conversation or the staff's erasure always finds it.
# KEYS: the request, the list, the conversation's list or the list again (no conversation);
# ARGV: id, at, expires at, oldest score kept, cap, key prefix of requests, field, value…
_ADD = """
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('EXPIREAT', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[4])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
if over > 0 then
  for _, old in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do
    redis.call('DEL', ARGV[6] .. old)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
redis.call('EXPIREAT', KEYS[2], ARGV[3])
if KEYS[3] ~= KEYS[2] then
  redis.call('SADD', KEYS[3], ARGV[1])
  redis.call('EXPIREAT', KEYS[3], ARGV[3])
end
return ARGV[1]
"""


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


@dataclass(frozen=True, slots=True)
class HandoffRecord:
    """A callback request as staff read it (empty strings for what the resident left out)."""

    id: str
    at: str  # ISO 8601, UTC
    expires: str  # when it is erased on its own
    session_id: str
    name: str
    phone: str
    email: str
    message: str


FIELDS = tuple(f.name for f in fields(HandoffRecord))


class CallbackBook:
    """Callback requests in Redis (through the outbox while it is down), each with its expiry."""

    def __init__(
        self,
        link: RedisLink,
        *,
        max_entries: int,
        outbox: Outbox,
        retention_days: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._link = link
        self._max_entries = max_entries
        self._outbox = outbox
        self._retention = retention_days * DAY_SECONDS
        self._clock = clock

    @property
    def index(self) -> str:
        return self._link.key("handoffs")

    def _record_key(self, handoff_id: str) -> str:
        return self._link.key("handoff", handoff_id)

    def _of_session(self, session_id: str) -> str:
        return self._link.key("session-handoffs", session_id)

    def record(self, request: CallbackRequest) -> Outcome:
        """Keep a request that leaves a way to reach the resident; what became of it."""
        if not request.reachable:
            return "unreachable"
        at = self._clock()
        record = HandoffRecord(
            id=uuid.uuid4().hex,
            at=_iso(at),
            expires=_iso(at + self._retention),
            session_id=request.session_id or "",
            # The name field holds a name on purpose; a number or an illness typed into it goes.
            name=_name(request.name or ""),
            phone=request.phone or "",
            email=request.email or "",
            message=redact_message(request.message).text if request.message else "",
        )
        write = self._write(record, at)
        if not self._link.configured:
            self._outbox.lost("callback", "no redis is configured")
            return "lost"
        try:
            self._link.run("record callback", write)
        except RedisDown:
            # Held under its conversation: erasing the conversation drops it from the outbox.
            held = self._outbox.hold(HeldWrite("callback", request.session_id, write))
            return "held" if held else "lost"
        log.info("callback request recorded as %s", record.id)  # the id only, never the contact
        return "recorded"

    def _write(self, record: HandoffRecord, at: float) -> Callable[[redis.Redis], object]:
        listed = self._of_session(record.session_id) if record.session_id else self.index
        values: list[EncodableT] = []
        for name in FIELDS:
            values += [name, getattr(record, name)]
        keys = (self._record_key(record.id), self.index, listed)
        expires = int(at + self._retention)
        prefix = self._record_key("")
        args = (record.id, at, expires, at - self._retention, self._max_entries, prefix, *values)
        return functools.partial(_add, keys, args)

    def entries(
        self, *, newest_first: bool = False, limit: int | None = None
    ) -> list[HandoffRecord]:
        """Requests kept now (expired ones are gone), by time.

        Raises:
            RedisDown: Redis is configured but does not answer.
        """
        if not self._link.configured:
            return []
        return list(self._read(newest_first=newest_first, limit=limit))

    def _read(self, *, newest_first: bool, limit: int | None) -> Iterator[HandoffRecord]:
        oldest = self._clock() - self._retention
        ids = self._link.run(
            "list callbacks",
            functools.partial(_ids, self.index, oldest, newest_first=newest_first, limit=limit),
        )
        for start in range(0, len(ids), _PAGE):
            page = ids[start : start + _PAGE]
            keys = [self._record_key(i) for i in page]
            for raw in self._link.run("read callbacks", functools.partial(_hashes, keys)):
                if raw:  # expired between listing and reading
                    yield _record(raw)

    def erase(self, handoff_id: str) -> bool:
        """Erase one request (staff); whether there was one.

        Raises:
            RedisDown: Redis is configured but does not answer; try again later.
        """
        if not self._link.configured:
            return False
        erase = functools.partial(
            _erase_one, self._record_key(handoff_id), self.index, handoff_id, self._of_session
        )
        erased = bool(self._link.run("erase callback", erase))
        if erased:
            log.info("callback request %s erased by staff", handoff_id)
        return erased

    def forget_session(self, session_id: str) -> None:
        """Erase the requests made in one conversation (its resident erased it).

        Raises:
            RedisDown: Redis is configured but does not answer; try again later.
        """
        self._outbox.discard_session(session_id)
        if self._link.configured:
            erase = functools.partial(
                _erase_session, self._of_session(session_id), self.index, self._record_key
            )
            self._link.run("erase session callbacks", erase)

    def migrate_legacy(self) -> int:
        """Move requests from the stream of older versions (`<prefix>callbacks`, kept without
        an expiry) into expiring records, then delete the stream; how many were moved.

        Requests older than the retention are dropped, the others keep their original time.

        Raises:
            RedisDown: Redis is configured but does not answer.
        """
        stream = self._link.key("callbacks")
        if not self._link.configured:
            return 0
        if _text(self._link.run("find old callbacks", lambda c: c.type(stream))) != "stream":
            return 0
        entries = self._link.run("read callbacks", lambda c: c.xrange(stream)) or []
        moved = 0
        now = self._clock()
        for _, raw in entries:
            data = {_text(k): _text(v) for k, v in (raw or {}).items()}
            try:
                at = dt.datetime.fromisoformat(data.get("at", "")).timestamp()
            except ValueError:
                at = now
            if at + self._retention <= now or not (data.get("phone") or data.get("email")):
                continue
            record = HandoffRecord(
                id=uuid.uuid4().hex,
                at=_iso(at),
                expires=_iso(at + self._retention),
                session_id=data.get("session_id", ""),
                name=_name(data.get("name", "")),
                phone=data.get("phone", ""),
                email=data.get("email", ""),
                message=redact_message(data.get("message", "")).text,
            )
            self._link.run("migrate callback", self._write(record, at))
            moved += 1
        self._link.run("drop callbacks stream", lambda c: c.delete(stream))
        log.info("moved %d of %d callback requests to expiring records", moved, len(entries))
        return moved


def _iso(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).isoformat(timespec="seconds")


def _name(name: str) -> str:
    return redact_special_categories(redact_pii(name, people=False).text).text


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _record(raw: Mapping[bytes, bytes]) -> HandoffRecord:
    data = {_text(k): _text(v) for k, v in raw.items()}
    return HandoffRecord(**{name: data.get(name, "") for name in FIELDS})


def _add(keys: tuple[str, ...], args: tuple[EncodableT, ...], client: redis.Redis) -> object:
    return client.eval(_ADD, len(keys), *keys, *args)


def _ids(
    index: str, oldest: float, client: redis.Redis, *, newest_first: bool, limit: int | None
) -> list[str]:
    start = None if limit is None else 0
    if newest_first:
        found = client.zrevrangebyscore(index, "+inf", oldest, start=start, num=limit)
    else:
        found = client.zrangebyscore(index, oldest, "+inf", start=start, num=limit)
    return [_text(i) for i in found]


def _hashes(keys: list[str], client: redis.Redis) -> list[dict[bytes, bytes]]:
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.hgetall(key)
        return pipe.execute()


def _erase_one(
    key: str, index: str, handoff_id: str, of_session: Callable[[str], str], client: redis.Redis
) -> int:
    session = client.hget(key, "session_id")
    with client.pipeline(transaction=True) as pipe:
        pipe.delete(key)
        pipe.zrem(index, handoff_id)
        if session:
            pipe.srem(of_session(_text(session)), handoff_id)
        deleted, *_ = pipe.execute()
    return int(deleted)


def _erase_session(
    listed: str, index: str, record_key: Callable[[str], str], client: redis.Redis
) -> None:
    ids = [_text(i) for i in client.smembers(listed)]
    # SREM rather than DEL of the list: an id listed meanwhile stays, for the next erasure.
    with client.pipeline(transaction=True) as pipe:
        if ids:
            pipe.delete(*(record_key(i) for i in ids))
            pipe.zrem(index, *ids)
            pipe.srem(listed, *ids)
        pipe.execute()
    log.info("erased a conversation's %d callback requests", len(ids))

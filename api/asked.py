"""The questions residents asked, for the centre's insight page: a Redis stream kept 31 days.

Each answer the API gives adds one entry: its id, the redacted question (as the answer record
holds it), whether it was refused and why, and the first source it cited. Nothing else of the
conversation: no session id, no answer text. Each conversation lists its entries, so erasing a
conversation erases them too. The stream is trimmed by time at every write.

Statistics, not a resident's words that must reach staff: with Redis down an entry is dropped
(and counted in the log), not held.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import redis
from redis.typing import StreamRangeResponse

from rag.redis_link import RedisDown, RedisLink

log = logging.getLogger(__name__)

# The insight page looks back at most 30 days; one more keeps the 30-day window whole.
ASKED_RETENTION_DAYS = 31
_RETENTION_SECONDS = ASKED_RETENTION_DAYS * 24 * 3600
# Appends an entry, trims what is older than the retention, and lists the entry's id under its
# conversation in one step. KEYS: stream, the conversation's list; ARGV: the oldest id to keep,
# the list's TTL, field, value…
_ADD = """
local id = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[1], '*', unpack(ARGV, 3))
redis.call('SADD', KEYS[2], id)
redis.call('EXPIRE', KEYS[2], ARGV[2])
return id
"""
_PAGE = 1000


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Asked:
    """One question answered (or refused); `question` is already redacted."""

    answer_id: str
    at: dt.datetime
    question: str
    refused: bool
    reason: str
    source: str  # the first cited document's path; "" when nothing was cited


class QuestionLog:
    """The `asked` stream and the per-conversation lists of its entries."""

    def __init__(self, link: RedisLink, *, clock: Callable[[], dt.datetime] = utc_now) -> None:
        """Args:
        link: the service's Redis.
        clock: now, in UTC (tests move it to seed questions of past days).
        """
        self._link = link
        self._clock = clock

    @property
    def stream(self) -> str:
        return self._link.key("asked")

    def _of(self, session_id: str) -> str:
        return self._link.key("session-asked", session_id)

    def record(
        self,
        session_id: str,
        *,
        answer_id: str,
        question: str,
        refused: bool,
        reason: str,
        source: str,
    ) -> None:
        """Add one question; dropped (and logged) when Redis does not answer. Without Redis
        configured nothing is kept: the insight page needs one store all replicas share."""
        if not self._link.configured:
            return
        now = self._clock()
        oldest = int((now - dt.timedelta(days=ASKED_RETENTION_DAYS)).timestamp() * 1000)
        fields = [
            "answer_id", answer_id,
            "at", now.isoformat(timespec="seconds"),
            "question", question,
            "refused", "1" if refused else "0",
            "reason", reason,
            "source", source,
        ]  # fmt: skip
        write = functools.partial(_add, self.stream, self._of(session_id), oldest, fields)
        try:
            self._link.run("record question", write)
        except RedisDown:
            log.info("redis unavailable: a question was not added to the insight log")

    def since(self, start: dt.datetime) -> list[Asked]:
        """The questions asked from `start` on, oldest first.

        Raises:
            RedisDown: Redis is configured but does not answer.
        """
        return [a for a in self._all() if a.at >= start]

    def _all(self) -> Iterator[Asked]:
        if not self._link.configured:
            return
        begin = "-"
        while True:
            batch = self._link.run("read questions", functools.partial(_page, self.stream, begin))
            for _, fields in batch or []:
                asked = _asked(fields) if fields else None
                if asked is not None:
                    yield asked
            if not batch or len(batch) < _PAGE:
                return
            begin = "(" + _text(batch[-1][0])

    def forget_session(self, session_id: str) -> None:
        """Erase one conversation's entries.

        Raises:
            RedisDown: Redis is configured but does not answer; try again later.
        """
        if self._link.configured:
            self._link.run(
                "erase questions", functools.partial(_erase, self.stream, self._of(session_id))
            )


def _add(stream: str, listed: str, oldest: int, fields: list[str], client: redis.Redis) -> object:
    return client.eval(_ADD, 2, stream, listed, oldest, _RETENTION_SECONDS, *fields)


def _page(stream: str, begin: str, client: redis.Redis) -> StreamRangeResponse | None:
    return client.xrange(stream, min=begin, count=_PAGE)


def _erase(stream: str, listed: str, client: redis.Redis) -> None:
    ids = [_text(i) for i in client.smembers(listed)]
    if ids:
        with client.pipeline(transaction=True) as pipe:
            pipe.xdel(stream, *ids)
            pipe.srem(listed, *ids)
            pipe.execute()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _asked(fields: Mapping[bytes | str, bytes | str]) -> Asked | None:
    data = {_text(k): _text(v) for k, v in fields.items()}
    try:
        at = dt.datetime.fromisoformat(data["at"])
    except (KeyError, ValueError):  # written by another version, or damaged
        return None
    return Asked(
        answer_id=data.get("answer_id", ""),
        at=at,
        question=data.get("question", ""),
        refused=data.get("refused") == "1",
        reason=data.get("reason", ""),
        source=data.get("source", ""),
    )

"""Residents' 👍/👎 on answers: kept in a capped Redis stream, exported to JSONL or CSV.

Each answer the API gives gets an `answer_id`; a short-lived record of it (the session, the
redacted question, the answer) lets feedback name what it is about. Everything kept here is
redacted first (personal data, and what a resident says about health, beliefs …, as
`rag.guards.redact_message` does), and listed per conversation, so that a resident who erases
their conversation erases its answer records and the feedback on them too.

Redis down: feedback waits in the app's outbox (`api.outbox`) and is written once Redis is back,
answer records wait in process. No Redis configured: both live in process (bounded), so the
thumbs still work on a single-process deployment; only Redis-held feedback can be exported.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, TextIO

import redis
from redis.typing import EncodableT, StreamRangeResponse

from api.exports import ExportFormat, write_records
from api.outbox import HeldWrite, Outbox
from rag.errors import OkienkoError
from rag.guards import redact_message
from rag.redis_link import RedisDown, RedisLink

log = logging.getLogger(__name__)

Rating = Literal["up", "down"]
ANSWER_TTL_SECONDS = 24 * 3600  # feedback is given right away; a day is plenty
# How long a conversation's list of its feedback entries lives after the last one: erasing the
# conversation reaches feedback given within this time. The stream itself is capped by count
# (`feedback_max_entries`), which at a city's volume holds months, not years.
FEEDBACK_LINK_TTL_SECONDS = 366 * 24 * 3600
_MEMORY_ANSWERS = 10_000
# Appends an entry and lists its id under the conversation in one step, so no entry is ever
# written that erasing its conversation cannot find.
# KEYS: stream, the conversation's list; ARGV: the stream's cap, the list's TTL, field, value…
_ADD_FEEDBACK = """
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 3))
redis.call('SADD', KEYS[2], id)
redis.call('EXPIRE', KEYS[2], ARGV[2])
return id
"""


class UnknownAnswer(OkienkoError):
    """Feedback names an answer we have no record of (never given, or forgotten)."""

    def __init__(self, answer_id: str) -> None:
        super().__init__(f"no record of answer {answer_id[:80]!r}")
        self.answer_id = answer_id


@dataclass(frozen=True, slots=True)
class AnswerRecord:
    """What feedback refers to; `question` is already redacted."""

    answer_id: str
    session_id: str
    question: str
    answer: str
    mode: str
    refused: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class FeedbackEntry:
    """One rating, self-contained: it carries the question and answer it rates."""

    answer_id: str
    rating: Rating
    comment: str
    at: str  # ISO 8601, UTC
    session_id: str
    question: str
    answer: str
    mode: str
    refused: bool
    reason: str


FIELDS = tuple(f.name for f in dataclasses.fields(FeedbackEntry))


class FeedbackStore:
    """Answer records and feedback entries, in Redis when it answers, else in process."""

    def __init__(self, link: RedisLink, *, max_entries: int, outbox: Outbox | None = None) -> None:
        """A store over `link`.

        Args:
            link: the service's Redis.
            max_entries: the stream's cap (and the in-process one without Redis).
            outbox: where feedback waits while a configured Redis is down; None (a reader such
                as the export command) keeps it in process instead.
        """
        self._link = link
        self._max_entries = max_entries
        self._outbox = outbox
        self._lock = threading.Lock()
        self._answers: OrderedDict[str, tuple[float, AnswerRecord]] = OrderedDict()
        self._entries: deque[FeedbackEntry] = deque(maxlen=max_entries)

    @property
    def stream(self) -> str:
        return self._link.key("feedback")

    def _answers_of(self, session_id: str) -> str:
        return self._link.key("session-answers", session_id)

    def _feedback_of(self, session_id: str) -> str:
        return self._link.key("session-feedback", session_id)

    def remember(self, record: AnswerRecord) -> None:
        """Keep `record` for a day so that feedback can refer to it."""
        payload = json.dumps(dataclasses.asdict(record), ensure_ascii=False)
        key = self._link.key("answer", record.answer_id)
        listed = self._answers_of(record.session_id)
        try:
            self._link.run(
                "remember answer",
                functools.partial(_remember, key, payload, listed, record.answer_id),
            )
        except RedisDown:
            with self._lock:
                self._answers[record.answer_id] = (time.monotonic() + ANSWER_TTL_SECONDS, record)
                while len(self._answers) > _MEMORY_ANSWERS:
                    self._answers.popitem(last=False)

    def recall(self, answer_id: str) -> AnswerRecord | None:
        """The record of an answer given in the last day, if there is one.

        Raises:
            RedisDown: the record is not held in process and the configured Redis, which may
                hold it, does not answer (None would say there is no such answer).
        """
        with self._lock:
            held = self._answers.get(answer_id)
            if held is not None and held[0] <= time.monotonic():
                del self._answers[answer_id]
                held = None
        if held is not None:
            return held[1]
        key = self._link.key("answer", answer_id)
        try:
            raw = self._link.run("recall answer", lambda c: c.get(key))
        except RedisDown:
            if self._link.configured:
                raise
            return None
        if not isinstance(raw, str | bytes):
            return None
        try:
            return AnswerRecord(**json.loads(raw))
        except (ValueError, TypeError):  # written by another version, or damaged
            log.warning("unreadable record of answer %s", answer_id)
            return None

    def add(self, answer_id: str, rating: Rating, comment: str | None) -> FeedbackEntry:
        """Record a rating of an answer.

        Raises:
            UnknownAnswer: there is no record of `answer_id`.
            RedisDown: whether there is one cannot be told now (see `recall`).
        """
        record = self.recall(answer_id)
        if record is None:
            raise UnknownAnswer(answer_id)
        entry = FeedbackEntry(
            answer_id=answer_id,
            rating=rating,
            comment=redact_message(comment.strip()).text if comment else "",
            at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            session_id=record.session_id,
            question=record.question,
            answer=record.answer,
            mode=record.mode,
            refused=record.refused,
            reason=record.reason or "",
        )
        # Stream fields are strings: the flag becomes "1" or "0".
        fields: list[EncodableT] = []
        for name, value in dataclasses.asdict(entry).items():
            fields += [name, ("1" if value else "0") if isinstance(value, bool) else value]
        write = functools.partial(
            _add_entry, self.stream, self._feedback_of(record.session_id), self._max_entries, fields
        )
        try:
            self._link.run("add feedback", write)
        except RedisDown:
            if self._outbox is not None and self._link.configured:
                self._outbox.hold(HeldWrite("feedback", record.session_id, write))
            else:
                with self._lock:
                    self._entries.append(entry)
        return entry

    def forget_session(self, session_id: str) -> None:
        """Erase what is kept about one conversation: its answer records and feedback on them.

        What is held in process goes first, so an outage leaves nothing of it there.

        Raises:
            RedisDown: Redis is configured but does not answer; try again later.
        """
        with self._lock:
            for answer_id, (_, record) in list(self._answers.items()):
                if record.session_id == session_id:
                    del self._answers[answer_id]
            kept = [e for e in self._entries if e.session_id != session_id]
            self._entries = deque(kept, maxlen=self._max_entries)
        if self._outbox is not None:
            self._outbox.discard_session(session_id)
        if self._link.configured:
            erase = functools.partial(
                _erase,
                stream=self.stream,
                answers_of=self._answers_of(session_id),
                feedback_of=self._feedback_of(session_id),
                answer_key=functools.partial(self._link.key, "answer"),
            )
            self._link.run("erase session", erase)

    def entries(self, *, page: int = 500) -> Iterator[FeedbackEntry]:
        """Every entry in Redis, oldest first, then those held in process.

        Raises:
            RedisDown: Redis is configured but does not answer.
        """
        if self._link.configured:
            yield from _stream_entries(self._link, self.stream, page)
        with self._lock:
            held = list(self._entries)
        yield from held


def _remember(key: str, payload: str, listed: str, answer_id: str, client: redis.Redis) -> None:
    # One MULTI/EXEC: a record is never kept unlisted under its conversation.
    with client.pipeline(transaction=True) as pipe:
        pipe.set(key, payload, ex=ANSWER_TTL_SECONDS)
        pipe.sadd(listed, answer_id)
        pipe.expire(listed, ANSWER_TTL_SECONDS)
        pipe.execute()


def _add_entry(
    stream: str, listed: str, cap: int, fields: list[EncodableT], client: redis.Redis
) -> object:
    return client.eval(_ADD_FEEDBACK, 2, stream, listed, cap, FEEDBACK_LINK_TTL_SECONDS, *fields)


def _erase(
    client: redis.Redis,
    *,
    stream: str,
    answers_of: str,
    feedback_of: str,
    answer_key: Callable[[str], str],
) -> None:
    answer_ids = [_text(a) for a in client.smembers(answers_of)]
    entry_ids = [_text(e) for e in client.smembers(feedback_of)]
    # SREM rather than DEL of the lists: an id listed meanwhile stays, for the next erasure.
    with client.pipeline(transaction=True) as pipe:
        if answer_ids:
            pipe.delete(*(answer_key(a) for a in answer_ids))
            pipe.srem(answers_of, *answer_ids)
        if entry_ids:
            pipe.xdel(stream, *entry_ids)
            pipe.srem(feedback_of, *entry_ids)
        pipe.execute()
    log.info(
        "erased a conversation's %d answer records and %d feedback entries",
        len(answer_ids),
        len(entry_ids),
    )


def _stream_entries(link: RedisLink, stream: str, page: int) -> Iterator[FeedbackEntry]:
    start = "-"
    while True:
        batch = link.run("export feedback", functools.partial(_page, stream, start, page)) or []
        for _, fields in batch:
            if fields:
                yield _entry(fields)
        if len(batch) < page:
            return
        start = "(" + _text(batch[-1][0])


def _page(stream: str, start: str, count: int, client: redis.Redis) -> StreamRangeResponse | None:
    return client.xrange(stream, min=start, count=count)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _entry(fields: Mapping[bytes | str, bytes | str]) -> FeedbackEntry:
    data = {_text(k): _text(v) for k, v in fields.items()}
    rating: Rating = "up" if data.get("rating") == "up" else "down"
    return FeedbackEntry(
        answer_id=data.get("answer_id", ""),
        rating=rating,
        comment=data.get("comment", ""),
        at=data.get("at", ""),
        session_id=data.get("session_id", ""),
        question=data.get("question", ""),
        answer=data.get("answer", ""),
        mode=data.get("mode", ""),
        refused=data.get("refused") == "1",
        reason=data.get("reason", ""),
    )


def export(entries: Iterable[FeedbackEntry], out: TextIO, *, fmt: ExportFormat) -> int:
    """Write entries as JSON lines or CSV (with a header row); return how many were written."""
    return write_records((dataclasses.asdict(e) for e in entries), FIELDS, out, fmt=fmt)

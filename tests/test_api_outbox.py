"""The outbox of writes held while Redis is down: bounded, in order, erasable, never stuck."""

from __future__ import annotations

import functools
import logging

import pytest
import redis

from api.metrics import Metrics
from api.outbox import HeldWrite, Outbox
from rag.redis_link import RedisLink
from tests.api_support import DEAD_REDIS_URL, REDIS_URL, metric


def push(key: str, value: str, client: redis.Redis) -> None:
    client.rpush(key, value)


def held(prefix: str, value: str, session_id: str | None = None) -> HeldWrite:
    return HeldWrite("feedback", session_id, functools.partial(push, prefix + "log", value))


def test_held_writes_are_replayed_in_order_and_counted(prefix: str, rclient: redis.Redis) -> None:
    metrics = Metrics()
    outbox = Outbox(RedisLink.from_url(REDIS_URL, prefix=prefix), metrics=metrics)
    for value in ("pierwszy", "drugi", "trzeci"):
        assert outbox.hold(held(prefix, value))
    assert len(outbox) == 3
    assert metric(metrics.exposition().decode(), "okienko_redis_writes_pending") == 3
    assert outbox.flush() == 3
    assert rclient.lrange(prefix + "log", 0, -1) == [b"pierwszy", b"drugi", b"trzeci"]
    text = metrics.exposition().decode()
    assert metric(text, "okienko_redis_writes_flushed_total", kind="feedback") == 3
    assert metric(text, "okienko_redis_writes_pending") == 0
    assert outbox.flush() == 0


def test_a_full_outbox_refuses_and_counts_the_loss(caplog: pytest.LogCaptureFixture) -> None:
    metrics = Metrics()
    outbox = Outbox(RedisLink.from_url(DEAD_REDIS_URL), metrics=metrics, capacity=2)
    with caplog.at_level(logging.WARNING, logger="api.outbox"):
        assert outbox.hold(held("x:", "1"))
        assert outbox.hold(held("x:", "2"))
        assert not outbox.hold(held("x:", "3"))
    assert len(outbox) == 2
    text = metrics.exposition().decode()
    assert metric(text, "okienko_redis_writes_held_total", kind="feedback") == 2
    assert metric(text, "okienko_redis_writes_lost_total", kind="feedback") == 1
    assert "2 writes already held" in caplog.text
    assert outbox.flush() == 0  # Redis is still not there: nothing is dropped
    assert len(outbox) == 2


def test_a_write_redis_refuses_is_dropped_without_holding_back_the_rest(
    prefix: str, rclient: redis.Redis
) -> None:
    metrics = Metrics()
    outbox = Outbox(RedisLink.from_url(REDIS_URL, prefix=prefix), metrics=metrics)
    rclient.set(prefix + "napis", "nie lista")  # RPUSH onto it: WRONGTYPE, refused for good
    outbox.hold(HeldWrite("callback", None, functools.partial(push, prefix + "napis", "x")))
    outbox.hold(held(prefix, "po nim"))
    assert outbox.flush() == 1
    assert len(outbox) == 0
    assert rclient.lrange(prefix + "log", 0, -1) == [b"po nim"]
    text = metrics.exposition().decode()
    assert metric(text, "okienko_redis_writes_lost_total", kind="callback") == 1


def test_erasing_a_conversation_discards_its_held_writes(prefix: str, rclient: redis.Redis) -> None:
    outbox = Outbox(RedisLink.from_url(REDIS_URL, prefix=prefix), metrics=Metrics())
    outbox.hold(held(prefix, "moja", session_id="sesja-do-usuniecia"))
    outbox.hold(held(prefix, "cudza", session_id="inna-sesja-123"))
    outbox.hold(held(prefix, "bez sesji"))
    assert outbox.discard_session("sesja-do-usuniecia") == 1
    assert outbox.flush() == 2
    assert rclient.lrange(prefix + "log", 0, -1) == [b"cudza", b"bez sesji"]

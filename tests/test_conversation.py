"""Conversation stores (one contract, both backends), degradation without Redis."""

from __future__ import annotations

import logging
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import redis
from redis.backoff import NoBackoff
from redis.exceptions import ResponseError
from redis.retry import Retry

from rag.conversation import (
    ConversationStore,
    HistoryUnavailable,
    InvalidSessionId,
    MemoryConversationStore,
    RedisConversationStore,
    Turn,
    open_conversation_store,
    valid_session_id,
)
from rag.redis_link import RedisLink
from rag.settings import Settings
from tests.api_support import REDIS_URL, Cable

SESSION = "sesja-testowa-1"
OTHER = "sesja-testowa-2"


def user(text: str, at: float = 1.0, standalone: str | None = None) -> Turn:
    return Turn(role="user", text=text, at=at, standalone=standalone)


def assistant(text: str, at: float = 2.0, topics: tuple[str, ...] = ()) -> Turn:
    return Turn(role="assistant", text=text, at=at, topics=topics)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Backend:
    make: Callable[..., ConversationStore]  # keyword arguments: ttl_seconds, max_turns
    wait: Callable[[float], None]  # let this much time pass for the store


# Redis: the shared fixtures `rclient` (the test database) and `prefix` (a key prefix of
# the test's own, dropped afterwards) from `tests.api_support`.


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "memory":
        clock = FakeClock()
        return Backend(
            make=lambda **options: MemoryConversationStore(clock=clock, **options),
            wait=clock.advance,
        )
    client: redis.Redis = request.getfixturevalue("rclient")
    prefix: str = request.getfixturevalue("prefix")

    def wait(seconds: float) -> None:
        # Redis keeps its own clock: shorten each key's remaining life instead of sleeping.
        # Its real expiry is checked once, with a real sleep, in a test of its own.
        for key in client.scan_iter(match=prefix + "*"):
            left = int(client.pttl(key)) - int(seconds * 1000)
            if left > 0:
                client.pexpire(key, left)
            else:
                client.delete(key)

    return Backend(
        make=lambda **options: RedisConversationStore(RedisLink(client, prefix=prefix), **options),
        wait=wait,
    )


# --- The contract: every store ------------------------------------------------------------


def test_unknown_session_is_empty(backend: Backend) -> None:
    store = backend.make(ttl_seconds=60, max_turns=10)
    assert store.history("nikt-tu-nie-pisal") == []
    assert store.delete("nikt-tu-nie-pisal") is False
    assert store.ping() is True


def test_turns_come_back_oldest_first_with_all_fields(backend: Backend) -> None:
    store = backend.make(ttl_seconds=60, max_turns=10)
    first = user("kto dostanie dodatek mieszkaniowy", at=10.5)
    reply = assistant("Dodatek przysługuje… [1]", at=11.25, topics=("dodatek_mieszkaniowy",))
    follow = user("a ile sie czeka", at=20.0, standalone="Dodatek mieszkaniowy: a ile sie czeka")
    store.append(SESSION, first, reply)
    store.append(SESSION, follow)
    assert store.history(SESSION) == [first, reply, follow]


def test_cap_keeps_the_newest_turns(backend: Backend) -> None:
    store = backend.make(ttl_seconds=60, max_turns=4)
    turns = [user(f"pytanie numer {n}", at=float(n)) for n in range(9)]
    for turn in turns[:3]:
        store.append(SESSION, turn)
    store.append(SESSION, *turns[3:])  # one batch longer than the cap
    assert store.history(SESSION) == turns[-4:]


def test_history_expires_and_each_append_restarts_the_clock(backend: Backend) -> None:
    store = backend.make(ttl_seconds=60, max_turns=10)
    store.append(SESSION, user("pierwsze", at=1.0))
    backend.wait(40)
    store.append(SESSION, user("drugie", at=2.0))
    backend.wait(40)  # 80 s after the first append, 40 s after the second
    assert [turn.text for turn in store.history(SESSION)] == ["pierwsze", "drugie"]
    backend.wait(21)
    assert store.history(SESSION) == []
    assert store.delete(SESSION) is False


def test_delete_erases_one_session_only(backend: Backend) -> None:
    store = backend.make(ttl_seconds=60, max_turns=10)
    store.append(SESSION, user("moje pytanie"))
    store.append(OTHER, user("cudze pytanie"))
    assert store.delete(SESSION) is True
    assert store.history(SESSION) == []
    assert store.delete(SESSION) is False
    assert [turn.text for turn in store.history(OTHER)] == ["cudze pytanie"]


def test_sessions_do_not_see_each_other(backend: Backend) -> None:
    store = backend.make(ttl_seconds=60, max_turns=3)
    for n in range(3):
        store.append(SESSION, user(f"a{n}"))
        store.append(OTHER, user(f"b{n}"))
    store.append(OTHER, user("b3"))  # trims OTHER only
    assert [turn.text for turn in store.history(SESSION)] == ["a0", "a1", "a2"]
    assert [turn.text for turn in store.history(OTHER)] == ["b1", "b2", "b3"]


def test_unicode_text_round_trips(backend: Backend) -> None:
    store = backend.make(ttl_seconds=60, max_turns=10)
    text = 'Zażółć gęślą jaźń — „cudzysłów”, ½ €, 🏠\nnowa linia\t{"role": "assistant"}'
    turn = Turn(role="user", text=text, at=1_700_000_000.123456, standalone=text.upper())
    store.append(SESSION, turn)
    assert store.history(SESSION) == [turn]


@pytest.fixture
def eager_thread_switching() -> Iterator[None]:
    # Switch threads as often as possible, so that an unguarded read-modify-write shows.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("eager_thread_switching")
def test_concurrent_appends_lose_nothing(backend: Backend) -> None:
    threads, rounds = 8, 200
    store = backend.make(ttl_seconds=60, max_turns=threads * rounds)
    # Each round, every thread writes into the same new session at once: the race that an
    # unguarded "read the session, add, write it back" loses turns in.
    start = threading.Barrier(threads, timeout=5)

    def writer(worker: int) -> None:
        for n in range(rounds):
            start.wait()
            store.append(f"wspolna-{n:04d}", user(str(worker)))
            store.append(SESSION, user(f"{worker}:{n}"))

    pool = [threading.Thread(target=writer, args=(w,)) for w in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    everyone = [str(w) for w in range(threads)]
    for n in range(rounds):
        assert sorted(t.text for t in store.history(f"wspolna-{n:04d}")) == everyone
    texts = [turn.text for turn in store.history(SESSION)]
    assert len(texts) == threads * rounds
    for worker in range(threads):
        mine = [t for t in texts if t.startswith(f"{worker}:")]
        assert mine == [f"{worker}:{n}" for n in range(rounds)]


@pytest.mark.parametrize("bad", ["krotko", "okienko:session:*", "ąęśćżźńół", "a" * 65, ""])
def test_invalid_session_ids_are_refused(backend: Backend, bad: str) -> None:
    store = backend.make(ttl_seconds=60, max_turns=10)
    with pytest.raises(InvalidSessionId) as raised:
        store.history(bad)
    assert raised.value.session_id == bad
    with pytest.raises(InvalidSessionId):
        store.append(bad, user("x"))


# --- Each store's own behaviour -----------------------------------------------------------


def test_redis_keys_expire_on_the_server(rclient: redis.Redis, prefix: str) -> None:
    store = RedisConversationStore(RedisLink(rclient, prefix=prefix), ttl_seconds=1, max_turns=5)
    store.append(SESSION, user("za chwile zniknie"))
    key = store.key(SESSION)
    assert key == f"{prefix}session:{SESSION}"
    assert rclient.type(key) == b"list"
    assert 0 < int(rclient.ttl(key)) <= 1
    time.sleep(1.2)
    assert rclient.exists(key) == 0
    assert store.history(SESSION) == []


def test_redis_skips_an_unreadable_entry(
    rclient: redis.Redis, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    store = RedisConversationStore(RedisLink(rclient, prefix=prefix), ttl_seconds=60, max_turns=10)
    store.append(SESSION, user("przed"))
    damaged = ["to nie jest JSON", "[1, 2]", '{"role": "admin", "text": "x", "at": 1}']
    damaged.append('{"role": "user", "text": 5, "at": 1}')
    rclient.rpush(store.key(SESSION), *damaged)
    store.append(SESSION, user("po"))
    with caplog.at_level(logging.WARNING, logger="rag.conversation"):
        assert [turn.text for turn in store.history(SESSION)] == ["przed", "po"]
    assert len(caplog.records) == len(damaged)


def test_memory_store_evicts_the_least_recently_written_session() -> None:
    store = MemoryConversationStore(ttl_seconds=60, max_turns=5, max_sessions=3)
    for name in ("sesja-aaa", "sesja-bbb", "sesja-ccc"):
        store.append(name, user(name))
    store.append("sesja-aaa", user("znowu"))  # now the newest
    store.append("sesja-ddd", user("czwarta"))
    assert store.history("sesja-bbb") == []
    assert [turn.text for turn in store.history("sesja-aaa")] == ["sesja-aaa", "znowu"]
    assert store.history("sesja-ccc") != []
    assert store.history("sesja-ddd") != []


# --- Without Redis ------------------------------------------------------------------------


def test_unreachable_redis_means_no_history_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = redis.Redis(
        host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )
    store = RedisConversationStore(RedisLink(client), ttl_seconds=60, max_turns=10)
    started = time.perf_counter()
    with caplog.at_level(logging.WARNING):
        assert store.history(SESSION) == []
        store.append(SESSION, user("pytanie bez historii"))
        # Erasing is the one thing not hidden: "nothing to erase" would be untrue.
        with pytest.raises(HistoryUnavailable):
            store.delete(SESSION)
        assert store.ping() is False
    assert time.perf_counter() - started < 2.0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # one outage, one warning (the link's)
    assert "during conversation history" in warnings[0].getMessage()
    with pytest.raises(InvalidSessionId):  # a caller's mistake is not an outage
        store.history("zle:id*")


@dataclass
class Outage:
    """A store on a link whose Redis connection the test pulls out and plugs back in."""

    store: RedisConversationStore
    cable: Cable
    clock: FakeClock


@pytest.fixture
def outage(cable: Cable, prefix: str) -> Outage:
    clock = FakeClock()
    link = RedisLink(cable.client, prefix=prefix, retry_after_seconds=5, clock=clock)
    return Outage(RedisConversationStore(link, ttl_seconds=600, max_turns=10), cable, clock)


def test_an_outage_backs_off_then_recovers(
    outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    store, cable, clock = outage.store, outage.cable, outage.clock
    store.append(SESSION, user("zapisane przed awaria"))
    cable.pull()
    with caplog.at_level(logging.INFO, logger="rag.redis_link"):
        assert store.history(SESSION) == []
        store.append(SESSION, user("zgubione"))
        cable.plug()
        assert store.history(SESSION) == []  # left alone while backing off, though it is back
        cable.pull()
        clock.advance(6)
        assert store.history(SESSION) == []  # tried again, still down
        cable.plug()
        clock.advance(6)
        assert [turn.text for turn in store.history(SESSION)] == ["zapisane przed awaria"]
    levels = [record.levelno for record in caplog.records]
    assert levels == [logging.WARNING, logging.INFO]  # the second failure was held back
    assert "reachable again" in caplog.records[-1].getMessage()


def test_erasing_is_tried_even_while_backing_off(outage: Outage) -> None:
    store, cable = outage.store, outage.cable
    store.append(SESSION, user("do usuniecia"))
    cable.pull()
    assert store.history(SESSION) == []  # now backing off
    with pytest.raises(HistoryUnavailable) as raised:
        store.delete(SESSION)
    assert raised.value.reason != "failed recently"  # asked, not refused from memory of it
    assert raised.value.operation == "delete"
    cable.plug()
    assert store.delete(SESSION) is True  # at once, no waiting out the back-off
    assert store.history(SESSION) == []


def test_a_strict_read_says_when_it_cannot_tell(outage: Outage) -> None:
    store, cable, clock = outage.store, outage.cable, outage.clock
    store.append(SESSION, user("zapisane"))
    cable.pull()
    with pytest.raises(HistoryUnavailable) as raised:
        store.history(SESSION, strict=True)
    assert raised.value.operation == "history"
    assert store.history(SESSION) == []  # answering goes on without history
    with pytest.raises(HistoryUnavailable, match="failed recently"):
        store.history(SESSION, strict=True)  # backing off: not asked, still not "none"
    cable.plug()
    clock.advance(6)
    assert [turn.text for turn in store.history(SESSION, strict=True)] == ["zapisane"]


def test_a_successful_ping_ends_the_back_off(outage: Outage) -> None:
    store, cable = outage.store, outage.cable
    cable.pull()
    assert store.ping() is False
    store.append(SESSION, user("zgubione"))  # fails: the back-off starts
    cable.plug()
    assert store.ping() is True  # a health check always asks
    store.append(SESSION, user("zapisane"))
    assert [turn.text for turn in store.history(SESSION)] == ["zapisane"]


def test_other_redis_errors_are_not_hidden(outage: Outage, rclient: redis.Redis) -> None:
    rclient.set(outage.store.key(SESSION), "not a list")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        outage.store.history(SESSION)


# --- Wiring and ids -----------------------------------------------------------------------


def test_without_a_redis_url_history_stays_in_process() -> None:
    settings = Settings(redis_url=None, session_ttl_seconds=60, session_max_turns=2)
    store = open_conversation_store(settings)
    assert isinstance(store, MemoryConversationStore)
    store.append(SESSION, user("1"), user("2"), user("3"))
    assert [turn.text for turn in store.history(SESSION)] == ["2", "3"]


def test_with_a_redis_url_history_goes_to_redis(rclient: redis.Redis) -> None:
    settings = Settings(redis_url=REDIS_URL, session_max_turns=2)
    store = open_conversation_store(settings)
    session = uuid.uuid4().hex
    try:
        store.append(session, user("1"), user("2"), user("3"))
        assert [turn.text for turn in store.history(session)] == ["2", "3"]
        assert rclient.llen(f"okienko:session:{session}") == 2
        assert store.ping() is True
    finally:
        assert store.delete(session) is True


def test_history_keys_start_with_the_deployments_prefix(rclient: redis.Redis, prefix: str) -> None:
    settings = Settings(redis_url=REDIS_URL, redis_prefix=prefix)
    store = open_conversation_store(settings)
    store.append(SESSION, user("1"))
    assert rclient.llen(f"{prefix}session:{SESSION}") == 1
    other = open_conversation_store(settings.model_copy(update={"redis_prefix": "inne-wdrozenie:"}))
    assert other.history(SESSION) == []  # another deployment on the same Redis sees nothing
    assert other.delete(SESSION) is False
    assert [turn.text for turn in store.history(SESSION)] == ["1"]


def test_a_dead_redis_url_degrades_quickly() -> None:
    store = open_conversation_store(Settings(redis_url="redis://127.0.0.1:1/0"))
    started = time.perf_counter()
    assert store.history(uuid.uuid4().hex) == []
    assert store.ping() is False
    assert time.perf_counter() - started < 2.5


def test_a_malformed_redis_url_stops_start_up() -> None:
    with pytest.raises(ValueError, match="redis://"):
        open_conversation_store(Settings(redis_url="http://127.0.0.1:6379"))


def test_session_ids() -> None:
    assert valid_session_id("abc_DEF-12")
    assert not valid_session_id("abc1234")  # 7 characters
    assert not valid_session_id("x" * 65)
    assert not valid_session_id("sesja:123*")
    assert not valid_session_id("sesja 12345")

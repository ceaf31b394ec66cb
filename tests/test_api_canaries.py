"""Canaries: personal data sent through every route never reaches a sink.

Messages carrying canary values (a PESEL written three ways, obfuscated e-mails, a name with a
street and a birth date, an illness, an account, a phone, an ID card) go through the chat, the
stream, the OpenAI facade, feedback and the handoff, with the chat model behind the scripted
server. None of the values may then be found in Redis (every key the test created), in the log
(everything, debug included), in what the model server received, in the staff's export of
callback requests, or in the conversation read back.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import key_digest
from rag.chat_model import OpenAIChatModel
from rag.conversation import open_conversation_store
from rag.runtime import Runtime
from tests.api_support import QUESTION, rebuild, served_runtime
from tests.openai_server import OpenAIServer, Reply

STAFF = {"X-API-Key": "klucz-pracownika-do-testow"}
PERSON = "Nazywam się Jan Kanarkowski, ul. Kanarkowa 5/3, ur. 12.03.1980"
CANARIES = [
    r"44 05 14 01 359",
    r"44-05-14-01-359",
    r"4 4 0 5 1 4 0 1 3 5 9",
    r"44051401359",
    r"kanarek",
    r"kanarkow",  # Kanarkowski, Kanarkowa, kanarkowo.pl
    r"12\.03\.1980",
    r"depresj",
    r"\bhiv\b",
    r"1090 1014 0000",
    r"600 123 456",
    r"aba ?300000",
]
CANARY = re.compile("|".join(CANARIES), re.IGNORECASE)


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory, rclient: redis.Redis) -> Iterator[Runtime]:
    with served_runtime(
        tmp_path_factory.mktemp("api-canaries"),
        rclient,
        api_key_hashes=[key_digest(STAFF["X-API-Key"])],
    ) as built:
        yield built


def dump(client: redis.Redis, prefix: str) -> str:
    """Everything stored under `prefix`, whatever the type of each key."""
    found: dict[str, object] = {}
    for raw in client.scan_iter(match=prefix + "*"):
        key = raw.decode()
        kind = client.type(key).decode()
        if kind == "string":
            found[key] = client.get(key)
        elif kind == "list":
            found[key] = client.lrange(key, 0, -1)
        elif kind == "hash":
            found[key] = client.hgetall(key)
        elif kind == "set":
            found[key] = sorted(client.smembers(key))
        elif kind == "zset":
            found[key] = client.zrange(key, 0, -1)
        elif kind == "stream":
            found[key] = client.xrange(key)
        else:
            raise AssertionError(f"{key}: a {kind} the test cannot read")
    return json.dumps(_plain(found), ensure_ascii=False)


def _plain(value: object) -> object:
    """Redis replies with bytes decoded, so the canaries are searched in text."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def test_no_canary_reaches_redis_the_log_the_model_or_the_export(
    runtime: Runtime,
    rclient: redis.Redis,
    prefix: str,
    openai_server: OpenAIServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    openai_server.default = Reply("Dodatek mieszkaniowy przyznaje się na 6 miesięcy [1].")
    own = runtime.settings.model_copy(
        update={
            "redis_prefix": prefix,
            "llm_base_url": openai_server.url,
            "llm_timeout_seconds": 5,
            "llm_structured_output": False,
        }
    )
    served = rebuild(
        runtime,
        settings=own,
        conversations=open_conversation_store(own),
        chat_model=OpenAIChatModel(own),
    )
    with caplog.at_level(logging.DEBUG), TestClient(create_app(own, runtime=served)) as client:
        first = client.post(
            "/v1/chat",
            json={"message": f"{PERSON}, PESEL 44 05 14 01 359, mam depresję i HIV. {QUESTION}"},
        ).json()
        session = first["session_id"]
        follow = (
            "A od kiedy? Pisz na kanarek(at)example(dot)com albo zosia małpa kanarkowo kropka pl, "
            "tel. 600 123 456."
        )
        client.post("/v1/chat", json={"message": follow, "session_id": session})
        streamed = (
            "P E S E L: 4 4 0 5 1 4 0 1 3 5 9, konto PL61 1090 1014 0000 0712 1981 2874. "
            + QUESTION
        )
        stream = client.post("/v1/chat/stream", json={"message": streamed, "session_id": session})
        assert stream.status_code == 200
        openai_style = f"44-05-14-01-359, dowód ABA 300000, choruję na depresję. {QUESTION}"
        completion = client.post(
            "/v1/chat/completions", json={"messages": [{"role": "user", "content": openai_style}]}
        )
        assert completion.status_code == 200
        comment = f"Dziękuję! {PERSON}, mam HIV, PESEL 44 05 14 01 359"
        rated = {"answer_id": first["answer_id"], "rating": "up", "comment": comment}
        assert client.post("/v1/feedback", json=rated).status_code == 202
        handoff = {
            "session_id": session,
            "name": "Zosia",
            "phone": "+48 601 202 303",
            "message": f"Proszę o kontakt. {PERSON}. Mam depresję, PESEL 44-05-14-01-359, "
            "kanarek(at)example(dot)com",
        }
        assert client.post("/v1/handoff", json=handoff).json()["callback_recorded"] is True
        exports = [
            client.get("/v1/handoffs", headers=STAFF).text,
            client.get("/v1/handoffs/export", headers=STAFF).text,
            client.get("/v1/handoffs/export?format=csv", headers=STAFF).text,
        ]
        read_back = client.get(f"/v1/sessions/{session}").text

    stored = dump(rclient, prefix)
    sent = json.dumps(openai_server.requests, ensure_ascii=False)
    # Not vacuous: each sink holds the message, redacted.
    assert len(openai_server.requests) >= 4  # answers and the follow-ups' rewrites
    for sink in (stored, sent, exports[1], read_back):
        assert "[dane o zdrowiu]" in sink or "[PESEL]" in sink, sink[:300]
    assert "+48 601 202 303" in exports[1]  # what staff need to call back is there
    for name, sink in [
        ("redis", stored),
        ("the log", caplog.text),
        ("the model server", sent),
        *((f"export {n}", text) for n, text in enumerate(exports)),
        ("the conversation read back", read_back),
    ]:
        leaked = sorted({m.group(0) for m in CANARY.finditer(sink)})
        assert not leaked, f"{name} holds {leaked}"

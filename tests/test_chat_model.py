"""The chat model against a real HTTP server speaking the OpenAI protocol, and its scripted fake."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Generator
from typing import Any

import httpx
import pytest

from rag.chat_model import ChatModel, GenerationFailed, Message, OpenAIChatModel, ScriptedChatModel
from rag.deadline import Deadline
from rag.settings import Settings
from tests.openai_server import OpenAIServer, Reply

BIELIK_END = "<|im_end|>"
QUESTION = (
    Message("system", "Odpowiadasz po polsku, krótko, na podstawie podanych fragmentów."),
    Message("user", "Kiedy przysługuje dodatek mieszkaniowy?"),
    Message("assistant", "Proszę podać, o jaki lokal chodzi."),
    Message("user", "Mieszkanie komunalne, dwie osoby."),
)


def make_model(server: OpenAIServer, **overrides: Any) -> OpenAIChatModel:
    options: dict[str, Any] = {"llm_timeout_seconds": 0.3, "llm_max_retries": 1} | overrides
    return OpenAIChatModel(Settings(llm_base_url=server.url, **options))


def complete(model: ChatModel) -> str:
    return model.complete(QUESTION)


def stream(model: ChatModel) -> str:
    return "".join(model.stream(QUESTION))


# Both ways of asking go through the same failure handling.
CALLS = [pytest.param(complete, id="complete"), pytest.param(stream, id="stream")]
Call = Callable[[ChatModel], str]


def test_complete_returns_the_json_reply(openai_server: OpenAIServer) -> None:
    openai_server.script("Dodatek przysługuje, gdy dochód nie przekracza progu [1].")
    model = make_model(openai_server)

    assert model.complete(QUESTION) == "Dodatek przysługuje, gdy dochód nie przekracza progu [1]."
    assert len(openai_server.requests) == 1
    assert not openai_server.requests[0].get("stream")


def test_stream_yields_the_server_pieces_in_order(openai_server: OpenAIServer) -> None:
    pieces = ("Wniosek", " składa", " się", " w", " CUS", " [2]", ".")
    openai_server.script(Reply(pieces=pieces))
    model = make_model(openai_server)

    deltas = list(model.stream(QUESTION))

    assert deltas == list(pieces)
    assert "".join(deltas) == "Wniosek składa się w CUS [2]."
    assert openai_server.requests[0]["stream"] is True


def test_the_request_carries_the_settings_and_the_conversation(
    openai_server: OpenAIServer,
) -> None:
    openai_server.script("Tak.")
    model = make_model(
        openai_server,
        llm_model="speakleash/Bielik-11B-v2.3-Instruct",
        llm_api_key="klucz-testowy",
        llm_max_tokens=321,
        llm_temperature=0.25,
        llm_stop=[BIELIK_END, "</s>"],
    )

    model.complete(QUESTION)

    body = openai_server.requests[0]
    assert body["model"] == "speakleash/Bielik-11B-v2.3-Instruct"
    assert model.name == "speakleash/Bielik-11B-v2.3-Instruct"
    # langchain-openai sends the limit as `max_completion_tokens` (vLLM reads it too).
    assert body["max_completion_tokens"] == 321
    assert body["temperature"] == 0.25
    assert body["stop"] == [BIELIK_END, "</s>"]
    assert body["messages"] == [{"role": m.role, "content": m.content} for m in QUESTION]
    assert openai_server.headers[0]["authorization"] == "Bearer klucz-testowy"


def test_no_stop_sequences_are_sent_unless_configured(openai_server: OpenAIServer) -> None:
    openai_server.script("Tak.")
    make_model(openai_server).complete(QUESTION)

    assert "stop" not in openai_server.requests[0]


@pytest.mark.parametrize("call", CALLS)
def test_bielik_end_token_ends_the_reply(openai_server: OpenAIServer, call: Call) -> None:
    openai_server.script(f"Tak, przysługuje [1].{BIELIK_END}<|im_start|>user\nA dalej?")
    model = make_model(openai_server, llm_stop=[BIELIK_END])

    assert call(model) == "Tak, przysługuje [1]."


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("retries", [0, 1])
def test_a_slow_server_times_out_after_bounded_retries(
    openai_server: OpenAIServer, call: Call, retries: int
) -> None:
    openai_server.default = Reply("Za późno.", delay=2.0)
    model = make_model(openai_server, llm_timeout_seconds=0.3, llm_max_retries=retries)

    started = time.perf_counter()
    with pytest.raises(GenerationFailed) as caught:
        call(model)

    assert caught.value.retryable
    assert "did not answer within 0.3 s" in caught.value.reason
    assert len(openai_server.requests) == 1 + retries
    assert time.perf_counter() - started < 1.8  # gave up well before the server answered


# --- one deadline for all the calls and retries of a request ---------------------------------


class FakeClock:
    """Time the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _ask_json(model: ChatModel, deadline: Deadline) -> object:
    return model.complete_json(QUESTION, name="odpowiedz", schema={}, deadline=deadline)


DEADLINE_CALLS = [
    pytest.param(lambda m, d: m.complete(QUESTION, deadline=d), id="complete"),
    pytest.param(_ask_json, id="complete_json"),
    pytest.param(lambda m, d: "".join(m.stream(QUESTION, deadline=d)), id="stream"),
]


@pytest.mark.parametrize("call", DEADLINE_CALLS)
def test_retries_stop_at_the_deadline(
    openai_server: OpenAIServer, call: Callable[[ChatModel, Deadline], object]
) -> None:
    openai_server.default = Reply("Za późno.", delay=5.0)
    # Alone, four attempts of 5 s each: about 20 s. The deadline leaves half a second.
    model = make_model(openai_server, llm_timeout_seconds=5.0, llm_max_retries=3)
    deadline = Deadline.after(0.5)

    started = time.perf_counter()
    with pytest.raises(GenerationFailed) as caught:
        call(model, deadline)

    assert time.perf_counter() - started < 3.0  # generous: the point is not 20 s
    assert len(openai_server.requests) == 1  # no time was left for a retry
    assert "did not answer within 0.5 s (1 attempt(s))" in caught.value.reason


def test_a_passed_deadline_sends_nothing(openai_server: OpenAIServer) -> None:
    clock = FakeClock()
    deadline = Deadline.after(12, clock=clock)
    clock.now += 12

    with pytest.raises(GenerationFailed, match="deadline passed") as caught:
        make_model(openai_server).complete(QUESTION, deadline=deadline)

    assert not caught.value.retryable
    assert openai_server.requests == []


def test_each_attempt_gets_what_is_left_of_the_deadline(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply.error(503), Reply("Druga próba.", delay=0.1))
    deadline = Deadline.after(3.0)

    reply = make_model(openai_server, llm_timeout_seconds=5.0).complete(QUESTION, deadline=deadline)

    assert reply == "Druga próba."
    assert len(openai_server.requests) == 2


def test_a_deadline_passing_midway_closes_the_stream(openai_server: OpenAIServer) -> None:
    words = tuple(f" słowo{n}" for n in range(200))
    openai_server.script(Reply(pieces=words, piece_delay=0.02))
    clock = FakeClock()
    deadline = Deadline.after(12, clock=clock)
    deltas = make_model(openai_server, llm_timeout_seconds=5.0).stream(QUESTION, deadline=deadline)

    assert next(deltas) == " słowo0"
    clock.now += 12
    with pytest.raises(GenerationFailed, match="after 7 characters: the request's deadline passed"):
        list(deltas)
    assert openai_server.abandoned.wait(5), "the server kept streaming to nobody"


def test_a_cancelled_deadline_closes_the_stream_at_its_next_chunk(
    openai_server: OpenAIServer,
) -> None:
    words = tuple(f" słowo{n}" for n in range(200))
    openai_server.script(Reply(pieces=words, piece_delay=0.02))
    deadline = Deadline.after(30)
    deltas = make_model(openai_server, llm_timeout_seconds=5.0).stream(QUESTION, deadline=deadline)
    next(deltas)

    deadline.cancel()

    with pytest.raises(GenerationFailed, match="the client went away"):
        list(deltas)
    assert openai_server.abandoned.wait(5), "the server kept streaming to nobody"


def test_a_reader_that_stops_closes_the_request(openai_server: OpenAIServer) -> None:
    words = tuple(f" słowo{n}" for n in range(200))
    openai_server.script(Reply(pieces=words, piece_delay=0.02))
    deltas = make_model(openai_server, llm_timeout_seconds=5.0).stream(QUESTION)
    assert isinstance(deltas, Generator)
    next(deltas)

    deltas.close()

    assert openai_server.abandoned.wait(5), "the server kept streaming to nobody"


# --- a 200 that is no chat completion ------------------------------------------------------

GARBAGE = [
    pytest.param("<html><body>502 Bad Gateway</body></html>", id="html"),
    pytest.param('{"choices": 7}', id="wrong-json"),
    pytest.param('{"id": "x", "object": "chat.completion"}', id="no-choices"),
    pytest.param('{"choices": [{"index": 0}]', id="cut-json"),
    pytest.param("", id="empty"),
    pytest.param("data: {nie json}\n\n", id="broken-event"),
]


def complete_json(model: ChatModel) -> str:
    return str(model.complete_json(QUESTION, name="odpowiedz", schema={"type": "object"}))


@pytest.mark.parametrize("call", [*CALLS, pytest.param(complete_json, id="complete_json")])
@pytest.mark.parametrize("raw", GARBAGE)
def test_a_200_that_is_no_chat_completion_is_a_failure(
    openai_server: OpenAIServer, call: Call, raw: str
) -> None:
    openai_server.default = Reply(raw=raw)

    with pytest.raises(GenerationFailed):
        call(make_model(openai_server, llm_max_retries=1))
    assert len(openai_server.requests) <= 2


@pytest.mark.parametrize(
    ("call", "status"), [(complete, 500), (stream, 503), (complete, 429), (stream, 429)]
)
def test_server_errors_are_retried_then_reported(
    openai_server: OpenAIServer, call: Call, status: int
) -> None:
    openai_server.default = Reply.error(status, "model przeciążony")
    model = make_model(openai_server, llm_max_retries=1)

    with pytest.raises(GenerationFailed) as caught:
        call(model)

    assert caught.value.retryable
    assert f"HTTP {status}: model przeciążony" in caught.value.reason
    assert len(openai_server.requests) == 2


def test_a_retry_that_succeeds_returns_its_reply(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply.error(502), "Druga próba się udała.")

    assert make_model(openai_server).complete(QUESTION) == "Druga próba się udała."
    assert len(openai_server.requests) == 2


@pytest.mark.parametrize("call", CALLS)
def test_a_rejected_request_is_not_retried(openai_server: OpenAIServer, call: Call) -> None:
    openai_server.default = Reply.error(400, "prompt za długi dla okna modelu")
    model = make_model(openai_server, llm_max_retries=3)

    with pytest.raises(GenerationFailed) as caught:
        call(model)

    assert not caught.value.retryable
    assert caught.value.reason.endswith("HTTP 400: prompt za długi dla okna modelu")
    assert "Traceback" not in str(caught.value)
    assert len(openai_server.requests) == 1


def test_a_stream_dropped_midway_fails_after_its_first_pieces(
    openai_server: OpenAIServer,
) -> None:
    pieces = ("Jeden", " dwa", " trzy", " cztery", " pięć", " sześć")
    openai_server.script(Reply(pieces=pieces, drop=True))
    model = make_model(openai_server)

    received: list[str] = []
    with pytest.raises(GenerationFailed) as caught:
        received.extend(model.stream(QUESTION))

    assert received == list(pieces[:3])
    assert caught.value.retryable
    assert caught.value.reason.startswith("the stream broke off after 14 characters")
    assert len(openai_server.requests) == 1  # a half-sent reply is never silently re-asked


def test_a_stream_that_ends_unfinished_fails(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply("Urwana odpowiedź bez", finish_reason=None))

    with pytest.raises(GenerationFailed, match="before the model finished"):
        list(make_model(openai_server).stream(QUESTION))


def test_a_connection_closed_without_a_reply_is_retried(openai_server: OpenAIServer) -> None:
    openai_server.default = Reply("nigdy wysłane", drop=True)

    with pytest.raises(GenerationFailed) as caught:
        make_model(openai_server, llm_max_retries=1).complete(QUESTION)

    assert caught.value.retryable
    assert "cannot reach" in caught.value.reason
    assert len(openai_server.requests) == 2


def test_no_server_listening_is_a_retryable_failure() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(llm_base_url=f"http://127.0.0.1:{port}/v1", llm_max_retries=0)

    with pytest.raises(GenerationFailed) as caught:
        OpenAIChatModel(settings).complete(QUESTION)

    assert caught.value.retryable
    assert f"cannot reach {settings.llm_model} at http://127.0.0.1:{port}/v1" in (
        caught.value.reason
    )


def test_an_empty_reply_is_a_failure(openai_server: OpenAIServer) -> None:
    openai_server.script("  ")

    with pytest.raises(GenerationFailed, match="empty reply") as caught:
        make_model(openai_server).complete(QUESTION)
    assert not caught.value.retryable


@pytest.mark.parametrize("call", CALLS)
def test_a_reply_cut_at_the_token_limit_is_kept_and_logged(
    openai_server: OpenAIServer, call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    openai_server.script(Reply("Odpowiedź urwana w połowie", finish_reason="length"))

    assert call(make_model(openai_server)) == "Odpowiedź urwana w połowie"
    assert "cut at the token limit" in caplog.text


def test_a_reader_may_stop_a_stream_early(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply("Pierwsze słowo i dalszy ciąg", piece_delay=0.01), "Następna.")
    model = make_model(openai_server)

    for delta in model.stream(QUESTION):
        assert delta == "Pierwsze"
        break

    assert model.complete(QUESTION) == "Następna."


def test_the_model_time_is_the_server_delay(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply("Po namyśle.", delay=0.2))
    model = make_model(openai_server, llm_timeout_seconds=2.0)

    started = time.perf_counter()
    assert model.complete(QUESTION) == "Po namyśle."
    assert 0.2 <= time.perf_counter() - started < 1.0


def test_the_server_lists_its_model(openai_server: OpenAIServer) -> None:
    response = httpx.get(f"{openai_server.url}/models")

    assert response.status_code == 200
    assert [m["id"] for m in response.json()["data"]] == [openai_server.model]


def test_a_base_url_is_required() -> None:
    with pytest.raises(ValueError, match="OKIENKO_LLM_BASE_URL"):
        OpenAIChatModel(Settings(llm_base_url=None))


# The scripted fake


def test_scripted_model_answers_in_order_and_records_the_messages() -> None:
    model: ChatModel = ScriptedChatModel(["Pierwsza.", "Druga."], name="fałszywy")
    scripted = model
    assert isinstance(scripted, ScriptedChatModel)

    assert model.complete(QUESTION[:2]) == "Pierwsza."
    assert model.complete(QUESTION) == "Druga."
    assert scripted.calls == [QUESTION[:2], QUESTION]
    assert model.name == "fałszywy"
    assert scripted.remaining == 0


def test_scripted_model_streams_small_pieces_of_the_reply() -> None:
    reply = "Wniosek złóż w pokoju 12,\na decyzja przyjdzie pocztą. "
    deltas = list(ScriptedChatModel([reply]).stream(QUESTION))

    assert len(deltas) > 5
    assert "".join(deltas) == reply


@pytest.mark.parametrize("call", CALLS)
def test_scripted_model_raises_its_scripted_failure(call: Call) -> None:
    failure = GenerationFailed("serwer modelu wyłączony", retryable=True)
    model = ScriptedChatModel([failure, "Potem działa."])

    with pytest.raises(GenerationFailed) as caught:
        call(model)
    assert caught.value is failure
    assert call(model) == "Potem działa."


def test_scripted_model_stream_fails_on_the_first_read_like_the_real_one() -> None:
    model = ScriptedChatModel([GenerationFailed("przerwa", retryable=True)])

    deltas = model.stream(QUESTION)
    assert model.calls == []
    with pytest.raises(GenerationFailed):
        next(deltas)
    assert model.calls == [QUESTION]


def test_scripted_model_out_of_replies_is_a_test_error_not_a_model_failure() -> None:
    model = ScriptedChatModel(["Jedyna."])
    model.complete(QUESTION)

    with pytest.raises(RuntimeError, match="no reply left for call 2"):
        model.complete(QUESTION)

"""The chat model against a real HTTP server speaking the OpenAI protocol, and its scripted fake."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from rag.chat_model import ChatModel, GenerationFailed, Message, OpenAIChatModel, ScriptedChatModel
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

"""The chat model seam: messages → text, whole or streamed.

`OpenAIChatModel` is the real one: an OpenAI-compatible server (vLLM serving PLLuM or Bielik)
reached through LangChain's `ChatOpenAI`. Every way the server can fail (a timeout, a refused
connection, an HTTP error, a stream broken off) comes out as `GenerationFailed`, so the answering
pipeline can fall back to an extractive answer. `ScriptedChatModel` is the deterministic fake
for tests; it never opens a connection.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar, assert_never

from rag.deadline import Deadline
from rag.errors import OkienkoError
from rag.settings import Settings

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage
    from langchain_openai import ChatOpenAI

logger = logging.getLogger(__name__)

Role = Literal["system", "user", "assistant"]
_T = TypeVar("_T")
# Pause before retry n (0-based): 0.25 s, 0.5 s, 1 s … never past the request's deadline.
_BACKOFF_SECONDS = 0.25
_BACKOFF_MAX_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Message:
    role: Role
    content: str


class GenerationFailed(OkienkoError):
    """The chat model gave no usable reply; `retryable` says whether trying later may help."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(f"generation failed: {reason}")
        self.reason = reason
        self.retryable = retryable


class StructuredOutputUnsupported(GenerationFailed):
    """The server refused a JSON-schema reply (no structured outputs): use the text protocol."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


class ChatModel(Protocol):
    @property
    def name(self) -> str:
        """The model's id, for logs and answer metadata."""

    def complete(self, messages: Sequence[Message], *, deadline: Deadline | None = None) -> str:
        """The whole reply. Raises `GenerationFailed`, also when `deadline` passes first."""

    def complete_json(
        self,
        messages: Sequence[Message],
        *,
        name: str,
        schema: dict[str, Any],
        deadline: Deadline | None = None,
    ) -> Any:
        """The reply as JSON that the server constrained to `schema` (OpenAI `response_format`
        json_schema, which vLLM's structured outputs implement). Raises
        `StructuredOutputUnsupported` when the server refuses it, `GenerationFailed` otherwise
        (no reply, or one that is not JSON)."""

    def stream(
        self, messages: Sequence[Message], *, deadline: Deadline | None = None
    ) -> Iterator[str]:
        """The reply as text deltas. Raises `GenerationFailed`, also after some deltas (the
        deadline passed or was cancelled: the request to the server is closed)."""


class OpenAIChatModel:
    """A chat-completions server. Timeouts, dropped connections, 408/409/429 and 5xx are retried
    (`llm_max_retries`), each attempt within the caller's deadline."""

    def __init__(self, settings: Settings) -> None:
        """Build the client; nothing is sent until the first call.

        Args:
            settings: `llm_base_url` (required), the key, model id, timeout, retries, token
                limit, temperature and extra stop sequences.

        Raises:
            ValueError: `llm_base_url` is not set.
        """
        if settings.llm_base_url is None:
            raise ValueError("OKIENKO_LLM_BASE_URL is not set: there is no chat model to call")
        import openai
        from langchain_openai import ChatOpenAI

        # What a server or network can throw at us; anything else is a bug and propagates. A 200
        # whose body is no chat completion (an HTML page from a proxy, JSON of another shape)
        # comes out of the client as ValueError, TypeError or KeyError ("No generation chunks
        # were returned"), and out of its structured-output parser, which is handed the body as
        # a string, as AttributeError ("'str' object has no attribute 'choices'"): a failed
        # generation too, answered extractively, never a 500.
        self._errors: tuple[type[Exception], ...] = (
            openai.OpenAIError,
            json.JSONDecodeError,
            ValueError,
            TypeError,
            KeyError,
            AttributeError,
        )
        self._name = settings.llm_model
        self._base_url = settings.llm_base_url
        self._timeout = settings.llm_timeout_seconds
        self._attempts = 1 + settings.llm_max_retries
        self._client: ChatOpenAI = ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key,
            model=settings.llm_model,
            timeout=settings.llm_timeout_seconds,
            # Retries are ours (`_retrying`): the client's would give every attempt the whole
            # timeout, whatever is left of the request's deadline.
            max_retries=0,
            max_completion_tokens=settings.llm_max_tokens,
            temperature=settings.llm_temperature,
            stop_sequences=list(settings.llm_stop) or None,
            # `streaming` is left unset: set to False it would turn stream() into one JSON call.
            # vLLM serves chat completions only; never let a model name pick the Responses API.
            use_responses_api=False,
        )

    @property
    def name(self) -> str:
        return self._name

    def complete(self, messages: Sequence[Message], *, deadline: Deadline | None = None) -> str:
        """The whole reply, as one JSON response.

        Args:
            messages: the conversation, system prompt first.
            deadline: when to give up, retries included; None: each attempt has the timeout.

        Returns:
            The reply's text (stop sequences already cut off by the server).

        Raises:
            GenerationFailed: the server failed after the allowed retries, refused the request,
                returned an empty reply, or the deadline passed first.
        """
        converted = _to_langchain(messages)
        reply = self._retrying(
            lambda timeout: self._client.invoke(converted, timeout=timeout), deadline
        )
        if reply.response_metadata.get("finish_reason") == "length":
            logger.warning("reply from %s cut at the token limit", self._name)
        text = reply.text
        if not text.strip():
            raise GenerationFailed(f"{self._name} returned an empty reply", retryable=False)
        return text

    def complete_json(
        self,
        messages: Sequence[Message],
        *,
        name: str,
        schema: dict[str, Any],
        deadline: Deadline | None = None,
    ) -> Any:
        """The reply constrained to a JSON schema (see `ChatModel.complete_json`)."""
        import openai

        response_format = {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": True},
        }
        bound = self._client.bind(response_format=response_format)
        converted = _to_langchain(messages)

        def attempt(timeout: float) -> Any:
            try:
                return bound.invoke(converted, timeout=timeout)
            except openai.BadRequestError as exc:
                # A server without structured outputs says so with a 400 naming the field.
                if "response_format" in str(exc) or "json_schema" in str(exc):
                    raise StructuredOutputUnsupported(
                        f"{self._name} does not take a JSON schema: {_short(str(exc))}"
                    ) from exc
                raise

        reply = self._retrying(attempt, deadline)
        return _parse_json(reply.text, self._name)

    def stream(
        self, messages: Sequence[Message], *, deadline: Deadline | None = None
    ) -> Iterator[str]:
        """The reply as it is generated (server-sent events).

        Args:
            messages: the conversation, system prompt first.
            deadline: when to give up; checked at every chunk, so a cancelled deadline closes
                the request to the server at the next one.

        Yields:
            Text deltas, never empty; joined they make the reply.

        Raises:
            GenerationFailed: before the first delta (as `complete`, retried the same way), or
                when the stream breaks off, ends before the model finished, or outlives the
                deadline; a stream that sent a delta is never asked again.
        """
        converted = _to_langchain(messages)
        for attempt in range(self._attempts):
            timeout = self._attempt_timeout(deadline)
            sent = 0
            finished = False
            chunks = self._client.stream(converted, timeout=timeout)
            try:
                for chunk in chunks:
                    if deadline is not None and deadline.expired:
                        raise self._past(deadline, sent=sent)
                    if reason := chunk.response_metadata.get("finish_reason"):
                        finished = True
                        if reason == "length":
                            logger.warning("reply from %s cut at the token limit", self._name)
                    if delta := chunk.text:
                        sent += len(delta)
                        yield delta
            except self._errors as exc:
                failure = self._failure(exc, timeout=timeout, attempts=attempt + 1)
                if sent:
                    raise GenerationFailed(
                        f"the stream broke off after {sent} characters: {failure.reason}",
                        retryable=failure.retryable,
                    ) from exc
                if not self._may_retry(failure, attempt, deadline):
                    raise failure from exc
                continue
            finally:
                # Closing the chunks closes the HTTP response: a request given up (the deadline,
                # the client gone, a reader that stopped) does not stay open on the server.
                if isinstance(chunks, Generator):
                    chunks.close()
            if not finished:
                raise GenerationFailed(
                    f"the stream ended after {sent} characters before the model finished",
                    retryable=True,
                )
            return

    def _attempt_timeout(self, deadline: Deadline | None) -> float:
        """The next attempt's timeout: the configured one, or what is left of the deadline."""
        if deadline is None:
            return self._timeout
        left = deadline.remaining()
        if left <= 0:
            raise self._past(deadline, sent=0)
        return min(self._timeout, left)

    def _may_retry(
        self, failure: GenerationFailed, attempt: int, deadline: Deadline | None
    ) -> bool:
        """Whether another attempt follows `failure` (after the backoff pause)."""
        if not failure.retryable or attempt + 1 >= self._attempts:
            return False
        pause = min(_BACKOFF_SECONDS * 2**attempt, _BACKOFF_MAX_SECONDS)
        if deadline is None:
            time.sleep(pause)
            return True
        return deadline.pause(pause)

    def _retrying(self, call: Callable[[float], _T], deadline: Deadline | None) -> _T:
        """`call(timeout)` until it succeeds, fails for good, or the deadline passes."""
        attempt = 0
        while True:
            timeout = self._attempt_timeout(deadline)
            try:
                return call(timeout)
            except GenerationFailed:
                raise
            except self._errors as exc:
                failure = self._failure(exc, timeout=timeout, attempts=attempt + 1)
                if not self._may_retry(failure, attempt, deadline):
                    raise failure from exc
            attempt += 1

    def _past(self, deadline: Deadline, *, sent: int) -> GenerationFailed:
        why = "the client went away" if deadline.cancelled else "the request's deadline passed"
        after = f" after {sent} characters" if sent else ""
        failure = GenerationFailed(f"{self._name} stopped{after}: {why}", retryable=False)
        logger.warning("chat model failed: %s", failure.reason)
        return failure

    def _failure(self, exc: Exception, *, timeout: float, attempts: int) -> GenerationFailed:
        """What went wrong, in words for the logs, and whether trying again may help."""
        import openai

        where = f"{self._name} at {self._base_url}"
        failure: GenerationFailed
        # APITimeoutError is an APIConnectionError: test it first.
        if isinstance(exc, openai.APITimeoutError):
            failure = GenerationFailed(
                f"{where} did not answer within {timeout:.2g} s ({attempts} attempt(s))",
                retryable=True,
            )
        elif isinstance(exc, openai.APIConnectionError):
            failure = GenerationFailed(
                f"cannot reach {where} ({attempts} attempt(s))", retryable=True
            )
        elif isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            detail = exc.body.get("message") if isinstance(exc.body, dict) else None
            failure = GenerationFailed(
                f"{where} answered HTTP {status}" + (f": {_short(str(detail))}" if detail else ""),
                retryable=status in (408, 409, 429) or status >= 500,
            )
        elif isinstance(exc, openai.APIError):  # an error event inside a stream, a bad shape
            failure = GenerationFailed(
                f"{where} sent an error: {_short(exc.message)}", retryable=True
            )
        elif isinstance(exc, json.JSONDecodeError):
            failure = GenerationFailed(f"{where} sent a reply that is not JSON", retryable=True)
        elif isinstance(exc, ValueError | TypeError | KeyError | AttributeError):
            failure = GenerationFailed(
                f"{where} sent a reply that is no chat completion: {_short(str(exc))}",
                retryable=True,
            )
        else:  # another OpenAIError: a client misconfiguration, not the server's doing
            failure = GenerationFailed(f"{where}: {_short(str(exc))}", retryable=False)
        logger.warning("chat model failed: %s", failure.reason)
        return failure


def _parse_json(text: str, name: str) -> Any:
    if not text.strip():
        raise GenerationFailed(f"{name} returned an empty reply", retryable=False)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise GenerationFailed(f"{name} sent a reply that is not JSON", retryable=True) from exc


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _to_langchain(messages: Sequence[Message]) -> list[BaseMessage]:
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    converted: list[BaseMessage] = []
    for message in messages:
        match message.role:
            case "system":
                converted.append(SystemMessage(message.content))
            case "user":
                converted.append(HumanMessage(message.content))
            case "assistant":
                converted.append(AIMessage(message.content))
            case _:
                assert_never(message.role)
    return converted


_PIECE = re.compile(r"\s*\S+")


class ScriptedChatModel:
    """A fake chat model answering from a script: replies (text) or failures, in order.

    Every call records the messages it was given in `calls`. Running out of script raises
    `RuntimeError`, not `GenerationFailed`, so a test that calls the model more often than it
    planned fails loudly instead of looking like a handled model failure.
    """

    def __init__(
        self, replies: Sequence[str | GenerationFailed], *, name: str = "scripted"
    ) -> None:
        self._replies: deque[str | GenerationFailed] = deque(replies)
        self._name = name
        self.calls: list[tuple[Message, ...]] = []

    @property
    def name(self) -> str:
        return self._name

    @property
    def remaining(self) -> int:
        return len(self._replies)

    def _next(self, messages: Sequence[Message], deadline: Deadline | None) -> str:
        self.calls.append(tuple(messages))
        _check(deadline, self._name)
        if not self._replies:
            raise RuntimeError(f"ScriptedChatModel: no reply left for call {len(self.calls)}")
        reply = self._replies.popleft()
        if isinstance(reply, GenerationFailed):
            raise reply
        return reply

    def complete(self, messages: Sequence[Message], *, deadline: Deadline | None = None) -> str:
        return self._next(messages, deadline)

    def complete_json(
        self,
        messages: Sequence[Message],
        *,
        name: str,
        schema: dict[str, Any],
        deadline: Deadline | None = None,
    ) -> Any:
        del name, schema  # the script says what comes back
        return _parse_json(self._next(messages, deadline), self._name)

    def stream(
        self, messages: Sequence[Message], *, deadline: Deadline | None = None
    ) -> Iterator[str]:
        # Like the real model, nothing happens until the first delta is asked for.
        reply = self._next(messages, deadline)
        end = 0
        for match in _PIECE.finditer(reply):
            end = match.end()
            yield match.group()
            _check(deadline, self._name)  # a clock moved by the test stops it, as time would
        if end < len(reply):
            yield reply[end:]


def _check(deadline: Deadline | None, name: str) -> None:
    if deadline is not None and deadline.expired:
        why = "the client went away" if deadline.cancelled else "the request's deadline passed"
        raise GenerationFailed(f"{name} stopped: {why}", retryable=False)

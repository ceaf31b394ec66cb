"""The model's answer as structured output: sentences, each with the passages it rests on.

Asked through the OpenAI `response_format` (a JSON schema, which vLLM's structured outputs
enforce while decoding), the model cannot leave a sentence without its list of sources or write
a marker in the wrong place; the text protocol ("… [1].") stays the fallback for servers without
it. `render` turns the sentences into the marked text the citation check reads, so both protocols
are checked the same way.
"""

from __future__ import annotations

import re
from typing import Any

from rag.chat_model import GenerationFailed

SCHEMA_NAME = "odpowiedz_z_przypisami"
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "sentences": {
            "type": "array",
            "minItems": 1,
            "maxItems": 12,
            "items": {
                "type": "object",
                "properties": {
                    "text": {"type": "string", "minLength": 1, "maxLength": 600},
                    "sources": {
                        "type": "array",
                        "items": {"type": "integer", "minimum": 1},
                        "maxItems": 5,
                    },
                },
                "required": ["text", "sources"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["sentences"],
    "additionalProperties": False,
}
FORMAT_HINT = (
    "Odpowiedz w formacie JSON: lista zdań odpowiedzi, każde z numerami fragmentów źródeł, na "
    'których się opiera: {"sentences": [{"text": "…", "sources": [1]}]}. Zdanie, które nie '
    "podaje faktu (np. co zrobić dalej), może mieć pustą listę źródeł."
)
_MARKERS = re.compile(r"\s*\[\s*\d+(?:\s*[,;–-]\s*\d+)*\s*\]")


def render(data: Any) -> str:
    """The sentences as marked text: "Zdanie [1][2]. Następne [3]."

    Raises:
        GenerationFailed: the reply is JSON of another shape (a server that ignored the schema).
    """
    items = data.get("sentences") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise GenerationFailed("the structured reply has no sentences", retryable=True)
    parts: list[str] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise GenerationFailed("a structured sentence has no text", retryable=True)
        sources = item.get("sources", [])
        if not isinstance(sources, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in sources
        ):
            raise GenerationFailed(
                "a structured sentence's sources are not numbers", retryable=True
            )
        text = _MARKERS.sub("", item["text"]).strip()  # markers come from `sources` only
        if not text:
            continue
        end = text[-1] if text[-1] in ".!?" else "."
        body = text.rstrip(".!?").rstrip()
        markers = "".join(f"[{n}]" for n in dict.fromkeys(sources))
        parts.append(f"{body} {markers}{end}" if markers else f"{body}{end}")
    if not parts:
        raise GenerationFailed("the structured reply's sentences are empty", retryable=True)
    return " ".join(parts)

"""Answering: a resident's message → a direct answer with the provisions it rests on.

The steps, in `pipeline.Assistant.stream`'s order: crisis first, guards, follow-ups, message
analysis, curated facts, passages, relevance, the extractive or the model's answer, citations.
"""

from rag.answering.pipeline import (
    CRISIS_TOPIC,
    VISIBLE_TO,
    Assistant,
    Interrupted,
    Token,
    contact_sentence,
)

__all__ = [
    "CRISIS_TOPIC",
    "VISIBLE_TO",
    "Assistant",
    "Interrupted",
    "Token",
    "contact_sentence",
]

"""Sentences of a text as a reader sees them: Polish-aware splitting and quotable sentences.

Splitting knows Markdown (headings and list items stand alone) and Polish legal text (no split
after "art.", "ust.", "np.", "Dz. U.", in dates or inside a „quotation”). The quoting helpers give
the sentences back as plain text, cut to `QUOTE_MAX_CHARS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from re import Match
from typing import Literal

from rag.lexical import fold

__all__ = [
    "QUOTE_MAX_CHARS",
    "Sentence",
    "clip",
    "is_quotable",
    "join_quote",
    "join_spans",
    "plain",
    "sentences",
    "split_sentences",
]

QUOTE_MAX_CHARS = 400

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a text and what kind of line it came from."""

    text: str
    kind: Literal["heading", "item", "text"]


_HEADING_LINE = re.compile(r"^#{1,6}\s+")
_BULLET = re.compile(r"^[-*•]\s+")
_NUMBERED = re.compile(r"^(?:\d+[a-z]?[.)]|§\s*\d+[a-z]?\.|[a-z]\))\s+")
# A list the chunker joined into one line: "…domowe), - **823 zł** …".
_INLINE_BULLET = re.compile(r"(?<=[,;.:)])\s+[-•]\s+(?=\S)")
_CANDIDATE = re.compile(r"[.!?…]+[\"”»’)*_]*(?:\s*\[[^\]\n]{1,20}\])*(?=\s|$)")
# Never end a sentence: legal units, "np.", "tj.", "Dz. U." …
_ABBREVIATIONS = frozenset(
    "art ust pkt lit par np tj tzw tzn ok zob por poz nr wg ul tel godz dz prof dr mgr sygn "
    "rozdz ww".split()
)
# End a sentence only before a capital letter: "2025 r. Wniosek", but "2025 r. obowiązują".
_WEAK_ABBREVIATIONS = frozenset("r zl gr itd itp tys mln mld".split())
_UNIT_WORDS = frozenset("§ Art. Rozdział".split())
_DOTTED = re.compile(r"(?:[^\W\d_]{1,3}\.)+[^\W\d_]{1,3}")  # m.in, Dz.U, t.j


def _blocks(text: str) -> list[Sentence]:
    """Paragraphs, headings and list items; wrapped lines are joined."""
    blocks: list[Sentence] = []
    joinable = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            joinable = False
        elif _HEADING_LINE.match(line):
            blocks.append(Sentence(_HEADING_LINE.sub("", line).strip("# "), "heading"))
            joinable = False
        elif _BULLET.match(line):
            items = _INLINE_BULLET.split(_BULLET.sub("", line))
            blocks.extend(Sentence(item, "item") for item in items)
            joinable = True
        elif _NUMBERED.match(line):
            blocks.append(Sentence(line, "item"))
            joinable = True
        elif joinable:
            blocks[-1] = Sentence(f"{blocks[-1].text} {line}", blocks[-1].kind)
        else:
            blocks.append(Sentence(line, "text"))
            joinable = True
    return blocks


def _ends_sentence(text: str, start: int, end: Match[str]) -> bool:
    following = text[end.end() :].lstrip()[:1]
    head = text[start : end.end()]
    if head.count("„") > head.count("”") and "”" in text[end.end() :]:
        return False  # inside a quotation that closes later: it belongs to this sentence
    if following.islower():
        return False
    if not end.group(0).startswith(".") or end.group(0).startswith(".."):
        return True
    if not (following.isupper() or following.isdigit() or following in '„"([*§'):
        return False
    tokens = text[start : end.start()].split()
    if not tokens:
        return False
    token = tokens[-1].lstrip('(„"*[')
    word = fold(token)
    if word in _WEAK_ABBREVIATIONS:
        return following.isupper()
    if _DOTTED.fullmatch(token) or word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return False
    if re.fullmatch(r"\d+[a-z]?", word):
        # A unit's own number ("1. Wniosek…" opening an item, "§ 2.", "Art. 7.") is no end;
        # a reference closing a sentence ("…zgodnie z art. 7. Wniosek…") is.
        return len(tokens) > 1 and tokens[-2] not in _UNIT_WORDS
    return True


def sentences(text: str) -> list[Sentence]:
    """Sentences of `text` with their kind (see `split_sentences`)."""
    found: list[Sentence] = []
    for block in _blocks(text):
        start = 0
        for end in _CANDIDATE.finditer(block.text):
            if _ends_sentence(block.text, start, end):
                found.append(Sentence(block.text[start : end.end()].strip(), block.kind))
                start = end.end()
        tail = block.text[start:].strip()
        if tail:
            found.append(Sentence(tail, block.kind))
    return found


def split_sentences(text: str) -> list[str]:
    """Polish-aware sentence splitting.

    Args:
        text: plain text or Markdown (an answer, a passage).

    Returns:
        The sentences in order, trailing citation markers kept with their sentence. Headings and
        list items (Markdown bullets, "1.", "1)", "§ 1.") stand alone, bullet signs and "#"
        dropped. No split after legal units and abbreviations ("art. 7", "ust. 2", "pkt 3",
        "np.", "m.in.", "tj.", "Dz. U."), after "r." or "zł." unless a capital follows, in dates
        ("1.01.2025"), ordinals ("10. dnia") or inside a „quotation”.
    """
    return [s.text for s in sentences(text)]


_EMPHASIS = re.compile(r"\*\*|__")


def plain(text: str, *, keep_end: bool = False) -> str:
    """A sentence as a reader should see it quoted: no Markdown emphasis or list sign, single
    spaces, and (unless `keep_end`) no trailing comma or semicolon of a list item."""
    text = _BULLET.sub("", _HEADING_LINE.sub("", _EMPHASIS.sub("", text.strip())))
    text = re.sub(r"\s+", " ", text).strip()
    return text if keep_end else text.rstrip(",;").strip()


_NOT_QUOTABLE = re.compile(
    r"^(?:podstawa prawna|zrodlo|zob\.|ten dokument|niniejszy dokument|dokument odpowiada)"
    r"|(?:osobn|odrebn)\w* dokument|dokument\w* bazy|baz\w* wiedzy (?:opisuj|zawier)"
    r"|opisujemy (?:je|to|go)"
)


def is_quotable(sentence: str) -> bool:
    """False for lines that state no fact: the legal-basis line, cross-references, meta text."""
    folded = fold(plain(sentence))
    return bool(_WORD.search(folded)) and not _NOT_QUOTABLE.search(folded)


def join_quote(parts: Iterable[str]) -> str:
    """Sentences of one passage as one quote: plain text, list items keeping their commas."""
    return clip(" ".join(plain(part, keep_end=True) for part in parts).rstrip(",; "))


def join_spans(spans: Iterable[tuple[int, int, str]]) -> str:
    """Quoted spans (first and last sentence index, text) of one passage, in order, as one
    quote: an ellipsis marks where sentences of the passage were left out between two spans,
    so the quote never reads as one continuous passage when it is not."""
    pieces: list[str] = []
    previous: int | None = None
    for first, last, text in sorted(spans):
        if previous is not None and first > previous + 1:
            pieces.append("…")
        pieces.append(text)
        previous = last
    return join_quote(pieces)


def clip(text: str, limit: int = QUOTE_MAX_CHARS) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–- ") + "…"

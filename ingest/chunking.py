"""Legal-structure-aware chunking: documents → passages that fit the embedding window.

A document is first cut at its Markdown headings (knowledge-base sections, `##### Art. N.` in
the acts). A section that fits `max_tokens` is one chunk. A longer one is cut at its legal units:
`§ N.` and numbered paragraphs (`N.` = ust.) first, then points (`N)` = pkt), then sentences,
grouping neighbours up to `target_tokens`. Every chunk keeps the path of headings and units it
came from, which is also its citable label ("Ustawa o dodatkach mieszkaniowych › Art. 7 › ust. 1").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from rag.documents import Chunk, Document
from rag.lexical import fold

TokenCounter = Callable[[str], int]

# Bump when the chunk text, what is embedded or the lemmas of the sparse vectors change
# (rag.lexical), so every chunk is indexed again.
CHUNKER_VERSION = "2"

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FOOTNOTE_REF = re.compile(r"\[\^\d+\]")
_FOOTNOTE_DEF = re.compile(r"^\[\^\d+\]:")
_PARAGRAPH_UNIT = re.compile(r"^(?:§\s*(?P<par>\d+[a-z]*)\.|(?P<ust>\d+[a-z]*)\.)\s")
_POINT_UNIT = re.compile(r"^(?P<pkt>\d+[a-z]*)\)\s")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[A-ZĄĆĘŁŃÓŚŹŻ0-9„(])")
# Artefacts of consolidated texts that say nothing about where a provision sits.
_NOISE_HEADINGS = re.compile(r"^Załącznik do obwieszczenia", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Block:
    """A paragraph with the legal unit it opens (if any)."""

    text: str
    paragraph: str | None  # "ust. 1a" or "§ 2"
    point: str | None  # "pkt 3"


@dataclass(frozen=True, slots=True)
class _Section:
    path: tuple[str, ...]
    blocks: tuple[_Block, ...]


def _classify(text: str) -> _Block:
    match = _PARAGRAPH_UNIT.match(text)
    if match:
        unit = f"§ {match['par']}" if match["par"] else f"ust. {match['ust']}"
        return _Block(text, unit, None)
    point = _POINT_UNIT.match(text)
    return _Block(text, None, f"pkt {point['pkt']}" if point else None)


def _sections(document: Document) -> Iterator[_Section]:
    title = document.meta.title
    stack: list[tuple[int, str]] = []
    paragraphs: list[str] = []
    current: list[str] = []

    def flush_paragraph() -> None:
        text = " ".join(line.strip() for line in current).strip()
        current.clear()
        if text:
            paragraphs.append(_FOOTNOTE_REF.sub("", text))

    def section() -> _Section | None:
        flush_paragraph()
        if not paragraphs:
            return None
        found = _Section(
            path=(title, *(h for _, h in stack)),
            blocks=tuple(_classify(p) for p in paragraphs),
        )
        paragraphs.clear()
        return found

    for line in document.text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            done = section()
            if done:
                yield done
            level, text = len(heading.group(1)), heading.group(2).strip().rstrip(".")
            while stack and stack[-1][0] >= level:
                stack.pop()
            # The H1 is the document itself (its title stands first in every path).
            if level > 1 and not _NOISE_HEADINGS.match(text):
                stack.append((level, text))
        elif not line.strip() or _FOOTNOTE_DEF.match(line):
            flush_paragraph()
        else:
            current.append(line)
    done = section()
    if done:
        yield done


def _span(units: list[str]) -> str | None:
    """'ust. 1' or 'ust. 1–3' (first and last unit of a group)."""
    named = [u for u in units if u]
    if not named:
        return None
    if named[0] == named[-1]:
        return named[0]
    kind = named[0].split(" ", 1)[0]
    last = named[-1].split(" ", 1)[1] if named[-1].startswith(kind + " ") else named[-1]
    return f"{named[0]}–{last}"


class Chunker:
    """Cuts documents into chunks sized for the embedding model.

    Args:
        count_tokens: the embedding model's own token count (prompt included).
        target_tokens: the size chunks are grouped up to.
        max_tokens: the hard limit; must fit the model's window (e5: 512).
    """

    def __init__(
        self, count_tokens: TokenCounter, *, target_tokens: int = 250, max_tokens: int = 350
    ) -> None:
        self._count = count_tokens
        self._target = target_tokens
        self._max = max_tokens

    def chunk(self, document: Document) -> list[Chunk]:
        pieces: list[tuple[tuple[str, ...], str]] = []
        for section in _sections(document):
            pieces.extend(self._split_section(section))
        chunks: list[Chunk] = []
        seen: dict[str, int] = {}
        meta_json = document.meta.model_dump_json()
        for position, (path, text) in enumerate(pieces):
            base = _slug(" ".join(path[1:])) or "tekst"
            seen[base] = seen.get(base, 0) + 1
            suffix = f"~{seen[base]}" if seen[base] > 1 else ""
            content = json.dumps([CHUNKER_VERSION, path, text, meta_json], ensure_ascii=False)
            chunks.append(
                Chunk(
                    chunk_id=f"{document.doc_id}#{base}{suffix}",
                    doc_id=document.doc_id,
                    source=document.source,
                    text=text,
                    heading_path=path,
                    meta=document.meta,
                    position=position,
                    content_hash=hashlib.sha256(content.encode("utf-8")).hexdigest(),
                )
            )
        return chunks

    def fits(self, path: tuple[str, ...], text: str) -> bool:
        return self._count(embedding_text(path, text)) <= self._max

    def _split_section(self, section: _Section) -> Iterator[tuple[tuple[str, ...], str]]:
        whole = "\n\n".join(b.text for b in section.blocks)
        if self.fits(section.path, whole):
            yield section.path, whole
            return
        # Top-level units: a paragraph unit with the points that follow it.
        units: list[list[_Block]] = []
        for block in section.blocks:
            if block.paragraph or not units:
                units.append([block])
            else:
                units[-1].append(block)
        for group in self._group(section.path, units):
            blocks = [b for unit in group for b in unit]
            label = _span([unit[0].paragraph or "" for unit in group])
            path = (*section.path, label) if label else section.path
            text = "\n\n".join(b.text for b in blocks)
            if self.fits(path, text):
                yield path, text
            else:
                yield from self._split_unit(path, blocks)

    def _split_unit(
        self, path: tuple[str, ...], blocks: list[_Block]
    ) -> Iterator[tuple[tuple[str, ...], str]]:
        """One paragraph unit too long alone: cut between its points, then its sentences."""
        for group in self._group(path, [[b] for b in blocks]):
            label = _span([unit[0].point or "" for unit in group])
            inner = (*path, label) if label and len(group) < len(blocks) else path
            text = "\n\n".join(unit[0].text for unit in group)
            if self.fits(inner, text):
                yield inner, text
            else:
                yield from self._split_text(inner, text)

    def _split_text(
        self, path: tuple[str, ...], text: str
    ) -> Iterator[tuple[tuple[str, ...], str]]:
        """Sentences grouped up to the target; a sentence longer than the limit is cut by words."""
        pieces: list[str] = []
        for sentence in _SENTENCE_END.split(text):
            if self.fits(path, sentence):
                pieces.append(sentence)
                continue
            words: list[str] = []
            for word in sentence.split():
                if words and not self.fits(path, " ".join([*words, word])):
                    pieces.append(" ".join(words))
                    words = []
                words.append(word)
            if words:
                pieces.append(" ".join(words))
        current: list[str] = []
        for piece in pieces:
            if current and self._count(embedding_text(path, " ".join([*current, piece]))) > (
                self._target
            ):
                yield path, " ".join(current)
                current = []
            current.append(piece)
        if current:
            yield path, " ".join(current)

    def _group(
        self, path: tuple[str, ...], units: list[list[_Block]]
    ) -> Iterator[list[list[_Block]]]:
        """Neighbouring units grouped up to the target size (a unit over it stands alone)."""
        group: list[list[_Block]] = []
        for unit in units:
            candidate = [*group, unit]
            text = "\n\n".join(b.text for u in candidate for b in u)
            if group and self._count(embedding_text(path, text)) > self._target:
                yield group
                group = []
            group.append(unit)
        if group:
            yield group


def embedding_text(path: tuple[str, ...], text: str) -> str:
    """What is embedded and lemmatised for a chunk: its label, then its text."""
    return f"{' › '.join(path)}\n{text}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text.replace("§", "par"))).strip("-")[:120]

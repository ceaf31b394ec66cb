"""The answer a resident reads: the direct answer first, then what it rests on.

A curated fact gives the direct answer in its own plain sentences; its citation quotes the part
of the fact's section that states it (a list block whole, never cut) and names the provision.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answering.facts import SourcedFact, numbers, value_numbers
from rag.answers import Citation
from rag.lexical import PolishAnalyzer
from rag.sentences import clip, is_quotable, plain, sentences

# A list quoted whole may run longer than a sentence quote; past this it is cut after an item.
LIST_QUOTE_MAX_CHARS = 1200
_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True, slots=True)
class _Block:
    lines: tuple[str, ...]
    is_list: bool

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _blocks(section: str) -> list[_Block]:
    """Paragraphs and list blocks of a section, headings and the legal-basis line left out."""
    found: list[_Block] = []
    for paragraph in re.split(r"\n\s*\n", section):
        lines = tuple(line for line in paragraph.strip().splitlines() if line.strip())
        if not lines or lines[0].startswith("#"):
            continue
        if not is_quotable(lines[0]):
            continue
        found.append(
            _Block(lines, all(_ITEM.match(line) or line.startswith("  ") for line in lines))
        )
    return found


def support_quote(fact: SourcedFact, analyzer: PolishAnalyzer) -> str:
    """The words of the fact's section that state it, as a plain quote.

    The block (paragraph or list) stating the fact's numbers and sharing most of its words is
    chosen; a list comes whole with the sentence that introduces it; a long paragraph gives
    its best sentences. When the fact states a number that quote lacks, the sentence of the
    section that states it follows ("… "), so every number a resident reads is quoted.
    """
    quote = _best_quote(fact, analyzer)
    missing = numbers(fact.fact.answer) - numbers(quote)
    if not missing:
        return quote
    extra: list[str] = []
    for said in (s.text for s in sentences(fact.section_text)):
        if not is_quotable(said) or said.lstrip().startswith("#"):
            continue
        found = missing & numbers(said)
        if found:
            extra.append(plain(said, keep_end=True))
            missing -= found
        if not missing:
            break
    return " … ".join([quote, *extra]) if extra else quote


def _best_quote(fact: SourcedFact, analyzer: PolishAnalyzer) -> str:
    blocks = _blocks(fact.section_text)
    if not blocks:
        return clip(plain(fact.section_text))
    wanted = numbers(fact.fact.answer) | value_numbers(fact.fact)
    words = frozenset(analyzer.terms(fact.fact.answer))

    def score(text: str) -> tuple[int, float]:
        held = len(wanted & numbers(text))
        terms = frozenset(analyzer.terms(text))
        return held, len(words & terms) / (len(terms) ** 0.5 or 1.0)

    best = max(range(len(blocks)), key=lambda i: score(blocks[i].text))
    block = blocks[best]
    if block.is_list:
        lead = (
            blocks[best - 1] if best > 0 and blocks[best - 1].text.rstrip().endswith(":") else None
        )
        return _list_quote(lead, block)
    if best + 1 < len(blocks) and block.text.rstrip().endswith(":") and blocks[best + 1].is_list:
        return _list_quote(block, blocks[best + 1])
    if len(block.text) <= 400:
        return plain(block.text)
    said = [s.text for s in sentences(block.text)]
    ranked = sorted(range(len(said)), key=lambda i: score(said[i]), reverse=True)[:2]
    return clip(" … ".join(plain(said[i], keep_end=True) for i in sorted(ranked)))


def _list_quote(lead: _Block | None, items: _Block) -> str:
    parts = [plain(lead.text, keep_end=True)] if lead is not None else []
    for line in items.lines:
        item = plain(line, keep_end=True)
        if sum(len(p) + 1 for p in parts) + len(item) > LIST_QUOTE_MAX_CHARS:
            parts.append("…")
            break
        parts.append(item)
    return " ".join(parts)


def fact_citation(n: int, fact: SourcedFact, quote: str) -> Citation:
    doc = fact.document
    return Citation(
        n=n,
        title=doc.meta.title,
        label=f"{doc.meta.title} › {fact.fact.section}",
        source=doc.source,
        quote=quote,
        valid_from=fact.valid_from,
        provision=fact.fact.provision,
        url=doc.meta.source_url,
        reviewed=doc.meta.reviewed,
        section=fact.fact.section,
    )

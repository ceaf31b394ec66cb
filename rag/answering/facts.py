"""Curated facts: answer units that CUS staff write beside the documents they rest on.

A fact is one thing residents ask, answered in one to three plain Polish sentences, with the
question forms it answers, its values (amounts, periods), the provision and the document
section it rests on. Facts live in `<document>.fakty.yaml` next to the document's Markdown::

    facts:
      - id: dm-prog-jednoosobowe
        section: Próg dochodowy dodatku mieszkaniowego – 40% albo 30% przeciętnego wynagrodzenia
        type: kwota
        answer: Osoba samotna może dostać dodatek mieszkaniowy, gdy …
        questions: [jaki jest próg dochodu do dodatku mieszkaniowego dla samotnej osoby, …]
        values: [{amount: 40, unit: "%"}]
        provision: art. 3 ust. 1 pkt 1 ustawy o dodatkach mieszkaniowych
        valid_from: 2021-07-01     # optional: the document's valid_from
        valid_to: null             # optional

`check_fact` holds a fact to its section: the section exists, every number of the answer and
every value is stated there, and the provision's articles are cited there. A fact that fails is
not served (`load_facts` reports it), so an answer never states what its source does not.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rag.answers import QuestionType
from rag.citations import number_of, stated_numbers
from rag.documents import Document
from rag.embedding import Embedder, Vectors
from rag.knowledge_vectors import KnowledgeVectors, content_key
from rag.lexical import PolishAnalyzer, fold

log = logging.getLogger(__name__)

FACTS_SUFFIX = ".fakty.yaml"

_ARTICLE = re.compile(r"\bart\.\s*(\d+[a-z]*)", re.IGNORECASE)
_ARTICLES = re.compile(
    r"\bart\.\s*\d+[a-z]*(?:\s*(?:,|i|oraz|[–-])\s*\d+[a-z]*\b(?!\s*(?:§|ust\.|pkt\.)))*",
    re.IGNORECASE,
)
_SECTION = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)


class FactValue(BaseModel):
    """A number the fact states: 823 zł a month, 40 %, 14 days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: float
    unit: str = Field(min_length=1, max_length=30)  # "zł", "%", "dni", "miesięcy", "m²"
    period: str | None = Field(default=None, max_length=30)  # "miesięcznie", "jednorazowo"


class Fact(BaseModel):
    """One curated fact as staff write it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    section: str = Field(min_length=3)
    type: QuestionType
    answer: str = Field(min_length=20, max_length=600)
    questions: tuple[str, ...] = Field(min_length=3, max_length=12)
    values: tuple[FactValue, ...] = ()
    provision: str = Field(min_length=8, max_length=200)
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    @field_validator("questions")
    @classmethod
    def _questions_said(cls, questions: tuple[str, ...]) -> tuple[str, ...]:
        if any(len(q.strip()) < 8 for q in questions):
            raise ValueError("a question form is empty or too short to match on")
        return questions

    @field_validator("provision")
    @classmethod
    def _names_an_article(cls, provision: str) -> str:
        if not _ARTICLE.search(provision):
            raise ValueError("the provision names no article ('art. 8 ust. 1 ustawy o …')")
        return provision


class _FactFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    facts: tuple[Fact, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class SourcedFact:
    """A fact with the document and section it rests on, ready to answer from."""

    fact: Fact
    document: Document
    section_text: str

    @property
    def id(self) -> str:
        return self.fact.id

    @property
    def valid_from(self) -> dt.date | None:
        return self.fact.valid_from or self.document.meta.valid_from

    @property
    def valid_to(self) -> dt.date | None:
        return self.fact.valid_to or self.document.meta.valid_to

    def valid_on(self, day: dt.date) -> bool:
        starts, ends = self.valid_from, self.valid_to
        return (starts is None or starts <= day) and (ends is None or day <= ends)


@dataclass(frozen=True, slots=True)
class FactProblem:
    """Why a fact (or a whole facts file) is not served."""

    path: str
    fact_id: str | None
    problem: str

    def __str__(self) -> str:
        where = f"{self.path} [{self.fact_id}]" if self.fact_id else self.path
        return f"{where}: {self.problem}"


def sections(markdown: str) -> dict[str, str]:
    """The `##` sections of a document by heading, each with its deeper headings' text."""
    found: dict[str, str] = {}
    marks = list(_SECTION.finditer(markdown))
    for mark, following in zip(marks, [*marks[1:], None], strict=True):
        end = following.start() if following is not None else len(markdown)
        found[mark.group(1).strip()] = markdown[mark.end() : end].strip()
    return found


def numbers(text: str) -> frozenset[str]:
    """The numbers a text states, read as the citation check reads them ("1 010" → "1010")."""
    return stated_numbers(text)


def value_numbers(fact: Fact) -> frozenset[str]:
    """The fact's values as they read in a text (1229.0 → "1229")."""
    return frozenset(number_of(v.amount) for v in fact.values)


def act_of(provision: str, acts: Sequence[str]) -> str | None:
    """The first of `acts` (folded names: "pomocy spolecznej") the provision cites, if any."""
    folded = fold(provision)
    return next((act for act in acts if act in folded), None)


def articles(text: str) -> set[str]:
    """The article numbers a text cites: "art. 101 i 102" → 101, 102; "art. 127–129" → 127,
    128, 129 (a unit after the number, "art. 3 ust. 1 i 2", ends the list)."""
    found: set[str] = set()
    for m in _ARTICLES.finditer(text):
        parts = re.findall(r"\d+[a-z]*|[–-]", m.group(0)[m.group(0).lower().index("art.") + 4 :])
        previous: str | None = None
        pending_range = False
        for part in parts:
            if part in "–-":
                pending_range = True
                continue
            if pending_range and previous and previous.isdigit() and part.isdigit():
                low, high = int(previous), int(part)
                if 0 < high - low <= 30:
                    found.update(str(n) for n in range(low, high + 1))
            found.add(part.lower())
            previous, pending_range = part, False
    return found


def check_fact(fact: Fact, document: Document) -> list[str]:
    """What in a fact its source section does not bear out (nothing: the fact may be served)."""
    section = sections(document.text).get(fact.section.strip())
    if section is None:
        return [f"no section '## {fact.section}' in {document.source}"]
    problems: list[str] = []
    stated = numbers(section)
    unsupported = sorted(numbers(fact.answer) - stated)
    if unsupported:
        problems.append(f"the answer states {', '.join(unsupported)}, which the section does not")
    missing = sorted(value_numbers(fact) - stated)
    if missing:
        problems.append(f"values {', '.join(missing)} are not stated in the section")
    uncited = sorted(articles(fact.provision) - articles(section))
    if uncited:
        problems.append(
            f"the section does not cite art. {', '.join(uncited)} of the provision "
            f"'{fact.provision}'"
        )
    if fact.valid_from and fact.valid_to and fact.valid_to < fact.valid_from:
        problems.append("valid_to is before valid_from")
    return problems


def fact_files(root: Path) -> Iterator[Path]:
    """Every facts file under a knowledge-base folder, in a stable order."""
    for path in sorted(root.rglob(f"*{FACTS_SUFFIX}")):
        if not any(part.startswith((".", "_")) for part in path.relative_to(root).parts):
            yield path


def load_facts(
    root: Path, documents: Sequence[Document]
) -> tuple[list[SourcedFact], list[FactProblem]]:
    """The facts of a knowledge-base folder that hold, and the problems of those that do not.

    Args:
        root: the folder (`knowledge_base/`); a facts file's document is the Markdown file
            of the same name without `.fakty.yaml`.
        documents: the loaded documents of that folder (ids as ingest gives them).
    """
    by_id = {d.doc_id: d for d in documents}
    served: list[SourcedFact] = []
    problems: list[FactProblem] = []
    seen: set[str] = set()
    for path in fact_files(root):
        shown = f"{root.name}/{path.relative_to(root).as_posix()}"
        doc_id = shown.removesuffix(FACTS_SUFFIX)
        document = by_id.get(doc_id)
        if document is None:
            problems.append(FactProblem(shown, None, f"no document {doc_id}.md beside it"))
            continue
        try:
            parsed = _FactFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except OSError as exc:
            problems.append(FactProblem(shown, None, f"cannot read: {exc.strerror or exc}"))
            continue
        except yaml.YAMLError as exc:
            problems.append(FactProblem(shown, None, f"not valid YAML: {exc}"))
            continue
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "file"
                problems.append(FactProblem(shown, None, f"{where}: {err['msg']}"))
            continue
        texts = sections(document.text)
        for fact in parsed.facts:
            if fact.id in seen:
                problems.append(FactProblem(shown, fact.id, "fact id used twice"))
                continue
            seen.add(fact.id)
            failed = check_fact(fact, document)
            if failed:
                problems.extend(FactProblem(shown, fact.id, p) for p in failed)
                continue
            served.append(SourcedFact(fact, document, texts[fact.section.strip()]))
    return served, problems


# --- matching a question to facts ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FactMatch:
    """A fact and how closely the question matches one of its question forms."""

    fact: SourcedFact
    score: float  # cosine to the closest question form, plus the shared-lemma bonus
    form: str  # that question form


# Shared content lemmas between the question and a fact's forms add at most this much: the
# model alone confuses "ile wynosi zasiłek stały" with "ile wynosi zasiłek okresowy".
LEMMA_WEIGHT = 0.06


class FactIndex:
    """The facts of a knowledge base with their question forms embedded, ready to match.

    Args:
        facts: the facts that hold (`load_facts`).
        embedder: the process's embedder; forms are embedded as queries (a question is matched
            to questions).
        analyzer: lemmas for the shared-word bonus.
        stored: the served generation's knowledge-base vectors, where ingest stored the forms'
            (`rag.knowledge_vectors`); a form it lacks (a fact added since) is embedded now.
    """

    def __init__(
        self,
        facts: Sequence[SourcedFact],
        *,
        embedder: Embedder,
        analyzer: PolishAnalyzer,
        stored: KnowledgeVectors | None = None,
    ) -> None:
        self.facts = tuple(facts)
        self._embedder = embedder
        self._analyzer = analyzer
        forms = [(i, q) for i, f in enumerate(self.facts) for q in f.fact.questions]
        self._owner = np.array([i for i, _ in forms], dtype=np.int64)
        self._forms = [q for _, q in forms]
        self._matrix = _embed_forms(self._forms, embedder, stored)
        self._lemmas = [frozenset(analyzer.terms(" ".join(f.fact.questions))) for f in self.facts]
        # What each fact talks about (its answer, questions and section), and how rare each word
        # is among the documents the facts rest on: the weights of `coverage`.
        self._said = {
            f.fact.id: frozenset(
                analyzer.terms(" ".join([f.fact.answer, *f.fact.questions, f.fact.section]))
            )
            for f in self.facts
        }
        texts = {f.document.doc_id: f.document.text for f in self.facts}
        documents = Counter(term for text in texts.values() for term in set(analyzer.terms(text)))
        self._rarity = {
            term: math.log((len(texts) + 1) / (n + 0.5)) for term, n in documents.items()
        }
        self._unheard = math.log((len(texts) + 1) / 0.5)  # a word no document uses

    def __len__(self) -> int:
        return len(self.facts)

    def coverage(self, question: str, fact: SourcedFact) -> float:
        """How much of what the question names the fact talks about: the share of the question's
        lemmas found in the fact's answer, questions or section, each weighted by its rarity
        among the documents. A word no document uses weighs most, so a question about something
        the base never mentions ("babciowe", "bon senioralny") stays low even when the model
        finds a fact phrased alike."""
        asked = self._analyzer.terms(question)
        if not asked:
            return 0.0
        said = self._said[fact.fact.id]  # a fact this index matched
        weights = {term: self._rarity.get(term, self._unheard) for term in asked}
        return sum(w for term, w in weights.items() if term in said) / sum(weights.values())

    def match(
        self,
        question: str,
        *,
        audiences: Sequence[str],
        day: dt.date,
        limit: int = 3,
        vector: Vectors | None = None,
    ) -> list[FactMatch]:
        """The best facts for a question, best first, one per fact.

        Args:
            question: the question part of the message (see `rag.answering.analysis`).
            audiences: the documents the asker may see (`VISIBLE_TO`).
            day: facts not valid on this day are skipped.
            vector: the question's query vector when the caller has it (not embedded again).
        """
        if not self.facts:
            return []
        if vector is None:
            (vector,) = self._embedder.embed([question], kind="query")
        query = vector
        cosines = self._matrix @ np.asarray(query, dtype=np.float32)
        asked = frozenset(self._analyzer.terms(question))
        best: dict[int, tuple[float, int]] = {}
        for row in np.argsort(-cosines)[: max(limit * 8, 24)]:
            owner = int(self._owner[row])
            if owner in best:
                continue
            sourced = self.facts[owner]
            if not sourced.valid_on(day) or not set(sourced.document.meta.audience) & set(
                audiences
            ):
                continue
            shared = len(asked & self._lemmas[owner]) / max(len(asked), 1)
            best[owner] = (float(cosines[row]) + LEMMA_WEIGHT * shared, int(row))
        ranked = sorted(best.items(), key=lambda item: -item[1][0])[:limit]
        return [FactMatch(self.facts[i], score, self._forms[row]) for i, (score, row) in ranked]


def _embed_forms(forms: Sequence[str], embedder: Embedder, stored: KnowledgeVectors | None) -> Any:
    if not forms:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    keys = [content_key(form, "query") for form in forms]
    known = stored.get_many(embedder.model_id, keys) if stored is not None else {}
    missing = [i for i, key in enumerate(keys) if key not in known]
    if missing and stored is not None:
        log.warning(
            "%d of %d fact question forms are not stored with the index generation: embedded "
            "now (run `okienko ingest` to store them)",
            len(missing),
            len(forms),
        )
    fresh: dict[str, Vectors] = {}
    for start in range(0, len(missing), 64):
        batch = missing[start : start + 64]
        vectors = embedder.embed([forms[i] for i in batch], kind="query")
        fresh.update({keys[i]: vectors[j] for j, i in enumerate(batch)})
    rows = np.stack([np.asarray(known.get(k, fresh.get(k)), dtype=np.float32) for k in keys])
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.maximum(norms, 1e-12)

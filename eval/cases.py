"""Golden cases: the schema of a versioned case file, loading it, and checks on its contents.

A case is one conversation (one or more user turns) and what a good answer to its last turn
looks like: the knowledge-base documents it rests on, facts it must state (regular expressions
tolerant of inflection and missing diacritics), and whether it must be refused or redirected.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from rag.answers import Audience, QuestionType
from rag.lexical import fold

GoldenSplit = Literal["dev", "held-out"]  # the halves of a split golden file

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


class CaseFileError(Exception):
    """A case file that cannot be read or breaks the schema."""

    def __init__(self, path: Path, problems: Sequence[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = tuple(problems)


class Case(BaseModel):
    """One golden conversation and what its final answer must (not) do."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    audience: Audience = "mieszkaniec"
    turns: tuple[str, ...] = Field(min_length=1)
    expected_sources: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()
    must_refuse: bool = False
    crisis: bool = False
    tags: tuple[str, ...] = ()
    # What kind of answer the question wants (v2 on): judges the message analysis.
    question_type: QuestionType | None = None
    # The half the case belongs to, when pinned (v3 on: the halves v2 dealt, kept when a case
    # is relabelled); cases without one are dealt by `split_cases`.
    split: GoldenSplit | None = None

    @field_validator("turns")
    @classmethod
    def _non_empty_turns(cls, turns: tuple[str, ...]) -> tuple[str, ...]:
        if any(not t.strip() for t in turns):
            raise ValueError("a turn is empty")
        return turns

    @field_validator("facts")
    @classmethod
    def _patterns_compile(cls, facts: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in facts:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"fact pattern {pattern!r} does not compile: {exc}") from exc
        return facts

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.must_refuse and not self.expected_sources:
            raise ValueError("an answerable case names at least one expected source")
        if self.crisis and not self.facts:
            raise ValueError("a crisis case names the help it must point to (facts)")
        return self

    @property
    def question(self) -> str:
        """The last turn: what the evaluated answer answers."""
        return self.turns[-1]

    @property
    def conversation(self) -> str:
        """All turns joined, oldest first: the retrieval query for a multi-turn case."""
        return " ".join(t.strip() for t in self.turns)

    @property
    def answerable(self) -> bool:
        return not self.must_refuse


class CaseFile(BaseModel):
    """A versioned file of cases (`eval/golden/v<N>.yaml`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    description: str
    cases: tuple[Case, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Self:
        counts = Counter(c.id for c in self.cases)
        twice = sorted(case_id for case_id, n in counts.items() if n > 1)
        if twice:
            raise ValueError(f"case ids used twice: {', '.join(twice)}")
        return self


def load_cases(path: Path) -> CaseFile:
    """Read and validate a case file.

    Raises:
        CaseFileError: the file is missing, is not YAML, or breaks the schema.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CaseFileError(path, [f"cannot read: {exc.strerror or exc}"]) from exc
    except yaml.YAMLError as exc:
        raise CaseFileError(path, [f"not valid YAML: {exc}"]) from exc
    try:
        return CaseFile.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise CaseFileError(path, problems) from exc


# Golden v2 on: a fixed seed splits a file into a dev half (tune on it) and a held-out half
# (only ever reported). Changing the seed or the rule makes the held-out figures meaningless.
GOLDEN_SPLIT_SEED = "okienko-golden-v2-2026-12"


def split_cases(cases: Sequence[Case]) -> dict[GoldenSplit, list[Case]]:
    """Dev and held-out halves, seeded, stratified by audience and refusal.

    A case that names its half (`Case.split`) stays in it. The others are grouped by (audience,
    must_refuse), ordered by a keyed hash of their id and dealt alternately to the two halves:
    exact halves in every group. The file is frozen once written (a new version is a new file,
    which pins the halves it inherits), so neither a later insertion nor a relabelled case can
    move another case between halves under a reported figure.
    """
    halves: dict[GoldenSplit, list[Case]] = {"dev": [], "held-out": []}
    groups: dict[tuple[str, bool], list[Case]] = {}
    for case in cases:
        if case.split is not None:
            halves[case.split].append(case)
        else:
            groups.setdefault((case.audience, case.must_refuse), []).append(case)
    for _, group in sorted(groups.items()):
        ordered = sorted(group, key=lambda c: _split_key(c.id))
        for i, case in enumerate(ordered):
            halves["dev" if i % 2 == 0 else "held-out"].append(case)
    return halves


def _split_key(case_id: str) -> bytes:
    return hashlib.blake2b(f"{GOLDEN_SPLIT_SEED}:{case_id}".encode(), digest_size=8).digest()


def fact_found(pattern: str, text: str) -> bool:
    """Whether a fact pattern matches the text as written or with diacritics folded away."""
    lowered = text.lower()
    return bool(
        re.search(pattern, lowered, re.IGNORECASE) or re.search(pattern, fold(lowered), re.I)
    )


# --- checks on a case file's contents (run by the tests) ------------------------------------


@dataclass(frozen=True, slots=True)
class SimilarPair:
    first: str
    second: str
    similarity: float


def near_duplicates(
    cases: Sequence[Case], terms: Callable[[str], Iterable[str]], *, threshold: float
) -> list[SimilarPair]:
    """Pairs of cases whose questions share most of their content words (Jaccard on lemmas).

    Args:
        cases: the cases to compare (every pair).
        terms: text → content terms, e.g. `PolishAnalyzer.terms` (lemmas, no stopwords).
        threshold: the similarity from which two cases count as paraphrases.
    """
    bags = {c.id: frozenset(terms(c.conversation)) for c in cases}
    found: list[SimilarPair] = []
    for first, second in itertools.combinations(cases, 2):
        a, b = bags[first.id], bags[second.id]
        if not a or not b:
            continue
        similarity = len(a & b) / len(a | b)
        if similarity >= threshold:
            found.append(SimilarPair(first.id, second.id, similarity))
    return found


def _shingles(text: str, n: int) -> set[tuple[str, ...]]:
    words = _WORD.findall(fold(text))
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def copied_sequences(
    cases: Sequence[Case], documents: Mapping[str, str], *, words: int = 8
) -> list[tuple[str, str]]:
    """(case id, document id) for every case sharing a run of `words` words with a document.

    Words are compared case- and diacritic-insensitively, so a case cannot hide a copied sentence
    by dropping its Polish letters.
    """
    by_shingle: dict[tuple[str, ...], str] = {}
    for doc_id, text in documents.items():
        for shingle in _shingles(text, words):
            by_shingle.setdefault(shingle, doc_id)
    copied: list[tuple[str, str]] = []
    for case in cases:
        hits = {by_shingle[s] for t in case.turns for s in _shingles(t, words) if s in by_shingle}
        copied.extend((case.id, doc_id) for doc_id in sorted(hits))
    return copied

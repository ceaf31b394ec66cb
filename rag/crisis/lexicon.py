"""The model-free crisis detector: phrase rules kept as data (`lexicon.yaml`), read by this code.

A rule is a few parts that must all appear within a window of words, in any order, so one rule
covers "chcę się zabić", "zabić się chcę" and "chyba się dziś zabiję". Each part lists
alternatives; `zabi*` matches every word starting with "zabi" (inflection), a plain word only
itself. Words of seven letters or more written whole (not as a prefix) also match with one typo
(a letter missing, added, changed or two swapped: "samobujstwo" for "samobójstwo"). Everything
is matched on folded words (`rag.crisis.text.words`): no case, no diacritics, look-alike letters
and invisible characters already normalised; the rules are folded the same way when read.

Rules that would fire on an ordinary sense ("bije rekordy", "zabiję się ze śmiechu") are held
back by the `ordinary` phrases: a rule match is dropped when an ordinary phrase covers one of its
words.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from rag.crisis.levels import KINDS, LEVELS, Kind, Level, rank
from rag.crisis.messages import LabelledMessage
from rag.crisis.text import words
from rag.errors import OkienkoError

# Shorter words match exactly: one edit turns "czadu" into "czasu", "zimnie" into "zimie".
# Prefixes (`zabi*`) never match with a typo: a stem's neighbours are ordinary words too
# ("przytomn*" / "przypomn…", "samobo*" / "samoobrona").
_FUZZY_MIN = 7
_DEFAULT_WINDOW = 6


class LexiconError(OkienkoError):
    """The lexicon file is malformed (it is data staff edit: the message says where)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"crisis lexicon, {where}: {problem}")
        self.where = where
        self.problem = problem


@dataclass(frozen=True, slots=True)
class _Alternative:
    stem: str
    prefix: bool


@dataclass(frozen=True, slots=True)
class Rule:
    """Parts (each a tuple of alternatives) that must all appear within `window` words."""

    kind: Kind
    level: Level
    parts: tuple[frozenset[_Alternative], ...]
    window: int
    source: str  # the rule as written, for reports
    conversation_only: bool = False  # counts only after earlier messages in distress
    # An ordinary phrase that names an ordinary sense ("pali się lampka") drops a rule that uses
    # one of its words and keeps the unsure classifier alone from making the message acute. One
    # marked `words_only` (a greeting's "dzień") only takes its words out of the rules' reach:
    # a rule may still fire on other words, and the classifier is not held back.
    marks_ordinary: bool = True


@dataclass(frozen=True, slots=True)
class LexiconHit:
    """One rule that fired, and the words it matched."""

    kind: Kind
    level: Level
    rule: str
    words: tuple[str, ...]


def _parse_rule(
    text: str, kind: Kind, level: Level, window: int, where: str, *, conversation: bool = False
) -> Rule:
    parts = []
    for part in text.split():
        alternatives = []
        for alt in part.split("|"):
            prefix = alt.endswith("*")
            stem = alt.rstrip("*")
            folded = words(stem)
            if len(folded) != 1:
                raise LexiconError(where, f"'{alt}' is not one word (in '{text}')")
            stem = folded[0]  # "żyć" is written as it is read: "zyc"
            if prefix and len(stem) < 3:
                raise LexiconError(where, f"prefix '{alt}' is too short to be safe (in '{text}')")
            alternatives.append(_Alternative(stem, prefix))
        parts.append(frozenset(alternatives))
    if not parts:
        raise LexiconError(where, "an empty rule")
    if len(parts) > window:
        raise LexiconError(where, f"'{text}' has more parts than its window ({window})")
    return Rule(
        kind=kind,
        level=level,
        parts=tuple(parts),
        window=window,
        source=text,
        conversation_only=conversation,
    )


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


class _Vocabulary:
    """Every alternative of every rule, looked up per word: exact, prefix, or one typo away."""

    def __init__(self, alternatives: Iterable[_Alternative]) -> None:
        self._exact: dict[str, set[_Alternative]] = defaultdict(set)
        self._prefix: dict[str, set[_Alternative]] = defaultdict(set)
        # symmetric-deletion index: a word one edit from a stem shares a deletion with it
        self._fuzzy: dict[str, set[_Alternative]] = defaultdict(set)
        for alt in alternatives:
            (self._prefix if alt.prefix else self._exact)[alt.stem].add(alt)
            if len(alt.stem) >= _FUZZY_MIN and not alt.prefix:
                for key in {alt.stem, *_deletions(alt.stem)}:
                    self._fuzzy[key].add(alt)
        self._prefix_lengths = sorted({len(stem) for stem in self._prefix})

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one vocabulary per process, bounded
    def matches(self, word: str) -> frozenset[_Alternative]:
        found: set[_Alternative] = set(self._exact.get(word, ()))
        for length in self._prefix_lengths:
            if length > len(word):
                break
            found |= self._prefix.get(word[:length], set())
        if found or len(word) < _FUZZY_MIN - 1:
            return frozenset(found)
        for key in {word, *_deletions(word)}:
            for alt in self._fuzzy.get(key, ()):
                if _one_edit(word, alt.stem):
                    found.add(alt)
        return frozenset(found)


def _one_edit(a: str, b: str) -> bool:
    """Damerau distance ≤ 1 (the deletion index proposes, this confirms)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i, j = diff[0], diff[-1]
        return len(diff) == 2 and j == i + 1 and a[i] == b[j] and a[j] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


# The writer says they are a child: "mam 14 lat", "mam 15 lat i …", "i'm 13".
# (read on the message's folded words, so "i'm" is "i m").
_MINOR = re.compile(
    r"\b(?:mam|i m|im|i am|мені|мне)\s+(?:[89]|1[0-7])\s+(?:lat|lata|years|рок\w*|год\w*)\b"
)


class Lexicon:
    """The crisis rules and the ordinary senses that hold them back."""

    def __init__(
        self,
        rules: Sequence[Rule],
        ordinary: Sequence[Rule],
        *,
        children: Rule | None = None,
        digest: str = "",
    ) -> None:
        self.rules = tuple(rules)
        self.digest = digest  # names this version of the rules (the classifier's cache key)
        self._ordinary = tuple(ordinary)
        self._children = children
        extra = (children,) if children is not None else ()
        self._vocabulary = _Vocabulary(
            alt
            for rule in (*self.rules, *self._ordinary, *extra)
            for part in rule.parts
            for alt in part
        )

    @classmethod
    def load(cls, data: Mapping[str, Any] | None = None) -> Lexicon:
        """The lexicon from its data (default: `rag/crisis/lexicon.yaml`).

        Raises:
            LexiconError: a kind, level or rule the code does not know, or a malformed rule.
        """
        if data is None:
            text = resources.files("rag.crisis").joinpath("lexicon.yaml").read_text("utf-8")
            data = yaml.safe_load(text)
        else:
            text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        digest = hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
        if not isinstance(data, Mapping):
            raise LexiconError("top level", "expected a mapping")
        window = int(data.get("window", _DEFAULT_WINDOW))
        rules: list[Rule] = []
        for section in ("kinds", "conversation"):
            for kind, levels in (data.get(section) or {}).items():
                if kind not in KINDS:
                    known = ", ".join(KINDS)
                    raise LexiconError(f"{section}.{kind}", f"unknown kind (known: {known})")
                for level, entries in (levels or {}).items():
                    if level not in LEVELS or level == "none":
                        raise LexiconError(
                            f"{section}.{kind}.{level}", "level must be acute or concern"
                        )
                    for n, entry in enumerate(entries or ()):
                        where = f"{section}.{kind}.{level}[{n}]"
                        text, own_window = _entry(entry, window, where)
                        rules.append(
                            _parse_rule(
                                text,
                                kind,
                                level,
                                own_window,
                                where,
                                conversation=section == "conversation",
                            )
                        )
        ordinary = []
        for n, entry in enumerate(data.get("ordinary") or ()):
            where = f"ordinary[{n}]"
            text, own_window = _entry(entry, 4, where)
            # Ordinary phrases only hold rules back: the kind and level they carry are unused.
            rule = _parse_rule(text, "suicide", "concern", own_window, where)
            words_only = isinstance(entry, Mapping) and entry.get("words_only", False)
            unknown = (
                set(entry) - {"rule", "window", "words_only"}
                if isinstance(entry, Mapping)
                else set()
            )
            if unknown or not isinstance(words_only, bool):
                # A misspelt key would silently make a greeting talk the classifier down.
                raise LexiconError(where, "keys are rule, window and words_only (true or false)")
            ordinary.append(dataclasses.replace(rule, marks_ordinary=not words_only))
        children = None
        if words_of_children := data.get("children"):
            if not isinstance(words_of_children, list) or not all(
                isinstance(w, str) and " " not in w.strip() for w in words_of_children
            ):
                raise LexiconError("children", "expected a list of single words")
            joined = "|".join(w.strip() for w in words_of_children)
            children = _parse_rule(joined, "child", "concern", window, "children")
        return cls(rules, ordinary, children=children, digest=digest)

    def mentions_child(self, text: str) -> bool:
        """Whether the message names a child ("dzieci", "córka", "син"…) or its writer is one
        ("mam 14 lat"): in a violence message, the child helplines join the block."""
        if _MINOR.search(" ".join(words(text))):
            return True
        if self._children is None:
            return False
        (alternatives,) = self._children.parts
        return any(self._vocabulary.matches(token) & alternatives for token in words(text))

    def level(self, message: LabelledMessage | str) -> Level:
        """The most urgent level any rule gives a message on its own."""
        text = message if isinstance(message, str) else message.text
        return max((hit.level for hit in self.hits(text)), key=rank, default="none")

    def hits(self, text: str) -> list[LexiconHit]:
        """Every rule that fires on a message (ordinary senses removed).

        Args:
            text: the message as typed.

        Returns:
            The rules that fired, in lexicon order.
        """
        return self.read(text)[0]

    def read(self, text: str, *, in_distress: bool = False) -> tuple[list[LexiconHit], bool]:
        """The rules that fire on a message, and whether an ordinary sense was recognised.

        Args:
            text: the message as typed.
            in_distress: the person's earlier messages were assessed concern or acute: the
                `conversation` rules count too.

        Returns:
            The rules that fired (in lexicon order), and True when an `ordinary` phrase that
            names an ordinary sense matched ("pali się lampka", "bije rekordy"; not one marked
            `words_only`, like a greeting): the classifier alone then does not make a message
            acute.
        """
        tokens = words(text)
        if not tokens:
            return [], False
        matched = [self._vocabulary.matches(token) for token in tokens]
        present = frozenset().union(*matched)
        held_back: set[int] = set()  # an ordinary sense's words: a rule using one is dropped
        skipped: set[int] = set()  # words_only phrases' words: a rule may fire on others
        for rule in self._ordinary:
            if not all(part & present for part in rule.parts):
                continue
            for span in _spans(rule, matched):
                (held_back if rule.marks_ordinary else skipped).update(span)
        found = []
        for rule in self.rules:
            if rule.conversation_only and not in_distress:
                continue
            if not all(part & present for part in rule.parts):
                continue
            for span in _spans(rule, matched, skipped):
                if held_back.isdisjoint(span):
                    found.append(
                        LexiconHit(
                            rule.kind, rule.level, rule.source, tuple(tokens[i] for i in span)
                        )
                    )
                    break
        return found, bool(held_back)


def _entry(entry: Any, window: int, where: str) -> tuple[str, int]:
    if isinstance(entry, str):
        return entry, window
    if isinstance(entry, Mapping) and isinstance(entry.get("rule"), str):
        return entry["rule"], int(entry.get("window", window))
    raise LexiconError(where, "a rule is a string, or a mapping with 'rule' (and 'window')")


def _spans(
    rule: Rule, matched: Sequence[frozenset[_Alternative]], skip: Collection[int] = ()
) -> Iterable[tuple[int, ...]]:
    """Positions of one word per part, all within the rule's window (distinct words), none of
    them in `skip` (words an ordinary phrase holds back: the rule may still fire on others)."""
    positions = [
        [i for i, alts in enumerate(matched) if not alts.isdisjoint(part) and i not in skip]
        for part in rule.parts
    ]
    if any(not p for p in positions):
        return
    first = positions[0]
    for start in first:
        chosen = [start]
        if _extend(rule, positions, 1, chosen):
            yield tuple(sorted(chosen))


def _extend(rule: Rule, positions: list[list[int]], part: int, chosen: list[int]) -> bool:
    if part == len(positions):
        return True
    for position in positions[part]:
        if position in chosen:
            continue
        low, high = min(*chosen, position), max(*chosen, position)
        if high - low < rule.window:
            chosen.append(position)
            if _extend(rule, positions, part + 1, chosen):
                return True
            chosen.pop()
    return False

"""What a resident's message says: the question(s) in it, what kind of answer they want, the
topics in their own words, and the figures of their situation.

Residents write a story and then ask ("Mąż odszedł, zostałam z dwójką dzieci, pracuję na pół
etatu. Co mi się należy z MOPS-u?"). Retrieval and the relevance decision read the question part
with the topics the story named; the whole story would drown the question in one vector.

The colloquial words ("mieszkaniówka", "rodzinne", "OPS") are data CUS staff edit:
`knowledge_base/slownik.yaml` (`Lexicon`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rag.answering.situation import Situation, read_situation
from rag.answers import QuestionType
from rag.lexical import fold
from rag.sentences import split_sentences

LEXICON_FILE = "slownik.yaml"

_WORD = re.compile(r"[^\W_]+")
# A sentence that asks, by its first words (folded: residents skip the Polish letters).
_ASKING = re.compile(
    r"^(?:a |i |no |to |ale |oraz |pytanie |mam pytanie |prosze |chcialabym |chcialbym )?"
    r"(?:czy|ile|jak|jaki\w*|gdzie|kiedy|co|kto|komu|kogo|dlaczego|czemu|po co|na ile|"
    r"do kiedy|od kiedy|w jakim|przez ile|z czego|za ile|od czego|do kogo|u kogo|skad|"
    r"czym|jakim|mozna|moge|musze|nalezy mi|naleza|przysluguje|wolno)\b"
)
_REQUEST = re.compile(
    r"\b(?:prosze o (?:informacj|odpowiedz|pomoc)|chce wiedziec|chcialabym wiedziec|"
    r"chcialbym wiedziec|nie wiem (?:czy|ile|jak|gdzie|co|kiedy)|ciekaw\w* (?:czy|ile|jak))"
)
# Question types by their words (folded), first match wins: the order is the rule's meaning
# ("ile dni" is a period before "ile" is an amount).
_TYPES: tuple[tuple[QuestionType, re.Pattern[str]], ...] = (
    (
        "dokumenty",
        re.compile(
            r"\b(?:dokument\w*|papier\w*|zaswiadcze\w*|co (?:trzeba |mam |musze )?"
            r"(?:zabrac|przyniesc|zaniesc|dolaczyc|miec ze soba)|zalacznik\w*)"
        ),
    ),
    (
        "termin",
        re.compile(
            r"\b(?:ile (?:dni|tygodni|miesiecy|czasu|lat)|jak dlugo|do kiedy|od kiedy|kiedy|"
            r"termin\w*|na ile (?:czasu|miesiecy|lat)?|w jakim czasie|jak szybko|ile trwa|"
            r"ile sie czeka|ile czekac|za ile)\b"
        ),
    ),
    (
        "kwota",
        re.compile(
            r"\b(?:ile (?:wynosi|dostane|dostaje|daja|placi|kosztuje|pieniedzy|zl|jest|to|"
            r"max|maks\w*|bede|mozna dostac)|ile\b.*\b(?:zl|zlotych|kasy|pieniedzy)|jaka kwot\w*|"
            r"wysokos\w*|prog\w*|kryteri\w*|ile moge (?:miec|zarabiac)|jaki dochod)"
        ),
    ),
    (
        "gdzie_jak",
        re.compile(
            r"\b(?:gdzie|do kogo|u kogo|jak (?:zlozyc|zglosic|zalatwic|zapisac|zlozy)|"
            r"przez internet|online|mailem|w ktorym (?:urzedzie|okienku))\b"
        ),
    ),
    (
        "definicja",
        re.compile(r"\b(?:co to (?:jest|znaczy|za)|czym jest|co oznacza|na czym polega)\b"),
    ),
    (
        "procedura",
        re.compile(
            r"\b(?:jak to wyglada|po kolei|krok po kroku|procedur\w*|jak przebiega|"
            r"jak (?:sie )?(?:starac|ubiegac|dostac))\b"
        ),
    ),
    (
        "co_zrobic",
        re.compile(
            r"\b(?:co (?:mam |moge |powinn\w* |musze )?(?:zrobic|robic)|co teraz|"
            r"co dalej|co grozi|co bedzie|jak sie bronic|czy moge sie odwolac)\b"
        ),
    ),
    (
        "czy_przysluguje",
        re.compile(
            r"\b(?:czy|kto moze|komu|nalez\w*|przysluguj\w*|lapie|lapiemy|dostane|"
            r"dostaniemy|moge dostac|mam prawo|prawda|odmow\w*)\b"
        ),
    ),
)
# Where one sentence starts asking a second thing: a conjunction and a question word.
_NEXT_ASK = re.compile(
    r"(?:,\s*|\s+)(?:i|a|oraz|ale)\s+(?=(?:ile|jak(?:i\w*|a|ą)?|gdzie|kiedy|czy|do kiedy|"
    r"od kiedy|co|kto|komu|na ile|w jakim|któr\w*|ktor\w*)\b)",
    re.IGNORECASE,
)
_MIN_ASK_WORDS = 3
# A question this short leans on the sentence before it ("Znajoma mówi, że mi odmówią. To prawda?").
_SHORT_QUESTION_WORDS = 6


class LexiconEntry(BaseModel):
    """One office term and the words residents use for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    term: str = Field(min_length=2)  # the office's name: "dodatek mieszkaniowy"
    topic: str | None = None  # rag.documents.Topic, when the term names a field
    said: tuple[str, ...] = Field(min_length=1)  # "mieszkaniówka", "dodatek na mieszkanie"
    # The same in Ukrainian, English or Russian ("житлова допомога", "housing allowance"): a
    # question in another language then searches with the office's Polish term too.
    other_languages: tuple[str, ...] = ()


class _LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: tuple[LexiconEntry, ...] = Field(min_length=1)
    # Help given whatever the income (after a fire or flood, for a funeral), in residents' words:
    # no sum of the income criterion answers a question about it. Not added to what retrieval
    # reads: these words find their documents as they are.
    income_free: tuple[LexiconEntry, ...] = ()


class LexiconError(ValueError):
    """The lexicon file is missing, not YAML or breaks the schema."""


@dataclass(frozen=True, slots=True)
class _Phrase:
    words: tuple[str, ...]  # folded; a word ending in "*" matches by prefix
    entry: LexiconEntry

    def found_at(self, words: Sequence[str], i: int) -> bool:
        """Whether the phrase starts at `words[i]`."""
        n = len(self.words)
        return i + n <= len(words) and all(
            _word_matches(p, w) for p, w in zip(self.words, words[i : i + n], strict=True)
        )


# A word's first letters find the phrases that may start with it: phrases are looked up by
# the words of a message instead of every phrase being tried at every word.
_KEY = 3


class _PhraseIndex:
    """Phrases by their first word (a prefix pattern by its first letters), in their order."""

    def __init__(self, phrases: Sequence[_Phrase]) -> None:
        self._exact: dict[str, list[tuple[int, _Phrase]]] = {}
        self._prefixed: dict[str, list[tuple[int, _Phrase]]] = {}
        self._short: list[tuple[int, _Phrase]] = []  # a prefix shorter than the key
        for order, phrase in enumerate(phrases):
            if not phrase.words:
                continue  # a blank phrase names nothing
            first = phrase.words[0]
            if not first.endswith("*"):
                self._exact.setdefault(first, []).append((order, phrase))
            elif len(first) - 1 >= _KEY:
                self._prefixed.setdefault(first[:_KEY], []).append((order, phrase))
            else:
                self._short.append((order, phrase))

    def found(self, words: Sequence[str]) -> list[_Phrase]:
        """The phrases found anywhere in `words`, in the index's order."""
        hits: dict[int, _Phrase] = {}
        for i, word in enumerate(words):
            for order, phrase in (
                *self._exact.get(word, ()),
                *self._prefixed.get(word[:_KEY], ()),
                *self._short,
            ):
                if order not in hits and phrase.found_at(words, i):
                    hits[order] = phrase
        return [hits[order] for order in sorted(hits)]


def _stem(word: str) -> str:
    """A prefix that survives Polish endings ("mieszkaniowy" → "mieszkanio*")."""
    return word if len(word) <= 4 else f"{word[: max(4, len(word) - 3)]}*"


def _word_matches(pattern: str, word: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern


def _said(entries: Sequence[LexiconEntry]) -> list[_Phrase]:
    """Every phrase residents say for these entries, folded and split into words as a message is
    ("carer's allowance" → carer, s, allowance; "one-off" → one, off)."""
    return [
        _Phrase(_pattern_words(said), entry)
        for entry in entries
        for said in (*entry.said, *entry.other_languages)
    ]


def _pattern_words(said: str) -> tuple[str, ...]:
    """A phrase's words as a message's words are read (folded, split at apostrophes and hyphens);
    a "*" ending a word stays on its last part."""
    words: list[str] = []
    for token in said.split():
        parts = _WORD.findall(fold(token.removesuffix("*")))
        if parts and token.endswith("*"):
            parts[-1] += "*"
        words.extend(parts)
    return tuple(words)


class Lexicon:
    """Residents' words → the office's terms (and their topics)."""

    def __init__(
        self, entries: Sequence[LexiconEntry], income_free: Sequence[LexiconEntry] = ()
    ) -> None:
        self.entries = tuple(entries)
        self._income_free = _PhraseIndex(_said(income_free))
        self._phrases = _said(entries)
        # The office's own term, inflected: "dodatku mieszkaniowego" names "dodatek mieszkaniowy".
        self._official = [
            _Phrase(tuple(_stem(w) for w in _pattern_words(entry.term)), entry) for entry in entries
        ]
        self._all_index = _PhraseIndex([*self._phrases, *self._official])
        self._official_index = _PhraseIndex(self._official)

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """Raises LexiconError when the file cannot be used (the caller decides what then)."""
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
            read = _LexiconFile.model_validate(raw)
            return cls(read.terms, read.income_free)
        except OSError as exc:
            raise LexiconError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        except yaml.YAMLError as exc:
            raise LexiconError(f"{path}: not valid YAML: {exc}") from exc
        except ValidationError as exc:
            raise LexiconError(f"{path}: {exc}") from exc

    def income_free(self, text: str) -> tuple[LexiconEntry, ...]:
        """The help given whatever the income that a text names ("zalało mi mieszkanie")."""
        found = self._income_free.found(_WORD.findall(fold(text)))
        return tuple({phrase.entry.term: phrase.entry for phrase in found}.values())

    def find(self, text: str, *, official_only: bool = False) -> tuple[LexiconEntry, ...]:
        """The terms a text names, in residents' words or the office's (inflected), each once.

        With `official_only`, only those named in the office's own words.
        """
        words = _WORD.findall(fold(text))
        index = self._official_index if official_only else self._all_index
        found: dict[str, LexiconEntry] = {}
        for phrase in index.found(words):
            found.setdefault(phrase.entry.term, phrase.entry)
        return tuple(found.values())


@dataclass(frozen=True, slots=True)
class MessageAnalysis:
    """A message taken apart (see module docstring)."""

    text: str
    questions: tuple[str, ...]  # the asking sentences, with a short one's lead-in
    situation_text: str  # the rest: the story
    question_type: QuestionType | None
    terms: tuple[LexiconEntry, ...] = ()  # named anywhere in the message
    asked_terms: tuple[LexiconEntry, ...] = ()  # in the office's words in the question part
    situation: Situation = field(default_factory=Situation)

    @property
    def question(self) -> str:
        """The question part: the asking sentences, or the whole message when none asks."""
        return " ".join(self.questions) or self.text

    @property
    def asks(self) -> tuple[str, ...]:
        """The separate things asked: each asking sentence, split where a conjunction starts a
        new question ("Ile wynosi … i jaki jest próg?" asks two). One item when one is asked."""
        groups: list[str] = []
        lead_in = ""
        for sentence in self.questions:
            if not _asks(sentence):
                lead_in = f"{lead_in} {sentence}".strip()  # what a short question leans on
                continue
            if groups and not lead_in and len(_WORD.findall(sentence)) < _MIN_ASK_WORDS:
                groups[-1] = f"{groups[-1]} {sentence}"  # "Czy dostanę zasiłek? A ile?"
                continue
            parts = [p.strip(" ,") for p in _NEXT_ASK.split(sentence)]
            parts = [p for p in parts if len(_WORD.findall(p)) >= _MIN_ASK_WORDS] or [sentence]
            parts[0] = f"{lead_in} {parts[0]}".strip()
            groups.extend(parts)
            lead_in = ""
        return tuple(groups) or (self.question,)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t.topic for t in self.terms if t.topic))

    @property
    def focus(self) -> str:
        """What retrieval reads: the question part, with the office's terms the whole message
        used in its own words ("mieszkaniówka" → "dodatek mieszkaniowy") that it lacks."""
        missing = [t.term for t in self.terms if t not in self.asked_terms]
        return " ".join([self.question, *missing]).strip()

    @property
    def long(self) -> bool:
        """Whether the message has a story beside its question (the focus differs)."""
        return bool(self.situation_text) and self.question != self.text


def analyse(text: str, lexicon: Lexicon | None = None) -> MessageAnalysis:
    """Take a message apart. Never fails: a message with no sentence asking is all question."""
    sentences = split_sentences(text) or [text]
    asking: list[int] = [i for i, s in enumerate(sentences) if _asks(s)]
    chosen: list[int] = []
    for i in asking:
        if i > 0 and len(_WORD.findall(sentences[i])) < _SHORT_QUESTION_WORDS:
            chosen.append(i - 1)
        chosen.append(i)
    keep = sorted(set(chosen))
    questions = tuple(sentences[i].strip() for i in keep)
    rest = " ".join(s.strip() for i, s in enumerate(sentences) if i not in set(keep))
    question = " ".join(questions) or text
    return MessageAnalysis(
        text=text,
        questions=questions,
        situation_text=rest,
        question_type=question_type(question),
        terms=lexicon.find(text) if lexicon is not None else (),
        asked_terms=lexicon.find(question, official_only=True) if lexicon is not None else (),
        situation=read_situation(text),
    )


def _asks(sentence: str) -> bool:
    folded = fold(sentence).strip()
    if "?" in sentence:
        return True
    if _CLAUSE.match(folded):
        return False  # "Kiedy mąż odszedł, zostałam sama…": a clause of the story, not a question
    return bool(_ASKING.match(folded)) or bool(_REQUEST.search(folded))


# "Kiedy …, …", "Jak …, …", "Co …, …" without a question mark: a subordinate clause leading a
# statement.
_CLAUSE = re.compile(r"^(?:kiedy|gdy|jak|jesli|co|gdzie)\b[^,]{2,80},")


def question_type(question: str) -> QuestionType | None:
    """The kind of answer a question wants, by its words; None when nothing says."""
    folded = " ".join(_WORD.findall(fold(question)))
    for kind, pattern in _TYPES:
        if pattern.search(folded):
            return kind
    return None

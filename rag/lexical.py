"""The Polish lexical side of hybrid retrieval: lemmas → BM25-saturated sparse vectors.

Qdrant's built-in BM25 has no Polish stemmer, so we build the vector ourselves: words are
lemmatised with Morfeusz 2 (SGJP dictionary inside the wheel; `simplemma` when Morfeusz is not
installed; a word it does not know gets the lemmas of the spelling with the fewest Polish letters
restored that it knows: "podwyzke" → "podwyżka"), stopwords dropped, lemmas folded to ASCII
(residents often type without diacritics), hashed to 31-bit term ids, and term frequencies
saturated BM25-style. Qdrant applies the IDF (`Modifier.IDF`), so document vectors carry only the
TF part and queries carry weight 1 per term.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.settings import Settings

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Lemmas that carry no meaning for retrieval (after ASCII folding).
STOPWORDS: frozenset[str] = frozenset(
    """
    a aby albo ale ani az bardzo bez bo byc by chociaz choc co czy czyli dla do dlaczego dzis
    gdy gdyby gdzie go i ich ile im inny ja jak jaki jakis je jeden jego jej jest jesli jeszcze
    jezeli juz kazdy kiedy kto ktory ktos lub mi miec mnie moc moj my na nad nam nas nasz nic nie
    niech niz no o od oraz on ona one oni ono po pod poniewaz przed przez przy sam sie siebie swoj
    ta tak taki takze tam te tez ten to tu tutaj ty tylko u w we wiec wszystko wy z za ze zeby
    """.split()
)


@dataclass(frozen=True, slots=True)
class SparseVector:
    """Term ids (ascending) and their weights, as Qdrant takes them."""

    indices: tuple[int, ...]
    values: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.indices)


def fold(text: str) -> str:
    """Lower-case and strip diacritics ("Zasiłek" → "zasilek"; ł has no decomposition)."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ł", "l"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def term_id(term: str) -> int:
    """A stable 31-bit id for a term (the same in every process and on every machine)."""
    digest = hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "big") & 0x7FFFFFFF


def _morfeusz_lemmatiser() -> Callable[[str], tuple[str, ...]] | None:
    try:
        import morfeusz2
    except ImportError:
        return None
    morfeusz = morfeusz2.Morfeusz(expand_tags=False)
    # One Morfeusz instance is not safe to share between threads (the API answers in a pool).
    lock = threading.Lock()

    def known(word: str) -> tuple[str, ...]:
        """The word's lemmas when the dictionary knows it, else nothing."""
        found: dict[str, None] = {}
        with lock:
            analyses = morfeusz.analyse(word)
        for _start, _end, (_orth, lemma, tag, *_rest) in analyses:
            if tag in ("interp", "ign"):
                continue
            found[lemma.split(":", 1)[0]] = None  # "zamek:s1" → "zamek"
        return tuple(found)

    def lemmas(word: str) -> tuple[str, ...]:
        found = known(word)
        if found:
            return found
        # Residents often type without Polish letters: "podwyzke", "zasilku", "mieszkaniowke"
        # are no words, "podwyżkę", "zasiłku" are. The fewest restored letters that make a known
        # word give its lemmas; an unknown word keeps its own form.
        for variants in _restorations(word):
            for variant in variants:
                found += tuple(lemma for lemma in known(variant) if lemma not in found)
            if found:
                return found
        return (word,)

    return lemmas


# The Polish letters a letter typed without its diacritic may stand for.
_RESTORED = {"a": "ą", "c": "ć", "e": "ę", "l": "ł", "n": "ń", "o": "ó", "s": "ś", "z": "żź"}
_MAX_RESTORED = 2  # letters restored in one word; Polish words rarely need more
_MAX_PLACES = 12  # a longer run of candidate letters is left alone (cost)


def _restorations(word: str) -> Iterator[list[str]]:
    """Spellings of an ASCII word with one, then two, letters given their Polish diacritic, a
    round at a time (the second is spelt only when the first made no known word)."""
    if not word.isascii() or not word.isalpha():
        return
    places = [i for i, letter in enumerate(word) if letter in _RESTORED]
    if not places or len(places) > _MAX_PLACES:
        return
    for count in range(1, _MAX_RESTORED + 1):
        spellings = []
        for chosen in itertools.combinations(places, count):
            for letters in itertools.product(*(_RESTORED[word[i]] for i in chosen)):
                spelt = list(word)
                for i, letter in zip(chosen, letters, strict=True):
                    spelt[i] = letter
                spellings.append("".join(spelt))
        yield spellings


def _simplemma_lemmatiser() -> Callable[[str], tuple[str, ...]]:
    import simplemma

    def lemmas(word: str) -> tuple[str, ...]:
        return (simplemma.lemmatize(word, lang="pl"),)

    return lemmas


class PolishAnalyzer:
    """Text → lemma terms → sparse vectors. Build once and share: it holds the dictionary."""

    def __init__(self, *, k1: float = 1.2, b: float = 0.75, avg_len: float = 120.0) -> None:
        self._k1 = k1
        self._b = b
        self._avg_len = avg_len
        self._lemmatise = _morfeusz_lemmatiser() or _simplemma_lemmatiser()
        self._terms_of = lru_cache(maxsize=200_000)(self._word_terms)

    @classmethod
    def of(cls, settings: Settings) -> PolishAnalyzer:
        """As configured (`bm25_*`): ingest and answering must build it alike, or the lemma
        vectors of passages and questions are weighted differently."""
        return cls(k1=settings.bm25_k1, b=settings.bm25_b, avg_len=settings.bm25_avg_len)

    def _word_terms(self, word: str) -> tuple[str, ...]:
        if word.isdigit():
            return (word,)
        if fold(word) in STOPWORDS:  # "sie", "ze": not restored into some rare word
            return ()
        terms: dict[str, None] = {}
        for lemma in self._lemmatise(word):
            folded = fold(lemma)
            if folded and folded not in STOPWORDS:
                terms[folded] = None
        return tuple(terms)

    def term_weights(self, text: str) -> dict[str, float]:
        """Lemma counts of a text; an ambiguous word splits its one count among its lemmas."""
        counts: dict[str, float] = {}
        for match in _WORD.finditer(text):
            terms = self._terms_of(match.group(0).lower())
            for term in terms:
                counts[term] = counts.get(term, 0.0) + 1.0 / len(terms)
        return counts

    def terms(self, text: str) -> list[str]:
        """The distinct lemma terms of a text, in order of first appearance."""
        return list(self.term_weights(text))

    def passage_vector(self, text: str) -> SparseVector:
        """BM25 term-frequency part for a passage; Qdrant multiplies in the IDF."""
        weights = self.term_weights(text)
        length = sum(weights.values())
        norm = self._k1 * (1.0 - self._b + self._b * length / self._avg_len)
        return _to_sparse(
            {term: tf * (self._k1 + 1.0) / (tf + norm) for term, tf in weights.items()}
        )

    def query_vector(self, text: str) -> SparseVector:
        """Each distinct query term weighs 1: the IDF alone ranks them."""
        return _to_sparse(dict.fromkeys(self.term_weights(text), 1.0))


def _to_sparse(weights: dict[str, float]) -> SparseVector:
    by_id: dict[int, float] = {}
    for term, weight in weights.items():
        tid = term_id(term)
        by_id[tid] = by_id.get(tid, 0.0) + weight
    ordered = sorted(by_id.items())
    return SparseVector(
        indices=tuple(i for i, _ in ordered), values=tuple(float(v) for _, v in ordered)
    )

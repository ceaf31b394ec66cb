"""How the phrase tables of the guards see a text: folded words.

The tables match a folded view of the text (lower case, no diacritics, words separated by single
spaces), so "Chcę się zabić!" and "chce sie zabic" are the same to them, and a pattern never has
to allow for punctuation or repeated spaces between words.
"""

from __future__ import annotations

import re
import unicodedata

from rag.lexical import fold

_WORD = re.compile(r"[^\W_]+")
# "800+" is how residents write "800 plus"; the word view would drop the sign.
_PLUS = re.compile(r"(?<=\d)\s*\+")
# Invisible characters split a word for the eye of a rule but not of a reader ("Zig\u200bnoruj").
INVISIBLE = re.compile(r"[\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def folded_words(text: str) -> str:
    """Folded words separated by single spaces ("Chcę się, zabić!" → "chce sie zabic").

    Args:
        text: any text (a question, a passage).

    Returns:
        The words of `text`, lower case, ASCII, joined by single spaces; a plus sign after a
        number becomes the word "plus" ("800+" → "800 plus"); invisible characters and
        compatibility forms (full-width letters) do not split or hide a word.
    """
    visible = INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return " ".join(_WORD.findall(fold(_PLUS.sub(" plus", visible))))


def phrases(*patterns: str) -> re.Pattern[str]:
    """One compiled alternation of word-view patterns (each kept in its own group)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns))

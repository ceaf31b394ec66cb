"""How the phrase tables of the guards see a text: folded words.

The tables match a folded view of the text (lower case, no diacritics, words separated by single
spaces), so "Chcę się zabić!" and "chce sie zabic" are the same to them, and a pattern never has
to allow for punctuation or repeated spaces between words.
"""

from __future__ import annotations

import re

from rag.lexical import fold

_WORD = re.compile(r"[^\W_]+")
# "800+" is how residents write "800 plus"; the word view would drop the sign.
_PLUS = re.compile(r"(?<=\d)\s*\+")


def folded_words(text: str) -> str:
    """Folded words separated by single spaces ("Chcę się, zabić!" → "chce sie zabic").

    Args:
        text: any text (a question, a passage).

    Returns:
        The words of `text`, lower case, ASCII, joined by single spaces; a plus sign after a
        number becomes the word "plus" ("800+" → "800 plus").
    """
    return " ".join(_WORD.findall(fold(_PLUS.sub(" plus", text))))


def phrases(*patterns: str) -> re.Pattern[str]:
    """One compiled alternation of word-view patterns (each kept in its own group)."""
    return re.compile("|".join(f"(?:{p})" for p in patterns))

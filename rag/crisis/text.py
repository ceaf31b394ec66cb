"""How the crisis detectors see a message: normalised, folded words.

People in distress type fast: no diacritics, doubled letters ("pomocyyy"), words glued by
punctuation. Text pasted from elsewhere may carry zero-width characters, and text meant to slip
past a filter may mix look-alike letters of other scripts ("zаbić" with a Cyrillic "а"). Both
detectors see the same normalised text; the lexicon sees its folded words.
"""

from __future__ import annotations

import re
import unicodedata

from rag.lexical import fold

# Format characters that render as nothing (zero-width space, joiners, word joiner, BOM, soft
# hyphen) and the bidirectional controls: removed, so "za\u200bbić" is "zabić".
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")

# Letters of Cyrillic and Greek that look like Latin ones. Inside a word that is otherwise Latin
# they are read as Latin; a Ukrainian or Russian word (mostly Cyrillic) is left as it is.
_LOOKALIKE_TO_LATIN = str.maketrans(
    {
        "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
        "ј": "j", "ѕ": "s", "к": "k", "м": "m", "т": "t", "н": "h", "в": "b",
        "А": "A", "Е": "E", "О": "O", "Р": "P", "С": "C", "У": "Y", "Х": "X", "І": "I",
        "Ј": "J", "Ѕ": "S", "К": "K", "М": "M", "Т": "T", "Н": "H", "В": "B",
        "α": "a", "ο": "o", "ρ": "p", "ι": "i", "κ": "k", "ν": "v", "τ": "t",
        "Α": "A", "Ο": "O", "Ρ": "P", "Ι": "I", "Κ": "K", "Ν": "N", "Τ": "T",
    }
)  # fmt: skip
_LATIN = re.compile(r"[A-Za-zÀ-ɏ]")
_NON_LATIN_LETTER = re.compile(r"[Ͱ-ӿ]")
_WORD = re.compile(r"[^\W_]+")
# A letter typed three or more times in a row ("pomocyyy", "nieee") is one letter; two stay
# (Polish has "zaangażowany", "poddać").
_REPEATED = re.compile(r"(\D)\1{2,}")
# Digits people use for letters when they hide a word from filters ("z4bic", "s1e").
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})
_TOKEN = re.compile(r"[\w@]+")


def _latin_lookalikes(word: re.Match[str]) -> str:
    text = word.group(0)
    if _LATIN.search(text) and _NON_LATIN_LETTER.search(text):
        latin = sum(1 for ch in text if _LATIN.match(ch))
        if latin * 2 >= len(text):
            return text.translate(_LOOKALIKE_TO_LATIN)
    return text


def _leet(word: re.Match[str]) -> str:
    text = word.group(0)
    digits = sum(1 for ch in text if ch.isdigit() or ch == "@")
    # "z4bic" hides a word; "2000zl" or "3x" is a number with its unit, "116" a number.
    if digits > 0 and digits * 3 <= len(text) and not text[0].isdigit():
        return text.translate(_LEET)
    return text


def normalise(text: str) -> str:
    """The message as the detectors read it (still in its own script and case).

    Compatibility forms are unified (full-width letters, ligatures), invisible characters removed,
    look-alike letters inside Latin words made Latin, letters repeated three or more times
    collapsed, and digits inside words read as the letters they stand for ("z4bić" → "zabić").

    Args:
        text: the message as typed.

    Returns:
        The normalised message.
    """
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    text = _WORD.sub(_latin_lookalikes, text)
    text = _TOKEN.sub(_leet, text)
    return _REPEATED.sub(r"\1", text)


def words(text: str) -> list[str]:
    """Folded words of a normalised message: lower case, no diacritics ("Chcę się" → chce, sie).

    Args:
        text: a message, normalised or not.

    Returns:
        Its words in order.
    """
    return _WORD.findall(fold(normalise(text)))

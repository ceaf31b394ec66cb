"""Which language a message is in: Polish (the default), Ukrainian, Russian or English.

The crisis help opens in it (`rag.crisis`), a question in another language gets a line in it under
the Polish answer (`rag.answering.pipeline`) and is searched without the Polish lemmas
(`rag.retrieval.sides_for`).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)
_UKRAINIAN = re.compile(r"[іїєґ]", re.IGNORECASE)
_RUSSIAN = re.compile(r"[ыэъё]", re.IGNORECASE)
# A Latin "i" inside a Cyrillic word ("скiльки"): how Ukrainian is typed on a keyboard without і.
_LATIN_I = re.compile(r"[а-яґєії][iI]|[iI][а-яґєії]", re.IGNORECASE)
# Without a letter only one of them uses ("Хто може отримати житлову допомогу?"), common words
# only one of them uses decide; prefixes end in "*".
_UKRAINIAN_WORDS = frozenset(
    "хто що чи мені мене мій моя моє будь ласка де коли як який яка яке якого може можу "
    "отримати треба дуже зараз нема немає тому також години побачення допомог* житл* дитин* "
    "вмер*".split()
)
_RUSSIAN_WORDS = frozenset(
    "кто что как где когда мне меня мой моя может могу получить нужно очень сейчас нет "
    "пожалуйста тоже помощ* помог* жиль* ребен* детей".split()
)
_ENGLISH = frozenset(
    "the and my is i im to me you he she please help is are can cant dont with of have want "
    # Function words no Polish message uses ("to", "a", "on", "do", "by", "was", "it", "in" are
    # Polish words or read as such: "u was", "pracuję w IT", "in vitro").
    "how what where when who which does did were will would could should this that there "
    "from for its at or if not an be been your our their about need get got".split()
)


_ALSO_POLISH = frozenset("i to my im".split())  # "to to samo", "my z mężem": no English alone


def language_of(text: str) -> str:
    """The message's language, roughly: "uk", "ru", "en" or "pl" (the default).

    Enough to open the crisis help in the person's language, to add a line in it under a Polish
    answer, and to search a question not in Polish without the Polish lemmas; not a general
    language detector.
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return "pl"
    cyrillic = sum(1 for ch in letters if _CYRILLIC.match(ch))
    if cyrillic * 3 >= len(letters):
        if _UKRAINIAN.search(text) or _LATIN_I.search(text):
            return "uk"
        if _RUSSIAN.search(text):
            return "ru"
        words = _WORD.findall(text.lower())
        ukrainian = sum(1 for w in words if _names(_UKRAINIAN_WORDS, w))
        russian = sum(1 for w in words if _names(_RUSSIAN_WORDS, w))
        return "uk" if ukrainian > russian else "ru"
    tokens = _WORD.findall(text.lower())
    english = sum(1 for token in tokens if token in _ENGLISH)
    plainly = any(token in _ENGLISH and token not in _ALSO_POLISH for token in tokens)
    if tokens and english >= 2 and english * 6 >= len(tokens) and plainly and text.isascii():
        return "en"
    return "pl"


def _names(words: frozenset[str], word: str) -> bool:
    return word in words or any(w.endswith("*") and word.startswith(w[:-1]) for w in words)

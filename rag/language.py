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
        return "uk" if _UKRAINIAN.search(text) else "ru"
    tokens = _WORD.findall(text.lower())
    english = sum(1 for token in tokens if token in _ENGLISH)
    plainly = any(token in _ENGLISH and token not in _ALSO_POLISH for token in tokens)
    if tokens and english >= 2 and english * 6 >= len(tokens) and plainly and text.isascii():
        return "en"
    return "pl"

"""Special categories of personal data: health, ethnic origin, beliefs, sexual life, convictions.

"mam depresję i HIV" leaves the request as "mam [dane o zdrowiu]": the phrases are data staff
edit (`special_categories.yaml`), matched on a folded view of the text (no case, no diacritics)
and replaced in the text as written. Answering reads the message before this step (an
"orzeczenie o niepełnosprawności" decides which benefit applies, distress decides the crisis
help); `redact_message` gives what may be stored, logged, sent to the chat model or kept with
feedback. Answers are not passed through it: they quote the knowledge base, which names these
matters in general.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from rag.errors import OkienkoError
from rag.guards.personal_data import Redaction, redact_pii
from rag.lexical import fold

# Words that end the phrase an `after` rule replaces: "choruję na cukrzycę od 5 lat".
_PHRASE_END = (
    "i|a|oraz|lub|albo|ale|czy|to|ten|ta|te|tym|co|jak|od|do|w|we|z|ze|wiec|bo|ktory|ktora|"
    "ktore|mnie|mi|nic|juz|tez|jest|sa|mam|ma|bylo|byl|byla|dlatego|ktorej|ktorego|nie|tak"
)
_AFTER_WORDS = rf"(?!(?:{_PHRASE_END})\b)\w+"
# Two findings of one category joined like this become one tag: "depresję i HIV".
_JOINED = re.compile(r"\s+(?:i|oraz|lub|albo|a takze)\s+")


class SpecialCategoriesError(OkienkoError):
    """The phrase file is malformed (it is data staff edit: the message says where)."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"special categories, {where}: {problem}")
        self.where = where
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Category:
    """One category's tag and its phrases, compiled for the folded view."""

    kind: str  # "health", "ethnicity", "religion", "sex_life", "convictions"
    tag: str  # e.g. "[dane o zdrowiu]"
    pattern: re.Pattern[str]


def _phrase(text: str, where: str) -> str:
    words = text.split()
    if not words or not all(re.fullmatch(r"[a-z0-9]+\*?", w) for w in words):
        raise SpecialCategoriesError(where, f"{text!r} is not folded words (a-z, 0-9, a final *)")
    return r"[^\w\n]{1,3}".join(w.rstrip("*") + (r"\w*" if w.endswith("*") else "") for w in words)


def _category(kind: str, data: Any) -> Category:
    if not isinstance(data, Mapping) or not isinstance(data.get("tag"), str):
        raise SpecialCategoriesError(kind, "needs a `tag` and `words`")
    words: Sequence[Any] = data.get("words") or ()
    after: Sequence[Any] = data.get("after") or ()
    if not words or not all(isinstance(w, str) for w in (*words, *after)):
        raise SpecialCategoriesError(kind, "`words` (and `after`) must be lists of phrases")
    # Longer phrases first: "orzeczenie o niepełnosprawności" before "niepełnospraw*".
    phrases = sorted((_phrase(w, kind) for w in words), key=len, reverse=True)
    alternatives = [rf"(?P<w>{'|'.join(phrases)})"]
    if after:
        cues = "|".join(_phrase(a, kind) for a in after)
        alternatives.append(rf"(?:{cues}) (?P<a>{_AFTER_WORDS}(?: {_AFTER_WORDS}){{0,2}})")
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)")
    return Category(kind=kind, tag=data["tag"], pattern=pattern)


@functools.cache
def categories() -> tuple[Category, ...]:
    """The categories of `special_categories.yaml`, read and compiled once, on first use.

    Raises:
        SpecialCategoriesError: the file is malformed.
    """
    text = resources.files("rag.guards").joinpath("special_categories.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    found = data.get("categories") if isinstance(data, Mapping) else None
    if not isinstance(found, Mapping) or not found:
        raise SpecialCategoriesError("file", "needs a `categories` mapping")
    return tuple(_category(str(kind), value) for kind, value in found.items())


def _folded(text: str) -> tuple[str, list[int]]:
    """The text folded character by character, with where each folded character came from."""
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        # One space for a character folding to nothing keeps the words around it apart.
        for c in fold(ch) or " ":
            chars.append(c)
            origin.append(i)
    return "".join(chars), origin


def redact_special_categories(text: str) -> Redaction:
    """Replace what `text` says about health, origin, beliefs, sexual life or convictions.

    Args:
        text: a resident's message (identifiers may be replaced already).

    Returns:
        The text with each phrase replaced by its category's tag ("[dane o zdrowiu]"), and the
        kinds found ("health", "ethnicity", "religion", "sex_life", "convictions").
    """
    folded, origin = _folded(text)
    for category in categories():
        # A tag already in the text is never matched again ("[dane o życiu seksualnym]").
        tag = fold(category.tag)
        folded = folded.replace(tag, "#" * len(tag))
    spans: list[tuple[int, int, Category]] = []
    for category in categories():
        for match in category.pattern.finditer(folded):
            group = "w" if match.group("w") is not None else "a"
            start, end = match.span(group)
            spans.append((origin[start], origin[end - 1] + 1, category))
    if not spans:
        return Redaction(text=text, kinds=())
    spans.sort(key=lambda s: (s[0], -s[1]))
    pieces: list[str] = []
    kinds: list[str] = []
    at = 0
    last: Category | None = None
    for start, end, category in spans:
        if start < at:
            continue  # inside a phrase already replaced
        gap = text[at:start]
        if last is category and pieces and _JOINED.fullmatch(fold(gap)):
            at = end  # "depresję i HIV": one tag for both
            continue
        pieces += [gap, category.tag]
        at, last = end, category
        if category.kind not in kinds:
            kinds.append(category.kind)
    pieces.append(text[at:])
    return Redaction(text="".join(pieces), kinds=tuple(kinds))


def redact_message(text: str) -> Redaction:
    """A resident's message as it may leave the request: for Redis, logs, the model, feedback.

    Personal data as `redact_pii` finds it, then the special categories.

    Returns:
        The redacted text and the kinds found by both steps, in that order.
    """
    personal = redact_pii(text)
    special = redact_special_categories(personal.text)
    return Redaction(text=special.text, kinds=personal.kinds + special.kinds)

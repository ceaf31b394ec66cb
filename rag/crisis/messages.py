"""The labelled crisis messages (`rag/crisis/data/*.yaml`) and their fixed train / dev / test split.

The messages were written for this purpose, in the four languages residents use, before the
detectors were tuned: crisis messages of every kind and level, and hard negatives that use crisis
words in ordinary senses. The classifier trains on `train`; thresholds are chosen on `dev`; `test`
is only ever reported (`okienko eval --suite crisis`).

The split is fixed message by message. The 2 904 messages of the first three sessions keep the
split they were dealt then (`pinned-splits.json`: stratified by kind and level, ordered by a keyed
hash of the id, a fifth to test, a fifth to dev), because the lexicon's rules were written from
train and dev misses and a message must never move from those into test. A message added since
goes where the keyed hash of its id falls (a fifth to test, a fifth to dev, the rest to train), so
adding messages moves none that are already there.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, get_args

import yaml

from rag.crisis.levels import KINDS, LEVELS, Kind, Level
from rag.errors import OkienkoError

Split = Literal["train", "dev", "test"]
SPLITS: tuple[Split, ...] = get_args(Split)
SPLIT_SEED = "okienko-crisis-2026-12"
PINNED_SPLITS = "pinned-splits.json"  # each earlier message's split, kept as it was dealt
LANGS = ("pl", "uk", "en", "ru")


class MessageFileError(OkienkoError):
    """A labelled-message file is malformed; the message names the file and the item."""


@dataclass(frozen=True, slots=True)
class LabelledMessage:
    """One message with what a caring caseworker would make of it."""

    id: str
    lang: str
    kind: Kind | None  # None: not a crisis
    level: Level
    style: str
    text: str
    turns: tuple[str, ...] = ()  # the same person's earlier messages, oldest first

    @property
    def crisis(self) -> bool:
        return self.level != "none"


def _parse(item: Any, where: str) -> LabelledMessage:
    if not isinstance(item, dict):
        raise MessageFileError(f"{where}: expected a mapping")
    try:
        kind_text = str(item["kind"])
        level = str(item["level"])
        text = str(item["text"]).strip()
        ident = str(item["id"])
    except KeyError as exc:
        raise MessageFileError(f"{where}: missing field {exc}") from exc
    if level not in LEVELS:
        raise MessageFileError(f"{where} ({ident}): unknown level {level!r}")
    if kind_text != "none" and kind_text not in KINDS:
        raise MessageFileError(f"{where} ({ident}): unknown kind {kind_text!r}")
    if (kind_text == "none") != (level == "none"):
        raise MessageFileError(f"{where} ({ident}): kind and level must both be none or neither")
    lang = str(item.get("lang", ""))
    if lang not in LANGS:
        raise MessageFileError(f"{where} ({ident}): unknown lang {lang!r}")
    turns = item.get("turns") or ()
    if not text or not all(isinstance(t, str) and t.strip() for t in turns):
        raise MessageFileError(f"{where} ({ident}): empty text or turn")
    kind: Kind | None = None if kind_text == "none" else kind_text  # type: ignore[assignment]
    return LabelledMessage(
        id=ident,
        lang=lang,
        kind=kind,
        level=level,
        style=str(item.get("style", "")),
        text=text,
        turns=tuple(t.strip() for t in turns),
    )


def load_messages() -> list[LabelledMessage]:
    """Every labelled message shipped with the package, in file and item order.

    Raises:
        MessageFileError: a file does not parse, an item lacks a field or has an unknown
            label, or two items share an id.
    """
    folder = resources.files("rag.crisis").joinpath("data")
    messages: list[LabelledMessage] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            messages.extend(parse_messages(entry.read_text("utf-8"), entry.name))
    _check_unique(messages)
    return messages


def parse_messages(text: str, name: str) -> list[LabelledMessage]:
    """The labelled messages of one file's text (`name` names it in errors).

    Raises:
        MessageFileError: the text does not parse, or an item lacks a field or has an unknown
            label, or two items share an id.
    """
    try:
        items = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MessageFileError(f"{name}: not valid YAML ({exc})") from exc
    if not isinstance(items, list):
        raise MessageFileError(f"{name}: expected a list of messages")
    messages = [_parse(item, f"{name}[{n}]") for n, item in enumerate(items)]
    _check_unique(messages)
    return messages


def _check_unique(messages: Sequence[LabelledMessage]) -> None:
    seen: set[str] = set()
    for message in messages:
        if message.id in seen:
            raise MessageFileError(f"duplicate message id {message.id!r}")
        seen.add(message.id)


def _key(ident: str) -> bytes:
    return hashlib.blake2b(f"{SPLIT_SEED}:{ident}".encode(), digest_size=8).digest()


def _pinned() -> dict[str, Split]:
    text = resources.files("rag.crisis").joinpath(PINNED_SPLITS).read_text("utf-8")
    return {ident: name for name, idents in json.loads(text).items() for ident in idents}


def _dealt(ident: str) -> Split:
    """Where a message added after the pinning goes: by where its keyed hash falls."""
    share = int.from_bytes(_key(ident), "big") / 2 ** (8 * len(_key(ident)))
    return "test" if share < 0.2 else "dev" if share < 0.4 else "train"


def split(messages: Iterable[LabelledMessage]) -> dict[Split, list[LabelledMessage]]:
    """The fixed train / dev / test split (see the module's docstring)."""
    pinned = _pinned()
    parts: dict[Split, list[LabelledMessage]] = {name: [] for name in SPLITS}
    # In the order the split was first dealt in: by (kind, level), then by the keyed hash.
    ordered = sorted(messages, key=lambda m: (m.kind or "none", m.level, _key(m.id)))
    for message in ordered:
        parts[pinned.get(message.id) or _dealt(message.id)].append(message)
    return parts


def conversation_text(message: LabelledMessage | Sequence[str]) -> str:
    """The text a classifier reads for a message with earlier turns: the turns, then the last."""
    if isinstance(message, LabelledMessage):
        parts: Sequence[str] = (*message.turns, message.text)
    else:
        parts = message
    return "\n".join(parts)

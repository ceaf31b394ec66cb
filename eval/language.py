"""How well `rag.language.language_of` names the language a resident writes in.

`eval/language/jezyki-id-v1.yaml`: 240 messages written by a helper who did not see the code
(English quoting Polish terms and addresses, Polish with English words, Ukrainian and Russian in
Latin letters or typed on the other's keyboard, one-word messages). Each message's half is fixed
by a keyed hash of its id: the code is tuned on dev; held-out is only reported.

    .venv/bin/python -m eval.language
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from rag.language import language_of

SET = Path(__file__).with_name("language") / "jezyki-id-v1.yaml"
SPLIT_SEED = "okienko-lang-2026-12"
Half = Literal["dev", "held-out"]


@dataclass(frozen=True, slots=True)
class Labelled:
    id: str
    lang: str
    style: str
    text: str

    @property
    def half(self) -> Half:
        digest = hashlib.sha256(f"{SPLIT_SEED}:{self.id}".encode()).hexdigest()
        return "held-out" if int(digest, 16) % 2 else "dev"


def load(path: Path = SET) -> list[Labelled]:
    return [Labelled(**item) for item in yaml.safe_load(path.read_text(encoding="utf-8"))]


def accuracy(messages: list[Labelled]) -> dict[Half, tuple[int, int]]:
    """(right, all) in each half."""
    right: Counter[Half] = Counter()
    total: Counter[Half] = Counter()
    for message in messages:
        total[message.half] += 1
        right[message.half] += language_of(message.text) == message.lang
    return {half: (right[half], total[half]) for half in ("dev", "held-out")}


def main() -> None:
    messages = load()
    for half, (right, total) in accuracy(messages).items():
        sys.stdout.write(f"{half}: {right}/{total} = {right / total:.3f}\n")
    for message in messages:
        got = language_of(message.text)
        if got != message.lang and message.half == "dev":
            sys.stdout.write(f"  dev {message.id} {message.lang} -> {got}: {message.text[:80]}\n")


if __name__ == "__main__":
    main()

"""What a crisis assessment says: how urgent (level) and what kind of help fits (kind)."""

from __future__ import annotations

from typing import Literal, get_args

# acute: life or health may be at risk now: the answer leads with the numbers for that kind.
# concern: distress without a present danger: a normal answer and one line with helplines.
Level = Literal["none", "concern", "acute"]
LEVELS: tuple[Level, ...] = get_args(Level)

Kind = Literal["suicide", "violence", "child", "medical", "fire", "frost"]
KINDS: tuple[Kind, ...] = get_args(Kind)

# Polish names, for reports and logs read by staff.
KIND_NAMES: dict[Kind, str] = {
    "suicide": "myśli samobójcze / samookaleczenie",
    "violence": "przemoc wobec dorosłego",
    "child": "dziecko w niebezpieczeństwie",
    "medical": "nagły stan zagrożenia zdrowia",
    "fire": "pożar / gaz / czad",
    "frost": "brak schronienia w mróz",
}


def rank(level: Level) -> int:
    """0 for none, 1 for concern, 2 for acute: levels compare by urgency."""
    return LEVELS.index(level)

"""'Co mi się należy?': every calculator the person's situation lets run, in one answer.

"Pracuję na pół etatu, mąż odszedł, zostałam z dwójką dzieci, zarabiam 2400 – co mi się należy?"
names no benefit, so no single calculator starts, and no one passage answers it: it was refused.
Here the income criterion of social assistance always runs (an income was said), the family
allowance when children are named, the permanent allowance from 60 or with a disability, the
housing allowance when the flat's area or costs are said, and becikowe after a birth. Each gives
one line, its verdict or the one value it still needs, with the facts behind its figures cited;
nothing is listed that the message does not let a calculator check.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answering.calculate import (
    BEYOND_NOTE,
    BEYOND_THE_CRITERION,
    ESTIMATE,
    CalculatorAnswer,
    calculate,
    question_for,
    verdict,
)
from rag.answering.facts import SourcedFact
from rag.answering.situation import Situation, read_situation
from rag.calculators import CALCULATORS
from rag.lexical import fold

# What help there is, asked in general: no benefit named, or only the office.
_ASKS_ALL = re.compile(
    r"\bco (?:mi|nam|mu|jej|im) (?:sie )?(?:nalezy|przysluguje|przyslugiwaloby)\b|"
    r"\bco (?:moge|mozemy|mozna|mogla\w*|moglby\w*) (?:dostac|otrzymac|uzyskac)\b|"
    r"\bjak\w* (?:pomoc\w*|wsparci\w*|swiadczeni\w*|zasilk\w*) (?:mi|nam|mu|jej)? ?(?:sie )?"
    r"(?:nalez\w*|przysluguj\w*|moge|mozemy|dostane|dostaniemy|moglabym|moglbym)\b|"
    r"\bna (?:co|jaka pomoc) (?:moge|mozemy|mozna) liczyc\b|"
    r"\bo co (?:moge|mozemy) sie (?:starac|ubiegac)\b"
)
_TITLES = {
    "kryterium_dochodowe": "Pomoc społeczna (zasiłki z MOPS/CUS)",
    "zasilek_staly": "Zasiłek stały",
    "zasilek_rodzinny": "Zasiłek rodzinny",
    "dodatek_mieszkaniowy": "Dodatek mieszkaniowy",
    "becikowe": "Becikowe",
}


# "co mi się należy z MOPS-u / od gminy": the centre's help. From anyone else ("od pracodawcy",
# "po rozwodzie", "z majątku", "z ZUS") it is another office's or a court's question.
_SOURCE = re.compile(r"^\W*(?:od|z|ze|po|przy|w|za)\s+(\w+)")
_CENTRE = re.compile(
    r"^(?:mops\w*|ops\w*|gops\w*|cus\w*|mopr\w*|opiek\w*|pomoc\w*|miast\w*|gmin\w*|osrodk\w*|"
    r"centrum|panstw\w*|socjal\w*|urzedu|urzad\w*|waszej|was)$"
)
_ELSEWHERE = re.compile(r"\b(?:rozwod\w*|majat\w*|spadk\w*|odpraw\w*|odszkodow\w*|pracodaw\w*)")


def asks_overview(text: str) -> bool:
    """Whether the message asks what help there is for the person from the centre, in general."""
    folded = fold(text)
    found = _ASKS_ALL.search(folded)
    if found is None or _ELSEWHERE.search(folded):
        return False
    source = _SOURCE.match(folded[found.end() : found.end() + 40])
    return source is None or bool(_CENTRE.match(source.group(1)))


@dataclass(frozen=True, slots=True)
class Overview:
    """The lines of the answer and the facts their [n] point to, in that order."""

    text: str
    lead: str
    cited: tuple[SourcedFact, ...]
    calculators: tuple[str, ...]


def _which(situation: Situation) -> list[str]:
    names = ["kryterium_dochodowe"]
    if situation.children or situation.children_ages:
        names.append("zasilek_rodzinny")
    if (situation.age or 0) >= 60 or situation.disability is not None:
        names.append("zasilek_staly")
    if situation.housing_costs is not None or situation.flat_area is not None:
        names.append("dodatek_mieszkaniowy")
    if situation.birth is not None:
        names.append("becikowe")
    return names


def _line(name: str, found: CalculatorAnswer) -> str | None:
    title = _TITLES[name]
    result = found.calculation
    if result is None:
        return None  # invalid figures: the single calculator's own answer says what to fix
    said = verdict(result, CALCULATORS[name].title)
    if said is not None:
        return f"{title}: {said}"
    if found.asked is not None:
        return f"{title}: żeby to sprawdzić, potrzebuję jeszcze jednej informacji. " + question_for(
            name, found.asked
        )
    if result.unknown_figures:
        return (
            f"{title}: nie policzę do końca, bo w moich źródłach brakuje wartości: "
            + "; ".join(result.unknown_figures)
            + "."
        )
    return None


def overview(
    texts: Sequence[str], *, facts: Sequence[SourcedFact] = (), on: dt.date | None = None
) -> Overview | None:
    """The answer to a general "what do I get" with the figures of the person's situation, or
    None when it is no such question or the messages say no income to check."""
    if not texts or not asks_overview(texts[-1]):
        return None
    on = on or dt.date.today()
    situation = read_situation("\n".join(texts), today=on)
    if not (situation.income_said or situation.gross_only):
        return None
    cited: list[SourcedFact] = []
    lines: list[str] = []
    ran: list[str] = []
    for name in _which(situation):
        found = calculate(name, texts, on=on, facts=facts)
        line = _line(name, found)
        if line is None:
            continue
        numbers = []
        for fact in found.cited:
            if fact not in cited:
                cited.append(fact)
            numbers.append(cited.index(fact) + 1)
        lines.append(f"- {line}" + "".join(f"[{n}]" for n in dict.fromkeys(numbers)))
        ran.append(name)
    if not lines:
        return None
    beyond = next((f for f in cited if f.id in BEYOND_THE_CRITERION.values()), None)
    if beyond is not None:
        # Over the income criterion is not "nothing for you": said once, under the lines.
        lines.append(f"- {BEYOND_NOTE}{beyond.fact.answer.strip()} [{cited.index(beyond) + 1}]")
    lead = "Z tego, co piszesz, wstępnie (o przyznaniu decyduje CUS):"
    text = "\n".join([lead, *lines]) + "\n\n" + ESTIMATE
    return Overview(
        text, lead + " " + " ".join(line[2:] for line in lines), tuple(cited), tuple(ran)
    )

"""Messages a server has never seen, for `api_load.py`'s unique and cold-start cases.

Every turn of the golden sets (`eval/golden/*.yaml`, 559 turns: residents' wording, typos, no
Polish letters, multi-turn follow-ups, staff questions, out-of-scope and crisis messages), and
residents' one-turn questions told with a situation before them ("Mieszkam sama, mam 67 lat …
czy dostanę dodatek?"), which the assistant reads twice (the question part and the whole
message). The two kinds alternate, so any stretch of the first 1 100 messages has the same mix;
after that only situations with questions follow. Deterministic (seeded).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import yaml

GOLDEN = Path(__file__).resolve().parent.parent / "eval" / "golden"
SITUATIONS = (
    "Mieszkam sama, mam 67 lat i 1 400 zł emerytury.",
    "Jestem bezrobotny od pół roku i nie mam prawa do zasiłku z urzędu pracy.",
    "Mamy z mężem troje dzieci, razem zarabiamy 4 800 zł netto.",
    "Wynajmuję kawalerkę za 1 600 zł miesięcznie.",
    "Opiekuję się mamą po udarze, zrezygnowałam z pracy.",
    "mam orzeczenie o umiarkowanym stopniu niepelnosprawnosci",
    "Dwa tygodnie temu urodziła mi się córka.",
    "Straciłem mieszkanie i śpię u kolegi.",
    "mam zaleglosci w czynszu za trzy miesiace",
    "Jestem samotną matką dwójki dzieci, pracuję na pół etatu.",
    "Mój tata ma 85 lat i nie daje sobie rady sam w domu.",
    "Pracuję na umowę zlecenie, dostaję około 2 000 zł.",
    "Po burzy zerwało nam dach.",
    "Wróciłam z zagranicy po pięciu latach i nie mam pracy.",
    "Od dwudziestu lat mieszkam w mieszkaniu komunalnym.",
    "Dzien dobry, pisze w imieniu sasiadki, ktora ma 90 lat.",
)


def golden_turns(*, residents_only: bool = False) -> list[str]:
    """Every user turn of the golden sets, each once, in file order; `residents_only`: the
    residents' one-turn questions (a situation can be told before them)."""
    turns: dict[str, None] = {}
    for path in sorted(GOLDEN.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"]:
            resident = case.get("audience", "mieszkaniec") == "mieszkaniec"
            if residents_only and not (resident and len(case["turns"]) == 1):
                continue
            for turn in case["turns"]:
                turns[" ".join(str(turn).split())] = None
    return list(turns)


def unique_messages(seed: int = 17) -> Iterator[str]:
    """Distinct messages (about 7 000): golden turns and situation + question alternating while
    the golden turns last."""
    rng = random.Random(seed)
    golden = golden_turns()
    rng.shuffle(golden)
    questions = golden_turns(residents_only=True)
    told = [f"{situation} {question}" for situation in SITUATIONS for question in questions]
    rng.shuffle(told)
    seen: set[str] = set()
    for message in itertools.chain.from_iterable(itertools.zip_longest(golden, told)):
        if message is not None and message not in seen:
            seen.add(message)
            yield message

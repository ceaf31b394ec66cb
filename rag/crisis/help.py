"""What a person in danger reads first: the numbers for their kind of crisis, in plain Polish.

Only nationwide, free numbers are stated as facts (checked against public pages, see
`knowledge_base/kryzys/`). Regional lines (a voivodeship's winter line for homeless people, the
town's crisis-intervention point, its night shelters) come from the deployment's settings
(`OKIENKO_CRISIS_*`) and are never invented; without them the text says to call 112, or 986
where the town has municipal police.

`crisis_block` leads an acute answer; `crisis_line` is the one line a concern answer ends with.
Both are also what error responses carry when the message was a crisis.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rag.crisis.levels import Kind


@dataclass(frozen=True, slots=True)
class LocalHelp:
    """The deployment's regional help (settings `OKIENKO_CRISIS_*`); every field optional."""

    municipal_police: bool = False  # the town has a straż miejska (986)
    homeless_line: str | None = (
        None  # e.g. "987 – całodobowa linia dla osób w kryzysie bezdomności"
    )
    shelters: str | None = None  # night shelters and warming shelters: names, addresses, hours
    intervention: str | None = None  # the crisis-intervention point: address, phone, hours


_LEAD: dict[Kind, str] = {
    "suicide": (
        "Jeśli myślisz o odebraniu sobie życia albo zrobiłeś(-aś) sobie krzywdę, zadzwoń teraz "
        "pod numer alarmowy 112. Nie musisz zostawać z tym sam(a)."
    ),
    "violence": (
        "Jeśli grozi Ci niebezpieczeństwo albo przemoc dzieje się teraz, zadzwoń pod numer "
        "alarmowy 112 (Policja). Jeśli możesz, wyjdź w bezpieczne miejsce."
    ),
    "child": (
        "Jeśli dziecku grozi niebezpieczeństwo teraz (przemoc, zaginięcie, zostało samo bez "
        "opieki), zadzwoń pod numer alarmowy 112."
    ),
    "medical": (
        "Jeśli ktoś stracił przytomność, nie oddycha, krwawi lub jego życie jest zagrożone, "
        "zadzwoń teraz pod numer alarmowy 112 (albo 999 – pogotowie ratunkowe) i wykonuj "
        "polecenia dyspozytora. Nie zostawiaj tej osoby samej."
    ),
    "fire": (
        "Przy pożarze, dymie, zapachu gazu albo objawach zatrucia czadem (ból głowy, zawroty, "
        "senność, wymioty przy piecyku gazowym): wyjdź ze wszystkimi na zewnątrz i zadzwoń pod "
        "112 (albo 998 – straż pożarna). Gdy czuć gaz, nie włączaj światła ani urządzeń "
        "elektrycznych; pogotowie gazowe: 992."
    ),
    "frost": (
        "Jeśli ktoś jest na zewnątrz w mróz, leży, nie reaguje albo nie ma gdzie spędzić nocy, "
        "zadzwoń pod 112."
    ),
}

_LINES: dict[Kind, tuple[str, ...]] = {
    "suicide": (
        "116 123 – kryzysowy telefon zaufania dla dorosłych (bezpłatny, całodobowy)",
        "800 70 2222 – Centrum Wsparcia dla osób w stanie kryzysu psychicznego (całodobowo)",
        "116 111 – telefon zaufania dla dzieci i młodzieży (całodobowo)",
    ),
    "violence": (
        "800 120 002 – Niebieska Linia, dla osób doznających przemocy domowej i świadków "
        "(bezpłatna, całodobowa)",
        "116 123 – kryzysowy telefon zaufania dla dorosłych",
    ),
    "child": (
        "116 111 – telefon zaufania dla dzieci i młodzieży (całodobowo)",
        "800 12 12 12 – Dziecięcy Telefon Zaufania Rzecznika Praw Dziecka; mogą dzwonić też "
        "dorośli, którzy martwią się o dziecko (całodobowo)",
        "800 120 002 – Niebieska Linia, dla osób doznających przemocy domowej i świadków "
        "(bezpłatna, całodobowa)",
        "116 123 – kryzysowy telefon zaufania dla dorosłych (bezpłatny, całodobowy)",
    ),
    "medical": (),
    "fire": (),
    "frost": (),
}

# The one line a concern answer ends with.
_CONCERN: dict[Kind, str] = {
    "suicide": (
        "Jeśli jest Ci bardzo ciężko, możesz porozmawiać z kimś od razu: 116 123 (dorośli), "
        "800 70 2222 (całodobowo), 116 111 (dzieci i młodzież); w zagrożeniu życia – 112."
    ),
    "violence": (
        "Jeśli doznajesz przemocy, wsparcie daje Niebieska Linia 800 120 002 (całodobowo), "
        "w kryzysie 116 123, dzieci i młodzież 116 111; w zagrożeniu – 112."
    ),
    "child": (
        "W sprawie dziecka w trudnej sytuacji: 116 111 (dzieci i młodzież), 800 12 12 12 "
        "(Dziecięcy Telefon Zaufania RPD), dla dorosłych 116 123; w zagrożeniu – 112."
    ),
    "medical": "Jeśli czyjeś zdrowie lub życie jest zagrożone, dzwoń pod 112 albo 999.",
    "fire": "Jeśli czujesz gaz – pogotowie gazowe 992; przy pożarze lub dymie – 112.",
    "frost": (
        "Jeśli ktoś marznie na zewnątrz, zadzwoń pod 112 – nawet jedna noc w mrozie może "
        "zagrażać życiu."
    ),
}


# For a message in Ukrainian, Russian or English: one line in the person's own language first.
_OWN_LANGUAGE = {
    "uk": "Якщо є загроза життю чи здоров'ю – негайно телефонуйте 112.",
    "ru": "Если есть угроза жизни или здоровью – немедленно звоните 112.",
    "en": "If a life or someone's health is in danger, call 112 now.",
}
_NUMBERS_IN = {"uk": "Телефони допомоги", "ru": "Телефоны помощи", "en": "Helplines"}


def _own_language(lang: str, lines: Sequence[str]) -> str | None:
    if lang not in _OWN_LANGUAGE:
        return None
    numbers = [line.split(" – ")[0] for line in lines]
    listed = f" {_NUMBERS_IN[lang]}: {', '.join(numbers)}." if numbers else ""
    return _OWN_LANGUAGE[lang] + listed


def _frost_lines(local: LocalHelp) -> list[str]:
    lines = []
    if local.municipal_police:
        lines.append("986 – straż miejska: zgłoszenie osoby, która marznie lub śpi na zewnątrz")
    else:
        lines.append("986 – straż miejska, tam gdzie działa (w innym wypadku 112)")
    if local.homeless_line:
        lines.append(local.homeless_line)
    if local.shelters:
        lines.append(f"noclegownie i ogrzewalnie: {local.shelters}")
    return lines


def crisis_block(kinds: Sequence[Kind], local: LocalHelp | None = None, *, lang: str = "pl") -> str:
    """The text that leads an acute answer: 112 first, then the lines for each kind.

    Args:
        kinds: the kinds of crisis, most fitting first (the first leads); empty: suicide.
        local: the deployment's regional help, when configured.
        lang: the message's language ("uk", "ru", "en" add a first line in it).

    Returns:
        Polish text (after a line in the person's language); its first sentence names 112.
    """
    local = local or LocalHelp()
    ordered = list(dict.fromkeys(kinds)) or ["suicide"]
    parts = [_LEAD[ordered[0]]]
    parts.extend(_LEAD[kind] for kind in ordered[1:])
    lines: list[str] = []
    for kind in ordered:
        lines.extend(_frost_lines(local) if kind == "frost" else _LINES[kind])
    if local.intervention:
        lines.append(f"ośrodek interwencji kryzysowej: {local.intervention}")
    # One line per number ("116 123" fits suicide and violence alike), in the leading kind's order.
    first_by_number: dict[str, str] = {}
    for line in lines:
        first_by_number.setdefault(line.split(" – ")[0], line)
    lines = list(first_by_number.values())
    if lines:
        parts.append(
            "Możesz też zadzwonić:\n" + "\n".join(f"- {line}," for line in lines)[:-1] + "."
        )
    own = _own_language(lang, [line for line in lines if line[0].isdigit()])
    return "\n".join([own, *parts] if own else parts)


def crisis_line(kinds: Sequence[Kind], *, lang: str = "pl") -> str:
    """The one short line with helplines that a concern answer ends with (in Polish, preceded
    by the same in the person's language for "uk", "ru" and "en")."""
    first: Kind = next(iter(kinds), "suicide")
    own = _own_language(lang, list(_LINES[first]))
    return f"{own} {_CONCERN[first]}" if own else _CONCERN[first]

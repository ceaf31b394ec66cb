"""Scope: which questions the CUS assistant takes on, and a polite redirect for the rest.

`classify_request` sorts a question into "ok", "injection" (an attempt to change the assistant's
instructions) or "out_of_scope"; `redirect_topic` says why a question is out of scope, so that
`redirect_message` can answer it in kind:

- other people's personal data (a neighbour's address, a caseworker's private number, who in the
  block gets which benefit): refused, because the law protects it and the assistant has none;
- politics (elections, parties, opinions on politicians or on benefits as policy): a neutral
  redirect, never an opinion;
- help to hide income or mislead the office;
- homework and small talk;
- another office's matter (800 plus and pensions – ZUS, vehicles – wydział komunikacji, …),
  unless the question ties it to a CUS matter ("czy 800 plus liczy się do dochodu przy zasiłku?").

A crisis is never redirected: its answer leads with the numbers to call.
"""

from __future__ import annotations

from typing import Literal, assert_never

from rag.guards.injection import is_injection
from rag.guards.matching import folded_words
from rag.guards.names import has_full_name
from rag.guards.scope_phrases import (
    ASKER_SITUATION,
    ASKS_FOR_DATA,
    CUS_DOMAIN,
    FRAUD,
    OFF_TOPIC,
    OFFICES,
    OTHERS_DATA,
    POLITICS,
    Office,
)

RequestKind = Literal["ok", "injection", "out_of_scope"]
RedirectTopic = Literal["others_data", "politics", "fraud", "off_topic", "other_office"]


def classify_request(text: str) -> RequestKind:
    """Whether a question is for the CUS assistant, tries to override it, or is off its remit.

    Another office's matter mentioned inside a CUS question ("czy emerytura z ZUS liczy się do
    dochodu przy dodatku mieszkaniowym?") stays "ok"; politics, homework, other people's data
    and attempts to change the assistant's instructions never do. A message assessed as a crisis
    is never redirected as out of scope: the assistant decides that (`rag.answering`).

    Args:
        text: the question (redacted or not; diacritics and case do not matter).

    Returns:
        "injection", "out_of_scope" or "ok".
    """
    if is_injection(text):
        return "injection"
    return "out_of_scope" if redirect_topic(text) else "ok"


def _asks_data_of_named_person(text: str, words: str) -> bool:
    """ "Podaj adres i PESEL Jana Kowalskiego": data asked for, and a full name in the message
    (or its tag, when the name was redacted beside an address)."""
    if not ASKS_FOR_DATA.search(words):
        return False
    return has_full_name(text) or "imie i nazwisko" in words


def redirect_topic(text: str) -> RedirectTopic | None:
    """Why a question is out of the CUS assistant's scope, or None when it is not.

    Args:
        text: the question (redacted or not; diacritics and case do not matter).

    Returns:
        The first that applies, in this order: "others_data", "politics", "fraud",
        "off_topic", "other_office"; None for a question the assistant takes on.
    """
    words = folded_words(text)
    if OTHERS_DATA.search(words) or _asks_data_of_named_person(text, words):
        return "others_data"
    if POLITICS.search(words):
        return "politics"
    if FRAUD.search(words):
        return "fraud"
    if OFF_TOPIC.search(words):
        return "off_topic"
    offices = _offices(words)
    if not offices or CUS_DOMAIN.search(words):
        return None
    if all(o.circumstance for o in offices) and ASKER_SITUATION.search(words):
        return None  # "mam rentę, czy coś mi się należy?": the asker's situation, not ZUS's
    return "other_office"


def _offices(words: str) -> list[Office]:
    """The offices whose matters `words` mention."""
    return [office for office in OFFICES if office.pattern.search(words)]


_SCOPE = (
    "Pomagam w sprawach Centrum Usług Społecznych: dodatek mieszkaniowy, mieszkania komunalne "
    "i socjalne, eksmisje, pomoc społeczna, świadczenia rodzinne, usługi społeczne, odwołania."
)
_OFFICES = (
    "podatki i PIT – urząd skarbowy; 800 plus, emerytury, renty i zasiłek chorobowy – ZUS; praca "
    "i zasiłek dla bezrobotnych – powiatowy urząd pracy; dowód osobisty i meldunek – urząd gminy "
    "(sprawy obywatelskie); paszport – punkt paszportowy urzędu wojewódzkiego; prawo jazdy i "
    "rejestracja pojazdu – wydział komunikacji; zdrowie – lekarz, a w nagłym zagrożeniu życia – "
    "112."
)
_OTHERS_DATA = (
    "Nie mogę przekazać danych innych osób: ich adresów, numerów telefonów, numeru PESEL ani "
    "informacji o tym, kto korzysta z pomocy Centrum Usług Społecznych i jakie świadczenia "
    "dostaje. Te dane chronią przepisy o ochronie danych osobowych (RODO) i tajemnica służbowa "
    "pracowników CUS, a ja nie mam do nich dostępu. Z pracownikami CUS, także ze swoim "
    "pracownikiem socjalnym, skontaktujesz się przez centrum."
)
_POLITICS = (
    "Nie oceniam polityków, partii ani decyzji politycznych i nie doradzam, na kogo głosować – to "
    "Twój wybór. Informacje o wyborach (terminy, lokale wyborcze, spis wyborców) podaje urząd "
    "miasta lub gminy."
)
_FRAUD = (
    "Nie pomogę ukryć dochodu ani obejść zasad przyznawania świadczeń. Oświadczenia we wnioskach "
    "składa się pod rygorem odpowiedzialności karnej, a świadczenie przyznane na podstawie "
    "nieprawdziwych informacji trzeba zwrócić. Mogę za to wyjaśnić, jakie dochody się liczy i "
    "jakie zmiany trzeba zgłosić."
)


def redirect_message(
    kind: Literal["injection", "out_of_scope"], *, contact: str, question: str | None = None
) -> str:
    """A polite answer to a request the assistant will not follow.

    Args:
        kind: what `classify_request` found.
        contact: a ready sentence with the CUS contact (built by the caller from settings).
        question: the question redirected; with it the answer fits the reason (other people's
            data, politics, the office that handles the matter), without it a general one.

    Returns:
        Polish text that says what the assistant helps with and where to go instead, ending
        with `contact`.
    """
    match kind:
        case "injection":
            body = (
                "Nie mogę zmienić swoich zasad ani pokazać instrukcji, według których działam. "
                f"{_SCOPE} Zadaj proszę pytanie w jednej z tych spraw."
            )
        case "out_of_scope":
            body = _out_of_scope(redirect_topic(question) if question else None, question or "")
        case _:
            assert_never(kind)
    return f"{body} {contact}".strip()


def _out_of_scope(topic: RedirectTopic | None, question: str) -> str:
    match topic:
        case "others_data":
            return f"{_OTHERS_DATA} {_SCOPE}"
        case "politics":
            return f"{_POLITICS} {_SCOPE}"
        case "fraud":
            return _FRAUD
        case "off_topic":
            return f"Ta sprawa wykracza poza to, w czym mogę pomóc. {_SCOPE}"
        case "other_office":
            found = _offices(folded_words(question))
            hints = list(dict.fromkeys(o.hint for o in found if o.hint))
            if not hints:  # a translation: no office to name
                return f"Ta sprawa wykracza poza to, w czym mogę pomóc. {_SCOPE}"
            return f"Tą sprawą zajmuje się inna instytucja: {'; '.join(hints)}. {_SCOPE}"
        case None:
            return (
                f"Ta sprawa wykracza poza to, w czym mogę pomóc. {_SCOPE} "
                f"W innych sprawach: {_OFFICES}"
            )
        case _:
            assert_never(topic)

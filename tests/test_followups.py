"""Follow-up questions made standalone: the previous topic carried over, own subjects kept."""

from __future__ import annotations

import pytest

from rag.conversation import Turn
from rag.followups import standalone_question
from rag.lexical import PolishAnalyzer


def user(text: str, at: float = 1.0, standalone: str | None = None) -> Turn:
    return Turn(role="user", text=text, at=at, standalone=standalone)


def assistant(text: str, at: float = 2.0, topics: tuple[str, ...] = ()) -> Turn:
    return Turn(role="assistant", text=text, at=at, topics=topics)


DODATEK = "Kto moze dostac dodatek mieszkaniowy?"
ZASILEK = "Kto dostaje zasilek staly?"
SOCJALNE = "jak dostac mieszkanie socjalne z gminy"


@pytest.mark.parametrize(
    ("previous", "question", "expected"),
    [
        (
            DODATEK,
            "a ile sie czeka na decyzje?",
            "Dodatek mieszkaniowy: a ile sie czeka na decyzje?",
        ),
        (DODATEK, "gdzie zlozyc wniosek", "Dodatek mieszkaniowy: gdzie zlozyc wniosek"),
        (DODATEK, "i co jak mi odmowia", "Dodatek mieszkaniowy: i co jak mi odmowia"),
        (
            DODATEK,
            "a jesli mam zasilek staly, to czy dostane ten dodatek",
            "Dodatek mieszkaniowy: a jesli mam zasilek staly, to czy dostane ten dodatek",
        ),
        (ZASILEK, "ile wynosi ten zasilek", "Zasilek staly: ile wynosi ten zasilek"),
        (ZASILEK, "a jak dlugo sie go dostaje", "Zasilek staly: a jak dlugo sie go dostaje"),
        (SOCJALNE, "i ile sie na nie czeka", "Mieszkanie socjalne: i ile sie na nie czeka"),
        (SOCJALNE, "czy moj syn tez moze?", "Mieszkanie socjalne: czy moj syn tez moze?"),
        (
            "swiadczenie pielegnacyjne dla mamy po udarze",
            "ile to wynosi w tym roku",
            "Swiadczenie pielegnacyjne: ile to wynosi w tym roku",
        ),
        (
            "Jak sie odwolac od decyzji?",
            "a ile mam na to czasu?",
            "Odwolac od decyzji: a ile mam na to czasu?",
        ),
        (
            "Czy dodatek mieszkaniowy przysluguje najemcy?",
            "a wlascicielowi mieszkania?",
            "Dodatek mieszkaniowy: a wlascicielowi mieszkania?",
        ),
        (ZASILEK, "ile wynosi zasilek dla niej?", "Zasilek staly: ile wynosi zasilek dla niej?"),
        # Self-contained: they name their own subject, so they stay as they are.
        (DODATEK, "ile trwa eksmisja i czy mozna jej uniknac", None),
        (SOCJALNE, "kiedy trzeba oddac mieszkanie gminie", None),
        (ZASILEK, "Czy w Gdansku tez mozna dostac zasilek, jesli pracuje sie na pol etatu?", None),
        (DODATEK, "a dodatek energetyczny?", "a dodatek energetyczny?"),
        (DODATEK, "Co to jest zasilek celowy?", "Co to jest zasilek celowy?"),
        (ZASILEK, "a co to jest zasilek celowy?", "a co to jest zasilek celowy?"),
        (SOCJALNE, "a mieszkanie komunalne?", "a mieszkanie komunalne?"),
        (DODATEK, "a dodatek mieszkaniowy dla studenta?", "a dodatek mieszkaniowy dla studenta?"),
        (
            DODATEK,
            "Jakie papiery do wniosku o zasilek rodzinny?",
            "Jakie papiery do wniosku o zasilek rodzinny?",
        ),
        (
            DODATEK,
            "jak dostac lokal socjalny jak nie mam gdzie mieszkac",
            "jak dostac lokal socjalny jak nie mam gdzie mieszkac",
        ),
        (
            "Jak zglosic przemoc w rodzinie?",
            "czy niebieska karta to to samo co zgloszenie na policje?",
            "czy niebieska karta to to samo co zgloszenie na policje?",
        ),
    ],
)
def test_follow_ups_carry_the_previous_topic(
    analyzer: PolishAnalyzer, previous: str, question: str, expected: str | None
) -> None:
    history = [user(previous), assistant("Odpowiedź z cytatem [1].")]
    assert standalone_question(question, history, analyzer=analyzer) == (expected or question)


def test_without_an_earlier_question_nothing_changes(analyzer: PolishAnalyzer) -> None:
    assert standalone_question("a ile sie czeka?", [], analyzer=analyzer) == "a ile sie czeka?"
    only_answers = [assistant("Dzień dobry, w czym pomóc?")]
    assert standalone_question("a ile to trwa", only_answers, analyzer=analyzer) == "a ile to trwa"


def test_a_chain_of_follow_ups_keeps_the_first_subject(analyzer: PolishAnalyzer) -> None:
    first = user(DODATEK, at=1.0)
    second_text = "a ile sie czeka?"
    second = user(second_text, at=3.0, standalone=standalone_question(second_text, [first]))
    history = [first, assistant("…", at=2.0), second, assistant("…", at=4.0)]
    third = standalone_question("a gdzie zlozyc wniosek?", history, analyzer=analyzer)
    assert third == "Dodatek mieszkaniowy: a gdzie zlozyc wniosek?"


def test_the_answer_topic_helps_when_the_question_named_nothing(
    analyzer: PolishAnalyzer,
) -> None:
    history = [user("???"), assistant("…", topics=("swiadczenia_rodzinne",))]
    assert (
        standalone_question("a ile sie czeka", history, analyzer=analyzer)
        == "Świadczenia rodzinne: a ile sie czeka"
    )


def test_the_office_named_as_the_sender_does_not_start_a_new_topic(
    analyzer: PolishAnalyzer,
) -> None:
    history = [
        Turn(
            "user",
            "W 2021 r. dostałem decyzję o zwrocie nienależnie pobranego zasiłku okresowego.",
            0.0,
        )
    ]
    asked = "Teraz CUS przysłał wezwanie do zapłaty. Czy to się już nie przedawniło?"
    assert standalone_question(asked, history, analyzer=analyzer).startswith("Zasiłku okresowego")
    # Asked what the office is, it is the subject.
    about = [Turn("user", "Kto może dostać dodatek mieszkaniowy?", 0.0)]
    assert standalone_question("a co to jest CUS?", about, analyzer=analyzer) == "a co to jest CUS?"
    letter = standalone_question("A co to za pismo z CUS?", history, analyzer=analyzer)
    assert letter.startswith("Zasiłku okresowego")

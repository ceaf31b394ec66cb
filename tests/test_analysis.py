"""Message analysis: the question part of a story, residents' words, the situation's figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.answering.analysis import Lexicon, LexiconError, analyse, question_type
from rag.answering.situation import read_situation as situation

LEXICON = Path(__file__).resolve().parents[1] / "knowledge_base" / "slownik.yaml"


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load(LEXICON)


def test_the_question_is_taken_from_the_story(lexicon: Lexicon) -> None:
    message = (
        "Pracuję na pół etatu, mąż odszedł w marcu. Zostałam sama z dwójką dzieci i ledwo "
        "starcza na czynsz. Co mi się należy z MOPS-u?"
    )
    found = analyse(message, lexicon)
    assert found.questions == ("Co mi się należy z MOPS-u?",)
    assert "pół etatu" in found.situation_text
    assert found.long
    # The office's term for the resident's word is added to what retrieval reads.
    assert found.focus == "Co mi się należy z MOPS-u? pomoc społeczna"


def test_help_given_whatever_the_income_is_named_but_not_added_to_the_focus(
    lexicon: Lexicon,
) -> None:
    message = "Spaliło się nam mieszkanie po pożarze u sąsiada. Co teraz?"
    assert [e.term for e in lexicon.income_free(message)] == [
        "zasiłek celowy po zdarzeniu losowym lub klęsce żywiołowej"
    ]
    assert "zasiłek celowy" not in analyse(message, lexicon).focus
    assert lexicon.income_free("mieszkam sama, mam 900 zł emerytury, czy dostanę z MOPS?") == ()


def test_a_short_question_keeps_the_sentence_it_leans_on(lexicon: Lexicon) -> None:
    message = (
        "Jest nas czworo, komunalka ma 70 m2. Znajoma mówi, że przy takim metrażu odmówią mi "
        "dodatku mieszkaniowego. To prawda?"
    )
    found = analyse(message, lexicon)
    assert found.questions[0].startswith("Znajoma mówi")
    assert found.questions[-1] == "To prawda?"
    # Named in the office's words already: not added twice; the story's "komunalka" is.
    assert "dodatek mieszkaniowy" not in found.focus
    assert found.focus.endswith("mieszkanie z zasobu gminy")


def test_a_message_with_no_asking_sentence_is_all_question(lexicon: Lexicon) -> None:
    found = analyse("dodatek mieszkaniowy papiery", lexicon)
    assert found.questions == ()
    assert found.question == "dodatek mieszkaniowy papiery"
    assert not found.long


def test_residents_words_find_the_office_terms_without_diacritics(lexicon: Lexicon) -> None:
    terms = {e.term for e in lexicon.find("ile daja mieszkaniowki i becikowego z ops-u")}
    assert {"dodatek mieszkaniowy", "pomoc społeczna"} <= terms
    assert "jednorazowa zapomoga z tytułu urodzenia się dziecka" in terms
    assert lexicon.find("pogoda na jutro") == ()


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("Хто може отримати житлову допомогу?", "dodatek mieszkaniowy"),
        ("How do I appeal against a decision?", "odwołanie od decyzji"),
        ("Can I get a council flat if I rent privately?", "mieszkanie z zasobu gminy"),
        ("Сколько длится выселение зимой?", "eksmisja"),
        # Words joined by an apostrophe or a hyphen are split as a message's words are.
        ("Can I get carer's allowance for my mum?", "świadczenie pielęgnacyjne"),
        ("Is there one-off help for a new fridge?", "zasiłek celowy"),
        # Inflected: "Карту", "будинку".
        ("Як отримати Карту великої родини?", "Karta Dużej Rodziny"),
    ],
)
def test_a_question_in_another_language_searches_with_the_office_term(
    lexicon: Lexicon, question: str, term: str
) -> None:
    analysis = analyse(question, lexicon)
    assert term in {e.term for e in analysis.terms}
    assert analysis.focus == f"{question} {term}"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("jakie papiery zabrać do wniosku o becikowe", "dokumenty"),
        ("ile dni ma urząd na decyzję", "termin"),
        ("ile wynosi zasiłek stały", "kwota"),
        ("gdzie złożyć wniosek o dodatek", "gdzie_jak"),
        ("co to jest wywiad środowiskowy", "definicja"),
        ("co mam zrobić jak nie zgadzam się z decyzją", "co_zrobic"),
        ("czy należy mi się zasiłek okresowy", "czy_przysluguje"),
        ("dzień dobry", None),
    ],
)
def test_question_types(question: str, kind: str | None) -> None:
    assert question_type(question) == kind


def test_the_situation_figures() -> None:
    found = situation(
        "mieszkam sam na 33 metrach, czynsz 700 zl na miesiac, emerytury mam 2400 na reke, "
        "mam 67 lat i orzeczenie o niepełnosprawności, wynajmuję od prywatnego"
    )
    assert found.household == 1
    assert found.household_income == 2400  # the rent is not income
    assert found.housing_costs == 700
    assert found.flat_area == 33
    assert found.age == 67
    assert found.disability == ""  # a certificate, its degree not said
    assert found.tenure == "najem"
    assert situation("Jest nas czworo w komunalce").household == 4
    assert situation("pytanie o becikowe") == type(found)()


def test_a_broken_lexicon_is_a_clear_error(tmp_path: Path) -> None:
    broken = tmp_path / "slownik.yaml"
    broken.write_text("terms: [{term: x}]", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"slownik\.yaml"):
        Lexicon.load(broken)
    with pytest.raises(LexiconError, match="cannot read"):
        Lexicon.load(tmp_path / "brak.yaml")


def test_a_story_clause_is_not_a_question(lexicon: Lexicon) -> None:
    found = analyse(
        "Kiedy mąż odszedł, zostałam sama z dwójką dzieci. Jest nas troje. "
        "Czy dostanę mieszkaniówkę?",
        lexicon,
    )
    # The short question keeps the sentence before it; the "Kiedy …," clause is story.
    assert found.questions == ("Jest nas troje.", "Czy dostanę mieszkaniówkę?")
    assert found.question_type == "czy_przysluguje"
    assert found.situation.household == 3


@pytest.mark.parametrize(
    ("message", "asks"),
    [
        (
            "Opiekuję się teściową po udarze. Ile wynosi specjalny zasiłek opiekuńczy i jaki "
            "jest próg dochodowy, żeby go dostać?",
            (
                "Ile wynosi specjalny zasiłek opiekuńczy",
                "jaki jest próg dochodowy, żeby go dostać?",
            ),
        ),
        (
            "to gdzie mam się odwołać i czy do tego czasu te 150 zł będą mi płacić?",
            ("to gdzie mam się odwołać", "czy do tego czasu te 150 zł będą mi płacić?"),
        ),
        # A short question and the sentence it leans on are one ask, not two.
        (
            "W komunalnym pękła rura. Mam umowę od 2015 roku. Czy to moja działka?",
            ("Mam umowę od 2015 roku. Czy to moja działka?",),
        ),
        # A two-word question goes with the one before it.
        ("Czy dostanę zasiłek okresowy? A ile?", ("Czy dostanę zasiłek okresowy? A ile?",)),
        # "i" inside one question, with no question word after it, does not split.
        ("Czy mogę mieć dodatek mieszkaniowy i obniżkę czynszu naraz?", None),
    ],
)
def test_each_thing_asked_is_taken_apart(message: str, asks: tuple[str, ...] | None) -> None:
    analysis = analyse(message)
    assert analysis.asks == (asks or analysis.questions)

"""Sums in chat: a calculator answers a resident's figures, cites the facts behind its working,
and asks for what is missing, one question at a time, remembered in the conversation."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from ingest.loaders import discover, load_document
from rag.answering.analysis import Lexicon as ResidentsWords
from rag.answering.calculate import (
    _OWN_HEATING,
    ASSUMED_INSTALLATIONS,
    ASSUMED_NO_WHEELCHAIR,
    ASSUMED_TITLE,
    ESTIMATE,
    CalculatorAnswer,
    calculate,
    follow_up_text,
    is_calculable,
    named_calculator,
)
from rag.answering.facts import SourcedFact, load_facts, numbers
from rag.answering.situation import read_situation
from rag.conversation import MemoryConversationStore
from rag.index import ServedIndex
from rag.lexical import PolishAnalyzer
from tests.test_answering import assistant, data_dir, served  # noqa: F401 (fixtures)

KB = Path(__file__).resolve().parents[1] / "knowledge_base"
DAY = dt.date(2026, 12, 6)


@pytest.fixture(scope="module")
def facts() -> list[SourcedFact]:
    documents = [load_document(p, root=KB, strict=True) for p in discover(KB)]
    held, _ = load_facts(KB, documents)
    return held


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("mam 1500 zł emerytury i mieszkam sama, czy dostanę okresowy?", "zasilek_okresowy"),
        ("we trójkę mamy 5200 na rękę, czynsz 1400 – dostaniemy mieszkaniówkę?",
         "dodatek_mieszkaniowy"),
        ("mam 70 lat i 600 zł renty, ile wyniesie mi stały?", "zasilek_staly"),
        ("jestem sam, zarabiam 900 zł, czy mieszczę się w kryterium z MOPS?",
         "kryterium_dochodowe"),
        # No figure of the person's own: a fact answers it, not a calculator.
        ("ile wynosi zasiłek stały?", None),
        # A figure, but no benefit a calculator covers.
        ("mam 1500 zł emerytury, gdzie złożyć wniosek o kartę seniora?", None),
    ],
)  # fmt: skip
def test_a_sum_to_work_out_is_recognised(text: str, name: str | None) -> None:
    assert is_calculable(text, read_situation(text, today=DAY)) == name


@pytest.mark.parametrize(
    "text",
    [
        # Help given whatever the income (the lexicon marks it): the income is the story.
        "w nocy zalalo mi cale mieszkanie od sasiada, mam ponad 4 tysiace na reke wiec myslalam "
        "ze z opieki nic nie dostane. czy jednak cos mi sie nalezy?",
        "Po pożarze domu mieszkamy u szwagra, zarabiam 5200 zł. Czy z MOPS-u coś dostaniemy?",
        "sasiad mnie zalal, cala kuchnia zniszczona. zarabiam 4200 na reke. czy z mopsu dostane "
        "jakas pomoc na remont?",
        "tata zmarl, pogrzeb wyszedl 14 tys., mam normalna pensje 6000 zl. czy z opieki cos "
        "dostane na te koszty?",
        # How a sum is counted is a rule, not a sum to work out.
        "Dostaję zasiłek okresowy, mieszkam sama. W marcu dostałam jednorazowo 6000 zł. Czy CUS "
        "policzy mi te 6000 jako dochód z marca?",
        "mam 1200 zl renty i 500 zl alimentow na syna, czy alimenty wliczaja sie do dochodu przy "
        "zasilku okresowym?",
    ],
)
def test_a_rule_question_beside_figures_is_no_sum(text: str) -> None:
    lexicon = ResidentsWords.load(KB / "slownik.yaml")
    assert is_calculable(text, read_situation(text, today=DAY), lexicon) is None


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("mieszkam sama, mam 900 zl emerytury, czy dostane cos z mopsu?", "kryterium_dochodowe"),
        # A funeral in the story is not a question about its costs.
        (
            "Po pogrzebie męża zostałam sama, mam 1000 zł renty. Czy dostanę coś z MOPS-u?",
            "kryterium_dochodowe",
        ),
        # The person's own counting is their figure, not a question of how the office counts.
        ("policzylam ze mam 900 zl w dochodzie, czy dostane zasilek staly?", "zasilek_staly"),
    ],
)
def test_help_that_tests_income_is_still_summed_with_the_lexicon(text: str, name: str) -> None:
    lexicon = ResidentsWords.load(KB / "slownik.yaml")
    assert is_calculable(text, read_situation(text, today=DAY), lexicon) == name


def test_over_the_criterion_the_help_given_whatever_the_income_follows_the_verdict(
    facts: list[SourcedFact],
) -> None:
    over = _not_eligible(
        "kryterium_dochodowe",
        "mam 74 lata, emerytura 1600 zl, sama mieszkam. czy dostane cos z mopsu na leki?",
        facts,
    )
    assert over.cited[0].id == "ps-kto-bez-wzgledu-na-dochod"
    assert "specjalny zasiłek celowy" in over.lead
    # Numbered in the order read: the note [1] right after the verdict, the working's facts after.
    markers = [int(m) for m in re.findall(r"\[(\d+)\]", over.text)]
    assert markers[0] == 1
    assert markers == sorted(markers)
    assert len(over.cited) == max(markers)
    under = calculate(
        "kryterium_dochodowe",
        ["mam 74 lata, emerytura 900 zl, sama mieszkam. czy dostane cos z mopsu na leki?"],
        on=DAY,
        facts=facts,
    )
    assert "ps-kto-bez-wzgledu-na-dochod" not in [f.id for f in under.cited]
    assert "przy wyższym dochodzie" not in under.text
    # Only where the income decided: not a "no" for want of a certificate of incapacity.
    staly = "mam 70 lat, sama, emerytura 1500 zl, czy dostane staly?"
    assert "przy wyższym dochodzie" in calculate("zasilek_staly", [staly], on=DAY, facts=facts).text
    lekki = "mam 50 lat, lekki stopien, sama, 300 zl dochodu, czy dostane staly?"
    assert "przy wyższym dochodzie" not in _not_eligible("zasilek_staly", lekki, facts).text


def _not_eligible(name: str, text: str, facts: list[SourcedFact]) -> CalculatorAnswer:
    """The calculator's answer to one message, which must be "not eligible"."""
    found = calculate(name, [text], on=DAY, facts=facts)
    assert found.calculation is not None
    assert found.calculation.result == "not_eligible"
    return found


def test_the_result_leads_with_the_comparison_and_cites_the_figures(
    facts: list[SourcedFact],
) -> None:
    found = _not_eligible(
        "zasilek_okresowy",
        "mam 1500 zł emerytury i mieszkam sama, czy dostanę zasiłek okresowy?",
        facts,
    )
    assert found.lead.startswith("Z tego, co piszesz: zasiłek okresowy nie przysługuje")
    assert "1 500 zł" in found.lead
    assert "1 010 zł" in found.lead
    assert found.text.rstrip().endswith(ESTIMATE)
    assert found.asked is None
    # Every cited fact states a figure of the working, and the working marks where it is used;
    # over the criterion, the help given whatever the income comes first, without figures.
    assert found.cited[0].id == "ps-kto-bez-wzgledu-na-dochod"
    assert len(found.cited) > 1
    for n, fact in enumerate(found.cited, start=1):
        assert f"[{n}]" in found.text
        assert n == 1 or numbers(fact.fact.answer) & numbers(found.text)


def test_an_amount_is_computed_with_its_working(facts: list[SourcedFact]) -> None:
    found = calculate(
        "zasilek_staly",
        ["mam 67 lat, mieszkam sama, emerytura 780 zł na rękę. ile dostanę stałego?"],
        on=DAY,
        facts=facts,
    )
    assert found.calculation is not None
    assert found.calculation.amount == 533
    assert "około 533 zł miesięcznie" in found.lead
    assert "1 313 zł − 780 zł = 533 zł" in found.text
    assert "art. 37" in found.text
    assert "Przyjąłem, że nie pobierasz renty socjalnej" in found.text


def test_a_missing_value_is_asked_for_never_guessed() -> None:
    found = calculate("zasilek_staly", ["mam 850 zł renty, czy dostanę stały?"], on=DAY)
    assert found.calculation is not None
    assert found.calculation.result == "unknown"
    assert found.asked is not None
    assert found.calculation.amount is None
    assert "?" in found.text.split("\n\n")[-2]  # one question, before the estimate note


def test_bad_figures_get_a_polish_message_not_an_error() -> None:
    found = calculate(
        "kryterium_dochodowe", ["jest nas 0 osób, dochód 1000 zł, czy mieszczę się?"], on=DAY
    )
    assert found.calculation is None
    assert found.problems
    assert found.text.startswith("Nie mogę tego policzyć")


@pytest.mark.parametrize(
    ("asked", "reply", "reads"),
    [
        ("zasilek_staly:household_size", "3", {"household": 3}),
        ("zasilek_staly:age", "67", {"age": 67}),
        ("kryterium_dochodowe:household_income", "2 400 zł", {"household_income": 2400}),
        ("zasilek_staly:household_size", "mieszkam sama", {"household": 1}),
    ],
)
def test_a_short_reply_is_read_as_the_answer_to_the_question(
    asked: str, reply: str, reads: dict[str, int]
) -> None:
    situation = read_situation(follow_up_text(asked, reply), today=DAY)
    for field, value in reads.items():
        assert getattr(situation, field) == value


def test_a_benefit_named_in_residents_words_finds_its_calculator() -> None:
    assert named_calculator("ile by bylo mieszkaniowki?") == "dodatek_mieszkaniowy"
    assert named_calculator("czy dostane becikowe") == "becikowe"
    assert named_calculator("a rodzinne mi sie nalezy?") == "zasilek_rodzinny"


def test_the_conversation_fills_in_what_the_calculator_asked(
    served: ServedIndex,  # noqa: F811
    analyzer: PolishAnalyzer,
) -> None:
    chat = assistant(
        served, analyzer, conversations=MemoryConversationStore(ttl_seconds=600, max_turns=20)
    )
    first = chat.ask("mam 850 zł renty, czy dostanę zasiłek stały?")
    assert not first.refused
    assert "Ile masz lat?" in first.answer
    second = chat.ask("67", session_id=first.session_id)
    assert "Ile osób" in second.answer  # the age is remembered, the household is next
    third = chat.ask("mieszkam sama", session_id=first.session_id)
    assert third.direct_answer is not None
    assert re.search(r"przysługuje, około 463 zł miesięcznie", third.direct_answer)
    # A new question leaves the calculation: it is answered on its own.
    fourth = chat.ask("gdzie złożyć wniosek o dodatek mieszkaniowy?", session_id=first.session_id)
    assert "Ile" not in (fourth.direct_answer or "")


def test_only_the_assumptions_made_are_stated() -> None:
    heated = calculate(
        "dodatek_mieszkaniowy",
        ["mieszkam sama w komunalnym 40 m2, czynsz 800 zł, zarabiam 2400. ile mieszkaniówki?"],
        on=DAY,
    )
    assert ASSUMED_INSTALLATIONS in heated.text
    assert ASSUMED_NO_WHEELCHAIR in heated.text
    coal = calculate(
        "dodatek_mieszkaniowy",
        ["mam piec węglowy, 40 m2 od miasta, czynsz 800 zł, 2400 zł na rękę, mieszkam sama. ile?"],
        on=DAY,
    )
    assert ASSUMED_INSTALLATIONS not in coal.text  # she said how the flat is heated
    assert ASSUMED_NO_WHEELCHAIR in coal.text


def test_the_flat_against_the_norm_is_worked_out_before_the_title_or_income_is_asked() -> None:
    found = calculate(
        "dodatek_mieszkaniowy",
        ["jest nas 3 osoby, mamy 54 metry i oplaty 1080 zl, od jakiej kwoty policza dodatek?"],
        on=DAY,
    )
    assert found.calculation is not None
    assert found.calculation.result == "unknown"
    assert found.asked == "household_income_monthly"
    assert ASSUMED_TITLE in found.text  # any title gives the same sum: assumed, and said so
    working = " ".join(step.text for step in found.calculation.steps)
    assert "Normatywna powierzchnia dla 3 osób: 45 m²" in working
    assert "1 080 zł ÷ 54 m² × 45 m² = 900 zł" in working


def test_a_room_of_ones_own_in_the_message_raises_the_norm() -> None:
    found = calculate(
        "dodatek_mieszkaniowy",
        ["syn ma orzeczenie ze wymaga osobnego pokoju, mieszkanie 68 m2, dwie osoby. za duze?"],
        on=DAY,
    )
    assert found.calculation is not None
    working = " ".join(step.text for step in found.calculation.steps)
    assert "do 55 m²" in working
    assert ASSUMED_NO_WHEELCHAIR not in found.text


def test_an_offered_sum_shows_what_it_could_already_work_out(
    served: ServedIndex,  # noqa: F811
    analyzer: PolishAnalyzer,
) -> None:
    chat = assistant(served, analyzer)
    answer = chat.ask("mamy 54 m2 i jest nas troje, czy przy dodatku mieszkaniowym to za duzo?")
    offered = answer.answer[answer.answer.index("Mogę to też policzyć") :]
    assert "Normatywna powierzchnia dla 3 osób: 45 m²" in offered
    assert "(art. 5 ust. 1 ustawy o dodatkach mieszkaniowych)" in offered
    assert offered.rstrip().endswith("?")  # then the one question


def test_the_title_to_the_flat_is_asked_when_the_person_may_have_none() -> None:
    found = calculate(
        "dodatek_mieszkaniowy",
        ["mieszkam u kolegi bez umowy, 30 m2, sam, oplaty 600 zl, dochod 1500, dostane dodatek?"],
        on=DAY,
    )
    assert found.asked == "tenure"
    assert ASSUMED_TITLE not in found.text


def test_a_childs_own_room_or_a_pram_is_no_disability() -> None:
    for text in (
        "jest nas 4, dzieci maja osobne pokoje, mieszkanie 70 m2, czy dostaniemy dodatek?",
        "jest nas 3, corka na wozku dzieciecym jezdzi, 58 m2, czy dostaniemy dodatek?",
    ):
        found = calculate("dodatek_mieszkaniowy", [text], on=DAY)
        assert found.calculation is not None
        assert "norma rośnie" not in " ".join(s.text for s in found.calculation.steps), text


def test_mieszkaniu_mamy_is_no_sign_of_living_without_a_title() -> None:
    found = calculate(
        "dodatek_mieszkaniowy",
        ["W mieszkaniu mamy 3 pokoje i 62 m2, jest nas czworo, oplaty 1300 zl. Ile dodatku?"],
        on=DAY,
    )
    assert found.asked != "tenure"
    assert ASSUMED_TITLE in found.text


def test_a_reply_without_a_title_ends_the_question_with_the_answer() -> None:
    first = "mieszkam u kolegi bez umowy, 30 m2, sam, oplaty 600 zl, dochod 1500, dostane dodatek?"
    found = calculate(
        "dodatek_mieszkaniowy",
        [first, follow_up_text("dodatek_mieszkaniowy:tenure", "nie mam zadnego tytulu")],
        on=DAY,
    )
    assert found.calculation is not None
    assert found.calculation.result == "not_eligible"


def test_a_housing_sum_is_answered_with_its_amount_even_while_the_wage_is_missing(
    served: ServedIndex,  # noqa: F811
    analyzer: PolishAnalyzer,
) -> None:
    # Today's GUS wage may be missing from the rules (then: "340 zł, if the income is within the
    # threshold") or present (then: "przysługuje, około 340 zł"); either way the sum is answered,
    # not replaced by passages about the threshold.
    chat = assistant(served, analyzer)
    answer = chat.ask(
        "ile dostane dodatku mieszkaniowego? mieszkam sam na 33 metrach w mieszkaniu "
        "komunalnym, czynsz 700 zl, emerytura 2400 na reke"
    )
    lead = answer.answer.split("\n", 1)[0]
    assert "340 zł miesięcznie" in lead
    assert "15% × 2 400 zł = 360 zł" in answer.answer


@pytest.mark.parametrize(
    "text",
    [
        "piecioosobowa rodzina, 60m2, oplaty 1200 zl, dochod 5000 zl. ile wyjdzie dodatku "
        "mieszkaniowego?",
        "jest nas piec osob, 60 m2, oplaty 1200 zl, dochod 5000 zl, ile dodatku mieszkaniowego?",
    ],
)
def test_five_people_are_no_stove(text: str) -> None:  # see also the pięć cases below
    # Folded, "pięć" and "pięcio-" read "piec": a count, not a flat heated by a stove.
    found = calculate("dodatek_mieszkaniowy", [text], on=DAY)
    assert found.asked != "central_installations"
    assert "Normatywna powierzchnia dla 5 osób: 65 m²" in found.text


def test_a_stove_is_still_asked_about_for_the_fuel_lump_sum() -> None:
    found = calculate(
        "dodatek_mieszkaniowy",
        [
            "jest nas dwoje, 40 m2, grzejemy piecem kaflowym, oplaty 800 zl, dochod 3000 zl, "
            "ile dodatku mieszkaniowego?"
        ],
        on=DAY,
    )
    assert found.asked == "central_installations"


def test_a_flat_written_as_45_metrowe_has_its_area() -> None:
    assert read_situation("mieszkamy w mieszkaniu 45-metrowym, we trojke").flat_area == 45


@pytest.mark.parametrize(
    ("text", "stove"),
    [
        ("w mieszkaniu piec pokoi", False),
        ("jest nas piec", False),
        ("piec corek", False),
        ("mamy piec kaflowy", True),
        ("ogrzewamy piecem", True),
        ("piec w kuchni sie psuje", True),
    ],
)
def test_five_or_a_stove(text: str, stove: bool) -> None:
    assert bool(_OWN_HEATING.search(text)) == stove

"""The extractive answer: the sentence that answers, quoted and cited, and nothing invented."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from rag.citations import MARKER, check_citations
from rag.documents import Chunk, DocumentMeta, ScoredChunk
from rag.extractive import BASIS_HEADING, extractive_answer
from rag.lexical import PolishAnalyzer


def passage(rank: int, title: str, section: str, text: str) -> ScoredChunk:
    meta = DocumentMeta(title=title, valid_from=dt.date(2023, 7, 1))
    chunk = Chunk(
        chunk_id=f"doc-{rank}#x",
        doc_id=f"doc-{rank}",
        source=f"knowledge_base/test/doc-{rank}.md",
        text=text,
        heading_path=(title, section),
        meta=meta,
        position=0,
    )
    return ScoredChunk(chunk=chunk, score=1.0 / rank, rank=rank)


HOUSING = passage(
    1,
    "Dodatek mieszkaniowy – decyzja i okres",
    "Okres przyznania",
    "O dodatek mieszkaniowy wnioskuje się w centrum usług społecznych właściwym dla "
    "mieszkania. Dodatek mieszkaniowy przyznaje się na **6 miesięcy**. Okres liczy się od "
    "pierwszego dnia miesiąca po złożeniu wniosku. Po jego upływie dodatek nie przedłuża się "
    "sam.\n\nPodstawa prawna: art. 7 ust. 5 ustawy o dodatkach mieszkaniowych.",
)
PAYMENT = passage(
    2,
    "Dodatek mieszkaniowy – wypłata",
    "Termin wypłaty",
    "Dodatek mieszkaniowy trafia do zarządcy budynku, a nie do rąk lokatora. Wypłaca się go "
    "z góry, do 10. dnia każdego miesiąca.",
)
BIRTH = passage(
    3,
    "Jednorazowa zapomoga z tytułu urodzenia dziecka",
    "Wysokość",
    "Zapomogę przyznaje się rodzicowi lub opiekunowi prawnemu dziecka. Zapomoga wynosi "
    "1000 zł na każde dziecko. Wniosek trzeba złożyć, zanim dziecko skończy rok.",
)
STABLE = passage(
    4,
    "Zasiłek stały",
    "Kto może go dostać",
    "Zasiłek stały przysługuje pełnoletniej osobie, która:\n\n"
    "- jest całkowicie niezdolna do pracy z powodu wieku albo niepełnosprawności,\n"
    "- ma dochód niższy od kryterium dochodowego.",
)
PASSAGES = (HOUSING, PAYMENT, BIRTH, STABLE)


@pytest.mark.parametrize(
    "question",
    [
        "Na jak długo przyznaje się dodatek mieszkaniowy?",
        "na jak dlugo przyznaje sie dodatek mieszkaniowy",
        "NA JAK DŁUGO PRZYZNAJĄ DODATEK MIESZKANIOWY",
    ],
)
def test_picks_the_sentence_that_answers(question: str, analyzer: PolishAnalyzer) -> None:
    answer = extractive_answer(question, PASSAGES, analyzer)
    direct, basis = answer.text.split("\n\n")
    # The direct answer first, unquoted; then what it rests on, numbered from 1.
    assert direct == "Dodatek mieszkaniowy przyznaje się na 6 miesięcy. [1]"
    assert answer.direct == direct
    assert basis.startswith(BASIS_HEADING + "\n[1] „Dodatek mieszkaniowy przyznaje się na 6")
    assert "wnioskuje się w centrum" not in answer.text  # the passage's first sentence
    assert "Podstawa prawna" not in answer.text
    assert answer.support > 0.7
    citation = next(c for c in answer.citations if c.n == 1)
    assert citation.quote == "Dodatek mieszkaniowy przyznaje się na 6 miesięcy."
    assert citation.label == "Dodatek mieszkaniowy – decyzja i okres › Okres przyznania"
    assert citation.source == "knowledge_base/test/doc-1.md"
    assert citation.valid_from == dt.date(2023, 7, 1)


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Kiedy wypłacają dodatek mieszkaniowy?", "do 10. dnia każdego miesiąca"),
        ("Ile wynosi zapomoga z tytułu urodzenia dziecka?", "Zapomoga wynosi 1000 zł"),
        ("Do kiedy złożyć wniosek o zapomogę po urodzeniu dziecka?", "zanim dziecko skończy"),
    ],
)
def test_questions_about_amounts_and_deadlines(
    question: str, expected: str, analyzer: PolishAnalyzer
) -> None:
    answer = extractive_answer(question, PASSAGES, analyzer)
    assert expected in answer.direct


def test_text_passes_the_citation_check(analyzer: PolishAnalyzer) -> None:
    for question in (
        "na jak długo przyznaje się dodatek mieszkaniowy",
        "kiedy wypłacany jest dodatek mieszkaniowy",
        "ile wynosi zapomoga na dziecko",
        "kto może dostać zasiłek stały",
    ):
        answer = extractive_answer(question, PASSAGES, analyzer)
        # Citations are numbered in reading order; `passages` says which passage each quotes.
        cited = [PASSAGES[i] for i in answer.passages]
        checked = check_citations(answer.direct, cited, analyzer)
        assert checked.valid, question
        assert checked.text == answer.direct
        assert checked.report.removed_markers == 0
        assert checked.report.uncited_sentences == ()
        assert checked.report.unsupported == ()
        assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def test_every_quote_is_cited_and_comes_from_its_passage(analyzer: PolishAnalyzer) -> None:
    answer = extractive_answer("dodatek mieszkaniowy wypłata i okres", PASSAGES, analyzer)
    by_number = {c.n: c for c in answer.citations}
    lines = answer.text.split("\n\n")[1].splitlines()[1:]  # after "Na jakiej podstawie:"
    assert len(lines) == len(by_number) >= 2
    for line, index in zip(lines, answer.passages, strict=True):
        marker, rest = line.split(" ", 1)
        citation = by_number[int(marker.strip("[]"))]
        assert rest.startswith(f"„{citation.quote}”")
        assert citation.quote in PASSAGES[index].chunk.text.replace("**", "")


def test_lead_in_is_quoted_with_its_list(analyzer: PolishAnalyzer) -> None:
    answer = extractive_answer("kto może dostać zasiłek stały", PASSAGES, analyzer)
    (citation,) = (c for c in answer.citations if c.source.endswith("doc-4.md"))
    assert citation.quote.startswith("Zasiłek stały przysługuje pełnoletniej osobie, która: jest")
    assert citation.quote.endswith("niższy od kryterium dochodowego.")


def test_empty_when_nothing_is_related(analyzer: PolishAnalyzer) -> None:
    answer = extractive_answer("Jaka jest stolica Francji?", PASSAGES, analyzer)
    assert answer.text == ""
    assert answer.citations == ()
    assert answer.support == 0.0
    assert extractive_answer("dodatek mieszkaniowy", [], analyzer).text == ""


@pytest.mark.parametrize("max_sentences", [1, 2, 3])
def test_at_most_max_sentences(max_sentences: int, analyzer: PolishAnalyzer) -> None:
    question = "dodatek mieszkaniowy okres wypłata zapomoga zasiłek stały dziecko wniosek"
    answer = extractive_answer(question, PASSAGES, analyzer, max_sentences=max_sentences)
    quoted = answer.text.split("\n\n")[1].splitlines()[1:]
    assert 1 <= len(quoted) <= max_sentences
    assert len(answer.citations) == len(quoted)


def test_max_sentences_must_be_positive(analyzer: PolishAnalyzer) -> None:
    with pytest.raises(ValueError, match="max_sentences"):
        extractive_answer("dodatek", PASSAGES, analyzer, max_sentences=0)


def test_support_ranks_a_full_match_above_a_partial_one(analyzer: PolishAnalyzer) -> None:
    full = extractive_answer("na jak długo przyznaje się dodatek mieszkaniowy", PASSAGES, analyzer)
    partial = extractive_answer("czy dodatek przysługuje studentom w akademiku", PASSAGES, analyzer)
    assert 0.0 < partial.support < full.support <= 1.0


def test_brackets_in_a_passage_do_not_become_markers(analyzer: PolishAnalyzer) -> None:
    bracketed = passage(
        1,
        "Wzór odwołania",
        "Treść",
        "W odwołaniu od decyzji wpisz numer sprawy [numer] i datę doręczenia decyzji [data].",
    )
    answer = extractive_answer("co wpisać w odwołaniu od decyzji", [bracketed], analyzer)
    assert "(numer)" in answer.text
    assert [m.group(0) for m in MARKER.finditer(answer.text)] == ["[1]", "[1]"]
    assert check_citations(answer.direct, [bracketed], analyzer).valid


def _best(question: str, passages: list[ScoredChunk], analyzer: PolishAnalyzer) -> str:
    answer = extractive_answer(question, passages, analyzer, max_sentences=1)
    (citation,) = answer.citations
    return citation.quote


def test_a_question_about_an_amount_prefers_the_sentence_with_one(
    analyzer: PolishAnalyzer,
) -> None:
    periodic = passage(
        1,
        "Zasiłek okresowy",
        "Wysokość",
        "Zasiłek okresowy wynosi połowę różnicy między kryterium a dochodem. "
        "Zasiłek okresowy wynosi nie mniej niż 20 zł miesięcznie.",
    )
    quote = _best("Ile wynosi zasiłek okresowy?", [periodic], analyzer)
    assert quote == "Zasiłek okresowy wynosi nie mniej niż 20 zł miesięcznie."


def test_of_two_equal_matches_the_shorter_sentence_wins(analyzer: PolishAnalyzer) -> None:
    appeal = passage(
        1,
        "Odwołanie",
        "Gdzie złożyć",
        "Odwołanie od decyzji, które strona chce złożyć w sprawie świadczeń z pomocy "
        "społecznej, składa się na piśmie lub ustnie do protokołu, a urzędnik przyjmujący pismo "
        "potwierdza datę jego wpływu pieczęcią kancelarii. Odwołanie od decyzji składa się za "
        "pośrednictwem organu, który ją wydał.",
    )
    quote = _best("gdzie składa się odwołanie od decyzji", [appeal], analyzer)
    assert quote == "Odwołanie od decyzji składa się za pośrednictwem organu, który ją wydał."


def test_a_lead_in_without_its_list_loses_to_a_full_sentence(analyzer: PolishAnalyzer) -> None:
    cut = passage(1, "Zasiłek celowy", "Dokumenty", "Do wniosku o zasiłek dołącza się:")
    full = passage(
        2,
        "Zasiłek celowy – karta usługi",
        "Dokumenty",
        "Do wniosku o zasiłek dołącza się zaświadczenie o dochodach rodziny.",
    )
    quote = _best("co dołączyć do wniosku o zasiłek", [cut, full], analyzer)
    assert quote == "Do wniosku o zasiłek dołącza się zaświadczenie o dochodach rodziny."


def test_spans_left_apart_are_marked_with_an_ellipsis() -> None:
    from rag.sentences import join_spans

    assert join_spans([(0, 0, "Pierwsze."), (1, 1, "Drugie.")]) == "Pierwsze. Drugie."
    assert join_spans([(4, 4, "Piąte."), (0, 1, "Pierwsze i drugie.")]) == (
        "Pierwsze i drugie. … Piąte."
    )


def test_closeness_in_meaning_can_pick_a_sentence_without_the_question_s_words(
    analyzer: PolishAnalyzer,
) -> None:
    # Both sentences share "zasiłek stały" with the question; only meaning says the second
    # answers "ile max" ("najwyżej 1229 zł" shares no other word with it).
    limit = passage(
        1,
        "Zasiłek stały",
        "Wysokość",
        "Zasiłek stały przyznaje się na czas nieokreślony. "
        "Zasiłek stały wynosi najwyżej 1229 zł miesięcznie.",
    )
    question = "ile max wynosi zasiłek stały"

    def closer_to_the_amount(_: str, sentences: Sequence[str]) -> list[float]:
        return [0.9 if "1229" in s else 0.8 for s in sentences]

    def closer_to_the_period(_: str, sentences: Sequence[str]) -> list[float]:
        return [0.8 if "1229" in s else 0.9 for s in sentences]

    by_amount = extractive_answer(
        question, [limit], analyzer, max_sentences=1, similarity=closer_to_the_amount
    )
    by_period = extractive_answer(
        question, [limit], analyzer, max_sentences=1, similarity=closer_to_the_period
    )
    assert "1229" in by_amount.text
    assert "nieokreślony" in by_period.text

"""The citation check: markers point at given passages, sentences say what their passages say."""

from __future__ import annotations

import datetime as dt

import pytest

from rag.citations import check_citations, key_terms, make_citation, shown_text
from rag.documents import Chunk, DocumentMeta, ScoredChunk
from rag.lexical import PolishAnalyzer
from rag.sentences import split_sentences


def passage(
    rank: int,
    title: str,
    path: tuple[str, ...],
    text: str,
    *,
    url: str | None = None,
    valid_from: dt.date | None = dt.date(2024, 1, 1),
) -> ScoredChunk:
    meta = DocumentMeta(title=title, valid_from=valid_from, source_url=url)
    chunk = Chunk(
        chunk_id=f"doc-{rank}#x",
        doc_id=f"doc-{rank}",
        source=f"knowledge_base/test/doc-{rank}.md",
        text=text,
        heading_path=(title, *path),
        meta=meta,
        position=0,
    )
    return ScoredChunk(chunk=chunk, score=1.0 / rank, rank=rank)


PERIOD = passage(
    1,
    "Dodatek mieszkaniowy – okres przyznania",
    ("Na jak długo",),
    "Wniosek rozpatruje urząd właściwy dla miejsca zamieszkania. Dodatek mieszkaniowy "
    "przyznaje się na **6 miesięcy**, licząc od pierwszego dnia miesiąca po złożeniu wniosku. "
    "Po tym czasie trzeba złożyć nowy wniosek wraz z deklaracją o dochodach.\n\n"
    "Podstawa prawna: art. 7 ust. 5 ustawy o dodatkach mieszkaniowych.",
    url="https://cus.example.pl/dodatek-okres",
)
THRESHOLD = passage(
    2,
    "Próg dochodowy w pomocy społecznej",
    ("Kwoty obowiązujące",),
    "Od 1 stycznia 2025 r. progi dochodowe są wyższe niż wcześniej:\n\n"
    "- **1 010 zł** miesięcznie dla osoby gospodarującej samotnie, - **823 zł** miesięcznie "
    "na osobę w rodzinie.",
    valid_from=dt.date(2025, 1, 1),
)
APPEAL = passage(
    3,
    "Odwołanie od decyzji",
    ("Termin",),
    "Odwołanie wnosi się w terminie 14 dni od dnia doręczenia decyzji. Pismo składa się za "
    "pośrednictwem organu, który wydał decyzję.",
)
PASSAGES = (PERIOD, THRESHOLD, APPEAL)


# --- sentences -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Zgodnie z art. 7 ust. 2 pkt 3 ustawy dodatek przysługuje najemcy. Wniosek składa się "
            "w CUS.",
            [
                "Zgodnie z art. 7 ust. 2 pkt 3 ustawy dodatek przysługuje najemcy.",
                "Wniosek składa się w CUS.",
            ],
        ),
        (
            "Od 1 stycznia 2025 r. obowiązują nowe progi, np. 823 zł. na osobę. Dokumenty, m.in. "
            "zaświadczenia, tj. oryginały. Ogłoszono je w Dz.U. z 2024 r. poz. 1044 i w Dz. U. "
            "Nr 5.",
            [
                "Od 1 stycznia 2025 r. obowiązują nowe progi, np. 823 zł. na osobę.",
                "Dokumenty, m.in. zaświadczenia, tj. oryginały.",
                "Ogłoszono je w Dz.U. z 2024 r. poz. 1044 i w Dz. U. Nr 5.",
            ],
        ),
        (
            "Termin minął 1.01.2025 r. i trzeba złożyć nowy. Wypłata następuje do 10. dnia "
            "miesiąca. Czy to jasne? Tak!",
            [
                "Termin minął 1.01.2025 r. i trzeba złożyć nowy.",
                "Wypłata następuje do 10. dnia miesiąca.",
                "Czy to jasne?",
                "Tak!",
            ],
        ),
        (
            "§ 1. Wniosek składa się na piśmie. § 2. Organ załatwia sprawę bez zwłoki.",
            ["§ 1. Wniosek składa się na piśmie.", "§ 2. Organ załatwia sprawę bez zwłoki."],
        ),
        (
            "1. Dodatek przysługuje najemcom.\n2. Przysługuje też właścicielom domów.",
            ["1. Dodatek przysługuje najemcom.", "2. Przysługuje też właścicielom domów."],
        ),
        (
            "Potrzebne są:\n- dowód osobisty,\n- umowa najmu\n* zaświadczenie o dochodach",
            ["Potrzebne są:", "dowód osobisty,", "umowa najmu", "zaświadczenie o dochodach"],
        ),
        (
            "- **1 010 zł** dla osoby samotnej, - **823 zł** na osobę w rodzinie.",
            ["**1 010 zł** dla osoby samotnej,", "**823 zł** na osobę w rodzinie."],
        ),
        (
            "## Termin\nDzień dobry,\nodpowiedź zawinięta\nw dwóch wierszach. Druga część.",
            ["Termin", "Dzień dobry, odpowiedź zawinięta w dwóch wierszach.", "Druga część."],
        ),
        (
            "Dodatek trwa 6 miesięcy.[1] Potem trzeba złożyć wniosek [2]. Wypłata jest z góry. "
            "[1][3]",
            [
                "Dodatek trwa 6 miesięcy.[1]",
                "Potem trzeba złożyć wniosek [2].",
                "Wypłata jest z góry. [1][3]",
            ],
        ),
        (
            "„Dodatek trwa pół roku. Potem trzeba złożyć nowy wniosek.” [1] Dalej.",
            ["„Dodatek trwa pół roku. Potem trzeba złożyć nowy wniosek.” [1]", "Dalej."],
        ),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_key_terms_normalise_numbers(analyzer: PolishAnalyzer) -> None:
    terms = key_terms("Od 1.01.2025 próg to 1 010 zł, zwrot 215,84 zł, termin 14 dni.", analyzer)
    assert terms.numbers == {"1", "2025", "1010", "215,84", "14"}
    assert {"prog", "zwrot", "termin", "dzien"} <= terms.lemmas
    assert "zloty" not in terms.lemmas  # amounts are checked as numbers, not as a word


def test_key_terms_numerals_and_noise(analyzer: PolishAnalyzer) -> None:
    terms = key_terms("Na sześć miesięcy, zgodnie z art. 7 ust. 5, ile to jest w CUS?", analyzer)
    assert terms.numbers == {"6", "7", "5"}
    assert "miesiac" in terms.lemmas
    assert not {"szesc", "art", "ust", "usta", "il", "cus"} & terms.lemmas


# --- the check -------------------------------------------------------------------------------


def test_supported_answer_keeps_text_and_cites_with_details(analyzer: PolishAnalyzer) -> None:
    text = (
        "Dodatek mieszkaniowy dostaje się na sześć miesięcy [1]. "
        "Odwołanie składa się w ciągu 14 dni od doręczenia decyzji [3]."
    )
    checked = check_citations(text, PASSAGES, analyzer)
    assert checked.valid
    assert checked.text == text
    assert checked.report.removed_markers == 0
    assert checked.report.uncited_sentences == ()
    assert checked.report.unsupported == ()
    first, third = checked.citations
    assert (first.n, third.n) == (1, 3)
    assert first.title == "Dodatek mieszkaniowy – okres przyznania"
    assert first.label == "Dodatek mieszkaniowy – okres przyznania › Na jak długo"
    assert first.source == "knowledge_base/test/doc-1.md"
    assert first.url == "https://cus.example.pl/dodatek-okres"  # the public page, shown apart
    assert third.source == "knowledge_base/test/doc-3.md"  # no URL: the document's path
    assert first.valid_from == dt.date(2024, 1, 1)
    # The sentence that supports the claim, not the whole passage nor its first sentence.
    assert first.quote.startswith("Dodatek mieszkaniowy przyznaje się na 6 miesięcy")
    assert "Wniosek rozpatruje" not in first.quote
    assert "**" not in first.quote
    assert third.quote == "Odwołanie wnosi się w terminie 14 dni od dnia doręczenia decyzji."


def test_unknown_markers_are_removed_and_counted(analyzer: PolishAnalyzer) -> None:
    text = "Na odwołanie jest 14 dni od doręczenia decyzji [3][7]. Próg wynosi 823 zł [0, 2]."
    checked = check_citations(text, PASSAGES, analyzer)
    assert checked.text == (
        "Na odwołanie jest 14 dni od doręczenia decyzji [3]. Próg wynosi 823 zł [2]."
    )
    assert checked.report.removed_markers == 2
    assert [c.n for c in checked.citations] == [2, 3]


def test_a_sentence_left_with_no_marker_is_tidied(analyzer: PolishAnalyzer) -> None:
    checked = check_citations("Odwołanie wnosi się w 14 dni [9].", PASSAGES, analyzer)
    assert checked.text == "Odwołanie wnosi się w 14 dni."
    assert checked.report.removed_markers == 1
    assert checked.report.uncited_sentences == ("Odwołanie wnosi się w 14 dni.",)
    assert not checked.valid


@pytest.mark.parametrize("markers", ["[1][3]", "[1, 3]", "[1; 3]", "[1-3]", "[1–3]"])
def test_multiple_markers(markers: str, analyzer: PolishAnalyzer) -> None:
    text = f"Dodatek przyznaje się na 6 miesięcy, a odwołanie wnosi się w 14 dni {markers}."
    checked = check_citations(text, PASSAGES, analyzer)
    cited = {c.n for c in checked.citations}
    assert {1, 3} <= cited
    assert checked.report.removed_markers == 0
    if markers in ("[1-3]", "[1–3]"):  # the range also names passage 2, which says none of it
        assert checked.report.unsupported == ((2, text),)


def test_uncited_sentence_is_flagged_but_greeting_heading_and_closing_are_not(
    analyzer: PolishAnalyzer,
) -> None:
    text = (
        "## Dodatek mieszkaniowy\n\nDzień dobry,\n\n"
        "Dodatek przyznaje się na 6 miesięcy [1]. Wniosek można złożyć także przez internet.\n\n"
        "Potrzebne dokumenty:\n\n"
        "W razie pytań skontaktuj się z CUS."
    )
    checked = check_citations(text, PASSAGES, analyzer)
    assert checked.valid
    assert checked.report.uncited_sentences == ("Wniosek można złożyć także przez internet.",)


def test_citation_to_an_unrelated_passage_is_unsupported(analyzer: PolishAnalyzer) -> None:
    text = "Dodatek mieszkaniowy przyznaje się na 6 miesięcy [3]."
    checked = check_citations(text, PASSAGES, analyzer)
    assert checked.report.unsupported == ((3, text),)
    assert checked.citations == ()
    assert not checked.valid


def test_passage_on_another_matter_is_unsupported(analyzer: PolishAnalyzer) -> None:
    text = "Dodatek mieszkaniowy trafia do zarządcy budynku [3]."
    assert check_citations(text, PASSAGES, analyzer).report.unsupported == ((3, text),)


def test_one_generic_shared_word_is_not_enough_for_a_long_sentence(
    analyzer: PolishAnalyzer,
) -> None:
    # Shares only "decyzja" with the passage on appeals: 1 of 7 content words.
    text = "Decyzję o dodatku wydaje się po wywiadzie środowiskowym w mieszkaniu wnioskodawcy [3]."
    assert check_citations(text, PASSAGES, analyzer).report.unsupported == ((3, text),)


def test_a_paraphrase_is_supported(analyzer: PolishAnalyzer) -> None:
    text = "Dodatek mieszkaniowy otrzymuje się na pół roku, potem składa się nowy wniosek [1]."
    checked = check_citations(text, PASSAGES, analyzer)
    assert checked.report.unsupported == ()
    assert [c.n for c in checked.citations] == [1]


def test_a_nonsense_range_counts_as_one_removed_marker(analyzer: PolishAnalyzer) -> None:
    checked = check_citations("Odwołanie wnosi się w 14 dni [3][2-900].", PASSAGES, analyzer)
    assert checked.text == "Odwołanie wnosi się w 14 dni [3]."
    assert checked.report.removed_markers == 1


def test_amounts_must_match_the_passage(analyzer: PolishAnalyzer) -> None:
    wrong = "Próg dochodowy dla osoby samotnej to 1 229 zł miesięcznie [2]."
    right = "Próg dochodowy dla osoby samotnej to 1010 zł miesięcznie [2]."
    assert check_citations(wrong, PASSAGES, analyzer).report.unsupported == ((2, wrong),)
    checked = check_citations(right, PASSAGES, analyzer)
    assert checked.report.unsupported == ()
    (citation,) = checked.citations
    assert citation.quote == "1 010 zł miesięcznie dla osoby gospodarującej samotnie"


def test_deadlines_must_match_the_passage(analyzer: PolishAnalyzer) -> None:
    text = "Odwołanie wnosi się w terminie 30 dni od doręczenia decyzji [3]."
    assert check_citations(text, PASSAGES, analyzer).report.unsupported == ((3, text),)


def test_legal_reference_may_come_from_the_label(analyzer: PolishAnalyzer) -> None:
    act = passage(
        1,
        "Ustawa o dodatkach mieszkaniowych",
        ("Art. 7", "ust. 5"),
        "5. Dodatek mieszkaniowy przyznaje się na okres 6 miesięcy, licząc od pierwszego dnia "
        "miesiąca następującego po dniu złożenia wniosku.",
    )
    supported = "Okres 6 miesięcy wynika z art. 7 ust. 5 ustawy o dodatkach mieszkaniowych [1]."
    wrong_article = "Okres 6 miesięcy wynika z art. 9 ustawy o dodatkach mieszkaniowych [1]."
    assert check_citations(supported, [act], analyzer).valid
    assert not check_citations(wrong_article, [act], analyzer).valid


def test_nothing_holds_means_invalid(analyzer: PolishAnalyzer) -> None:
    text = "Zasiłek pogrzebowy wypłaca ZUS [2]. Odpowiedź bez źródeł."
    checked = check_citations(text, PASSAGES, analyzer)
    assert not checked.valid
    assert checked.citations == ()
    assert [n for n, _ in checked.report.unsupported] == [2]
    assert checked.report.uncited_sentences == ("Odpowiedź bez źródeł.",)


def test_no_passages_removes_every_marker(analyzer: PolishAnalyzer) -> None:
    checked = check_citations("Dodatek przyznaje się na 6 miesięcy [1][2].", [], analyzer)
    assert checked.text == "Dodatek przyznaje się na 6 miesięcy."
    assert checked.report.removed_markers == 2
    assert not checked.valid


def test_marker_on_its_own_line_belongs_to_the_sentence_before(analyzer: PolishAnalyzer) -> None:
    checked = check_citations("Dodatek przyznaje się na 6 miesięcy.\n[1]", PASSAGES, analyzer)
    assert checked.valid
    assert checked.report.uncited_sentences == ()


def test_make_citation_falls_back_to_the_path() -> None:
    citation = make_citation(2, THRESHOLD, "823 zł miesięcznie na osobę w rodzinie")
    assert citation.n == 2
    assert citation.source == "knowledge_base/test/doc-2.md"
    assert citation.label == "Próg dochodowy w pomocy społecznej › Kwoty obowiązujące"
    assert citation.valid_from == dt.date(2025, 1, 1)
    assert citation.to_json()["valid_from"] == "2025-01-01"


def test_shown_text_drops_what_does_not_hold(analyzer: PolishAnalyzer) -> None:
    text = (
        "Dodatek mieszkaniowy dostaje się na sześć miesięcy [1]. "
        "Próg dochodowy dla osoby samotnej to 1 229 zł miesięcznie [2]. "
        "Odwołanie składa się w ciągu 14 dni od doręczenia decyzji [3][1]. "
        "Urząd na pewno się zgodzi."
    )
    shown = shown_text(check_citations(text, PASSAGES, analyzer))
    assert "1 229" not in shown  # its only citation fails: the claim goes
    assert "na pewno" not in shown  # no citation: the claim goes
    assert "sześć miesięcy [1]." in shown
    assert "doręczenia decyzji [3]." in shown  # [1] does not support it: only [3] stays


def test_shown_text_keeps_a_fully_supported_answer(analyzer: PolishAnalyzer) -> None:
    text = "Dodatek mieszkaniowy dostaje się na sześć miesięcy [1].\n\n- Odwołanie: 14 dni [3]."
    checked = check_citations(text, PASSAGES, analyzer)
    assert shown_text(checked) == checked.text


def test_a_number_rests_on_the_passage_that_states_it(analyzer: PolishAnalyzer) -> None:
    # 823 zł stands in passage 2 only: citing [1] beside it does not make [1] support it.
    text = "Na osobę w rodzinie próg wynosi 823 zł miesięcznie [1][2]."
    checked = check_citations(text, PASSAGES, analyzer)
    assert [c.n for c in checked.citations] == [2]
    assert (1, text) in checked.report.unsupported


def test_a_negation_the_passage_does_not_make_is_unsupported(analyzer: PolishAnalyzer) -> None:
    tenants = passage(
        1,
        "Dodatek mieszkaniowy – kto może",
        ("Najemcy",),
        "Dodatek mieszkaniowy przysługuje najemcy lokalu mieszkalnego, także od prywatnego "
        "właściciela.",
    )
    said = check_citations("Najemcy dodatek mieszkaniowy nie przysługuje [1].", [tenants], analyzer)
    assert not said.valid
    assert said.report.unsupported
    kept = check_citations("Najemcy przysługuje dodatek mieszkaniowy [1].", [tenants], analyzer)
    assert kept.valid


def test_a_line_wrapped_uncited_sentence_is_not_shown(analyzer: PolishAnalyzer) -> None:
    text = (
        "Dodatek przyznaje się na 6 miesięcy [1]. Urząd zawsze przyznaje\n"
        "go bez żadnych warunków i od ręki."
    )
    checked = check_citations(text, PASSAGES, analyzer)
    assert checked.report.uncited_sentences
    assert shown_text(checked) == "Dodatek przyznaje się na 6 miesięcy [1]."

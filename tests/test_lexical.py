"""The Polish lexical side: inflected forms meet, diacritics do not matter, stopwords drop out."""

from __future__ import annotations

from rag.lexical import PolishAnalyzer, fold, term_id


def test_inflected_forms_share_lemmas(analyzer: PolishAnalyzer) -> None:
    passage = set(analyzer.terms("Zasiłku stałego nie przyznaje się osobie w domu pomocy."))
    question = set(analyzer.terms("Kto dostaje zasiłek stały?"))
    assert {"zasilek", "staly"} <= passage & question


def test_diacritics_and_case_fold() -> None:
    assert fold("ZASIŁEK Świadczenie Łódź") == "zasilek swiadczenie lodz"


def test_questions_without_diacritics_still_match(analyzer: PolishAnalyzer) -> None:
    assert "zasilek" in analyzer.terms("jaki zasilek dostane")
    assert "mieszkanie" in analyzer.terms("mieszkanie komunalne")


def test_inflected_words_typed_without_diacritics_get_their_lemmas(
    analyzer: PolishAnalyzer,
) -> None:
    typed = set(analyzer.terms("czy jak dostane podwyzke to strace zasilku okresowego"))
    written = set(analyzer.terms("czy jak dostanę podwyżkę to stracę zasiłku okresowego"))
    assert {"podwyzka", "stracic", "zasilek", "okresowy"} <= typed
    assert written <= typed
    # A word no restoration makes Polish keeps its own form.
    assert analyzer.terms("xqzv") == ["xqzv"]


def test_stopwords_and_punctuation_drop(analyzer: PolishAnalyzer) -> None:
    assert analyzer.terms("i w na do, się; że?") == []
    assert analyzer.query_vector("i w na").indices == ()


def test_numbers_are_kept(analyzer: PolishAnalyzer) -> None:
    assert {"14", "dzien"} <= set(analyzer.terms("w terminie 14 dni"))


def test_bm25_saturates_and_normalises_length(analyzer: PolishAnalyzer) -> None:
    once = analyzer.passage_vector("zasiłek")
    many = analyzer.passage_vector("zasiłek " * 10)
    weight_once = dict(zip(once.indices, once.values, strict=True))[term_id("zasilek")]
    weight_many = dict(zip(many.indices, many.values, strict=True))[term_id("zasilek")]
    assert weight_once < weight_many < 2.2 * weight_once  # bounded by k1 + 1
    query = analyzer.query_vector("zasiłek zasiłek dodatek")
    assert sorted(query.values) == [1.0, 1.0]
    assert list(query.indices) == sorted(query.indices)


def test_term_ids_are_stable() -> None:
    # Fixed across processes and machines: an index built elsewhere stays searchable.
    assert term_id("zasilek") == term_id("zasilek")
    assert 0 <= term_id("zasilek") < 2**31
    assert term_id("zasilek") != term_id("zasilki")

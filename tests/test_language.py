"""Which language a message is in: the crisis help, the note under a Polish answer and the
search depend on it, so Polish must stay Polish however it is typed."""

from __future__ import annotations

import pytest

from eval import language
from rag.crisis.messages import load_messages
from rag.language import language_of


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("Хто може отримати допомогу на житло і на дітей?", "uk"),
        ("Кто может получить жилищное пособие?", "ru"),
        # Neither і, ї, є, ґ nor ы, э, ъ, ё: the words decide.
        ("Хто може отримати житлову допомогу?", "uk"),
        ("мне нужна помощь, муж выгнал", "ru"),
        ("мені потрібна допомога", "uk"),
        ("скiльки чекати на рiшення?", "uk"),  # a Latin i typed for і
        ("How do I appeal against a decision about the housing allowance?", "en"),
        ("Can I get help with the rent if I live alone?", "en"),
        ("Czy dostanę dodatek mieszkaniowy, jeśli mieszkam sama?", "pl"),
        ("czy dostane dodatek mieszkaniowy jesli mieszkam sama", "pl"),
        ("pracuję w IT na umowę, czy to się liczy do dochodu?", "pl"),
        ("my z mężem mamy to samo pytanie: ile wynosi zasiłek?", "pl"),
        ("", "pl"),
        ("112!!!", "pl"),
    ],
)
def test_the_language_of_a_message(message: str, lang: str) -> None:
    assert language_of(message) == lang


def test_a_polish_message_quoting_ukrainian_words_stays_polish() -> None:
    # A third of its letters must be Cyrillic before it counts as Ukrainian or Russian.
    assert language_of("Sąsiadka pisze do mnie 'дякую', czy mogę jej pomóc z wnioskiem?") == "pl"


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        # English naming Polish things: the office's terms and addresses have Polish letters.
        ("how much zasiłek okresowy will I get if I have no income at all", "en"),
        ("Is it the MOPS na Łąkowej or a different office?", "en"),
        ("thanks!", "en"),
        ("what documents?", "en"),
        # Ukrainian and Russian typed in Latin letters.
        ("chy vrakhovuyut alimenty yak dokhid?", "uk"),
        ("ya zhivu v Polshe 3 goda, mogu li ya poluchit pomoshch na kvartiru?", "ru"),
        # Ukrainian typed on a Russian keyboard (и for і).
        ("Скильки чекати на ришення? Вже два мисяци пройшло.", "uk"),
        # Polish with English words, and Polish without diacritics, stay Polish.
        ("mam deadline w piatek, sorry ze pisze tak pozno, czy moge doniesc zaswiadczenie?", "pl"),
        ("ok, dzieki, a gdzie mam to zlozyc?", "pl"),
        # Polish words Ukrainian has too, and a Polish plea with one English word (a review found
        # these read as Ukrainian or English).
        ("Straciłam robotę, zaraz nas eksmitują", "pl"),
        ("mąż nas bije zaraz wróci pijany", "pl"),
        ("ya nie wiem", "pl"),
        ("help pomocy", "pl"),
        ("chce sie zabic, help me", "pl"),
    ],
)
def test_the_language_of_a_message_that_mixes_languages(message: str, lang: str) -> None:
    assert language_of(message) == lang


def test_the_blind_language_set_is_read_right() -> None:
    # eval/language/jezyki-id-v1.yaml, written by a helper who did not see the code; tuned on
    # dev only. Before the mixed-language rules: dev 103/130, held-out 76/110.
    messages = language.load()
    scores = language.accuracy(messages)
    assert scores["dev"][0] / scores["dev"][1] >= 0.98, scores
    assert scores["held-out"][0] / scores["held-out"][1] >= 0.93, scores
    polish = [m for m in messages if m.lang == "pl"]
    assert [m.text for m in polish if language_of(m.text) != "pl"] == []


def test_no_polish_crisis_message_is_read_as_another_language() -> None:
    # 3 670 Polish messages typed every way (no diacritics, typos, English words): the crisis help
    # and the search must stay Polish for all of them.
    polish = [m.text for m in load_messages() if m.lang == "pl"]
    assert len(polish) > 3000
    assert [t for t in polish if language_of(t) != "pl"] == []

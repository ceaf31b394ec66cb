"""Which language a message is in: the crisis help, the note under a Polish answer and the
search depend on it, so Polish must stay Polish however it is typed."""

from __future__ import annotations

import pytest

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

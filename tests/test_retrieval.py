"""Which sides of the index a question is searched with: the fusion for Polish, the model alone
for another language (the recall behind that choice: eval/README.md, "Languages")."""

from __future__ import annotations

import pytest

from rag.retrieval import sides_for


@pytest.mark.parametrize(
    ("question", "side"),
    [
        ("ile się czeka na decyzję o dodatek mieszkaniowy?", "hybrid"),
        ("ile sie czeka na decyzje o dodatek mieszkaniowy", "hybrid"),
        ("Prosze was o pomoc, pracuje w IT", "hybrid"),  # "was", "IT": Polish here
        ("czym sie rozni cus od mopsu, to to samo?", "hybrid"),
        ("Як довго чекати рішення щодо dodatek mieszkaniowy?", "dense"),
        ("How long does it take to get a decision on the housing allowance?", "dense"),
    ],
)
def test_a_question_not_in_polish_is_searched_by_the_model_alone(question: str, side: str) -> None:
    assert sides_for(question) == side

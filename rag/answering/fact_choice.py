"""Which curated facts answer a message: a small trained ranker over what retrieval found.

Retrieval finds the documents; among their facts, one must be chosen to lead the answer. The
model's closeness of a message to each fact's question forms alone often chose a sibling: a
question about a blocked drain in a social flat got the social flat's rent, because "lokal
socjalny" weighed more in the vector than the drain. Several signals say more together:

- how close the question part and the whole message are to the fact's forms, and how far each
  is from the closest fact found;
- how many of the question's lemmas the fact's forms share, and how much of the question (by
  the rarity of its words) the fact talks about;
- where retrieval ranked the fact's document for the question part and for the whole message;
- whether the fact is of the kind the question asks for (an amount, a deadline, documents).

A linear score weighs them, fitted (`eval/fact_choice.py`) so that in each training message a
fact that answers it scores above the other facts of the documents found (a softmax over each
message's facts). The weights are data (`fact_choice.json` beside this module), written by the
fit, not edited by hand. Without the file the hand-set score is used (`HAND_WEIGHTS`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rag.answering.analysis import MessageAnalysis
from rag.answering.facts import FactIndex, FactMatch, SourcedFact
from rag.embedding import MessageVectors

MODEL_PATH = Path(__file__).with_name("fact_choice.json")

log = logging.getLogger(__name__)

FEATURES = (
    "question",  # cosine of the question part to the fact's nearest form
    "message",  # the same for the whole message (the question part's when there is no story)
    "question_gap",  # how far below the closest fact found the question part's cosine is
    "message_gap",
    "shared",  # share of the question part's lemmas the fact's forms use
    "coverage",  # share of the question part, by rarity, the fact talks about
    "question_rank",  # 1 / (1 + rank) of the fact's document for the question part; 0: not found
    "message_rank",  # the same for the whole message
    "kind",  # 1 when the fact is of the kind the question asks for
)
# Without a fit for the embedding model (a test's, a deployment's own): the rule the fit replaced,
# the two readings' cosines with the shared-lemma bonus of each (0.06), and the kind a little more
# (0.02 on one reading's scale).
HAND_WEIGHTS = (1.0, 1.0, 0.0, 0.0, 0.12, 0.0, 0.0, 0.0, 0.04)
HAND_MARGIN = 0.05


@dataclass(frozen=True, slots=True)
class Candidate:
    """A fact of the documents found, and what the ranker reads of it."""

    fact: SourcedFact
    form: str  # the question form nearest to the question part
    features: tuple[float, ...]

    def match(self, score: float) -> FactMatch:
        return FactMatch(self.fact, score, self.form)


def candidates(
    index: FactIndex,
    analysis: MessageAnalysis,
    vectors: MessageVectors,
    *,
    question_documents: Sequence[str],
    message_documents: Sequence[str],
    audiences: Sequence[str],
    day: dt.date,
) -> list[Candidate]:
    """Every fact of the documents found for the question part or the whole message, with its
    features (`FEATURES`). `message_documents` empty: the message is all question."""
    documents = {*question_documents, *message_documents}
    focus = analysis.focus
    near = index.closeness(focus, vectors(focus), documents=documents, audiences=audiences, day=day)
    if not near:
        return []
    if analysis.text.strip() != focus.strip():
        whole = {
            c.fact.id: c.cosine
            for c in index.closeness(
                analysis.text,
                vectors(analysis.text),
                documents=documents,
                audiences=audiences,
                day=day,
            )
        }
    else:
        whole = {c.fact.id: c.cosine for c in near}
    message_documents = message_documents or question_documents
    top_question = max(c.cosine for c in near)
    top_message = max(whole.values())
    wanted = analysis.question_type
    found = []
    for c in near:
        doc = c.fact.document.doc_id
        found.append(
            Candidate(
                c.fact,
                c.form,
                (
                    c.cosine,
                    whole[c.fact.id],
                    c.cosine - top_question,
                    whole[c.fact.id] - top_message,
                    c.shared,
                    index.coverage(focus, c.fact),
                    _closeness_of_rank(doc, question_documents),
                    _closeness_of_rank(doc, message_documents),
                    float(wanted is not None and c.fact.fact.type == wanted),
                ),
            )
        )
    return found


def _closeness_of_rank(doc_id: str, ranked: Sequence[str]) -> float:
    return 1.0 / (1 + ranked.index(doc_id)) if doc_id in ranked else 0.0


class FactChooser(BaseModel):
    """The ranker's weights (one per feature, raw scale) and the margin within which a second
    and third fact are shown beside the best."""

    model_config = ConfigDict(frozen=True)

    embedding_model: str  # the cosines it weighs are this model's
    features: tuple[str, ...]
    weights: tuple[float, ...]
    margin: float = Field(ge=0)
    trained_on: str = ""
    measured: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _matches_the_features(self) -> FactChooser:
        if self.features != FEATURES or len(self.weights) != len(FEATURES):
            raise ValueError(
                f"the ranker was fitted on features {list(self.features)}, the code reads "
                f"{list(FEATURES)}: refit it (python -m eval.fact_choice)"
            )
        return self

    @classmethod
    def hand_set(cls) -> FactChooser:
        return cls(
            embedding_model="",
            features=FEATURES,
            weights=HAND_WEIGHTS,
            margin=HAND_MARGIN,
            trained_on="hand-set",
        )

    @classmethod
    def load(cls, embedding_model: str, path: Path = MODEL_PATH) -> FactChooser:
        """The fitted ranker for this embedding model; the hand-set one (logged) when the file
        is missing or broken, or was fitted on another model's cosines."""
        try:
            fitted = cls.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            log.info("no fitted fact ranker at %s: the hand-set score chooses facts", path)
        except (OSError, ValueError, ValidationError) as exc:
            log.warning("fact ranker %s unusable (%s): the hand-set score chooses facts", path, exc)
        else:
            if fitted.embedding_model == embedding_model:
                return fitted
            log.info(
                "fact ranker fitted on %s, not %s: the hand-set score chooses facts",
                fitted.embedding_model,
                embedding_model,
            )
        return cls.hand_set()

    def scores(self, found: Sequence[Candidate]) -> list[float]:
        if not found:
            return []
        x = np.array([c.features for c in found], dtype=float)
        return [float(s) for s in x @ np.array(self.weights, dtype=float)]

    def ranked(self, found: Sequence[Candidate]) -> list[FactMatch]:
        """The candidates as matches, best first."""
        scored = sorted(zip(self.scores(found), found, strict=True), key=lambda sc: -sc[0])
        return [c.match(s) for s, c in scored]

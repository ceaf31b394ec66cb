"""Crisis safety: every message from a person in danger gets the emergency numbers.

Assessed first and on its own, before retrieval, the conversation store, the chat model and the
rate limits (`CrisisAssessor.assess`), by two detectors combined:

- `lexicon`: phrase rules kept as data (`lexicon.yaml`), tolerant of inflection, word order,
  typos, missing diacritics and look-alike characters; needs no model;
- `classifier`: two small heads on the embedding model's question vector, trained from the
  labelled messages in `data/` (`messages.py` splits them into train / dev / test).

`help.py` holds what the person reads: `crisis_block` (acute: the numbers lead the answer) and
`crisis_line` (concern: one line of helplines after a normal answer).
"""

from __future__ import annotations

import logging

from rag.crisis.assessment import NO_CRISIS, CrisisAssessment, CrisisAssessor, PastTurn
from rag.crisis.help import LocalHelp, crisis_block, crisis_line
from rag.crisis.levels import KINDS, LEVELS, Kind, Level
from rag.crisis.lexicon import Lexicon
from rag.embedding import HASH_MODEL_PREFIX, Embedder
from rag.settings import Settings

log = logging.getLogger(__name__)

__all__ = [
    "KINDS",
    "LEVELS",
    "NO_CRISIS",
    "CrisisAssessment",
    "CrisisAssessor",
    "Kind",
    "Level",
    "LocalHelp",
    "PastTurn",
    "build_assessor",
    "crisis_block",
    "crisis_line",
    "local_help",
]


def local_help(settings: Settings) -> LocalHelp:
    """The deployment's regional help lines, as configured (nothing invented)."""
    return LocalHelp(
        municipal_police=settings.crisis_municipal_police,
        homeless_line=settings.crisis_homeless_line,
        shelters=settings.crisis_shelters,
        intervention=settings.crisis_intervention,
    )


def build_assessor(settings: Settings, embedder: Embedder | None) -> CrisisAssessor:
    """The assessor for a process: the lexicon, and the classifier when it can be had.

    The classifier is trained once per embedding model and cached beside the models; when it
    is switched off (`OKIENKO_CRISIS_CLASSIFIER=false`), there is no embedder (or only the
    tests' hash fake), or training fails, the lexicon alone assesses: crisis help never waits
    for a model.

    Raises:
        LexiconError: the lexicon file is malformed (a deployment must fix it before serving).
    """
    lexicon = Lexicon.load()
    if embedder is None or not settings.crisis_classifier:
        return CrisisAssessor(lexicon=lexicon)
    if embedder.model_id.startswith(HASH_MODEL_PREFIX):
        # The tests' hash fake carries no meaning: a classifier on it would assess at random.
        return CrisisAssessor(lexicon=lexicon)
    from rag.crisis.classifier import trained_classifier

    try:
        classifier = trained_classifier(embedder, settings.models_dir)
    except Exception:
        # Any failure here (disk, model, data) leaves the lexicon: never no assessment at all.
        log.exception("crisis classifier unavailable; assessing with the lexicon alone")
        return CrisisAssessor(lexicon=lexicon)
    return CrisisAssessor(lexicon=lexicon, classifier=classifier, embedder=embedder)

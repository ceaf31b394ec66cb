"""One message's crisis assessment: both detectors, combined, and the conversation around it.

It runs first, before retrieval, the conversation store, the chat model and the rate limits, and
needs none of them: the lexicon is data in the package, and the classifier reads the question
vector the retriever needs anyway. When the classifier cannot run (no model, a model error), the
lexicon alone decides: a failure anywhere must never cost a person in danger the numbers. A long
message the classifier finds somewhat alarming has its sentences embedded and read one by one
(one batch, only for such messages).

Combination: the more urgent of the two detectors wins; a false concern costs one line, a missed
acute can cost a life. The classifier's thresholds are set on held-out folds of the train and dev
splits (`rag.crisis.classifier.calibrate`). Where staff listed a wording as an ordinary sense and
no rule fired, the classifier alone makes a message concern, not acute, unless it is sure. In a
story of three sentences or more that the classifier reads as ordinary, not even worth a closer
look, a rule's acute is a helpline line too, unless a short clause fires a rule on its own or a
rule needs words of two sentences: the rule read words out of the story that explains them
("sześć lat temu", "z radości"), which the model reads. Every doubt keeps the block.

Conversation: "nie mam już siły" and then "chyba zrobię to dziś" is acute only together. When
one of the person's last turns was assessed concern or acute, those turns and the new message
are also read as one text (one extra embedding, only in such conversations), and a conversation
that was acute keeps at least the helpline line on every answer after it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rag.crisis.classifier import CrisisClassifier, Prediction, Thresholds
from rag.crisis.help import LocalHelp, crisis_block, crisis_line
from rag.crisis.levels import Kind, Level, rank
from rag.crisis.lexicon import Lexicon, LexiconHit
from rag.crisis.messages import conversation_text
from rag.crisis.text import words
from rag.embedding import Embedder, Vectors
from rag.language import language_of

log = logging.getLogger(__name__)

Detector = Literal["lexicon", "classifier", "conversation"]
CONTEXT_TURNS = 3  # earlier user turns read with the new message
_SURE_KIND = 0.8  # the classifier's kind joins the lexicon's only when it is this sure
# The classifier's second kind joins its first when it is at least this likely: an overdose
# plan read as "medical" still needs the suicide helplines (set on the dev split).
_SECOND_KIND = 0.25
# An ordinary sense the staff listed ("pali się lampka") makes the classifier's acute a concern
# only while the classifier is not sure: at 0.6 and above ("stoję na balkonie i zastanawiam się,
# czy skoczyć" after a greeting, a man seen lying by his bed while "światło się pali") it stays
# acute. Dev split: 214 -> 218 of 226 acute with no more false acute (set there, 0.5 the same).
_ORDINARY_HOLDS_BELOW = 0.6
# A rule's acute stands unless the message tells a story the model reads as ordinary
# (`CrisisAssessor._rules_need_the_story`): three or more sentences of three words or more; the
# classifier read the message, sees no crisis and does not even find it worth a closer look
# (`Thresholds.worth_a_closer_look`: its vector and the sentence reader outside the top 10 % of
# non-crisis messages, so its sentences were not read); every acute rule of the message fires
# within one sentence; and no clause of fewer than eight words fires one on its own (a clause
# ends at any of . ! ? … ; , : or a line, so "…i nic.Chcę umrzeć, nikt nie pomaga." keeps the
# block). Then the rule read words the story explains (six years ago, "z radości", a fire
# already put out), and the block becomes the helpline line. Every doubt keeps the block: a
# sentence ending in a word of three letters or fewer ("ul.", "np.", "tys.") is read with the
# next, a classifier without the sentence reader or uncalibrated, or a score that is not a
# number, is not a model that saw nothing. On five folds of train + dev (each message read by a
# classifier that did not learn it) this took the block from non-crisis messages only (the
# figures: eval/README.md, thirteenth session).
_STORY_SENTENCES = 3
_STORY_SENTENCE_WORDS = 3
_SHORT_CLAUSE_WORDS = 8
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_CLAUSE_END = re.compile(r"[.!?…;,:\n]+|\s[-–—]\s")
_SHORT_WORD = 3  # "ul.", "np.", "tys.", "r.": an abbreviation, perhaps, not a sentence's end


def _sentences(text: str) -> list[str]:
    """A text's sentences, a part ending in a short word read with the next one."""
    sentences: list[str] = []
    carried = ""
    for part in _SENTENCE_END.split(text):
        if not part.strip():
            continue
        part = f"{carried} {part}".strip()
        last = part.rstrip(".!?… ").split()[-1:]
        if part.endswith(".") and last and len(last[0]) <= _SHORT_WORD:
            carried = part
            continue
        carried = ""
        sentences.append(part)
    if carried:
        sentences.append(carried)
    return sentences


@dataclass(frozen=True, slots=True)
class PastTurn:
    """An earlier message of the same person, with what it was assessed as then."""

    text: str
    level: Level = "none"
    kinds: tuple[Kind, ...] = ()


@dataclass(frozen=True, slots=True)
class CrisisAssessment:
    """How urgent a message is and which help fits it."""

    level: Level = "none"
    kinds: tuple[Kind, ...] = ()  # most fitting first; empty when level is none
    detectors: tuple[Detector, ...] = ()  # which detectors raised the level
    acute_probability: float | None = None  # the classifier's acute score, when it ran
    lang: str = "pl"  # the message's language, for a line of help in it (rag.language.language_of)
    lexicon_hits: tuple[LexiconHit, ...] = field(default=(), repr=False)

    @property
    def acute(self) -> bool:
        return self.level == "acute"

    @property
    def is_crisis(self) -> bool:
        return self.level != "none"

    @property
    def by_rule(self) -> bool:
        """A rule of the lexicon raised the level (its words name the danger or the distress,
        where the classifier alone may have read a long hard story as one), or the conversation
        did: a crisis said in an earlier message is not second-guessed."""
        return "lexicon" in self.detectors or "conversation" in self.detectors

    @property
    def acute_by_rule(self) -> bool:
        return self.acute and "lexicon" in self.detectors

    @property
    def model_doubts(self) -> bool:
        """Only the lexicon's rules found it acute: the classifier read the message and saw no
        crisis at all. On the crisis data's dev split every such message was a false alarm (14
        of 14: a kettle that smoked, a fire drill at school, "mąż mnie zabije, jak się dowie…
        😅"); the block still leads, but the question is answered as asked. A crisis said in an
        earlier message of the conversation is not second-guessed."""
        return (
            self.acute_by_rule
            and self.acute_probability is not None
            and "classifier" not in self.detectors
            and "conversation" not in self.detectors
        )

    def stronger(self, other: CrisisAssessment) -> CrisisAssessment:
        """The more urgent of two assessments, with the kinds of both (this one's first)."""
        first, second = (self, other) if rank(self.level) >= rank(other.level) else (other, self)
        if not second.is_crisis:
            return first
        kinds = tuple(dict.fromkeys((*first.kinds, *second.kinds)))
        detectors = tuple(dict.fromkeys((*first.detectors, *second.detectors)))
        probabilities = [
            p for p in (first.acute_probability, second.acute_probability) if p is not None
        ]
        return CrisisAssessment(
            level=first.level,
            kinds=kinds,
            detectors=detectors,
            acute_probability=max(probabilities, default=None),
            lang=self.lang if self.lang != "pl" else other.lang,
            lexicon_hits=(*first.lexicon_hits, *second.lexicon_hits),
        )

    def help_text(self, local: LocalHelp) -> str | None:
        """What the person reads: the block when acute, the line when concern, else None."""
        if self.acute:
            return crisis_block(self.kinds, local, lang=self.lang)
        if self.is_crisis:
            return crisis_line(self.kinds, lang=self.lang)
        return None

    def to_json(self) -> dict[str, object]:
        return {"level": self.level, "kinds": list(self.kinds)}


NO_CRISIS = CrisisAssessment()


class CrisisAssessor:
    """Assesses messages with the lexicon and, when it has one, the classifier."""

    def __init__(
        self,
        *,
        lexicon: Lexicon,
        classifier: CrisisClassifier | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        if (classifier is None) != (embedder is None):
            raise ValueError("the classifier needs the embedder whose vectors it was trained on")
        if (
            classifier is not None
            and embedder is not None
            and classifier.model_id != embedder.model_id
        ):
            raise ValueError(
                f"the crisis classifier was trained on {classifier.model_id}, "
                f"not {embedder.model_id}"
            )
        self._lexicon = lexicon
        self._classifier = classifier
        self._embedder = embedder

    @property
    def uses_classifier(self) -> bool:
        return self._classifier is not None

    def assess(
        self,
        text: str,
        *,
        vector: Vectors | None = None,
        history: Sequence[PastTurn] = (),
    ) -> CrisisAssessment:
        """How urgent this message is, in its conversation.

        Never raises for a classifier or model failure: it logs it and uses the lexicon alone.

        Args:
            text: the message as typed (redacted or not).
            vector: its question vector, when the caller has it already (query kind).
            history: the person's earlier messages in this conversation, oldest first.

        Returns:
            The assessment; `NO_CRISIS` when neither detector sees a crisis.
        """
        recent = list(history)[-CONTEXT_TURNS:]
        flagged = [turn for turn in recent if turn.level != "none"]
        found = self._single(text, vector, in_distress=bool(flagged))
        found = dataclasses.replace(found, lang=language_of(text))
        if (
            "violence" in found.kinds
            and "child" not in found.kinds
            and self._lexicon.mentions_child(text)
        ):
            # A child in a violent home is a victim or a witness: their lines too.
            found = dataclasses.replace(found, kinds=(*found.kinds, "child"))
        if flagged:
            context = conversation_text([turn.text for turn in recent] + [text])
            together = self._single(context, None, in_distress=True)
            before = max(rank(turn.level) for turn in flagged)
            # What the earlier messages said is known; the joined text counts when the new
            # message makes the conversation more urgent than it was.
            if rank(together.level) > before:
                together = dataclasses.replace(
                    together, detectors=(*together.detectors, "conversation")
                )
                found = found.stronger(together)
            if any(turn.level == "acute" for turn in flagged) and not found.is_crisis:
                # The person was in danger a moment ago: the helplines stay on every answer.
                kinds = tuple(dict.fromkeys(k for turn in flagged for k in turn.kinds))
                found = CrisisAssessment(
                    level="concern", kinds=kinds, detectors=("conversation",), lang=found.lang
                )
        return found

    def _single(
        self, text: str, vector: Vectors | None, *, in_distress: bool = False
    ) -> CrisisAssessment:
        found, ordinary = self._lexicon.read(text, in_distress=in_distress)
        hits = tuple(found)
        lexicon = _from_hits(hits)
        if self._classifier is None or self._embedder is None:
            return lexicon
        try:
            if vector is None:
                (vector,) = self._embedder.embed([text], kind="query")
            (prediction,) = self._classifier.predict(vector, [text])
        except Exception:
            # Whatever broke (the model, its runtime, memory), the lexicon still answers.
            log.exception("crisis classifier failed; assessing with the lexicon alone")
            return lexicon
        sharpest = None
        try:
            if parts := self._classifier.sentences_to_read(prediction, text):
                # "…, sometimes I think of taking all his morphine myself" at the end of a
                # carer's question: the message's vector reads the question, a sentence's the
                # danger. Only messages the other readings find somewhat alarming pay for this.
                vectors = self._embedder.embed(parts, kind="query")
                sharpest = self._classifier.sharpest(vectors)
        except Exception:
            # The message's own reading stands.
            log.exception("reading the sentences failed; the message's own reading stands")
        semantic = _from_prediction(prediction, self._classifier.thresholds, sharpest)
        # When a sentence made the message acute, its certainty is what the two rules below weigh.
        leader = sharpest if sharpest is not None else prediction
        if hits and semantic.is_crisis and leader.kind_probability < _SURE_KIND:
            # The rules named the kind; the model's less certain guess would add a wrong block.
            semantic = dataclasses.replace(semantic, kinds=())
        if ordinary and not hits and semantic.acute and leader.acute < _ORDINARY_HOLDS_BELOW:
            # Staff listed this wording as ordinary ("pali się lampka w liczniku") and the model
            # is not sure: its acute becomes a helpline line, not the emergency block.
            semantic = dataclasses.replace(semantic, level="concern")
        if (
            lexicon.acute
            and not semantic.is_crisis
            and not in_distress
            and self._classifier.thresholds.vouches_for(prediction)
            and self._rules_need_the_story(text, hits)
        ):
            lexicon = dataclasses.replace(lexicon, level="concern")
        merged = lexicon.stronger(semantic)
        # The model's score stays when it saw nothing, so that a rule's acute it does not share
        # is known as such (`model_doubts`).
        if merged.acute_probability is None:
            merged = dataclasses.replace(merged, acute_probability=prediction.acute)
        return merged

    def _rules_need_the_story(self, text: str, hits: Sequence[LexiconHit]) -> bool:
        """The message tells a story of several sentences, each of its acute rules (`hits`, the
        lexicon's reading of the whole text) fires within one of them, and no short clause fires
        one on its own (see `_STORY_SENTENCES`)."""
        sentences = _sentences(text)
        if sum(len(words(s)) >= _STORY_SENTENCE_WORDS for s in sentences) < _STORY_SENTENCES:
            return False
        whole = {(h.kind, h.rule) for h in hits if h.level == "acute"}
        within = {
            (h.kind, h.rule)
            for s in sentences
            for h in self._lexicon.read(s)[0]
            if h.level == "acute"
        }
        if not whole or not whole <= within:
            # A rule needs words of two sentences or lines: no story explains that.
            return False
        return not any(
            len(words(clause)) < _SHORT_CLAUSE_WORDS
            and any(h.level == "acute" for h in self._lexicon.read(clause)[0])
            for clause in _CLAUSE_END.split(text)
        )


# Whom a violence rule's verb is done to ("mnie zabije"): the threat is aimed at someone.
_OBJECTS = frozenset({"mnie", "nas", "cie", "ciebie", "was", "mame", "matke", "zone", "corke"})


def _killing_words(hit: LexiconHit) -> set[str]:
    return {w for w in hit.words if w.startswith(("zabi", "zamord"))}


def _from_hits(hits: tuple[LexiconHit, ...]) -> CrisisAssessment:
    # "grozi, że mnie zabije, boję się" fires the violence rule and, through "się" nearby, the
    # suicide rule on the same verb: the threat is someone else's, so suicide does not lead.
    threats = set().union(
        *(_killing_words(h) for h in hits if h.kind == "violence" and _OBJECTS & set(h.words))
    )
    hits = tuple(h for h in hits if not (h.kind == "suicide" and _killing_words(h) & threats))
    if not hits:
        return NO_CRISIS
    top = max(hits, key=lambda h: rank(h.level))
    # The kinds of the most urgent rules first, then the others.
    ordered = sorted(hits, key=lambda h: -rank(h.level))
    return CrisisAssessment(
        level=top.level,
        kinds=tuple(dict.fromkeys(h.kind for h in ordered)),
        detectors=("lexicon",),
        lexicon_hits=hits,
    )


def _kinds(prediction: Prediction) -> tuple[Kind, ...]:
    if prediction.runner_up is not None and prediction.runner_up_probability >= _SECOND_KIND:
        return (prediction.kind, prediction.runner_up)
    return (prediction.kind,)


def _from_prediction(
    prediction: Prediction, thresholds: Thresholds, sharpest: Prediction | None = None
) -> CrisisAssessment:
    """The classifier's reading as an assessment; `sharpest`, when given, is the prediction of
    a sentence that reads acute on its own (`CrisisClassifier.sharpest`, read only when the
    message is not acute by its own reading): its kinds lead."""
    leader = sharpest if sharpest is not None else prediction
    level: Level = "none"
    if sharpest is not None or thresholds.acute_on_its_own(prediction):
        level = "acute"
    elif prediction.crisis >= thresholds.concern:
        level = "concern"
    if level == "none":
        return CrisisAssessment(acute_probability=prediction.acute)
    return CrisisAssessment(
        level=level,
        kinds=_kinds(leader),
        detectors=("classifier",),
        acute_probability=max(prediction.acute, leader.acute),
    )

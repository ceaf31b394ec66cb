"""Question → trustworthy answer: guards, follow-ups, retrieval, relevance, generation, citations.

The order matters. Personal data is redacted before anything else reads the question; what is
said about health, origin, beliefs, sexual life or convictions is answered as written but
replaced by its category's tag in everything that leaves the request (the conversation store,
the log, the chat model). A crisis leads the answer with emergency numbers whatever else
happens. Injection and out-of-scope requests are redirected before retrieval. Generation uses
the chat model when one is configured and falls back to an extractive answer when it fails; an
answer whose citations do not hold is never shown: the resident gets the refusal with the CUS
contact instead.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import re
import time
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass

from rag.answering import dates
from rag.answering.analysis import Lexicon, MessageAnalysis, analyse, question_type
from rag.answering.calculate import (
    calculate,
    follow_up_text,
    is_calculable,
    named_calculator,
    question_for,
    working,
)
from rag.answering.direct import fact_citation, support_quote
from rag.answering.facts import FactIndex, FactMatch, SourcedFact
from rag.answering.overview import asks_overview, overview
from rag.answering.refusal import Evidence, Refusal
from rag.answering.structured import ANSWER_SCHEMA, FORMAT_HINT, SCHEMA_NAME, render
from rag.answers import (
    SUGGESTIONS_LEAD,
    Answer,
    Audience,
    Citation,
    CitationReport,
    Mode,
    QuestionType,
    Suggestion,
)
from rag.calculators import Calculation
from rag.chat_model import ChatModel, GenerationFailed, Message, StructuredOutputUnsupported
from rag.citations import MARKER, check_citations, shown_text
from rag.conversation import (
    ConversationStore,
    InvalidSessionId,
    Turn,
    valid_session_id,
)
from rag.crisis import (
    KINDS,
    LEVELS,
    CrisisAssessment,
    CrisisAssessor,
    Kind,
    Level,
    PastTurn,
    local_help,
)
from rag.deadline import Clock, Deadline
from rag.documents import ScoredChunk
from rag.embedding import MessageVectors
from rag.extractive import KEEP_BESIDE, ExtractiveAnswer, basis_text, extractive_answer
from rag.followups import standalone_question
from rag.guards import (
    PII_NOTICE,
    classify_request,
    neutralise_passage,
    redact_pii,
    redact_special_categories,
    redirect_message,
    redirect_topic,
)
from rag.index import SearchFilter
from rag.language import has_polish_letters, language_of
from rag.lexical import PolishAnalyzer
from rag.prompts import REWRITE_PROMPT, echoes, system_prompt, user_prompt
from rag.relevance import MIN_SENTENCE_SUPPORT, judge
from rag.reranking import Reranker
from rag.retrieval import Retriever, select_passages
from rag.sentence_vectors import SentenceSimilarity
from rag.sentences import split_sentences
from rag.sessions import SessionIds, logged
from rag.settings import Settings

log = logging.getLogger(__name__)

# Who sees which documents: staff see what residents see, and their own material.
VISIBLE_TO: dict[str, tuple[str, ...]] = {
    "mieszkaniec": ("mieszkaniec",),
    "pracownik": ("mieszkaniec", "pracownik"),
    "urzednik": ("mieszkaniec", "pracownik", "urzednik"),
}
_CANDIDATES = 20  # retrieved before capping per document and merging neighbours
_PASSAGES = 5  # numbered passages given to the model or the extractive answer
_LETTER = re.compile(r"[^\W\d_]")
_CRISIS_PASSAGES = 4  # crisis-document chunks quoted when the question is a crisis
CRISIS_TOPIC = "kryzys"
# Curated facts: candidates read per text, how many answer at most, how close to the best a
# second one must score (sum of the question part's and the whole message's closeness), and the
# bonus of a fact of the kind the question asks (an amount for "ile"). Chosen on golden v2 dev:
# facts of the top-5 documents, scored by the sum, two shown: 53 of 114 dev cases had their
# facts in the chosen facts against 45 by the question part alone and one fact; the kind bonus
# and the wider margin made it 56. On golden v3 dev (fourth session), facts of the documents of
# both readings and three shown within 0.1 answered 72 of 118 when forced to answer; within 0.05,
# 71, with fewer extra facts for a resident to read.
_FACT_CANDIDATES = 100
_FACTS_SHOWN = 3  # residents ask several things at once; the third close fact often answers one
_SUGGESTIONS = 3  # questions offered with a refusal
# Offered only when nearly as close as the closest: a question far from the message is noise.
# On v3 dev, 12 of 14 refused answerable messages were offered their document at 0.02 as with
# no margin (0.01: 10), with 31 questions offered instead of 39.
_SUGGESTION_MARGIN = 0.02
_FACT_MARGIN = 0.05  # a second or third fact shows only when nearly as close as the first
_FACT_TYPE_BONUS = 0.02
_ASKS_ANSWERED = 3  # a message asking more gets the best fact for its first three asks
# In a crisis the answer quotes more of a passage (see `extractive_answer`'s keep_beside).
_CRISIS_KEEP_BESIDE = 0.3
# What each kind of crisis needs from the crisis documents: searched for beside the person's own
# words (which alone choose the sentences to quote).
CRISIS_HELP: dict[Kind, str] = {
    "suicide": "telefon zaufania wsparcie w kryzysie psychicznym myśli samobójcze",
    "violence": "przemoc domowa pomoc Niebieska Karta policja",
    "child": "dziecko w niebezpieczeństwie telefon zaufania dla dzieci 116 111 przemoc",
    "medical": "numer alarmowy 112 pogotowie ratunkowe nagłe zagrożenie zdrowia",
    "fire": "pożar gaz czad numer alarmowy 112 straż pożarna pogotowie gazowe",
    "frost": "osoba bezdomna mróz noclegownia ogrzewalnia schronienie straż miejska",
}


@dataclass(frozen=True, slots=True)
class Reading:
    """What retrieval found for a message and the evidence for answering it (`Assistant.read`)."""

    passages: tuple[ScoredChunk, ...]
    extract: ExtractiveAnswer
    evidence: Evidence
    rules_support: bool  # what the hand-set relevance rules decided (the fallback)
    # The documents found for the question part, then those found only for the whole message:
    # where a curated fact may come from.
    documents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Token:
    """A piece of answer text as it is produced (see `Assistant.stream`)."""

    text: str


@dataclass(frozen=True, slots=True)
class Interrupted:
    """The model's streamed answer broke off after some of it was sent (see `Assistant.stream`):
    what was sent is withdrawn, and the final `Answer` (extractive) replaces it."""

    reason: str


@dataclass(frozen=True, slots=True)
class _Question:
    """A question in its two forms (see `Assistant.stream`)."""

    text: str  # what answering reads: personal data replaced, the rest as the resident wrote it
    outgoing: str  # special categories replaced too: what is stored or sent to the chat model


_STORY_CHARS = 700  # the end of a long story is kept: the question must stay in the vector
_STORY_WORDS = 3  # fewer is a reply ("tak", "3", "dziękuję"), not a situation


def _story_told(history: Sequence[Turn]) -> str:
    """The person's last message as they wrote it, when it may be a situation told before the
    question: not a reply to what a calculator asked, not a word or two. Only that message
    (a story told over several messages is not chained), its last `_STORY_CHARS` characters."""
    for i in range(len(history) - 1, -1, -1):
        if history[i].role != "user":
            continue
        answered = history[i - 1] if i > 0 else None
        if answered is not None and answered.role == "assistant" and answered.asked:
            return ""
        told = history[i].text.strip()
        if len(told.split()) < _STORY_WORDS:
            return ""
        if len(told) > _STORY_CHARS:
            told = told[-_STORY_CHARS:].split(" ", 1)[-1]
        return told
    return ""


def _answers_calculator(text: str, history: Sequence[Turn]) -> bool:
    """Whether a message replies to what a calculator just asked (a short answer, no new
    benefit named): the guards would take "3" or "sama" for an unclear question."""
    last = next((t for t in reversed(history) if t.role == "assistant"), None)
    if last is None or not last.asked:
        return False
    return len(text.split()) <= 12 and named_calculator(text) in (None, last.asked.split(":")[0])


@dataclass(frozen=True, slots=True)
class _Calculated:
    """A calculator's answer to a message (see `Assistant._calculation`)."""

    draft: _Draft
    pending: str | None  # "calculator:field" asked for, remembered for the reply
    settled: bool  # a result (eligible or not) or a Polish message on bad figures
    follow_up: bool  # the message replied to the calculator's question
    question: str | None  # the question it asks, when it asks one
    # What it could already work out before asking (each step with its provision), when it asks.
    known: str = ""

    @classmethod
    def answered(cls, draft: _Draft) -> _Calculated:
        """A worked answer that asks nothing back (a day, an overview)."""
        return cls(draft=draft, pending=None, settled=True, follow_up=False, question=None)


def _worked_so_far(calculation: Calculation | None, assumed: Sequence[str] = ()) -> str:
    """The steps a calculator could take before it had to ask, as lines with their provisions
    ("Normatywna powierzchnia dla 3 osób: 45 m²"), and what it assumed to take them: often what
    the person asked in the first place. Empty when there is none."""
    steps = [s for s in calculation.steps if s.provision] if calculation is not None else []
    if not steps:
        return ""
    lines = "\n".join(f"- {s.text} ({s.provision})" for s in steps)
    return "\n\n".join(["Z tego, co piszesz, wynika już:\n" + lines, *assumed])


def contact_sentence(settings: Settings) -> str:
    """Where a resident gets a person: only what the deployment configured, nothing invented."""
    details = [
        f"tel. {settings.cus_phone}" if settings.cus_phone else "",
        f"e-mail {settings.cus_email}" if settings.cus_email else "",
        settings.cus_address or "",
        f"godziny: {settings.cus_hours}" if settings.cus_hours else "",
        settings.cus_url or "",
    ]
    known = ", ".join(d for d in details if d)
    if known:
        return f"Skontaktuj się z {settings.cus_name}: {known}."
    return (
        f"Skontaktuj się z {settings.cus_name} – dane kontaktowe znajdziesz na stronie "
        "internetowej miasta."
    )


@dataclass(frozen=True, slots=True)
class _Draft:
    text: str
    citations: tuple[Citation, ...]
    mode: Mode
    check: CitationReport
    refused: bool = False
    reason: str | None = None
    fallback: bool = False
    passages: tuple[ScoredChunk, ...] = ()
    streamed: bool = False  # its text already went out as tokens
    interrupted: bool = False  # an `Interrupted` went out: no more text, the final answer only
    direct: str | None = None  # the direct answer, without the basis
    topic_names: tuple[str, ...] = ()  # topics of what it cites (a fact's document)
    suggestions: tuple[Suggestion, ...] = ()  # with a refusal: questions the base answers

    def topics(self) -> tuple[str, ...]:
        """Topics of the documents the answer cites (remembered for follow-up questions)."""
        cited = {c.source for c in self.citations}
        found = {t for p in self.passages if p.chunk.source in cited for t in p.chunk.meta.topics}
        return tuple(sorted(found | set(self.topic_names)))


class Assistant:
    """The answering pipeline; build once per process and share (it holds models)."""

    def __init__(
        self,
        *,
        settings: Settings,
        retriever: Retriever,
        analyzer: PolishAnalyzer,
        conversations: ConversationStore,
        crisis: CrisisAssessor,
        chat_model: ChatModel | None = None,
        reranker: Reranker | None = None,
        facts: FactIndex | None = None,
        lexicon: Lexicon | None = None,
        refusal: Refusal | None = None,
        sessions: SessionIds | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self._settings = settings
        self.sessions = sessions if sessions is not None else SessionIds.of(settings)
        self._clock = clock  # the model's deadline is read on it
        self._facts = facts
        self._lexicon = lexicon
        self._refusal = refusal
        self._structured_refused = False  # the server refused a JSON schema once: text from then
        self._crisis = crisis
        self._local_help = local_help(settings)
        self._retriever = retriever
        self._analyzer = analyzer
        self._conversations = conversations
        self._chat = chat_model
        self._reranker = reranker
        self._contact = contact_sentence(settings)
        # Our own contact and the deployment's crisis lines (phone numbers, addresses) are
        # shown as configured, never taken for a resident's personal data.
        lines = self._local_help
        self._keep = (
            self._contact,
            *(line for line in (lines.homeless_line, lines.shelters, lines.intervention) if line),
        )
        self._similarity = SentenceSimilarity(
            retriever.embedder, stored=lambda: retriever.stored_vectors
        )

    @property
    def lexicon(self) -> Lexicon | None:
        """Residents' words for the office's terms (the message analysis reads them)."""
        return self._lexicon

    def ask(
        self,
        question: str,
        *,
        audience: Audience = "mieszkaniec",
        session_id: str | None = None,
        crisis: CrisisAssessment | None = None,
        vectors: MessageVectors | None = None,
        deadline: Deadline | None = None,
    ) -> Answer:
        """Answer one question of a conversation.

        Args:
            question: the text as typed (1–2000 characters after trimming is the API's limit).
            audience: whose voice and which documents.
            session_id: continue a conversation; a new one is started when None.
            crisis: the message's assessment when the caller made it already (the API does,
                before the rate limits); the conversation can still raise it.
            vectors: the message's vectors the caller embedded already (the API's assessment
                read it); a text found there is not embedded again.
            deadline: when the chat model must have answered (its calls and retries share
                it); None: `llm_deadline_seconds` from now. Past it, the answer is extractive.

        Returns:
            The answer, refused or not, with its citations and the session id.

        Raises:
            InvalidSessionId: the session id is malformed.
            IndexNotReady / IndexMismatch: nothing usable is being served.
        """
        for event in self.stream(
            question,
            audience=audience,
            session_id=session_id,
            crisis=crisis,
            vectors=vectors,
            deadline=deadline,
        ):
            if isinstance(event, Answer):
                return event
        raise RuntimeError("the answer stream ended without an answer")  # a bug, not a state

    def stream(
        self,
        question: str,
        *,
        audience: Audience = "mieszkaniec",
        session_id: str | None = None,
        crisis: CrisisAssessment | None = None,
        vectors: MessageVectors | None = None,
        deadline: Deadline | None = None,
    ) -> Iterator[Token | Interrupted | Answer]:
        """Answer as it is produced: `Token`s of text, then the final `Answer`.

        The model's text is streamed a sentence at a time, each only after its citations were
        checked, and none before one of its sentences was found supported, so nothing
        unsupported is ever shown. When the model's stream breaks off after some text went out,
        one `Interrupted` follows and no more tokens: the final `Answer` (extractive) replaces
        what was streamed. The final `Answer` is authoritative. Raises as `ask` does, before
        the first event.
        """
        if session_id is not None and not valid_session_id(session_id):
            raise InvalidSessionId(session_id)
        # An id this server did not issue starts a new session (the answer names it).
        session = self.sessions.continued(session_id)
        if deadline is None:
            deadline = Deadline.after(self._settings.llm_deadline_seconds, clock=self._clock)
        redaction = redact_pii(question.strip())
        text = redaction.text
        # Answering (the crisis assessment, the guards, retrieval) reads `text`; what leaves
        # the request says "[dane o zdrowiu]" where the resident named an illness.
        special = redact_special_categories(text)
        asked = _Question(text, special.text)
        flags: list[str] = ["pii_redacted"] if redaction.found else []
        if special.found:
            flags.append("special_categories")
        # Each text of the message is embedded once, for every step that reads it.
        vectors = vectors or MessageVectors(self._retriever.embedder)
        # Crisis first: the numbers go out before anything that can fail (history, retrieval,
        # the model) is touched.
        assessed = (
            crisis
            if crisis is not None
            else self._crisis.assess(
                text, vector=vectors(text) if self._crisis.uses_classifier else None
            )
        )
        led = assessed.acute
        if led:
            yield Token(f"{assessed.help_text(self._local_help)}\n\n")
        history = self._conversations.history(session)
        past = [_past_turn(t) for t in history if t.role == "user"]
        if any(turn.level != "none" for turn in past):
            assessed = assessed.stronger(self._crisis.assess(text, history=past))
        if assessed.acute and not led:
            yield Token(f"{assessed.help_text(self._local_help)}\n\n")
        if assessed.is_crisis:
            flags.append("crisis")

        kind = classify_request(text)
        if kind == "out_of_scope" and self._names_cus_matter(text):
            # "renta 1800 zł … czy dostanę mieszkaniówkę?": the pension is the asker's situation,
            # the question is the CUS's, in residents' words the guard's phrases do not know.
            kind = "ok"
        if kind != "ok" and _answers_calculator(text, history):
            # "3" after "Ile osób liczy Twoje gospodarstwo?": a reply, not a new question.
            kind = "ok"
        if kind == "out_of_scope" and assessed.acute_by_rule:
            # "wnuk zabiera mi emeryturę i grozi" is violence, not a ZUS matter. Only the rules'
            # crises overrule a redirect; the classifier alone can take homework for distress,
            # and the block it adds leads the redirect anyway.
            kind = "ok"
        standalone = asked
        pending: str | None = None  # what a calculator asked for, remembered for the reply
        if kind == "ok":
            standalone = self._standalone(asked, history, deadline)
            # Acute when a rule fired, or a message that asks nothing: the answer comes from the
            # crisis documents for these kinds. Acute by the classifier alone with a question,
            # the block leads and the question is answered as asked: a tenant's long story read
            # as danger ("mam się wyprowadzić… sama z synem") still gets the answer, and when the
            # base has none, the crisis documents below (the refusal's fallback).
            # A rule's acute the classifier does not share at all is answered as asked too.
            by_rule = assessed.acute_by_rule and not assessed.model_doubts
            crisis_only = by_rule or (assessed.acute and not analyse(text).questions)
            kinds = assessed.kinds if crisis_only else None
            calculated = None if crisis_only else self._calculation(text, history)
            if calculated is not None and (calculated.settled or calculated.follow_up):
                draft, pending = calculated.draft, calculated.pending
            else:
                draft = yield from self._answer(
                    standalone, audience, history, vectors, deadline, crisis=kinds
                )
                if calculated is not None and draft.refused:
                    # Nothing in the base answers it, but a calculator can, given one more value.
                    draft, pending = calculated.draft, calculated.pending
                elif calculated is not None and calculated.question:
                    # "Czy przy 42 metrach się łapię?" is answered from the base; the sum is
                    # offered, and the reply to its question continues it.
                    offer = "Mogę to też policzyć dla Ciebie. " + "\n\n".join(
                        part for part in (calculated.known, calculated.question) if part
                    )
                    if draft.streamed and not draft.interrupted:
                        yield Token("\n\n" + offer)
                    draft = dataclasses.replace(draft, text=f"{draft.text}\n\n{offer}")
                    pending = calculated.pending
            if (
                draft.refused
                and draft.reason == "no_support"
                and (assessed.acute or (assessed.is_crisis and assessed.by_rule))
                and not crisis_only
            ):
                # A person in distress whose question the base does not answer gets what the
                # crisis documents say (helplines, crisis intervention), not "nothing found".
                # Not for a concern the classifier alone raised: a tenant's story read as one
                # ("starsze dzieci się wyprowadziły… mogą nas przesiedlić?") would get the child
                # danger page for an answer; the refusal and the helpline line are what it gets.
                draft = yield from self._answer(
                    standalone, audience, history, vectors, deadline, crisis=assessed.kinds
                )
            if draft.fallback:
                flags.append("llm_fallback")
        else:
            draft = _Draft(
                text=redirect_message(kind, contact=self._contact, question=text),
                citations=(),
                mode="llm" if self._chat else "extractive",
                check=CitationReport(),
                refused=True,
                reason=kind,
            )
        body = draft.text
        # After the emergency numbers nothing but the contact: no questions offered.
        offered = () if assessed.acute else draft.suggestions
        if draft.refused and draft.reason in ("no_support", "no_valid_citation"):
            # After the emergency numbers, "nothing found" would read as a dismissal.
            body = self._contact if assessed.acute else _refusal(self._contact)
            if offered:
                body = f"{body}\n\n{suggestions_text(offered)}"
        if not (draft.streamed or draft.interrupted):
            yield Token(self._redact(body))
        help_text = assessed.help_text(self._local_help)
        parts = [help_text] if assessed.acute and help_text else []
        parts.append(body)
        # Not after the emergency block with nothing found: the block is already in their language.
        note = None if assessed.acute and draft.refused else _language_note(assessed.lang, draft)
        if note is not None:
            parts.append(note)
            yield Token("\n\n" + note)
        if assessed.level == "concern" and help_text:
            parts.append(help_text)
            yield Token("\n\n" + help_text)
        if redaction.found:
            parts.append(PII_NOTICE)
            yield Token("\n\n" + PII_NOTICE)
        final = self._redact("\n\n".join(parts))
        now = time.time()
        self._conversations.append(
            session,
            Turn(
                role="user",
                text=asked.outgoing,
                at=now,
                standalone=standalone.outgoing,
                crisis=assessed.level,
                crisis_kinds=assessed.kinds,
            ),
            Turn(role="assistant", text=final, at=now, topics=draft.topics(), asked=pending),
        )
        log.info(
            "answered session=#%s audience=%s mode=%s refused=%s reason=%s citations=%d "
            "removed=%d unsupported=%d flags=%s",
            logged(session),
            audience,
            draft.mode,
            draft.refused,
            draft.reason,
            len(draft.citations),
            draft.check.removed_markers,
            len(draft.check.unsupported),
            ",".join(flags),
        )
        yield Answer(
            answer=final,
            citations=draft.citations,
            refused=draft.refused,
            reason=draft.reason,
            mode=draft.mode,
            session_id=session,
            check=draft.check,
            flags=tuple(flags),
            crisis_level=assessed.level,
            crisis_kinds=assessed.kinds,
            direct_answer=None if draft.refused else draft.direct,
            audience=audience,
            suggestions=offered,
        )

    def _calculation(self, text: str, history: Sequence[Turn]) -> _Calculated | None:
        """A calculator's answer when the message is a sum to work out, or answers what a
        calculator asked a moment ago; None otherwise (see `rag.answering.calculate`)."""
        fresh = is_calculable(text, lexicon=self._lexicon)
        last = next((t for t in reversed(history) if t.role == "assistant"), None)
        pending = last.asked if last is not None else None
        follow_up = bool(pending) and fresh in (None, (pending or "").split(":", 1)[0])
        if not follow_up and (general := self._overview(text)) is not None:
            return general
        if pending and follow_up:
            name = pending.split(":", 1)[0]
            texts = [follow_up_text(pending, text)]
            turns = list(history)
            i = len(turns) - 1
            # The person's earlier messages of this calculation, back to the one that began it;
            # each reply read as the answer to what was asked before it.
            while (
                i >= 1
                and turns[i].role == "assistant"
                and (turns[i].asked or "").split(":", 1)[0] == name
                and turns[i - 1].role == "user"
            ):
                before = turns[i - 2] if i >= 2 else None
                reply_to = before.asked if before and before.role == "assistant" else None
                said = turns[i - 1].text
                texts.insert(0, follow_up_text(reply_to, said) if reply_to else said)
                i -= 2
        elif fresh is not None:
            name, texts = fresh, [text]
        else:
            return self._dated(text, history)
        facts = self._facts.facts if self._facts is not None else ()
        found = calculate(name, texts, facts=facts)
        draft = self._worked(found.text, found.lead or None, found.cited)
        settled = (
            found.calculation is None
            or found.calculation.result != "unknown"
            # "340 zł, if the income is within the threshold": an answer, not a question.
            or found.calculation.provisional is not None
        )
        return _Calculated(
            draft=draft,
            pending=f"{name}:{found.asked}" if found.asked else None,
            settled=settled,
            follow_up=follow_up,
            question=question_for(name, found.asked) if found.asked else None,
            known=_worked_so_far(found.calculation, found.assumed) if found.asked else "",
        )

    def _overview(self, text: str) -> _Calculated | None:
        """ "Co mi się należy?" with the person's figures: every calculator they let run, a line
        each (`rag.answering.overview`); None for any other message."""
        facts = self._facts.facts if self._facts is not None else ()
        found = overview([text], facts=facts)
        if found is None:
            return None
        return _Calculated.answered(self._worked(found.text, found.lead, found.cited))

    def _dated(self, text: str, history: Sequence[Turn]) -> _Calculated | None:
        """The day a question about the person's own case comes to ("do kiedy mogę się
        odwołać?" after "dostałam decyzję 27 listopada"), worked out with its provisions and the
        facts that state them; None when it is no such question, the day it counts from is not
        said, or no curated fact states the rule (`rag.answering.dates`)."""
        said = [turn.text for turn in history if turn.role == "user"][-3:]
        today = dates.warsaw_today()
        found = dates.dated_answer([*said, text], today=today)
        if found is None:
            return None
        facts = self._facts.facts if self._facts is not None else ()
        cited, markers = dates.rule_facts(found.steps, facts, today)
        if not cited:
            return None  # no curated fact states the rule: the passages answer, cited
        text = f"{found.lead}\n\n{working(found.steps, markers)}"
        return _Calculated.answered(self._worked(text, found.lead, cited))

    def _worked(self, text: str, lead: str | None, cited: Sequence[SourcedFact]) -> _Draft:
        """A worked answer (a sum, a day, an overview) citing the curated facts [1]…[n]."""
        return _Draft(
            text=text,
            citations=tuple(
                fact_citation(n, fact, support_quote(fact, self._analyzer))
                for n, fact in enumerate(cited, start=1)
            ),
            mode="extractive",
            check=CitationReport(),
            direct=lead,
            topic_names=tuple(dict.fromkeys(t for f in cited for t in f.document.meta.topics)),
        )

    def _names_cus_matter(self, text: str) -> bool:
        """Another office's matter only, by the guard, but a CUS matter in residents' words."""
        if self._lexicon is None or redirect_topic(text) != "other_office":
            return False
        # A benefit or service named, not a procedure ("odwołać się od mandatu" is no CUS matter).
        if named_calculator(text) is not None or asks_overview(text):
            # "mam 850 zł renty, czy dostanę stały?", "mam 1100 zł emerytury, jaka pomoc mi
            # przysługuje?": the pension is the situation, not a question for ZUS.
            return True
        return any(e.topic not in (None, "procedura") for e in self._lexicon.find(text))

    def _redact(self, text: str) -> str:
        """Never echo personal data back; what we add ourselves is not personal data."""
        return redact_pii(text, keep=self._keep).text

    def _standalone(
        self, question: _Question, history: Sequence[Turn], deadline: Deadline
    ) -> _Question:
        if not history:
            return question
        if self._chat is not None and not deadline.expired:
            recent = [t for t in history if t.role == "user"][-3:]
            context = "\n".join(f"- {t.standalone or t.text}" for t in recent)
            try:
                rewritten = self._chat.complete(
                    [
                        Message("system", REWRITE_PROMPT),
                        Message(
                            "user",
                            f"Wcześniejsze pytania:\n{context}\n\nOstatnie: {question.outgoing}",
                        ),
                    ],
                    deadline=deadline,
                ).strip()
            except GenerationFailed as exc:
                log.warning("rewrite failed, using the rule: %s", exc.reason)
            else:
                if 0 < len(rewritten) <= 400 and not echoes(rewritten, REWRITE_PROMPT):
                    # Read as it comes back: the model only ever saw the outgoing forms.
                    said = redact_special_categories(redact_pii(rewritten).text).text
                    return _Question(said, said)
        told = _story_told(history)
        if told and not analyse(told, self._lexicon).questions:
            # The situation first, the question in the next message ("mama jest w DPS od roku",
            # then "a jak zabiorę ją na święta, to też płaci?"): read together, as one message
            # telling both would be, the story beside the question.
            joint = "" if told.endswith((".", "!", "?")) else "."
            text = f"{told}{joint} {question.text.strip()}"
        else:
            text = standalone_question(question.text, history, analyzer=self._analyzer)
        return _Question(text, redact_special_categories(text).text)

    def _passages(
        self,
        question: str,
        audience: Audience,
        vectors: MessageVectors,
        *,
        crisis: tuple[Kind, ...] | None = None,
    ) -> list[ScoredChunk]:
        visible = SearchFilter(audience=VISIBLE_TO[audience], valid_on=dt.date.today())
        hits: list[ScoredChunk] = []
        if crisis is not None:
            # A person in danger writes about what happened ("wyrzucił mnie w nocy"), not about
            # procedures; the crisis documents (helplines, Niebieska Karta, crisis intervention)
            # are what helps, so when any is found the answer quotes only them. Taking turns:
            # what the person asked ("czy policja może kazać mu się wyprowadzić") and what
            # their kind of crisis needs (the helplines).
            crisis_only = dataclasses.replace(visible, topics=(CRISIS_TOPIC,))
            own = self._retriever.search(
                question, filter=crisis_only, limit=_CRISIS_PASSAGES, vector=vectors(question)
            )
            helping = self._retriever.search(
                f"{question} {_needs(crisis)}", filter=crisis_only, limit=_CRISIS_PASSAGES
            )
            merged: dict[str, ScoredChunk] = {}
            for pair in itertools.zip_longest(own, helping):
                for hit in pair:
                    if hit is not None:
                        merged.setdefault(hit.chunk.chunk_id, hit)
            hits = for_kinds(list(merged.values()), crisis)[:_CRISIS_PASSAGES]
        if not hits:
            hits = self._retriever.search(
                question, filter=visible, limit=_CANDIDATES, vector=vectors(question)
            )
        if self._reranker is not None:
            hits = self._reranker.rerank(question, hits)
        return select_passages(
            hits, per_document=self._settings.max_passages_per_doc, limit=_PASSAGES
        )

    def _answer(
        self,
        question: _Question,
        audience: Audience,
        history: Sequence[Turn],
        vectors: MessageVectors,
        deadline: Deadline,
        *,
        crisis: tuple[Kind, ...] | None = None,
    ) -> Generator[Token | Interrupted, None, _Draft]:
        analysis = analyse(question.text, self._lexicon)
        focus = analysis.focus
        mode: Mode = "llm" if self._chat else "extractive"
        refusal = _Draft("", (), mode, CitationReport(), refused=True, reason="no_support")
        reading: Reading | None = None
        if crisis is not None:
            passages = tuple(self._passages(focus, audience, vectors, crisis=crisis))
            relevance = judge(focus, passages, self._analyzer, fused=self._reranker is None)
            # In a crisis the crisis documents are relevant by what they are for, whatever words
            # the person used; the numbers to call already lead the answer.
            helps = any(CRISIS_TOPIC in p.chunk.meta.topics for p in passages)
            if not (relevance.supported or helps):
                return refusal
            # The passages are there for what they are (crisis documents), not because they
            # answer the message: then what this kind of danger needs chooses the sentences, not
            # a shared word ("Chcę się zabić. Ile wynosi zasiłek stały?" is not answered with
            # the page's sentence on fire damage).
            chooser = focus if relevance.supported else _needs(crisis)
            extract = self._extract(chooser, passages, vectors, crisis=crisis)
        else:
            reading = self.read(analysis, audience, vectors=vectors)
            if not self._decides_to_answer(reading):
                near = self._suggestions(analysis, audience, reading.documents, vectors)
                return dataclasses.replace(refusal, suggestions=near)
            passages, extract = reading.passages, reading.extract
            # The passages answer: a curated fact of their documents says it best.
            chosen = self._facts_for(analysis, audience, reading.documents, vectors)
            if chosen:
                return self._fact_draft(chosen, passages)
        if self._chat is not None:
            if deadline.expired:
                log.warning("no time left for the chat model, answering extractively")
                return dataclasses.replace(_extractive_draft(extract, passages), fallback=True)
            try:
                draft = yield from self._generate(
                    self._chat, question.outgoing, audience, passages, history, deadline
                )
            except GenerationFailed as exc:
                log.warning("chat model failed, answering extractively: %s", exc.reason)
                fallback = dataclasses.replace(_extractive_draft(extract, passages), fallback=True)
                if isinstance(exc, _BrokenOff):
                    yield Interrupted(exc.reason)
                    return dataclasses.replace(fallback, interrupted=True)
                return fallback
            if draft.refused and reading is not None:
                # The model's reply cited nothing it could keep: the questions the base answers
                # are offered as with any refusal.
                near = self._suggestions(analysis, audience, reading.documents, vectors)
                draft = dataclasses.replace(draft, suggestions=near)
            return draft
        return _extractive_draft(extract, passages)

    def read(
        self,
        analysis: MessageAnalysis,
        audience: Audience,
        *,
        vectors: MessageVectors | None = None,
    ) -> Reading:
        """Retrieve for a message and gather the evidence for answering it.

        The question part is read (its passages answer); when the message has a story beside it,
        the whole message is read too, for the evidence only: the refusal model weighs both.
        `vectors`: the message's vectors so far (the texts already embedded are not again).
        """
        vectors = vectors or MessageVectors(self._retriever.embedder)
        fused = self._reranker is None
        focus = analysis.focus
        passages = tuple(self._passages(focus, audience, vectors))
        relevance = judge(focus, passages, self._analyzer, fused=fused)
        extract = self._extract(focus, passages, vectors)
        whole_relevance, whole_support = relevance, extract.support
        whole: tuple[ScoredChunk, ...] = ()
        # A question in another language with no story is read once, with the office's Polish
        # terms its words named ("How do I appeal?" + "odwołanie od decyzji"): its own words
        # alone find little in a Polish base and would outweigh what the terms found.
        foreign = not analysis.long and language_of(analysis.text) != "pl"
        if analysis.text.strip() != focus.strip() and not foreign:
            whole = tuple(self._passages(analysis.text, audience, vectors))
            whole_relevance = judge(analysis.text, whole, self._analyzer, fused=fused)
            whole_support = self._extract(analysis.text, whole, vectors).support
        best = self._nearest_fact(focus, audience, vectors)
        best_whole = (
            self._nearest_fact(analysis.text, audience, vectors) if whole else best
        )  # a message that is all question is matched once
        evidence = Evidence(
            coverage_focus=relevance.coverage,
            agreement_focus=relevance.agreement,
            support_focus=extract.support,
            coverage_whole=whole_relevance.coverage,
            agreement_whole=whole_relevance.agreement,
            support_whole=whole_support,
            best_fact=best[0].score if best else 0.0,
            fact_coverage=(
                self._facts.coverage(focus, best[0].fact) if best and self._facts else 0.0
            ),
            fact_whole=best_whole[0].score if best_whole else 0.0,
            seen_answerable=(
                self._refusal.seen.vote(vectors(focus)) if self._refusal is not None else 0.5
            ),
        )
        documents = tuple(dict.fromkeys(p.chunk.doc_id for p in (*passages, *whole)))
        return Reading(passages, extract, evidence, relevance.supported, documents)

    def _nearest_fact(
        self, text: str, audience: Audience, vectors: MessageVectors
    ) -> list[FactMatch]:
        if self._facts is None:
            return []
        return self._facts.match(
            text, audiences=VISIBLE_TO[audience], day=dt.date.today(), limit=1, vector=vectors(text)
        )

    def _decides_to_answer(self, reading: Reading) -> bool:
        if self._refusal is None:
            # No trained model (a broken file): the hand-set rules of rag/relevance.py.
            return reading.rules_support and reading.extract.support >= MIN_SENTENCE_SUPPORT
        return self._refusal.answers(reading.evidence)

    def _facts_for(
        self,
        analysis: MessageAnalysis,
        audience: Audience,
        documents: Sequence[str],
        vectors: MessageVectors,
    ) -> list[FactMatch]:
        """The curated facts that answer the message: the best first, then (a message asking
        several things) the best for each ask, then the others close to the best; at most
        `_FACTS_SHOWN`, or one more than the asks answered.

        Only facts of the documents retrieval found are considered (`Reading.documents`: those
        found for the question part, then those found only for the whole message, whose story
        often names the matter the question leaves out); among them the model's closeness to
        their question forms decides, read both for the question part and for the whole message
        (a short question leans on its story: "Czy ten zasiłek dalej jej się należy?").
        """
        if self._facts is None or not documents:
            return []
        day = dt.date.today()
        scores: dict[str, float] = {}
        found: dict[str, FactMatch] = {}
        for m in self._message_matches(analysis, audience, documents, vectors, day):
            scores[m.fact.id] = scores.get(m.fact.id, 0.0) + m.score
            found.setdefault(m.fact.id, m)
        if analysis.focus == analysis.text:
            scores = {k: 2 * v for k, v in scores.items()}
        for k, m in found.items():
            scores[k] += _type_bonus(m, analysis.question_type)
        ranked = sorted(scores, key=lambda k: -scores[k])
        if not ranked:
            return []
        best = scores[ranked[0]]
        chosen = [found[k] for k in ranked[:_FACTS_SHOWN] if scores[k] >= best - _FACT_MARGIN]
        asks = analysis.asks
        if len(asks) < 2:
            return chosen
        # "Ile wynosi … i jaki jest próg?": after the best fact for the whole message, the best
        # for each thing asked, so that the second question is not left to a margin the first
        # one's facts fill. Each ask is read with the office's terms the message named elsewhere,
        # as the focus is.
        named = [t.term for t in analysis.terms]
        own = [
            self._best_fact(
                " ".join([ask, *(t for t in named if t.lower() not in ask.lower())]),
                audience,
                documents,
                vectors,
                day,
            )
            for ask in asks[:_ASKS_ANSWERED]
        ]
        each = [m for m in own if m is not None]
        merged = {m.fact.id: m for m in (chosen[0], *each, *chosen[1:])}
        return list(merged.values())[: max(_FACTS_SHOWN, len(each) + 1)]

    def _suggestions(
        self,
        analysis: MessageAnalysis,
        audience: Audience,
        documents: Sequence[str],
        vectors: MessageVectors,
    ) -> tuple[Suggestion, ...]:
        """Questions the base answers, offered with a refusal: in each document retrieval found,
        the curated fact's question form closest to the message (its question part or the whole
        of it), the closest documents first. A resident who wrote around the matter ("pękła rura
        w ścianie, administracja każe mi płacić") can ask what the base does say about it,
        rather than being left with the contact alone; nothing is claimed, so nothing is cited.
        """
        if self._facts is None or not documents:
            return ()
        best: dict[str, FactMatch] = {}
        for m in self._message_matches(analysis, audience, documents, vectors, dt.date.today()):
            doc = m.fact.document.doc_id
            if doc not in best or m.score > best[doc].score:
                best[doc] = m
        ranked = sorted(best.values(), key=lambda m: -m.score)
        offered: dict[str, Suggestion] = {}
        for m in ranked:
            if m.score < ranked[0].score - _SUGGESTION_MARGIN or len(offered) == _SUGGESTIONS:
                break
            question = _as_question(_shown_form(m))
            # A service card restates its document: the same question is offered once.
            offered.setdefault(
                question.casefold(),
                Suggestion(question, m.fact.document.meta.title, m.fact.document.source),
            )
        return tuple(offered.values())

    def _best_fact(
        self,
        text: str,
        audience: Audience,
        documents: Sequence[str],
        vectors: MessageVectors,
        day: dt.date,
    ) -> FactMatch | None:
        """The closest fact of the found documents to one thing asked, its type preferred."""
        wanted = question_type(text)
        return max(
            self._matches_in(text, audience, documents, vectors, day),
            key=lambda m: m.score + _type_bonus(m, wanted),
            default=None,
        )

    def _message_matches(
        self,
        analysis: MessageAnalysis,
        audience: Audience,
        documents: Sequence[str],
        vectors: MessageVectors,
        day: dt.date,
    ) -> Iterator[FactMatch]:
        """`_matches_in` for the question part, then for the whole message when it is more."""
        for text in dict.fromkeys((analysis.focus, analysis.text)):
            yield from self._matches_in(text, audience, documents, vectors, day)

    def _matches_in(
        self,
        text: str,
        audience: Audience,
        documents: Sequence[str],
        vectors: MessageVectors,
        day: dt.date,
    ) -> Iterator[FactMatch]:
        """The curated facts nearest to a text, best first, of the documents retrieval found."""
        if self._facts is None:
            return
        for m in self._facts.match(
            text,
            audiences=VISIBLE_TO[audience],
            day=day,
            limit=_FACT_CANDIDATES,
            vector=vectors(text),
        ):
            if m.fact.document.doc_id in documents:
                yield m

    def _fact_draft(self, chosen: Sequence[FactMatch], passages: tuple[ScoredChunk, ...]) -> _Draft:
        citations: list[Citation] = []
        sentences: list[str] = []
        for n, matched in enumerate(chosen, start=1):
            sourced = matched.fact
            citations.append(fact_citation(n, sourced, support_quote(sourced, self._analyzer)))
            sentences.append(f"{sourced.fact.answer.strip()} [{n}]")
        direct = " ".join(sentences)
        topics = {t for m in chosen for t in m.fact.document.meta.topics}
        return _Draft(
            text=f"{direct}\n\n{basis_text(tuple(citations))}",
            citations=tuple(citations),
            mode="extractive",
            check=CitationReport(),
            passages=passages,
            direct=direct,
            topic_names=tuple(sorted(topics)),
        )

    def _extract(
        self,
        question: str,
        passages: tuple[ScoredChunk, ...],
        vectors: MessageVectors,
        *,
        crisis: tuple[Kind, ...] | None = None,
    ) -> ExtractiveAnswer:
        def similarity(text: str, sentences: Sequence[str]) -> list[float]:
            return self._similarity(text, sentences, query=vectors(text))

        extract = extractive_answer(
            question,
            passages,
            self._analyzer,
            similarity=similarity,
            keep_beside=_CRISIS_KEEP_BESIDE if crisis is not None else KEEP_BESIDE,
        )
        if crisis is not None and not extract.citations:
            # "nie mogę się pozbierać po śmierci syna" shares no word with the helplines' page;
            # what this kind of crisis needs does.
            extract = extractive_answer(
                f"{question} {_needs(crisis)}",
                passages,
                self._analyzer,
                similarity=similarity,
                keep_beside=_CRISIS_KEEP_BESIDE,
            )
        return extract

    def _checked(
        self, reply: str, passages: tuple[ScoredChunk, ...], prompt: str
    ) -> Generator[Token, None, _Draft]:
        """A whole reply through the citation check: the shown text is built from the
        sentences that hold, each sent as a token.

        Raises:
            GenerationFailed: the reply repeats the system prompt.
        """
        if echoes(reply, prompt):
            raise GenerationFailed("the model repeated its instructions", retryable=False)
        checked = check_citations(reply, passages, self._analyzer)
        shown = shown_text(checked)
        if not checked.valid or not shown:
            return _Draft("", (), "llm", checked.report, refused=True, reason="no_valid_citation")
        yield Token(self._redact(shown))
        return _Draft(
            shown,
            checked.citations,
            "llm",
            checked.report,
            passages=passages,
            streamed=True,
            direct=shown,
        )

    def _generate(
        self,
        chat: ChatModel,
        question: str,
        audience: Audience,
        passages: tuple[ScoredChunk, ...],
        history: Sequence[Turn],
        deadline: Deadline,
    ) -> Generator[Token, None, _Draft]:
        """The model's answer, checked sentence by sentence as it streams.

        Raises:
            GenerationFailed: the model failed or repeated its instructions before any text went
                out; `_BrokenOff` when it failed after some did.
        """
        numbered = [(n, _neutralised(p)) for n, p in enumerate(passages, start=1)]
        system = system_prompt(audience)
        messages = [Message("system", system)]
        messages.extend(Message(turn.role, turn.text) for turn in history[-4:])
        messages.append(Message("user", user_prompt(question, numbered)))
        if self._settings.llm_structured_output and not self._structured_refused:
            try:
                data = chat.complete_json(
                    [*messages, Message("user", FORMAT_HINT)],
                    name=SCHEMA_NAME,
                    schema=ANSWER_SCHEMA,
                    deadline=deadline,
                )
            except StructuredOutputUnsupported as exc:
                # Said once: this server has no structured outputs; the text protocol follows.
                log.warning("structured output refused, using the text protocol: %s", exc.reason)
                self._structured_refused = True
            else:
                return (yield from self._checked(render(data), passages, system))
        reply = ""
        shown_upto = 0  # sentences of the reply already checked
        streamed = False
        # Sentences that hold but cite nothing (a heading, a lead-in "Wniosek składasz:") wait
        # until one sentence is found supported: a reply that cites nothing (an echo of the
        # prompt, an off-topic story) shows none of its text.
        held: list[str] = []

        def release(sentence: str) -> Iterator[Token]:
            nonlocal streamed
            if echoes(reply, system):
                raise GenerationFailed("the model repeated its instructions", retryable=False)
            checked = check_citations(sentence, passages, self._analyzer)
            if piece := shown_text(checked):
                held.append(piece)
            if held and (streamed or checked.valid):
                for piece in held:
                    yield Token(self._redact(piece) + " ")
                held.clear()
                streamed = True

        try:
            for delta in chat.stream(messages, deadline=deadline):
                reply += delta
                pieces = split_sentences(reply)
                done = pieces[:-1]  # the last one may still grow
                if (
                    done
                    and not MARKER.search(done[-1])
                    and not _LETTER.search(MARKER.sub("", pieces[-1]))
                ):
                    # "…6 miesięcy. [1" — its marker is still arriving: checked now, the sentence
                    # would look uncited and be dropped from the stream but not from the answer.
                    done = done[:-1]
                for sentence in done[shown_upto:]:
                    yield from release(sentence)
                shown_upto = max(shown_upto, len(done))
            for sentence in split_sentences(reply)[shown_upto:]:
                yield from release(sentence)
        except GenerationFailed as exc:
            if streamed:
                raise _BrokenOff(exc.reason) from exc
            raise
        checked = check_citations(reply, passages, self._analyzer)
        shown = shown_text(checked)  # no claim without a citation that holds
        if not checked.valid or not shown:
            if streamed:
                # Sentence by sentence it held, as a whole it does not: what went out is withdrawn.
                raise _BrokenOff("the streamed answer failed the citation check as a whole")
            return _Draft("", (), "llm", checked.report, refused=True, reason="no_valid_citation")
        # The model was asked for a short answer that leads with what was asked: all of it is
        # the direct answer (its citations are checked sentence by sentence above).
        return _Draft(
            shown,
            checked.citations,
            "llm",
            checked.report,
            passages=passages,
            streamed=streamed,
            direct=shown,
        )


class _BrokenOff(GenerationFailed):
    """The model failed after some of its answer was streamed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=False)


def _past_turn(turn: Turn) -> PastTurn:
    """An earlier user turn as the crisis assessor reads it (a stored label it does not know,
    from an older version or a damaged entry, counts as none)."""
    level: Level = next((lv for lv in LEVELS if lv == turn.crisis), "none")
    kinds = tuple(k for k in KINDS if k in turn.crisis_kinds)
    return PastTurn(turn.text, level, kinds)


def for_kinds(hits: Sequence[ScoredChunk], kinds: Sequence[Kind]) -> list[ScoredChunk]:
    """Crisis passages for these kinds of danger: a document for other kinds only is left out
    (a violent home is not quoted the page about frost); helplines and crisis intervention,
    for every kind, stay. Order kept."""
    wanted = set(kinds)
    return [
        h for h in hits if not h.chunk.meta.crisis_kinds or set(h.chunk.meta.crisis_kinds) & wanted
    ]


def _needs(kinds: tuple[Kind, ...]) -> str:
    """What the person's kinds of crisis need from the crisis documents (search words)."""
    return " ".join(CRISIS_HELP[kind] for kind in kinds[:2]) or CRISIS_HELP["suicide"]


def _extractive_draft(extract: ExtractiveAnswer, passages: tuple[ScoredChunk, ...]) -> _Draft:
    if not extract.citations:
        return _Draft("", (), "extractive", CitationReport(), refused=True, reason="no_support")
    return _Draft(
        extract.text,
        extract.citations,
        "extractive",
        CitationReport(),
        passages=passages,
        direct=extract.direct or None,
    )


def _neutralised(passage: ScoredChunk) -> ScoredChunk:
    chunk = dataclasses.replace(passage.chunk, text=neutralise_passage(passage.chunk.text))
    return dataclasses.replace(passage, chunk=chunk)


# A line in the person's language under a Polish reply: the centre's materials are in Polish,
# and without a chat model the answer quotes them as they are.
_LANGUAGE_NOTES: dict[str, tuple[str, str, str]] = {  # language → (answered, not found, other)
    "uk": (
        "Матеріали центру є лише польською мовою, тому відповідь і цитати вище – польською. Якщо "
        "щось незрозуміло, зверніться до Центру соціальних послуг.",
        "Я не знайшов у матеріалах центру відповіді на це питання. Зверніться, будь ласка, до "
        "Центру соціальних послуг (контакти вище); матеріали центру – польською мовою.",
        "Відповідь вище – польською мовою. Якщо щось незрозуміло, зверніться до Центру "
        "соціальних послуг.",
    ),
    "ru": (
        "Материалы центра есть только на польском языке, поэтому ответ и цитаты выше – на "
        "польском. Если что-то непонятно, обратитесь в Центр социальных услуг.",
        "Я не нашёл в материалах центра ответа на этот вопрос. Обратитесь, пожалуйста, в Центр "
        "социальных услуг (контакты выше); материалы центра – на польском языке.",
        "Ответ выше – на польском языке. Если что-то непонятно, обратитесь в Центр социальных "
        "услуг.",
    ),
    "en": (
        "The centre's materials are in Polish only, so the answer and quotes above are in Polish. "
        "If anything is unclear, contact the Social Services Centre.",
        "I found no answer to this question in the centre's materials. Please contact the Social "
        "Services Centre (details above); its materials are in Polish.",
        "The reply above is in Polish. If anything is unclear, contact the Social Services Centre.",
    ),
}


def _language_note(lang: str, draft: _Draft) -> str | None:
    """The line in the person's language, or None for Polish (and languages without one)."""
    notes = _LANGUAGE_NOTES.get(lang)
    if notes is None:
        return None
    if not draft.refused:
        return notes[0]
    return notes[1] if draft.reason in ("no_support", "no_valid_citation") else notes[2]


def _type_bonus(match: FactMatch, wanted: QuestionType | None) -> float:
    """A fact of the kind the question asks for ("ile" → an amount) weighs a little more."""
    return _FACT_TYPE_BONUS if wanted is not None and match.fact.fact.type == wanted else 0.0


def _shown_form(match: FactMatch) -> str:
    """The question form to offer: the one matched, unless it was typed without Polish letters
    and the fact has a form with them ("zwrot kosztow pogrzebu przez gmine" is how residents
    type, not how the office should write back)."""
    if has_polish_letters(match.form):
        return match.form
    return next((q for q in match.fact.fact.questions if has_polish_letters(q)), match.form)


def _as_question(form: str) -> str:
    """A fact's question form as a resident would read it offered: "Czy gmina zwróci …?"."""
    form = form.strip()
    form = form[:1].upper() + form[1:]
    return form if form.endswith(("?", ".", "!")) else f"{form}?"


def suggestions_text(suggestions: Sequence[Suggestion]) -> str:
    """The questions offered with a refusal, as the answer's text gives them (the widget shows
    them as buttons that ask them instead)."""
    asked = "\n".join(f"- {s.question}" for s in suggestions)
    return f"{SUGGESTIONS_LEAD}\n{asked}"


def _refusal(contact: str) -> str:
    return (
        "Nie znalazłem w materiałach Centrum Usług Społecznych informacji, która pozwalałaby "
        f"rzetelnie odpowiedzieć na to pytanie, więc nie będę zgadywać. {contact}"
    )

"""The centre's insight page: what residents asked, what the assistant could not answer, and
what in the knowledge base is due for review. It tells the centre which documents to write next.

Built from what is already kept, redacted: the questions of the last 31 days (`api.asked`) and
the feedback stream (`api.feedback`). A question is flagged when it was refused or rated 👎;
flagged questions are grouped by similarity with the embedding model.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from api.asked import Asked
from api.exports import write_records
from api.feedback import FeedbackEntry
from rag.answering.facts import SourcedFact
from rag.documents import Document
from rag.embedding import Embedder
from rag.insight import DueForReview, due_for_review, group_similar

TOPIC_NAMES = {
    "pomoc_spoleczna": "pomoc społeczna",
    "dodatek_mieszkaniowy": "dodatek mieszkaniowy",
    "dodatki_energetyczne": "dodatki energetyczne",
    "mieszkania": "mieszkania",
    "swiadczenia_rodzinne": "świadczenia rodzinne",
    "cus": "Centrum Usług Społecznych",
    "procedura": "procedura administracyjna",
    "kryzys": "sytuacje kryzysowe",
}
NO_TOPIC = "bez źródła"
_EXAMPLES = 5


@dataclass(slots=True)
class Flagged:
    """A question refused, rated 👎, or both (one per answer)."""

    answer_id: str
    at: dt.datetime
    question: str
    topic: str
    refused: bool = False
    reason: str = ""
    rated_down: bool = False
    comments: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TopicCount:
    topic: str
    questions: int
    refused: int


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Flagged questions that say the same thing; `question` is the first asked."""

    question: str
    count: int
    refused: int
    rated_down: int
    examples: tuple[str, ...]  # other wordings, distinct, at most five
    topic: str
    members: tuple[Flagged, ...]


@dataclass(frozen=True, slots=True)
class Insight:
    days: int
    since: dt.datetime
    until: dt.datetime
    questions: int
    refused: int
    rated_down: int
    topics: tuple[TopicCount, ...]
    groups: tuple[QuestionGroup, ...]
    due: tuple[DueForReview, ...]

    @property
    def refusal_rate(self) -> float | None:
        """Refused ÷ asked; None when nothing was asked."""
        return round(self.refused / self.questions, 4) if self.questions else None


def _at(text: str) -> dt.datetime | None:
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _topics(documents: Sequence[Document]) -> dict[str, str]:
    """A document's path → the Polish name of its first topic."""
    return {
        d.source: TOPIC_NAMES.get(d.meta.topics[0], d.meta.topics[0]) if d.meta.topics else NO_TOPIC
        for d in documents
    }


def flagged_questions(
    asked: Sequence[Asked],
    feedback: Iterable[FeedbackEntry],
    *,
    since: dt.datetime,
    topics: dict[str, str],
) -> list[Flagged]:
    """The questions refused (from `asked`) or rated 👎 (from `feedback`) from `since` on,
    one per answer, oldest first."""
    flagged: dict[str, Flagged] = {}
    asked_topic = {a.answer_id: topics.get(a.source, NO_TOPIC) for a in asked}
    for a in asked:
        if a.refused and a.at >= since:
            flagged[a.answer_id] = Flagged(
                a.answer_id, a.at, a.question, asked_topic[a.answer_id], True, a.reason
            )
    for entry in feedback:
        at = _at(entry.at)
        if entry.rating != "down" or at is None or at < since:
            continue
        item = flagged.get(entry.answer_id)
        if item is None:
            topic = asked_topic.get(entry.answer_id, NO_TOPIC)
            item = Flagged(entry.answer_id, at, entry.question, topic, entry.refused, entry.reason)
            flagged[entry.answer_id] = item
        item.rated_down = True
        if entry.comment:
            item.comments.append(entry.comment)
    return sorted(flagged.values(), key=lambda f: f.at)


def _group(flagged: Sequence[Flagged], embedder: Embedder, threshold: float) -> list[QuestionGroup]:
    groups = []
    for group in group_similar([f.question for f in flagged], embedder, threshold=threshold):
        members = tuple(flagged[i] for i in group.members)
        lead = members[0]
        wordings = dict.fromkeys(m.question for m in members[1:] if m.question != lead.question)
        topic = Counter(m.topic for m in members).most_common(1)[0][0]
        groups.append(
            QuestionGroup(
                question=lead.question,
                count=len(members),
                refused=sum(m.refused for m in members),
                rated_down=sum(m.rated_down for m in members),
                examples=tuple(wordings)[:_EXAMPLES],
                topic=topic,
                members=members,
            )
        )
    return groups


def build_insight(
    *,
    asked: Sequence[Asked],
    feedback: Iterable[FeedbackEntry],
    documents: Sequence[Document],
    facts: Sequence[SourcedFact],
    embedder: Embedder,
    now: dt.datetime,
    days: int,
    similarity: float,
    review_every_days: int,
) -> Insight:
    """The insight of the last `days` days up to `now`.

    Args:
        asked: the questions kept (any age: those before the window are left out here).
        feedback: the feedback entries (any age).
        documents: the knowledge base's documents (for topics and review dates).
        facts: its curated facts.
        embedder: the embedding model that groups similar questions.
        now: the end of the window (UTC).
        days: the window's length.
        similarity: cosine from which two questions count as one.
        review_every_days: how often a document must be reviewed.
    """
    since = now - dt.timedelta(days=days)
    topics = _topics(documents)
    window = [a for a in asked if since <= a.at <= now]
    flagged = flagged_questions(window, feedback, since=since, topics=topics)
    per_topic = Counter(topics.get(a.source, NO_TOPIC) for a in window)
    refused_topic = Counter(topics.get(a.source, NO_TOPIC) for a in window if a.refused)
    return Insight(
        days=days,
        since=since,
        until=now,
        questions=len(window),
        refused=sum(a.refused for a in window),
        rated_down=sum(f.rated_down for f in flagged),
        topics=tuple(
            TopicCount(topic, count, refused_topic[topic])
            for topic, count in sorted(per_topic.items(), key=lambda kv: (-kv[1], kv[0]))
        ),
        groups=tuple(_group(flagged, embedder, similarity)),
        due=tuple(due_for_review(documents, facts, today=now.date(), every_days=review_every_days)),
    )


CSV_FIELDS = (
    "grupa",
    "pytanie_grupy",
    "pytanie",
    "temat",
    "odmowa",
    "powod_odmowy",
    "ocena_negatywna",
    "komentarz",
    "kiedy",
)


def export_csv(insight: Insight, out: TextIO) -> int:
    """Every flagged question of the insight with its group, as CSV; how many rows."""
    rows = (
        {
            "grupa": n,
            "pytanie_grupy": group.question,
            "pytanie": member.question,
            "temat": member.topic,
            "odmowa": "tak" if member.refused else "nie",
            "powod_odmowy": member.reason,
            "ocena_negatywna": "tak" if member.rated_down else "nie",
            "komentarz": " | ".join(member.comments),
            "kiedy": member.at.isoformat(timespec="seconds"),
        }
        for n, group in enumerate(insight.groups, start=1)
        for member in group.members
    )
    return write_records(rows, CSV_FIELDS, out, fmt="csv")

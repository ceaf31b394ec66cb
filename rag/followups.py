"""Follow-up questions made standalone, by rule (used when no chat model rewrites them).

"a ile się czeka?" after a question about the housing allowance is retrieved as "Dodatek
mieszkaniowy: a ile się czeka?": the previous question's subject (or the topic of the last
answer) is carried over unless the new question names a subject of its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.conversation import Turn
from rag.lexical import STOPWORDS, PolishAnalyzer, fold

_WORD = re.compile(r"[^\W_]+")
# Words that open a follow-up: "a ile…", "i co dalej", "to kiedy…", "ale czy…".
_CONNECTORS = frozenset("a i to ale oraz czyli no".split())
# Pronouns and adverbs pointing back at what was said before (ASCII-folded).
_ANAPHORA = frozenset(
    "ten ta to te tego tej tym tych tamten tamta tamto taki taka takie go jego jej ich nim niej "
    "niego nich nia tam wtedy wowczas tez".split()
)
_DEMONSTRATIVES = frozenset("ten ta te tego tej tym tych tamten tamta tamto".split())
# Lemma beginnings (ASCII-folded) of what residents ask about: benefits, housing, services and
# crises. A question with none of them does not say what it is about.
_SUBJECT_STEMS = tuple(
    """
    zasil dodat swiadcz mieszkani lokal czynsz eksmis eksmit najem najm komunaln socjaln pomoc opiek
    pielegn rodzinn alimen becik wychowaw energ oslon bezdomn schronisk noclegow dps ops mops cus
    uslug przemoc kryzys niebiesk interwenc asystent niepelnospraw dozywi posil stypend zadluz 800
    """.split()
)
# The office itself: named as who sent or decided something ("CUS przysłał wezwanie"), it is not
# what a follow-up asks about.
_OFFICES = ("cus", "ops", "mops", "gops")
# Adjective endings, to carry "dodatek mieszkaniowy" and "zasiłek stały" whole.
_ADJECTIVE = re.compile(r"(?:ow|n|sk|ck|cz|l|dz)(?:y|a|e|i|ego|emu|ej|ym|ych|ymi)$")
_SHORT = 4  # content words at most in a question too short to carry its own subject
_TOPIC_NAMES = {
    "pomoc_spoleczna": "pomoc społeczna",
    "dodatek_mieszkaniowy": "dodatek mieszkaniowy",
    "dodatki_energetyczne": "dodatki energetyczne",
    "mieszkania": "mieszkania komunalne i socjalne",
    "swiadczenia_rodzinne": "świadczenia rodzinne",
    "cus": "Centrum Usług Społecznych",
    "procedura": "procedura administracyjna",
    "kryzys": "przemoc i sytuacje kryzysowe",
}


def _is_subject(term: str) -> bool:
    return term.startswith(_SUBJECT_STEMS)


def _stems(terms: set[str]) -> set[str]:
    return {stem for stem in _SUBJECT_STEMS for term in terms if term.startswith(stem)}


def _subject_phrase(text: str, analyzer: PolishAnalyzer) -> str | None:
    """The first subject of a question with its adjectives ("dodatek mieszkaniowy"), if any."""
    words = list(_WORD.finditer(text))
    for i, word in enumerate(words):
        if not any(_is_subject(term) for term in analyzer.terms(word.group())):
            continue
        last = word
        for following in words[i + 1 : i + 3]:
            folded = fold(following.group())
            adjective = folded not in STOPWORDS and _ADJECTIVE.search(folded)
            if text[last.end() : following.start()].strip() or not adjective:
                break
            last = following
        return text[word.start() : last.end()]
    return None


def _key_phrase(text: str, analyzer: PolishAnalyzer) -> str | None:
    """What a question is about: its subject, else its first content words, else None."""
    if subject := _subject_phrase(text, analyzer):
        return subject
    words = _WORD.finditer(text)
    content = [w for w in words if fold(w.group()) not in STOPWORDS and analyzer.terms(w.group())]
    return text[content[0].start() : content[:4][-1].end()] if content else None


def _follows_up(question: str, key_terms: set[str], analyzer: PolishAnalyzer) -> bool:
    words = _WORD.findall(question)
    folded = [fold(word) for word in words]
    # "co to jest CUS?", "czym się zajmuje OPS?": the office asked about is the subject.
    defines = re.search(
        rf"\b(?:co to (?:jest )?(?:za )?|czym (?:jest|sie zajmuje) )(?:{'|'.join(_OFFICES)})\b",
        " ".join(folded),
    )
    subjects = {
        term
        for term in analyzer.terms(question)
        if _is_subject(term) and (defines or term not in _OFFICES)
    }
    if not subjects:
        return True  # "ile się czeka?", "gdzie złożyć wniosek?": about the topic in hand
    for demonstrative, word in zip(folded, words[1:], strict=False):
        if demonstrative in _DEMONSTRATIVES and key_terms & set(analyzer.terms(word)):
            return True  # "ten zasiłek", "tego dodatku"
    # A subject of its own ("a dodatek energetyczny?", "a co to jest zasiłek celowy?" after
    # "zasiłek stały") makes a new question, not a follow-up.
    own = _subject_phrase(question, analyzer) or ""
    qualified = len(_WORD.findall(own)) > 1 and set(analyzer.terms(own)) - key_terms
    if qualified or _stems(subjects) - _stems(key_terms):
        return False
    if folded[0] in _CONNECTORS:
        return True
    content = [w for w, f in zip(words, folded, strict=True) if f not in STOPWORDS]
    short = sum(1 for word in content if analyzer.terms(word)) <= _SHORT
    return short and any(word in _ANAPHORA for word in folded)


def standalone_question(
    question: str, history: Sequence[Turn], *, analyzer: PolishAnalyzer | None = None
) -> str:
    """Make a follow-up question understandable alone by carrying the previous turn's topic.

    "a ile się czeka na decyzję?" after "Kto może dostać dodatek mieszkaniowy?" becomes
    "Dodatek mieszkaniowy: a ile się czeka na decyzję?". A question that names its own subject,
    or has no earlier question to lean on, is returned unchanged.

    Args:
        question: The resident's question (already redacted).
        history: The conversation before this question, oldest first.
        analyzer: A shared `PolishAnalyzer`; one is built (loading its dictionary) if omitted.

    Returns:
        The question to retrieve with: `question` itself, or it prefixed with the previous topic.
    """
    previous = next((turn for turn in reversed(history) if turn.role == "user"), None)
    if previous is None or not _WORD.search(question):
        return question
    analyzer = analyzer or PolishAnalyzer()
    key = _key_phrase(previous.standalone or previous.text, analyzer)
    if key is None:
        answered = next((turn for turn in reversed(history) if turn.topics), None)
        key = _TOPIC_NAMES.get(answered.topics[0]) if answered else None
    if key is None:
        return question
    key_terms = set(analyzer.terms(key))
    if key_terms <= set(analyzer.terms(question)) or not _follows_up(question, key_terms, analyzer):
        return question
    return f"{key[0].upper()}{key[1:]}: {question.strip()}"

"""Citation check: every [n] in an answer must point at a given passage that says what it claims.

Passages are numbered 1..N in the order given. A marker naming no given passage is removed and
counted. Each sentence is checked against the passages it cites:

- every number in the sentence (amounts, deadlines, years, article numbers) must appear in the
  cited passages (their text or citable label), after normalisation ("1 010 zł" → "1010"), and
  each cited passage must state at least one of them itself;
- a sentence must not turn its passage around: "nie przysługuje" against the passage's closest
  sentence saying "przysługuje" (or the reverse) is unsupported (`_POLAR` verbs);
- each cited passage must share content words with the sentence: at least one, and at least
  `SHARED_WORDS_RATIO` of them (a word matches when one of its lemmas or its ASCII-folded form
  appears in the passage).

A citation that fails is reported as unsupported; a sentence without a citation is reported as
uncited unless it is a heading, greeting, closing line or short list lead-in (`_EXEMPT`).
Only passages cited by a supported sentence become `Citation`s; an answer with none is invalid.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answers import Citation, CitationReport
from rag.documents import ScoredChunk
from rag.lexical import STOPWORDS, PolishAnalyzer, fold
from rag.sentences import (
    Sentence,
    clip,
    is_quotable,
    join_spans,
    plain,
    sentences,
    split_sentences,
)

__all__ = [
    "MARKER",
    "CheckedAnswer",
    "KeyTerms",
    "check_citations",
    "key_terms",
    "make_citation",
    "number_of",
    "passage_terms",
    "shared_words",
    "stated_numbers",
]

# Share of a sentence's content words a cited passage must contain. Chosen on the tests: an
# honest paraphrase keeps about half of its words, a sentence citing the wrong passage of the same
# topic shares one or two generic ones ("dodatek", "wniosek").
SHARED_WORDS_RATIO = 0.3
QUOTE_MAX_SENTENCES = 2

MARKER = re.compile(r"\[\s*\d+(?:\s*(?:[,;]|[-–—])\s*\d+)*\s*\]")
_WORD = re.compile(r"[^\W_]+")
_DATE = re.compile(r"(?<![\d,.])(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)")
_NUMBER = re.compile(
    r"(?<![\d,.])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?(?!\d)|(?<!\d)\d+(?:[,.]\d+)?"
)
# Words that say nothing about content (folded surface forms): legal abbreviations, and function
# words the lexical stopword list misses because the dictionary also reads them as rare nouns
# ("ile" → "ił", "jaka", "albo" → "alba", "lub" → "lubić").
_NOISE = frozenset(
    """
    art ust pkt lit par r zl gr np m in tj tzw dz u poz nr itd itp ok zob wg tel ul godz cus ops
    jaka jakie jakiej jakiego jakim jakich jaka ile moze mozna moge moga mozemy byl byla bylo byly
    beda bedzie temu tym tej tych tego tez rowniez takze wtedy dlatego czego czym komu moja moje
    moich moim twoj twoja twoje swoje swojej swoim swoich mam masz ma maja mamy lub albo od miedzy
    okolo wszystkie wszystkich wszystko nawet bez ci tam teraz potem zawsze nigdy czesto trzeba
    nalezy musi musze musza powinien powinna powinno chce chcialbym chcialabym prosze witam
    """.split()
)
# Numeral words, so "sześć miesięcy" and "6 miesięcy" meet ("pięć" is left out: its folded form
# is also "piec", a stove).
_NUMERALS = {
    "dwa": "2", "trzy": "3", "cztery": "4", "szesc": "6", "siedem": "7", "osiem": "8",
    "dziewiec": "9", "dziesiec": "10", "dwanascie": "12", "czternascie": "14",
    "pietnascie": "15", "dwadziescia": "20", "trzydziesci": "30",
}  # fmt: skip
# Lines that need no citation: headings, greetings, closings, the extractive answer's header.
_EXEMPT = re.compile(
    r"^(?:dzien dobry|witam|witaj|szanown|pozdrawiam|z powazaniem|dziekuj|mam nadzieje"
    r"|w razie (?:pytan|watpliwosci)|zapraszam|skontaktuj sie|zadzwon|odpowiedz na podstawie)"
)
_LEAD_IN_MAX_WORDS = 6


@dataclass(frozen=True, slots=True)
class KeyTerms:
    """What a sentence asserts, for matching: content words and normalised numbers.

    `words` holds one set per content word: its lemmas and its folded surface form (so a word
    typed without diacritics still meets its inflected form). `lemmas` is their union.
    """

    words: tuple[frozenset[str], ...]
    numbers: frozenset[str]

    @property
    def lemmas(self) -> frozenset[str]:
        return frozenset().union(*self.words)


@dataclass(frozen=True, slots=True)
class CheckedAnswer:
    """A generated answer after the citation check."""

    text: str
    citations: tuple[Citation, ...]
    report: CitationReport

    @property
    def valid(self) -> bool:
        """At least one citation is supported by a sentence of the answer."""
        return bool(self.citations)


def _number(raw: str) -> str:
    whole, _, fraction = re.sub(r"\s", "", raw).replace(".", ",").partition(",")
    whole = whole.lstrip("0") or "0"
    fraction = fraction.rstrip("0")
    return f"{whole},{fraction}" if fraction else whole


def key_terms(sentence: str, analyzer: PolishAnalyzer) -> KeyTerms:
    """The content words and numbers of a sentence (citation markers should be removed first).

    Args:
        sentence: any text; Markdown is ignored.
        analyzer: the shared Polish analyzer (lemmas, folding, stopwords).

    Returns:
        Content words (lemmas and folded forms, stopwords and legal abbreviations dropped) and
        numbers normalised: "1 010 zł" → "1010", "14 dni" → "14", "215,84" → "215,84",
        "1.01.2025" → "1", "1", "2025"; numeral words count as numbers ("sześć" → "6").
    """
    numbers = set(stated_numbers(sentence))
    rest = _DATE.sub(" ", sentence)
    words: dict[frozenset[str], None] = {}
    for match in _WORD.finditer(rest):
        surface = fold(match.group(0))
        if surface.isdigit() or surface in STOPWORDS or surface in _NOISE:
            continue
        lemmas = set(analyzer.terms(match.group(0)))
        numeral = next((_NUMERALS[x] for x in lemmas if x in _NUMERALS), None)
        if numeral:
            numbers.add(numeral)
        elif lemmas:
            words[frozenset(lemmas | {surface})] = None
    return KeyTerms(words=tuple(words), numbers=frozenset(numbers))


def stated_numbers(text: str) -> frozenset[str]:
    """The numbers a text states in digits, normalised as `key_terms` reads them: "1 010 zł" →
    "1010", "0,5%" → "0,5", "1.01.2025" → "1", "1", "2025" (numeral words are not read)."""
    found = {_number(part) for m in _DATE.finditer(text) for part in m.groups()}
    found.update(_number(m.group(0)) for m in _NUMBER.finditer(_DATE.sub(" ", text)))
    return frozenset(found)


def number_of(amount: float) -> str:
    """An amount as `stated_numbers` reads it in a text: 1229.0 → "1229", 0.5 → "0,5"."""
    return _number(str(amount))


def shared_words(sentence: KeyTerms, vocabulary: frozenset[str]) -> int:
    """How many of the sentence's content words appear (by any lemma or form) in `vocabulary`."""
    return sum(1 for word in sentence.words if word & vocabulary)


def _supports(sentence: KeyTerms, passage: KeyTerms, numbers: frozenset[str]) -> bool:
    if not sentence.numbers <= numbers:
        return False
    needed = max(1, math.ceil(SHARED_WORDS_RATIO * len(sentence.words)))
    return shared_words(sentence, passage.lemmas) >= needed


# Verbs whose negation turns a claim around ("przysługuje" / "nie przysługuje"): lemmas, folded.
_POLAR = frozenset(
    """
    przyslugiwac nalezec moc wolno musiec wliczac liczyc wstrzymywac placic trzeba miec
    obejmowac wplywac dostac otrzymac wymagac podlegac
    """.split()
)


def _polar_claims(text: str, analyzer: PolishAnalyzer) -> dict[str, bool]:
    """The polar verbs of a text, each with whether it is ever negated ("nie" just before)."""
    found: dict[str, bool] = {}
    words = _WORD.findall(text)
    for i, word in enumerate(words):
        lemmas = set(analyzer.terms(word)) | {fold(word)}
        for lemma in lemmas & _POLAR:
            negated = i > 0 and fold(words[i - 1]) == "nie"
            found[lemma] = found.get(lemma, False) or negated
    return found


def _negation_mismatch(sentence: str, passage: ScoredChunk, analyzer: PolishAnalyzer) -> bool:
    """A sentence saying "nie V" where the passage has V only affirmed (or the other way round).

    Read on the passage's sentence closest to the claim, so a page that affirms one thing and
    denies another is not held against every sentence citing it.
    """
    claim = _polar_claims(sentence, analyzer)
    if not claim:
        return False
    mine = key_terms(sentence, analyzer)
    candidates = [s for s in split_sentences(passage.chunk.text) if is_quotable(s)]
    if not candidates:
        return False
    closest = max(candidates, key=lambda s: shared_words(mine, key_terms(s, analyzer).lemmas))
    stated = _polar_claims(closest, analyzer)
    return any(lemma in stated and stated[lemma] != negated for lemma, negated in claim.items())


def _exempt(sentence: str, terms: KeyTerms) -> bool:
    folded = fold(plain(sentence))
    if not terms.words and not terms.numbers:
        return True
    if _EXEMPT.match(folded):
        return True
    return folded.endswith(":") and not terms.numbers and len(terms.words) <= _LEAD_IN_MAX_WORDS


def _marker_numbers(marker: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"[,;]", marker.strip("[] ")):
        low, dash, high = re.sub(r"[–—]", "-", part).partition("-")
        first, last = int(low), int(high) if dash else int(low)
        if last < first or last - first > 50:
            numbers.append(0)  # a nonsense range counts as one unknown reference
        else:
            numbers.extend(range(first, last + 1))
    return numbers


def _clean_markers(text: str, count: int) -> tuple[str, int]:
    removed = 0

    def keep_known(match: re.Match[str]) -> str:
        nonlocal removed
        numbers = list(dict.fromkeys(_marker_numbers(match.group(0))))
        known = [n for n in numbers if 1 <= n <= count]
        if len(known) == len(numbers):
            return match.group(0)
        removed += len(numbers) - len(known)  # each unknown passage number counts once
        return "".join(f"[{n}]" for n in known)

    cleaned = MARKER.sub(keep_known, text)
    if removed:
        cleaned = re.sub(r"[ \t]+([.,;:!?])", r"\1", cleaned)
        cleaned = re.sub(r"[ \t]{2,}", " ", cleaned)
        cleaned = re.sub(r"[ \t]+$", "", cleaned, flags=re.MULTILINE)
    return cleaned.strip(), removed


def passage_terms(passage: ScoredChunk, analyzer: PolishAnalyzer) -> KeyTerms:
    """Key terms of a passage, its citable label included (a legal chunk's text omits "Art. 7")."""
    return key_terms(f"{passage.chunk.label}\n{passage.chunk.text}", analyzer)


def check_citations(
    text: str, passages: Sequence[ScoredChunk], analyzer: PolishAnalyzer
) -> CheckedAnswer:
    """Check an answer's [n] markers against the passages it was given.

    Args:
        text: the generated answer, with markers such as [1], [1][2], [1, 2] or [1-2].
        passages: the passages shown to the model, numbered 1..N in this order.
        analyzer: the shared Polish analyzer.

    Returns:
        The text without unknown markers, one `Citation` per passage that a supported sentence
        cites (ascending n; its quote is the passage's best-matching sentences), and a report
        of removed markers, uncited sentences and unsupported (n, sentence) pairs.
    """
    cleaned, removed = _clean_markers(text, len(passages))
    units: list[tuple[Sentence, str, list[int]]] = []  # (sentence, without markers, cited)
    for sentence in sentences(cleaned):
        cited = [n for m in MARKER.finditer(sentence.text) for n in _marker_numbers(m.group(0))]
        body = MARKER.sub(" ", sentence.text).strip()
        if cited and units and not _WORD.search(body):
            units[-1][2].extend(cited)  # a marker standing alone belongs to what precedes it
            continue
        units.append((sentence, body, cited))

    known: dict[int, KeyTerms] = {}
    uncited: list[str] = []
    unsupported: list[tuple[int, str]] = []
    supported_by: dict[int, list[KeyTerms]] = {}
    for sentence, body, cited in units:
        terms = key_terms(body, analyzer)
        if not cited:
            if sentence.kind != "heading" and not _exempt(body, terms):
                uncited.append(sentence.text)
            continue
        for n in dict.fromkeys(cited):
            if n not in known:
                known[n] = passage_terms(passages[n - 1], analyzer)
        numbers = frozenset().union(*(known[n].numbers for n in cited))
        for n in dict.fromkeys(cited):
            # Every number must stand in a cited passage, and each cited passage must itself
            # state one of them: "823 zł [1][2]" does not rest on [1] because [2] has 823. And
            # the same polarity: "nie przysługuje" does not rest on a passage saying it does.
            own = not terms.numbers or bool(terms.numbers & known[n].numbers)
            if (
                own
                and _supports(terms, known[n], numbers)
                and not _negation_mismatch(body, passages[n - 1], analyzer)
            ):
                supported_by.setdefault(n, []).append(terms)
            else:
                unsupported.append((n, sentence.text))

    citations = tuple(
        make_citation(n, passages[n - 1], _best_quote(passages[n - 1], citing, analyzer))
        for n, citing in sorted(supported_by.items())
    )
    report = CitationReport(removed, tuple(uncited), tuple(unsupported))
    return CheckedAnswer(text=cleaned, citations=citations, report=report)


def _best_quote(passage: ScoredChunk, citing: list[KeyTerms], analyzer: PolishAnalyzer) -> str:
    """The passage's sentences that best match the citing sentences (at most two, ~400 chars).

    For each citing sentence: its best match (shared words, numbers counting double), then, if
    some of its numbers are still unquoted, the sentence holding most of them.
    """
    quotable = [s for s in split_sentences(passage.chunk.text) if is_quotable(s)]
    if not quotable:
        return clip(plain(passage.chunk.text))
    terms = [key_terms(s, analyzer) for s in quotable]
    picked: dict[int, float] = {}
    for claim in citing:
        missing = set(claim.numbers)
        while True:
            scores = [shared_words(claim, t.lemmas) + 2 * len(missing & t.numbers) for t in terms]
            best = max(range(len(scores)), key=lambda i: (scores[i], -i))
            picked[best] = max(picked.get(best, 0.0), scores[best])
            if not missing & terms[best].numbers:
                break
            missing -= terms[best].numbers
            if not missing:
                break
    chosen = sorted(sorted(picked, key=lambda i: -picked[i])[:QUOTE_MAX_SENTENCES])
    return join_spans((i, i, quotable[i]) for i in chosen)


def make_citation(n: int, passage: ScoredChunk, quote: str) -> Citation:
    """The citation of passage `n` with the quoted sentence(s).

    Args:
        n: the passage's number as shown in the answer (1-based).
        passage: the passage.
        quote: the sentence(s) of the passage that support the answer.

    Returns:
        A `Citation` with the document title, citable label, source path, quote, validity
        date, the provision its section names (or the document's first legal basis), the
        document's public URL and review date.
    """
    chunk = passage.chunk
    stated = _BASIS.search(chunk.text)
    provision = (
        stated.group(1).strip().rstrip(".")
        if stated
        else (chunk.meta.legal_basis[0] if chunk.meta.legal_basis else None)
    )
    return Citation(
        n=n,
        title=chunk.meta.title,
        label=chunk.label,
        source=chunk.source,
        quote=quote,
        valid_from=chunk.meta.valid_from,
        provision=provision,
        url=chunk.meta.source_url,
        reviewed=chunk.meta.reviewed,
        section=chunk.heading_path[1] if len(chunk.heading_path) > 1 else None,
    )


_BASIS = re.compile(r"Podstawa prawna:\s*([^\n]{4,300})")


def shown_text(checked: CheckedAnswer) -> str:
    """The answer as it may be shown: no claim without a citation, no citation that fails it.

    A flagged sentence (uncited, or whose every citation is unsupported) is dropped; a sentence
    citing several passages keeps only the markers that hold.

    Args:
        checked: the result of `check_citations`.

    Returns:
        The text to show; empty when nothing holds.
    """
    text = checked.text
    for sentence in checked.report.uncited_sentences:
        text = _replace_once(text, sentence, "")
    failing: dict[str, set[int]] = {}
    for n, sentence in checked.report.unsupported:
        failing.setdefault(sentence, set()).add(n)
    for sentence, bad in failing.items():
        cited = {n for m in MARKER.finditer(sentence) for n in _marker_numbers(m.group(0))}
        good = sorted(cited - bad)
        if not good:
            text = _replace_once(text, sentence, "")
            continue
        kept = MARKER.sub("", sentence).rstrip()
        trail = kept[-1] if kept[-1:] in ".!?" else ""
        kept = kept.rstrip(".!?").rstrip()
        text = _replace_once(text, sentence, f"{kept} {''.join(f'[{n}]' for n in good)}{trail}")
    lines = [ln.rstrip() for ln in text.splitlines()]
    lines = [ln for ln in lines if ln.strip() not in {"-", "*", "•"}]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _replace_once(text: str, sentence: str, new: str) -> str:
    """Replace a checked sentence in the answer, whatever whitespace the model put inside it (a
    sentence wrapped over two lines is one sentence to the check and must go as one)."""
    words = sentence.split()
    if not words:
        return text
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    return pattern.sub(lambda _: new, text, count=1)

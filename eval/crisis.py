"""The crisis suite: recall per kind and level on the held-out test split, and false alarms.

Three detectors are scored side by side on the same messages: the model-free lexicon, the
classifier alone, and both combined (what the assistant runs). A message with earlier turns is
assessed as the assistant would: each earlier turn in order, its assessment remembered, then
the last one with that history.

False alarms are counted on the test split's non-crisis messages (hard negatives: crisis words
in ordinary senses) and on every non-crisis question of a golden case file (ordinary resident
questions). The test split is never used for training or for choosing thresholds.

Blind sets (`eval/crisis/*.yaml`) are scored beside it: messages written by someone who saw
neither the detectors nor their data, and never learnt. The test split is drawn from the same
files as the training data, so its figures flatter a detector on whatever those files share; a
blind set says how it reads messages written another way.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eval.cases import load_cases
from eval.gates import GateResult, MetricKey, check_gates, load_gates
from rag.crisis import KINDS, CrisisAssessment, CrisisAssessor, PastTurn
from rag.crisis.classifier import trained_classifier
from rag.crisis.levels import rank
from rag.crisis.lexicon import Lexicon
from rag.crisis.messages import (
    LabelledMessage,
    MessageFileError,
    conversation_text,
    load_messages,
    parse_messages,
    split,
)
from rag.crisis.text import words
from rag.embedding import CachedEmbedder, Embedder

DETECTORS = ("lexicon", "classifier", "combined")
BLIND_DIR = Path(__file__).parent / "crisis"
LABELS = {"lexicon": "słownik (bez modelu)", "classifier": "klasyfikator", "combined": "oba"}


@dataclass(frozen=True, slots=True)
class Miss:
    id: str
    kind: str
    expected: str
    got: str
    text: str


@dataclass(slots=True)
class DetectorScores:
    """One detector's figures on the test split and the ordinary questions."""

    detector: str
    metrics: dict[str, float] = field(default_factory=dict)
    per_kind: dict[str, dict[str, float]] = field(default_factory=dict)
    misses: list[Miss] = field(default_factory=list)
    false_alarms: list[Miss] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BlindScores:
    """The detectors' figures on one blind set (no ordinary questions: those are the test's)."""

    name: str
    messages: int
    scores: tuple[DetectorScores, ...]


@dataclass(frozen=True, slots=True)
class CrisisRun:
    model: str
    messages: int  # in the test split
    ordinary: int  # non-crisis golden questions
    scores: tuple[DetectorScores, ...]
    gates: tuple[GateResult, ...]
    blind: tuple[BlindScores, ...] = ()

    @property
    def gates_passed(self) -> bool:
        return all(g.status != "fail" for g in self.gates)


def measured(scores: Sequence[DetectorScores]) -> dict[MetricKey, float]:
    """The figures as the gates name them: ("crisis", "crisis", detector, metric)."""
    return {
        ("crisis", "crisis", s.detector, name): value
        for s in scores
        for name, value in s.metrics.items()
    }


def _assess_in_turns(assessor: CrisisAssessor, turns: Sequence[str]) -> CrisisAssessment:
    history: list[PastTurn] = []
    found = assessor.assess(turns[0])
    for text in turns[1:]:
        history.append(PastTurn(turns[len(history)], found.level, found.kinds))
        found = assessor.assess(text, history=history)
    return found


def _ratio(hits: int, total: int) -> float:
    return hits / total if total else 1.0


def score(
    detector: str,
    assess: Callable[[Sequence[str]], CrisisAssessment],
    test: Sequence[LabelledMessage],
    ordinary: Sequence[Sequence[str]],
) -> DetectorScores:
    """One detector's recall and false alarms."""
    scores = DetectorScores(detector)
    results = [(m, assess((*m.turns, m.text))) for m in test]
    acute = [(m, a) for m, a in results if m.level == "acute"]
    crisis = [(m, a) for m, a in results if m.crisis]
    negatives = [(m, a) for m, a in results if not m.crisis]
    scores.metrics["acute_recall"] = _ratio(sum(a.acute for _, a in acute), len(acute))
    scores.metrics["crisis_recall"] = _ratio(sum(a.is_crisis for _, a in crisis), len(crisis))
    scores.metrics["acute_given_help"] = _ratio(sum(a.is_crisis for _, a in acute), len(acute))
    found = [(m, a) for m, a in crisis if a.is_crisis]
    # The numbers fit the danger only when its kind is among those shown: an overdose read as
    # "medical" alone gets 112 but not the suicide helplines. The block shows every kind
    # assessed; the concern line only the first.
    scores.metrics["right_kind"] = _ratio(
        sum(m.kind in (a.kinds if a.acute else a.kinds[:1]) for m, a in found), len(found)
    )
    # Every kind more is a longer block: the share above must not be bought with many kinds.
    scores.metrics["kinds_shown"] = (
        sum(len(a.kinds) if a.acute else 1 for _, a in found) / len(found) if found else 0.0
    )
    scores.metrics["false_acute_hard"] = _ratio(sum(a.acute for _, a in negatives), len(negatives))
    scores.metrics["false_concern_hard"] = _ratio(
        sum(a.level == "concern" for _, a in negatives), len(negatives)
    )
    plain = [assess(turns) for turns in ordinary]
    scores.metrics["false_acute_ordinary"] = _ratio(sum(a.acute for a in plain), len(plain))
    scores.metrics["false_concern_ordinary"] = _ratio(
        sum(a.level == "concern" for a in plain), len(plain)
    )
    for kind in KINDS:
        of_kind = [(m, a) for m, a in crisis if m.kind == kind]
        acute_kind = [(m, a) for m, a in of_kind if m.level == "acute"]
        scores.per_kind[kind] = {
            "acute": float(len(acute_kind)),
            "acute_recall": _ratio(sum(a.acute for _, a in acute_kind), len(acute_kind)),
            "crisis": float(len(of_kind)),
            "crisis_recall": _ratio(sum(a.is_crisis for _, a in of_kind), len(of_kind)),
        }
    for m, a in crisis:
        if rank(a.level) < rank(m.level):
            text = " / ".join((*m.turns, m.text))
            scores.misses.append(Miss(m.id, m.kind or "", m.level, a.level, text))
    for m, a in negatives:
        if a.is_crisis:
            scores.false_alarms.append(Miss(m.id, ",".join(a.kinds), "none", a.level, m.text))
    return scores


_BATCH = 64


def _embedded_once(embedder: Embedder, texts: Sequence[str]) -> Embedder:
    """The embedder with every message's vector computed up front, in batches.

    Two detectors read the same messages through the model; one by one, and twice, that was
    the slowest part of the crisis evaluation (and of CI's crisis gate).
    """
    unique = list(dict.fromkeys(texts))
    # Room for the conversations' joined texts too, which the detectors embed as they go.
    remembered = CachedEmbedder(embedder, size=2 * len(unique) + 256, kinds=("query",))
    for start in range(0, len(unique), _BATCH):
        remembered.embed(unique[start : start + _BATCH], kind="query")
    return remembered


def load_blind(folder: Path, learnt: Sequence[LabelledMessage]) -> dict[str, list[LabelledMessage]]:
    """The blind sets in `folder`, by file name (without .yaml).

    Raises:
        MessageFileError: a file is broken, or one of its messages is also among the learnt
            ones (by id, or by its words whatever the case, accents and punctuation): a message
            the detectors learnt says nothing blind; or two blind sets share an id.
    """
    ids = {m.id for m in learnt}
    texts = {" ".join(words(conversation_text(m))) for m in learnt}
    found: dict[str, list[LabelledMessage]] = {}
    seen: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        messages = parse_messages(path.read_text("utf-8"), path.name)
        for m in messages:
            if m.id in ids or " ".join(words(conversation_text(m))) in texts:
                raise MessageFileError(
                    f"{path.name} ({m.id}): also in the crisis training data, so not blind"
                )
            if m.id in seen:
                raise MessageFileError(f"{path.name} ({m.id}): the id of another blind set's")
            seen.add(m.id)
        found[path.stem] = messages
    return found


def run_crisis(
    embedder: Embedder, *, models_dir: Path, golden: Path, blind: Path | None = None
) -> CrisisRun:
    """Score the three detectors on the test split and the golden file's ordinary questions,
    and on the blind sets in `blind` when given.

    Raises:
        CaseFileError: the golden file is broken.
        MessageFileError / LexiconError: the crisis data or a blind set is broken.
    """
    everything = load_messages()
    test = split(everything)["test"]
    blind_sets = load_blind(blind, everything) if blind is not None else {}
    ordinary = [case.turns for case in load_cases(golden).cases if not case.crisis]
    lexicon = Lexicon.load()
    classifier = trained_classifier(embedder, models_dir)
    unseen = [*test, *(m for messages in blind_sets.values() for m in messages)]
    embedder = _embedded_once(
        embedder,
        [
            *(t for m in unseen for t in (*m.turns, m.text)),
            *(t for turns in ordinary for t in turns),
        ],
    )
    assessors = {
        "lexicon": CrisisAssessor(lexicon=lexicon),
        "classifier": CrisisAssessor(
            lexicon=Lexicon([], []), classifier=classifier, embedder=embedder
        ),
        "combined": CrisisAssessor(lexicon=lexicon, classifier=classifier, embedder=embedder),
    }

    def scored(
        messages: Sequence[LabelledMessage], ordinary: Sequence[Sequence[str]]
    ) -> tuple[DetectorScores, ...]:
        return tuple(
            score(name, functools.partial(_assess_in_turns, assessors[name]), messages, ordinary)
            for name in DETECTORS
        )

    scores = scored(test, ordinary)
    crisis_gates = [g for g in load_gates() if g.suite == "crisis"]
    gates = tuple(check_gates(crisis_gates, measured(scores), model=embedder.model_id))
    blind_scores = tuple(
        BlindScores(name, len(messages), scored(messages, ()))
        for name, messages in blind_sets.items()
    )
    return CrisisRun(embedder.model_id, len(test), len(ordinary), scores, gates, blind_scores)


_METRICS = {
    "acute_recall": "acute → acute",
    "crisis_recall": "kryzys → acute lub concern",
    "acute_given_help": "acute → jakakolwiek pomoc",
    "right_kind": "wykryty kryzys → numery właściwego rodzaju",
    "kinds_shown": "rodzajów pomocy na wykryty kryzys (średnio)",
    "false_acute_hard": "fałszywe acute (trudne negatywy)",
    "false_concern_hard": "fałszywe concern (trudne negatywy)",
    "false_acute_ordinary": "fałszywe acute (zwykłe pytania)",
    "false_concern_ordinary": "fałszywe concern (zwykłe pytania)",
}


# A blind set has no ordinary questions of its own: its false alarms are on its look-alikes.
BLIND_METRICS = tuple(k for k in _METRICS if not k.endswith("_ordinary"))


def markdown(run: CrisisRun) -> str:
    """The report: figures side by side, recall per kind, gates, and every miss."""
    lines = [
        "# Kryzys: czułość i fałszywe alarmy (zbiór testowy)",
        "",
        f"Model: `{run.model}`; wiadomości w zbiorze testowym: {run.messages}; zwykłe pytania "
        f"(przypadki złote bez kryzysu): {run.ordinary}.",
        "",
        *_metrics_table(run.scores, tuple(_METRICS)),
    ]
    combined = run.scores[-1]
    lines += ["", "## Czułość według rodzaju (oba detektory)", ""]
    lines += [
        "| rodzaj | acute (n) | acute → acute | kryzys (n) | → pomoc |",
        "|---|---:|---:|---:|---:|",
    ]
    for kind, row in combined.per_kind.items():
        lines.append(
            f"| {kind} | {row['acute']:.0f} | {row['acute_recall']:.3f} | {row['crisis']:.0f} "
            f"| {row['crisis_recall']:.3f} |"
        )
    for blind in run.blind:
        lines += [
            "",
            f"## Zbiór ślepy `{blind.name}` ({blind.messages} wiadomości, nigdy nieuczony)",
            "",
            *_metrics_table(blind.scores, BLIND_METRICS),
        ]
        lines += ["", "Pominięte (oba detektory):", "", *_misses(blind.scores[-1])]
        lines += ["", "Fałszywe alarmy (oba detektory):", "", *_false_alarms(blind.scores[-1])]
    lines += ["", "## Progi", ""]
    for g in run.gates:
        value = "–" if g.value is None else f"{g.value:.3f}"
        lines.append(f"- {g.status}: {g.gate.subject} {g.gate.metric} {g.gate.bound}: {value}")
    lines += ["", "## Pominięte (oba detektory)", "", *_misses(combined)]
    lines += ["", "## Fałszywe alarmy w trudnych negatywach (oba detektory)", ""]
    lines += _false_alarms(combined)
    return "\n".join(lines) + "\n"


def _metrics_table(scores: Sequence[DetectorScores], keys: Sequence[str]) -> list[str]:
    lines = [
        "| miara | " + " | ".join(LABELS[s.detector] for s in scores) + " |",
        "|---|" + "---:|" * len(scores),
    ]
    for key in keys:
        values = " | ".join(f"{s.metrics[key]:.3f}" for s in scores)
        lines.append(f"| {_METRICS[key]} | {values} |")
    return lines


def _misses(scores: DetectorScores) -> list[str]:
    return [f"- `{m.id}` {m.kind} {m.expected} → {m.got}: {m.text}" for m in scores.misses]


def _false_alarms(scores: DetectorScores) -> list[str]:
    return [f"- `{m.id}` → {m.got} ({m.kind}): {m.text}" for m in scores.false_alarms]


def write_crisis_report(run: CrisisRun, out: Path) -> Path:
    """Write `crisis.md` and `crisis.json` into `out`; the Markdown path."""
    out.mkdir(parents=True, exist_ok=True)
    summary = {
        "model": run.model,
        "messages": run.messages,
        "ordinary": run.ordinary,
        "detectors": {s.detector: {**s.metrics, "per_kind": s.per_kind} for s in run.scores},
        "blind": {
            b.name: {
                "messages": b.messages,
                "detectors": {
                    s.detector: {
                        **{k: v for k, v in s.metrics.items() if k in BLIND_METRICS},
                        "per_kind": s.per_kind,
                    }
                    for s in b.scores
                },
            }
            for b in run.blind
        },
        "gates": [
            {
                "metric": g.gate.metric,
                "subject": g.gate.subject,
                "status": g.status,
                "value": g.value,
            }
            for g in run.gates
        ],
    }
    (out / "crisis.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), "utf-8")
    path = out / "crisis.md"
    path.write_text(markdown(run), "utf-8")
    return path

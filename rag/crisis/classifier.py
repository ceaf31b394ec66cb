"""The semantic crisis detector: two small softmax classifiers on the embedding model's vector.

The multilingual e5 vector of a message already says what it is about, in Polish, Ukrainian,
English or Russian alike, with or without diacritics and typos. On top of it sit two linear
heads: one for the level (none / concern / acute), one for the kind of help (suicide, violence,
child, medical, fire, frost). They are trained with numpy from the labelled messages
(`rag/crisis/messages.py`, train and dev splits, every Polish message also without diacritics),
deterministically, when the embedding model is built, and cached beside it keyed by the model,
the data and this code's version. Prediction is two small matrix products on the question
vector the retriever computes anyway: no second embedding.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rag.crisis.levels import KINDS, LEVELS, Kind
from rag.crisis.messages import LabelledMessage, conversation_text, load_messages, split
from rag.embedding import Embedder
from rag.lexical import fold

log = logging.getLogger(__name__)

Matrix = npt.NDArray[np.float64]
# Bump when training changes in a way that must not reuse a cached classifier.
TRAINING_VERSION = "2"
_L2 = 1e-2
_STEPS = 600
_LEARNING_RATE = 0.1


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The classifier's cut-offs on its acute and crisis (concern + acute) probabilities."""

    acute: float
    concern: float


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the vector says: the probability of each level and the likeliest kind."""

    acute: float
    concern: float
    kind: Kind
    kind_probability: float

    @property
    def crisis(self) -> float:
        """Probability of concern or acute."""
        return self.acute + self.concern


def _softmax(logits: Matrix) -> Matrix:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: Matrix = exp / exp.sum(axis=1, keepdims=True)
    return result


def _fit(x: Matrix, y: npt.NDArray[np.int64], classes: int) -> tuple[Matrix, Matrix]:
    """Multinomial logistic regression, class-balanced, L2, full-batch gradient descent.

    Deterministic: zero start, fixed steps, no sampling.
    """
    n, d = x.shape
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    weights = (n / (classes * np.maximum(counts, 1.0)))[y]
    target = np.zeros((n, classes))
    target[np.arange(n), y] = 1.0
    w = np.zeros((d, classes))
    b = np.zeros(classes)
    for _ in range(_STEPS):
        p = _softmax(x @ w + b)
        error = (p - target) * weights[:, None] / weights.sum()
        w -= _LEARNING_RATE * (x.T @ error + _L2 * w)
        b -= _LEARNING_RATE * error.sum(axis=0)
    return w, b


def _has_folded_twin(message: LabelledMessage) -> bool:
    text = conversation_text(message)
    return message.lang == "pl" and fold(text) != text.lower()


def _augmented(messages: Sequence[LabelledMessage]) -> list[tuple[str, LabelledMessage]]:
    """Each message's text, and for Polish also its text without diacritics (residents type
    both ways)."""
    texts: list[tuple[str, LabelledMessage]] = []
    for message in messages:
        text = conversation_text(message)
        texts.append((text, message))
        if _has_folded_twin(message):
            texts.append((fold(text), message))
    return texts


_FOLDS = 5
# Shares of held-out non-crisis messages each threshold lets through (see `calibrate`).
ACUTE_FALSE_ALARMS = 0.02
CONCERN_FALSE_ALARMS = 0.10


def _fold(ident: str) -> int:
    digest = hashlib.blake2b(f"crisis-fold:{ident}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % _FOLDS


def _owners(messages: Sequence[LabelledMessage]) -> list[tuple[int, LabelledMessage]]:
    """For every augmented text, the index of the message it came from (as `_augmented`)."""
    return [
        (index, message)
        for index, message in enumerate(messages)
        for _ in range(1 + int(_has_folded_twin(message)))
    ]


@dataclass(frozen=True, slots=True)
class _Heads:
    mean: Matrix
    scale: Matrix
    level_w: Matrix
    level_b: Matrix
    kind_w: Matrix
    kind_b: Matrix

    @classmethod
    def fit(cls, raw: Matrix, labels: Sequence[LabelledMessage]) -> _Heads:
        # e5's vectors share a large common direction (cosines of 0.8 and more): centred and
        # scaled per dimension, the heads learn in a few hundred steps.
        mean = raw.mean(axis=0)
        scale = raw.std(axis=0) + 1e-6
        x = (raw - mean) / scale
        levels = np.array([LEVELS.index(m.level) for m in labels], dtype=np.int64)
        level_w, level_b = _fit(x, levels, len(LEVELS))
        crisis = [i for i, m in enumerate(labels) if m.kind is not None]
        kinds = np.array([KINDS.index(labels[i].kind) for i in crisis], dtype=np.int64)  # type: ignore[arg-type]
        kind_w, kind_b = _fit(x[crisis], kinds, len(KINDS))
        return cls(mean, scale, level_w, level_b, kind_w, kind_b)

    def level_probabilities(self, raw: Matrix) -> Matrix:
        return _softmax(((raw - self.mean) / self.scale) @ self.level_w + self.level_b)


def calibrate(messages: Sequence[LabelledMessage], held_out: Matrix) -> Thresholds:
    """Thresholds set by how often they would fire on ordinary and hard-negative messages.

    The acute threshold lets `ACUTE_FALSE_ALARMS` of the held-out non-crisis messages through,
    the concern threshold `CONCERN_FALSE_ALARMS` (on acute + concern probability). Recall was
    the first aim and could not be had at once with this model: at thresholds that caught every
    held-out acute message, a third of ordinary questions would have got the emergency block
    (see the crisis report in eval/README and the note on issue #10). The lexicon and the
    conversation rules catch what the classifier lets through.

    Args:
        messages: the labelled messages, in the order of `held_out`'s rows.
        held_out: each message's level probabilities from a model that did not see it.

    Returns:
        The thresholds.
    """
    acute, concern = LEVELS.index("acute"), LEVELS.index("concern")
    negatives = np.array([not m.crisis for m in messages])
    if not negatives.any():
        return Thresholds(acute=0.5, concern=0.5)
    acute_cut = np.quantile(held_out[negatives, acute], 1 - ACUTE_FALSE_ALARMS)
    crisis = held_out[negatives, acute] + held_out[negatives, concern]
    concern_cut = np.quantile(crisis, 1 - CONCERN_FALSE_ALARMS)
    return Thresholds(acute=float(acute_cut), concern=float(min(concern_cut, acute_cut)))


class CrisisClassifier:
    """Two linear heads over the message vector (see the module's docstring)."""

    def __init__(
        self,
        *,
        mean: Matrix,
        scale: Matrix,
        level_weights: Matrix,
        level_bias: Matrix,
        kind_weights: Matrix,
        kind_bias: Matrix,
        model_id: str,
        thresholds: Thresholds,
    ) -> None:
        self._mean, self._scale = mean, scale
        self._lw, self._lb = level_weights, level_bias
        self._kw, self._kb = kind_weights, kind_bias
        self.model_id = model_id
        self.thresholds = thresholds

    @classmethod
    def train(
        cls,
        embedder: Embedder,
        messages: Sequence[LabelledMessage],
    ) -> CrisisClassifier:
        """Train both heads on these messages and calibrate the thresholds on held-out folds.

        Args:
            embedder: the embedding model whose question vectors the classifier will read.
            messages: labelled messages (the train and dev splits; never the test split).

        Returns:
            The trained classifier.
        """
        pairs = _augmented(messages)
        vectors = embedder.embed([text for text, _ in pairs], kind="query").astype(np.float64)
        owners = np.array([index for index, _ in _owners(messages)])
        folds = np.array([_fold(m.id) for m in messages])[owners]
        held_out = np.zeros((len(messages), len(LEVELS)))
        for fold in range(_FOLDS):
            inside = folds != fold
            model = _Heads.fit(vectors[inside], [pairs[i][1] for i in np.flatnonzero(inside)])
            # Score each held-out message by its original text (the first of its pair).
            for index in set(owners[~inside].tolist()):
                first = int(np.flatnonzero(owners == index)[0])
                held_out[index] = model.level_probabilities(vectors[first : first + 1])[0]
        heads = _Heads.fit(vectors, [m for _, m in pairs])
        return cls(
            mean=heads.mean,
            scale=heads.scale,
            level_weights=heads.level_w,
            level_bias=heads.level_b,
            kind_weights=heads.kind_w,
            kind_bias=heads.kind_b,
            model_id=embedder.model_id,
            thresholds=calibrate(messages, held_out),
        )

    def predict(self, vectors: npt.NDArray[np.floating]) -> list[Prediction]:
        """Predictions for message vectors (rows, as the embedder returns them)."""
        x = (np.atleast_2d(vectors).astype(np.float64) - self._mean) / self._scale
        levels = _softmax(x @ self._lw + self._lb)
        kinds = _softmax(x @ self._kw + self._kb)
        best = kinds.argmax(axis=1)
        acute, concern = LEVELS.index("acute"), LEVELS.index("concern")
        return [
            Prediction(
                acute=float(levels[i, acute]),
                concern=float(levels[i, concern]),
                kind=KINDS[int(best[i])],
                kind_probability=float(kinds[i, best[i]]),
            )
            for i in range(len(x))
        ]

    def save(self, path: Path) -> None:
        """Write the weights (atomically: a reader never sees half a file)."""
        buffer = io.BytesIO()
        np.savez(
            buffer,
            mean=self._mean,
            scale=self._scale,
            level_weights=self._lw,
            level_bias=self._lb,
            kind_weights=self._kw,
            kind_bias=self._kb,
            model_id=np.array(self.model_id),
            thresholds=np.array([self.thresholds.acute, self.thresholds.concern]),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(buffer.getvalue())
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> CrisisClassifier:
        with np.load(path) as data:
            return cls(
                mean=data["mean"],
                scale=data["scale"],
                level_weights=data["level_weights"],
                level_bias=data["level_bias"],
                kind_weights=data["kind_weights"],
                kind_bias=data["kind_bias"],
                model_id=str(data["model_id"]),
                thresholds=Thresholds(*(float(t) for t in data["thresholds"])),
            )


def fingerprint(model_id: str, messages: Sequence[LabelledMessage]) -> str:
    """Names a trained classifier: the model, the training data and the training code."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"{TRAINING_VERSION}\0{model_id}\0".encode())
    for message in messages:
        digest.update(f"{message.id}\0{message.level}\0{message.kind}\0".encode())
        digest.update(conversation_text(message).encode())
    return digest.hexdigest()


def trained_classifier(embedder: Embedder, models_dir: Path) -> CrisisClassifier:
    """The classifier for this embedder: from the cache beside the models, or trained now.

    Training embeds the train split once (about a minute on two cores with the default model)
    and stores the weights under `models_dir/crisis/`; later calls load them in milliseconds.

    Args:
        embedder: the embedding model whose vectors the classifier reads.
        models_dir: where converted models are kept (`Settings.models_dir`).

    Returns:
        The trained classifier.
    """
    parts = split(load_messages())
    train = parts["train"] + parts["dev"]  # never the test split
    name = fingerprint(embedder.model_id, train)
    path = models_dir / "crisis" / f"classifier-{name}.npz"
    if path.exists():
        try:
            return CrisisClassifier.load(path)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("crisis classifier %s unreadable, training again: %s", path, exc)
    log.info("training the crisis classifier for %s (%d messages)", embedder.model_id, len(train))
    classifier = CrisisClassifier.train(embedder, train)
    classifier.save(path)
    return classifier

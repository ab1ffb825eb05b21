"""A small learned second signal for danger: a linear model over words, word pairs, word
stems and letter groups, in every language at once.

Why: the concept vocabularies (``danger.py``) recognise what they were written for, and four
blind rounds showed that indirect wishes to die are said in ever new ways ("tonight's the
night", "can I hand my pills over to you"). A linear model learns the weight of thousands of
small cues from a training set written separately from every evaluation round
(``knowledge/danger/training/``), and generalises to paraphrases the patterns miss. It stays
fast (a few hundred dictionary look-ups) and small (its weights are data:
``knowledge/danger/model.json``, rebuilt by ``scripts/train_danger_model.py``).

The model never works alone: the rule table in ``safety.py`` asks it only where the concepts
found no danger or only discounted danger, and with thresholds chosen on held-out training
folds so that questions about risks keep their answers.
"""

from __future__ import annotations

import json
import math
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from bot.core.normalize import split_elisions, to_plain

CLASSES = ("none", "crisis", "emergency", "poison")
CERTAIN = 0.9998
"""A score at which the model may raise an alarm without any concept agreeing (the rule
table still lets questions about risks, the past and denials through)."""
STEM = 5
READABLE = 0.25
"""Share of a message's words (three letters or more) the model has seen, under which it
does not speak alone: random characters score near-certain somewhere (0.01 seen; every
urgent message of the blind rounds: 0.33 or more)."""
"""Letters kept as a word's stem feature: "suicidal" and "suicide" share "suici"."""


def features(text: str) -> list[str]:
    """The cues one message offers: words, word pairs, stems and letter groups (typos).
    Training reads these; scoring reads the same cues through _words, _pairs and
    _word_features, so the two can never disagree."""
    words = _words(text)
    found = _pairs(words)
    for word in words:
        found += _word_features(word)
    return found


def _words(text: str) -> list[str]:
    return to_plain(split_elisions(text)).split()


def _pairs(words: list[str]) -> list[str]:
    return [f"b:{a}_{b}" for a, b in pairwise(words)]


@lru_cache(maxsize=8192)
def _word_features(word: str) -> tuple[str, ...]:
    """A word's own cues (the word, its stem, its letter groups): the same for every message
    that uses it, so worked out once per word."""
    found = [f"w:{word}"]
    if len(word) > STEM:
        found.append(f"s:{word[:STEM]}")
    if len(word) >= 6:
        padded = f"<{word}>"
        found += [f"c:{padded[i:i + 4]}" for i in range(len(padded) - 3)]
    return tuple(found)


@dataclass(frozen=True)
class Scores:
    crisis: float
    emergency: float
    poison: float
    known: float = 1.0  # share of the message's longer words the model has seen

    @property
    def readable(self) -> bool:
        return self.known >= READABLE

    @property
    def best(self) -> tuple[str, float]:
        return max((("crisis", self.crisis), ("emergency", self.emergency),
                    ("poison", self.poison)), key=lambda kv: kv[1])


class DangerModel:
    """Weights per feature and class; probabilities by a softmax over the classes."""

    def __init__(self, index: Mapping[str, int], weights: array[float],
                 bias: tuple[float, ...], thresholds: Mapping[str, float]) -> None:
        self._index = index
        width = len(CLASSES)
        # One column per class, so a message's score is four sums over its feature rows
        # done in C (``sum(map(...))``), not a Python loop over features times classes.
        self._columns = tuple(weights[k::width] for k in range(width))
        # A word's own cues are the same rows in every message: looked up once per word.
        self._word_rows = lru_cache(maxsize=8192)(self._rows_of_word)
        self._bias = bias
        self.thresholds = dict(thresholds)
        self.certain = float(self.thresholds.get("certain", CERTAIN))

    @classmethod
    def load(cls, path: Path) -> DangerModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        names: list[str] = data["features"]
        weights = array("f", data["weights"])
        if len(weights) != len(names) * len(CLASSES):
            raise ValueError(f"{path}: {len(names)} features but {len(weights)} weights")
        return cls({n: i for i, n in enumerate(names)}, weights, tuple(data["bias"]),
                   data["thresholds"])

    def _rows_of_word(self, word: str) -> tuple[int, ...]:
        found = self._index.get
        return tuple(row for row in map(found, _word_features(word)) if row is not None)

    def scores(self, text: str) -> Scores:
        words = _words(text)
        rows: set[int] = set()
        for word in words:
            rows.update(self._word_rows(word))
        rows.update(row for row in map(self._index.get, _pairs(words)) if row is not None)
        longer = [w for w in words if len(w) >= 3 and w.isalpha()]
        seen = sum(f"w:{w}" in self._index for w in longer)
        totals = [sum(map(column.__getitem__, rows), start)
                  for column, start in zip(self._columns, self._bias, strict=True)]
        top = max(totals)
        exps = [math.exp(t - top) for t in totals]
        total = sum(exps)
        crisis, emergency, poison = (e / total for e in exps[1:])
        return Scores(crisis, emergency, poison, seen / len(longer) if longer else 1.0)


def train(samples: Iterable[tuple[str, str]], *, epochs: int = 12, rate: float = 0.3,
          l2: float = 1e-5, min_count: int = 2) -> tuple[list[str], list[float],
                                                         list[float]]:
    """Multinomial logistic regression by Adagrad; returns features, weights, bias.

    Plain Python on purpose: the bot must not carry a machine-learning stack for this, and
    a few thousand short messages train in seconds.
    """
    data = [(sorted(set(features(text))), CLASSES.index(label)) for text, label in samples]
    counts: dict[str, int] = {}
    for feats, _label in data:
        for name in feats:
            counts[name] = counts.get(name, 0) + 1
    names = sorted(f for f, c in counts.items() if c >= min_count)
    index = {f: i for i, f in enumerate(names)}
    width = len(CLASSES)
    weights = [0.0] * (len(names) * width)
    grad_sq = [1e-8] * (len(names) * width)
    bias = [0.0] * width
    bias_sq = [1e-8] * width
    rows = [([index[f] for f in feats if f in index], label) for feats, label in data]
    for epoch in range(epochs):
        order = rows[epoch % 2::2] + rows[1 - epoch % 2::2]  # deterministic shuffle
        for rows_of, label in order:
            totals = list(bias)
            for r in rows_of:
                base = r * width
                for k in range(width):
                    totals[k] += weights[base + k]
            top = max(totals)
            exps = [math.exp(t - top) for t in totals]
            z = sum(exps)
            for k in range(width):
                g = exps[k] / z - (1.0 if k == label else 0.0)
                bias_sq[k] += g * g
                bias[k] -= rate * g / math.sqrt(bias_sq[k])
                for r in rows_of:
                    i = r * width + k
                    gi = g + l2 * weights[i]
                    grad_sq[i] += gi * gi
                    weights[i] -= rate * gi / math.sqrt(grad_sq[i])
    return names, weights, bias

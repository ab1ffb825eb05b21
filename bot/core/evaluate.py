"""Score a question set (``q`` + ``expect`` ids, ``null`` = out of scope), like ``rasa test nlu``.

A prediction is the intent the bot would *answer* with; a did-you-mean or a fallback
predicts ``None``. That is strict on purpose: a person who has to tap again was not
answered, and an out-of-scope question counts as rejected only when nothing is answered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.engine import Engine
from bot.core.safety import URGENT_INTENT


@dataclass(frozen=True)
class Item:
    question: str
    expect: tuple[str | None, ...]


@dataclass(frozen=True)
class Outcome:
    item: Item
    predicted: str | None
    decision: str
    score: float
    topic: str | None = None  # the taxonomy id the predicted intent answers for

    @property
    def correct(self) -> bool:
        """A finer intent counts when its topic is expected: question sets are labelled
        with TAXONOMY.md ids, and "falls in older adults" answers a side-effects question."""
        return self.predicted in self.item.expect or (
            self.topic is not None and self.topic in self.item.expect)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def _share(self, chosen: Sequence[Outcome]) -> float:
        return sum(o.correct for o in chosen) / len(chosen) if chosen else 1.0

    @property
    def overall(self) -> float:
        return self._share(self.outcomes)

    @property
    def in_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if None not in o.item.expect]

    @property
    def out_of_scope(self) -> list[Outcome]:
        return [o for o in self.outcomes if None in o.item.expect]

    @property
    def urgent(self) -> list[Outcome]:
        return [o for o in self.outcomes if URGENT_INTENT in o.item.expect]

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]

    def confusions(self) -> Counter[tuple[str, str]]:
        return Counter(
            (str(o.item.expect[0]), str(o.predicted)) for o in self.errors
        )

    def summary(self) -> dict[str, Any]:
        per_intent: Counter[str] = Counter(str(o.item.expect[0]) for o in self.errors)
        return {
            "questions": len(self.outcomes),
            "overall": round(self.overall, 4),
            "in_scope_accuracy": round(self._share(self.in_scope), 4),
            "out_of_scope_rejection": round(self._share(self.out_of_scope), 4),
            "urgent_recall": round(self._share(self.urgent), 4),
            "errors_per_intent": dict(per_intent.most_common()),
            "confusions": [
                {"expected": e, "predicted": p, "count": n}
                for (e, p), n in self.confusions().most_common(10)
            ],
        }


def load_items(path: Path | str) -> list[Item]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of {{q, expect}} items")
    items = []
    for n, entry in enumerate(data, 1):
        if not isinstance(entry, dict) or "q" not in entry or "expect" not in entry:
            raise ValueError(f"{path}: item {n} needs 'q' and 'expect'")
        expect = entry["expect"] if isinstance(entry["expect"], list) else [entry["expect"]]
        items.append(Item(str(entry["q"]), tuple(expect)))
    return items


def evaluate(engine: Engine, items: Sequence[Item]) -> Report:
    report = Report()
    for item in items:
        decision = engine.ask(item.question).decision
        predicted = decision.intent_id if decision.kind == "answer" else None
        report.outcomes.append(Outcome(item, predicted, decision.kind, decision.score,
                                       engine.kb.topic_of(predicted)))
    return report

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

    @property
    def correct(self) -> bool:
        return self.predicted in self.item.expect


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    urgent_intent: str | None = None  # the knowledge base's urgent role, for urgent recall

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
        if self.urgent_intent is None:
            return []
        return [o for o in self.outcomes if self.urgent_intent in o.item.expect]

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
    report = Report(urgent_intent=engine.kb.roles.urgent)
    for item in items:
        decision = engine.ask(item.question).decision
        predicted = decision.intent_id if decision.kind == "answer" else None
        report.outcomes.append(Outcome(item, predicted, decision.kind, decision.score))
    return report

"""Score a question set (``q`` + ``expect`` ids, ``null`` = out of scope), like ``rasa test nlu``.

A prediction is the intent the bot would *answer* with; a did-you-mean or a fallback
predicts ``None``. That is strict on purpose: a person who has to tap again was not
answered, and an out-of-scope question counts as rejected only when nothing is answered.

Besides accuracy the report separates the two ways of failing, because they are not
equally bad: a *wrong answer* (the bot answered, with the wrong intent) misleads; a
*did-you-mean* costs a tap. Honest confidence trades the first for the second, so both
are reported, overall and per ``tag`` (kind of message) and ``lang``.
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
    tag: str | None = None
    lang: str = "en"


@dataclass(frozen=True)
class Outcome:
    item: Item
    predicted: str | None
    decision: str
    score: float

    @property
    def correct(self) -> bool:
        return self.predicted in self.item.expect

    @property
    def wrong_answer(self) -> bool:
        """Answered, and with an intent the question did not ask for (the harmful error)."""
        return self.decision == "answer" and not self.correct


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

    def _rate(self, chosen: Sequence[Outcome], kind: str) -> float:
        if not chosen:
            return 0.0
        if kind == "wrong":
            return sum(o.wrong_answer for o in chosen) / len(chosen)
        return sum(o.decision == kind for o in chosen) / len(chosen)

    @property
    def suggest_rate(self) -> float:
        """Share of questions that got a did-you-mean."""
        return self._rate(self.outcomes, "suggest")

    @property
    def wrong_answer_rate(self) -> float:
        """Share of questions answered with a wrong intent."""
        return self._rate(self.outcomes, "wrong")

    def breakdown(self, key: str) -> dict[str, dict[str, float]]:
        """Accuracy, did-you-mean and wrong-answer rates per ``tag`` or ``lang``."""
        groups: dict[str, list[Outcome]] = {}
        for o in self.outcomes:
            value = o.item.tag if key == "tag" else o.item.lang
            if value is not None:
                groups.setdefault(value, []).append(o)
        return {
            name: {"n": len(chosen), "accuracy": round(self._share(chosen), 4),
                   "suggest": round(self._rate(chosen, "suggest"), 4),
                   "wrong": round(self._rate(chosen, "wrong"), 4)}
            for name, chosen in sorted(groups.items())
        }

    def summary(self) -> dict[str, Any]:
        per_intent: Counter[str] = Counter(str(o.item.expect[0]) for o in self.errors)
        return {
            "questions": len(self.outcomes),
            "overall": round(self.overall, 4),
            "in_scope_accuracy": round(self._share(self.in_scope), 4),
            "out_of_scope_rejection": round(self._share(self.out_of_scope), 4),
            "urgent_recall": round(self._share(self.urgent), 4),
            "did_you_mean_rate": round(self.suggest_rate, 4),
            "wrong_answer_rate": round(self.wrong_answer_rate, 4),
            "per_tag": self.breakdown("tag"),
            "per_lang": self.breakdown("lang"),
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
        tag = entry.get("tag")
        items.append(Item(str(entry["q"]), tuple(expect),
                          None if tag is None else str(tag), str(entry.get("lang") or "en")))
    return items


def evaluate(engine: Engine, items: Sequence[Item]) -> Report:
    report = Report()
    for item in items:
        decision = engine.ask(item.question).decision
        predicted = decision.intent_id if decision.kind == "answer" else None
        report.outcomes.append(Outcome(item, predicted, decision.kind, decision.score))
    return report

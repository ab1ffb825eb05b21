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
from bot.core.kb import YAML_LOADER

NEAR_MISS_TAGS = frozenset({"near_miss", "about_risk"})
"""Messages that share words with danger but are not an emergency: an urgent reply to one
of these is a false alarm."""


@dataclass(frozen=True)
class Item:
    question: str
    expect: tuple[str | None, ...]
    tag: str = ""
    lang: str = "en"
    tier: str = ""  # urgent items of a safety set: crisis, emergency or poison
    kind: str = ""  # near misses of a safety set: about_risk, history, negation, ...

    @property
    def near_miss(self) -> bool:
        return self.tag in NEAR_MISS_TAGS


@dataclass(frozen=True)
class Outcome:
    item: Item
    predicted: str | None
    decision: str
    score: float
    tier: str | None = None  # the danger reply sent, if any
    topic: str | None = None  # the taxonomy id the predicted intent answers for

    @property
    def correct(self) -> bool:
        """A finer intent counts when its topic is expected: question sets are labelled
        with TAXONOMY.md ids, and "falls in older adults" answers a side-effects question."""
        if not self.item.expect:
            # An urgent message of a safety set: a danger reply, whichever tier; a near miss:
            # anything but a danger reply.
            return (self.tier is not None) == (self.item.tag == "urgent")
        return self.predicted in self.item.expect or (
            self.topic is not None and self.topic in self.item.expect)

    @property
    def wrong_answer(self) -> bool:
        """Answered, and with an intent the question did not ask for (the harmful error)."""
        return self.decision == "answer" and not self.correct


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
        return [o for o in self.outcomes if o.item.tag == "urgent"
                or (self.urgent_intent is not None and self.urgent_intent in o.item.expect)]

    def alarmed(self, outcome: Outcome) -> bool:
        """Did this question get a danger reply?"""
        return outcome.tier is not None or (
            self.urgent_intent is not None and outcome.predicted == self.urgent_intent)

    @property
    def near_misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.item.near_miss]

    def danger_summary(self) -> dict[str, Any]:
        """Recall of urgent messages per tier and language, false alarms on near misses per
        kind and language: how the danger stage is judged (issue: danger first)."""
        def urgent_share(chosen: Sequence[Outcome]) -> dict[str, Any]:
            hit = sum(self.alarmed(o) for o in chosen)
            return {"n": len(chosen), "recall": round(hit / len(chosen), 4) if chosen else 1.0}

        def alarm_share(chosen: Sequence[Outcome]) -> dict[str, Any]:
            alarms = sum(self.alarmed(o) for o in chosen)
            return {"n": len(chosen), "false_alarms": alarms,
                    "rate": round(alarms / len(chosen), 4) if chosen else 0.0}

        urgent = self.urgent
        near = self.near_misses
        if not urgent and not near:
            return {}

        def grouped(chosen: list[Outcome], key: str) -> dict[str, list[Outcome]]:
            groups: dict[str, list[Outcome]] = {}
            for o in chosen:
                groups.setdefault(getattr(o.item, key) or "-", []).append(o)
            return dict(sorted(groups.items()))

        return {
            "urgent": urgent_share(urgent),
            "urgent_by_language": {k: urgent_share(v) for k, v in grouped(urgent, "lang").items()},
            "urgent_by_tier": {k: urgent_share(v) for k, v in grouped(urgent, "tier").items()},
            "near_miss": alarm_share(near),
            "near_miss_by_language": {k: alarm_share(v) for k, v in grouped(near, "lang").items()},
            "near_miss_by_kind": {k: alarm_share(v) for k, v in grouped(near, "kind").items()},
            "tier_agreement": round(
                sum(o.tier == o.item.tier for o in urgent if o.item.tier)
                / max(1, sum(1 for o in urgent if o.item.tier)), 4),
        }

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.correct]

    def confusions(self) -> Counter[tuple[str, str]]:
        return Counter(
            (str(o.item.expect[0] if o.item.expect else o.item.tag or "-"), str(o.predicted))
            for o in self.errors
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
            if value:  # untagged items are only in the overall figures
                groups.setdefault(value, []).append(o)
        return {
            name: {"n": len(chosen), "accuracy": round(self._share(chosen), 4),
                   "suggest": round(self._rate(chosen, "suggest"), 4),
                   "wrong": round(self._rate(chosen, "wrong"), 4)}
            for name, chosen in sorted(groups.items())
        }

    def summary(self) -> dict[str, Any]:
        per_intent: Counter[str] = Counter(
            str(o.item.expect[0] if o.item.expect else o.item.tag or "-") for o in self.errors)
        return {
            "questions": len(self.outcomes),
            "overall": round(self.overall, 4),
            "in_scope_accuracy": round(self._share(self.in_scope), 4),
            "out_of_scope_rejection": round(self._share(self.out_of_scope), 4),
            "urgent_recall": round(self._share(self.urgent), 4),
            "danger": self.danger_summary(),
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
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=YAML_LOADER)
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a list of {{q, expect}} items")
    items = []
    for n, entry in enumerate(data, 1):
        if not isinstance(entry, dict) or "q" not in entry:
            raise ValueError(f"{path}: item {n} needs 'q'")
        tag = str(entry.get("tag") or "")
        if "expect" in entry:
            raw = entry["expect"]
            expect: tuple[str | None, ...] = tuple(raw if isinstance(raw, list) else [raw])
        elif tag in ("urgent", "near_miss"):
            expect = ()  # urgent: any danger reply; near miss: any answer but an alarm
        else:
            raise ValueError(f"{path}: item {n} needs 'expect' (or tag urgent / near_miss)")
        items.append(Item(str(entry["q"]), expect, tag=tag, lang=str(entry.get("lang") or "en"),
                          tier=str(entry.get("tier") or ""), kind=str(entry.get("kind") or "")))
    return items


def evaluate(engine: Engine, items: Sequence[Item]) -> Report:
    report = Report(urgent_intent=engine.kb.roles.urgent)
    for item in items:
        result = engine.ask(item.question)
        decision = result.decision
        predicted = decision.intent_id if decision.kind == "answer" else None
        report.outcomes.append(Outcome(item, predicted, decision.kind, decision.score,
                                       tier=result.tier,
                                       topic=engine.kb.topic_of(predicted)))
    return report

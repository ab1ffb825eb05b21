"""Train the danger model (bot/core/danger_model.py) and choose its thresholds.

Training data: knowledge/danger/training/*.yaml (messages labelled crisis, emergency,
poison or none, written separately from every blind round in tests/data/safety), plus every
knowledge-base example and the development question set as ordinary messages ("none").
The blind rounds are never read here: they stay a measure.

Thresholds: five folds of the training files; for each danger class, the lowest threshold
at which at most ``--false-alarms`` of the held-out hard negatives ("none" messages of the
training files) would be raised. Writes knowledge/danger/model.json.

    python scripts/train_danger_model.py [--false-alarms 0.01]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.danger_model import CLASSES, DangerModel  # noqa: E402
from bot.core.danger_model import train as fit  # noqa: E402
from bot.core.engine import Engine  # noqa: E402
from bot.core.kb import load_knowledge_base  # noqa: E402
from bot.core.language import detect  # noqa: E402
from bot.core.safety import RULES, Message, model_alone_may_speak, model_may_speak  # noqa: E402

TRAINING = ROOT / "knowledge" / "danger" / "training"
OUTPUT = ROOT / "knowledge" / "danger" / "model.json"
FOLDS = 5
ALONE_FALSE_ALARMS = 0.01
"""Share of held-out ordinary messages the model may alarm on when no concept agrees."""
CERTAIN_FLOOR = 0.99
CERTAIN_CEILING = 0.999999


def training_files() -> list[tuple[str, str]]:
    samples: list[tuple[str, str]] = []
    for path in sorted(TRAINING.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            if item.get("label") in CLASSES:
                samples.append((str(item["q"]), str(item["label"])))
    return samples


def ordinary_messages() -> list[tuple[str, str]]:
    """Messages that are never danger: the knowledge base's examples (all languages it
    has) and the development set's routine questions."""
    kb = load_knowledge_base()
    urgent = kb.intents.get(kb.roles.urgent)
    samples = [(example, "none") for intent in kb.intents.values() if intent is not urgent
               for example in intent.examples]
    dev = yaml.safe_load((ROOT / "tests" / "data" / "dev_questions.yaml").read_text())
    samples += [(str(i["q"]), "none") for i in dev if "urgent_help" not in (i["expect"] or [])]
    return samples


def model_from(samples: list[tuple[str, str]]) -> DangerModel:
    names, weights, bias = fit(samples)
    from array import array
    return DangerModel({n: i for i, n in enumerate(names)}, array("f", weights),
                       tuple(bias), {})


def gate(engine: Engine, text: str) -> dict[str, bool]:
    """For each tier, whether the rule table would let the model speak on ``text`` (and
    whether the concepts alone already raise it: then the model is not asked). The key
    ``alone`` says whether the model could only speak on its own (no sign of any tier)."""
    kb = engine.kb
    lang = detect(text, None, kb.language_words)
    message = Message(kb.normalizer.normalize(text), engine.detector.find(text, lang),
                      kb.safety, kb.roles, text)
    concepts = next((r.name for r in RULES[:3] if r.test(message)), None)
    found = {tier: concepts is None and model_may_speak(message, tier)
             for tier in ("crisis", "emergency", "poison")}
    found["alone"] = (concepts is None and not message.about_a_risk
                      and not any(found.values()) and model_alone_may_speak(message))
    return found


def choose_thresholds(labelled: list[tuple[str, str]], ordinary: list[tuple[str, str]],
                      false_alarms: float) -> tuple[dict[str, float], dict[str, object]]:
    engine = Engine(load_knowledge_base())
    gates = {text: gate(engine, text) for text, _label in labelled}
    held: list[tuple[str, dict[str, float]]] = []
    alone: list[tuple[str, float]] = []  # (label, best score) where the model is on its own
    for fold in range(FOLDS):
        train_part = [s for n, s in enumerate(labelled) if n % FOLDS != fold]
        test_part = [s for n, s in enumerate(labelled) if n % FOLDS == fold]
        model = model_from(train_part + ordinary)
        for text, label in test_part:
            scores = model.scores(text)
            if gates[text]["alone"]:
                best, value = scores.best
                alone.append((label, value if label in (best, "none") else 0.0))
            # A score the gate would never let through cannot raise an alarm.
            held.append((label, {t: v if gates[text][t] else 0.0 for t, v in
                                 (("crisis", scores.crisis), ("emergency", scores.emergency),
                                  ("poison", scores.poison))}))
    thresholds: dict[str, float] = {}
    report: dict[str, object] = {}
    negatives = [s for label, s in held if label == "none"]
    for tier in ("crisis", "emergency", "poison"):
        ranked = sorted((s[tier] for s in negatives), reverse=True)
        allowed = int(len(ranked) * false_alarms)
        threshold = max(0.5, ranked[allowed] + 1e-6 if allowed < len(ranked) else 0.5)
        threshold = min(threshold, 0.99)
        thresholds[tier] = round(threshold, 4)
        # Recall the model adds on held-out folds: positives the concepts missed and the
        # gate lets through (the rest score 0 here).
        positives = [s for label, s in held if label == tier]
        caught = sum(s[tier] >= threshold for s in positives)
        report[tier] = {"added_recall": round(caught / max(1, len(positives)), 3),
                        "threshold": thresholds[tier]}
    # The model on its own, with no sign from the concepts: the lowest certainty at which
    # held-out ordinary messages would be alarmed on at most ``ALONE_FALSE_ALARMS`` of the
    # time (never under CERTAIN_FLOOR: a linear model's probabilities run high).
    quiet = sorted((v for label, v in alone if label == "none"), reverse=True)
    allowed_alone = int(len(quiet) * ALONE_FALSE_ALARMS)
    certain = quiet[allowed_alone] + 1e-7 if allowed_alone < len(quiet) else CERTAIN_FLOOR
    thresholds["certain"] = round(max(CERTAIN_FLOOR, min(certain, CERTAIN_CEILING)), 7)
    lone = [v for label, v in alone if label != "none"]
    report["alone"] = {"certain": thresholds["certain"],
                       "added_recall": round(sum(v >= thresholds["certain"] for v in lone)
                                             / max(1, len(lone)), 3),
                       "held_out_false_alarms": round(
                           sum(v >= thresholds["certain"] for v in quiet) / max(1, len(quiet)),
                           4)}
    any_alarm = sum(any(s[t] >= thresholds[t] for t in ("crisis", "emergency", "poison"))
                    for s in negatives)
    report["held_out_false_alarms"] = round(any_alarm / max(1, len(negatives)), 3)
    return thresholds, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--false-alarms", type=float, default=0.01)
    args = parser.parse_args()
    labelled = training_files()
    ordinary = ordinary_messages()
    thresholds, report = choose_thresholds(labelled, ordinary, args.false_alarms)
    names, weights, bias = fit(labelled + ordinary)
    width = len(CLASSES)
    kept = [i for i in range(len(names))
            if max(abs(w) for w in weights[i * width:(i + 1) * width]) >= 0.02]
    data = {
        "about": "Danger model weights; rebuild with scripts/train_danger_model.py.",
        "classes": list(CLASSES),
        "training": {"labelled": len(labelled), "ordinary": len(ordinary), **report},
        "thresholds": thresholds,
        "bias": [round(b, 4) for b in bias],
        "features": [names[i] for i in kept],
        "weights": [round(w, 4) for i in kept for w in weights[i * width:(i + 1) * width]],
    }
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n",
                      encoding="utf-8")
    print(json.dumps(data["training"], indent=2))
    print(f"{len(kept)} features kept of {len(names)}; wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

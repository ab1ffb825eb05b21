"""Count how often the danger patterns' literals occur in ordinary messages.

Each danger pattern is searched only in sentences containing one of its anchors: literal
text every match of it must contain (bot/core/danger.py, ``anchors``). Any mandatory part
of a pattern would do; the rarest rejects the most sentences. This script counts, for every
literal of every pattern, the sentences of the danger training messages that contain it,
and writes the common ones (at least MIN_COUNT sentences) to knowledge/danger/common.json.
A literal not listed counts as rare. Only speed depends on the table: rerun it after adding
many patterns (``make anchors``); the benchmark shows whether it is worth it.

    python scripts/count_anchors.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import ahocorasick
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.core.danger import Detector, literals  # noqa: E402
from bot.core.kb import load_knowledge_base  # noqa: E402

TRAINING = ROOT / "knowledge" / "danger" / "training"
OUTPUT = ROOT / "knowledge" / "danger" / "common.json"
MIN_COUNT = 100
"""Below this (of about 15,000 sentences) a literal is rare enough to count as zero."""


def main() -> int:
    kb = load_knowledge_base(ROOT / "knowledge")
    detector = Detector(kb.danger)
    texts = [str(item["q"]) for path in sorted(TRAINING.glob("*.yaml"))
             for item in yaml.safe_load(path.read_text(encoding="utf-8")) or []
             if isinstance(item, dict) and item.get("q")]
    sentences = [s for text in texts for s in detector.sentences(text)]
    patterns = [p.pattern for ps in kb.danger.concepts.values() for p in ps]
    patterns += [p.pattern for p in kb.danger.idioms]
    every: set[str] = set()
    for pattern in patterns:
        every |= literals(pattern)
    automaton = ahocorasick.Automaton()
    for literal in every:
        automaton.add_word(literal, literal)
    automaton.make_automaton()
    counts: Counter[str] = Counter()
    for sentence in sentences:
        counts.update({literal for _end, literal in automaton.iter(sentence)})
    common = {k: n for k, n in sorted(counts.items()) if n >= MIN_COUNT}
    OUTPUT.write_text(json.dumps({
        "about": "sentences of knowledge/danger/training containing each literal of the "
                 "danger patterns (the common ones); written by scripts/count_anchors.py",
        "sentences": len(sentences),
        "counts": common,
    }, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(sentences)} sentences, {len(every)} literals, {len(common)} common "
          f"-> {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Fuzzy intent matching with rapidfuzz: the only module that imports it.

How a question is scored (measured on tests/data/*.yaml, see README "Matching"):

1. Normalise (``normalize.py``) and drop stopwords; an unknown word of five letters or
   more is corrected to the closest word of the knowledge base's vocabulary when rapidfuzz
   rates them at least ``SPELLING_CUTOFF`` alike ("restles" -> "restless").
2. Each word weighs ``ln(1 + intents / intents using it)``: "gabapentin" is in most intents
   and says little; "ferritin" is in one and says a lot. This is what lets a query that
   contains "gabapentin" not tie across every gabapentin intent (the WRatio trap).
3. Against every example sharing a word (an inverted index keeps this fast), a weighted
   F-score of the words they share, blended with rapidfuzz's ``token_sort_ratio`` on the
   content words for near-paraphrases and word order.
4. An intent scores its best example, plus a little for how much of the question the
   intent's whole vocabulary explains (questions mix words from several examples).
5. Decide: answer when the best clears ``answer_threshold`` and beats the runner-up by
   ``margin``; "did you mean" when it clears ``suggest_threshold``; otherwise fallback.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz

from bot.core.kb import KnowledgeBase
from bot.core.normalize import Normalized
from bot.core.spelling import NearWords

DecisionKind = Literal["answer", "suggest", "fallback"]

SPELLING_CUTOFF = 86.0
SPELLING_MIN_LENGTH = 5
UNKNOWN_WORD_WEIGHT = 1.2
FUZZY_SHARE = 0.45
COVERAGE_SHARE = 0.6
INTENT_SHORTLIST = 8
EXAMPLE_SHORTLIST = 3
TYPICAL_POWER = 0.3
SPECIFICITY_FLOOR = 0.5
SPECIFICITY_FULL = 0.2


_SUFFIXES = ("ings", "ing", "edly", "ed", "ies", "es", "s", "ly")


def _specificity(share: float) -> float:
    """How much a word belongs to some intent, from its largest share of one intent's
    examples: SPECIFICITY_FLOOR for a word in few of them, 1 from SPECIFICITY_FULL up.
    Over the 36 question sets it fixed 115 questions and broke 73 (tests/data/ROUNDS.md,
    round 31); a wide range of both settings gave the same gain."""
    return SPECIFICITY_FLOOR + (1 - SPECIFICITY_FLOOR) * min(1.0, share / SPECIFICITY_FULL)


def stem(word: str) -> str:
    """A deliberately tiny stemmer: "walking", "walks" and "walked" meet at "walk".

    Only long words lose a suffix, so short domain words ("rls", "legs" -> "leg") stay
    recognisable; it needs to agree with itself, not with a dictionary.
    """
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    return word


@dataclass(frozen=True)
class Candidate:
    intent_id: str
    score: float
    example: str
    recall: float = 1.0  # share of the question's word weight the best example explains


@dataclass(frozen=True)
class Why:
    """What a curator needs to see why a question landed where it did."""

    normalized: str
    synonyms: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()
    matched_example: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Decision:
    kind: DecisionKind
    intent_id: str | None
    score: float
    candidates: tuple[Candidate, ...]
    why: Why


@dataclass(frozen=True)
class _Example:
    intent_id: str
    text: str
    words: frozenset[str]
    joined: str
    weight: float


CONTEXT_WORDS = 30
"""How many of a backstory's words (the rarest, so the most telling) join the question."""


class Matcher:
    """Index of every example; built once per knowledge base, then read-only."""

    def __init__(self, kb: KnowledgeBase,
                 extra_examples: Iterable[tuple[str, str, str]] = ()) -> None:
        """``extra_examples``: (intent id, example as written, the same read into English
        words) beyond the intents' own: the examples of the other languages."""
        self._kb = kb
        self._stopwords = kb.stopwords
        raw: list[tuple[str, str, list[str]]] = []
        own = [(i.id, e, e) for i in kb.intents.values() for e in i.examples]
        for intent_id, example, english in [*own, *extra_examples]:
            words = self._content_words(kb.normalizer.normalize(english).canonical)
            raw.append((intent_id, example, words))
        # How many of each intent's examples use each word: how many intents use a word
        # (its IDF), its largest share of one intent's examples (its specificity) and how
        # typical it is of each intent (further below) are all read from it.
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        sizes: dict[str, int] = defaultdict(int)
        for intent_id, _text, words in raw:
            sizes[intent_id] += 1
            for word in set(words):
                counts[intent_id][word] += 1
        n_intents = max(len(sizes), 1)
        document_frequency: dict[str, int] = defaultdict(int)
        share: dict[str, float] = defaultdict(float)
        for intent_id, words_used in counts.items():
            for word, n in words_used.items():
                document_frequency[word] += 1
                share[word] = max(share[word], n / sizes[intent_id])
        # A word is weighed by how rare it is across intents (IDF) and by how much it
        # belongs to some intent: "two", "actual" or "next", each in one example, are rare
        # only by chance and would otherwise outweigh "enacarbil" or "stopping".
        self._weights = {
            w: math.log(1 + n_intents / df) * _specificity(share[w])
            for w, df in document_frequency.items()
        }
        # Spelling targets: real words only (no numbers or codes).
        self._vocabulary = NearWords(sorted(w for w in self._weights if w.isalpha()),
                                     SPELLING_CUTOFF)
        # People reuse words; one fuzzy search of the vocabulary per distinct word, not per
        # message (a long story has a dozen unknown words, each a search of thousands).
        self._spelled = lru_cache(maxsize=4096)(self._spell)
        self._examples: list[_Example] = []
        for intent_id, text, words in raw:
            unique = frozenset(words)
            entry = _Example(intent_id, text, unique, " ".join(sorted(unique)),
                             sum(self._weights[w] for w in unique))
            self._examples.append(entry)
        self._example_weight = [entry.weight for entry in self._examples]
        # How typical each word is of each intent: the share of its examples using it.
        self._typical = {
            i: {w: (n / sizes[i]) ** TYPICAL_POWER for w, n in ws.items()}
            for i, ws in counts.items()
        }
        self._word_intents: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for intent_id, typical_words in self._typical.items():
            for word, typical in typical_words.items():
                self._word_intents[word].append((intent_id, typical))
        # intent -> word -> examples of that intent using the word
        self._postings: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for idx, entry in enumerate(self._examples):
            for word in entry.words:
                self._postings[entry.intent_id][word].append(idx)

    # ----------------------------------------------------------------- helpers

    def _content_words(self, canonical: str) -> list[str]:
        return [stem(w) for w in canonical.split()
                if w not in self._stopwords and not w.isdigit()]

    def _spell(self, word: str) -> str:
        best = self._vocabulary.best(word)
        return word if best is None else best

    def _correct(self, words: list[str]) -> tuple[list[str], list[str]]:
        corrected: list[str] = []
        notes: list[str] = []
        for word in words:
            if word in self._weights or len(word) < SPELLING_MIN_LENGTH or not word.isalpha():
                corrected.append(word)
                continue
            meant = self._spelled(word)
            corrected.append(meant)
            if meant != word:
                notes.append(f"{word}->{meant}")
        return corrected, notes

    def unknown_words(self, normalized: Normalized) -> list[str]:
        """Content words the knowledge base has never seen, after spelling correction."""
        words, _ = self._correct(self._content_words(normalized.canonical))
        return [w for w in words if w not in self._weights and len(w) > 3 and w.isalpha()]

    def weight(self, word: str) -> float:
        return float(self._weights.get(word, UNKNOWN_WORD_WEIGHT))

    # ----------------------------------------------------------------- scoring

    def rank(self, normalized: Normalized, allowed: frozenset[str] | None = None,
             excluded: frozenset[str] = frozenset(), context: Normalized | None = None,
             context_share: float = 0.0) -> tuple[list[Candidate], Why]:
        """Score intents for a question, best first (at most one candidate per intent).

        ``context`` is the backstory of a long message: its words count ``context_share``
        of their weight, so they can tip a choice ("which medicine") but not outvote the
        question. A word in both counts fully.
        """
        words, corrections = self._correct(self._content_words(normalized.canonical))
        why = Why(
            normalized=normalized.canonical,
            synonyms=tuple(f"{a}->{b}" for a, b in normalized.replacements),
            corrections=tuple(corrections),
        )
        weights = {w: self.weight(w) for w in words}
        if context is not None and context_share > 0:
            extra, more = self._correct(self._content_words(context.canonical))
            why = replace(why, normalized=f"{why.normalized} | {context.canonical}",
                          corrections=why.corrections + tuple(more))
            # The backstory's most telling words only (who, which medicine, which symptom):
            # its everyday words add almost nothing to any score but cost a look-up each.
            told = sorted({w for w in extra if w not in weights and w in self._weights},
                          key=lambda w: (-self.weight(w), w))[:CONTEXT_WORDS]
            for word in told:
                weights[word] = self.weight(word) * context_share
        query = frozenset(weights)
        if not query:
            return [], why
        query_weight = sum(weights.values())
        # Stage 1, per intent: how typical of it the question's words are. Cheap (one pass
        # over a word -> intents index), so it bounds the work of stage 2 however large the
        # knowledge base grows.
        coverage: dict[str, float] = defaultdict(float)
        for word, weight in weights.items():
            for intent_id, typical in self._word_intents.get(word, ()):
                coverage[intent_id] += weight * typical
        shortlist = heapq.nlargest(
            INTENT_SHORTLIST,
            (i for i in coverage
             if (allowed is None or i in allowed) and i not in excluded),
            key=coverage.__getitem__,
        )
        # Stage 2, per example of the shortlisted intents: weighted F-score of shared words
        # (how much of the question and of the example agree), then rapidfuzz on the best few.
        query_joined = " ".join(sorted(set(words) or query))
        ranked: list[Candidate] = []
        for intent_id in shortlist:
            postings = self._postings[intent_id]
            shared: dict[int, float] = defaultdict(float)
            for word, weight in weights.items():
                for idx in postings.get(word, ()):
                    shared[idx] += weight
            if not shared:
                continue
            # The F-score of recall c/Q and precision c/E is 2c / (Q + E): one division.
            example_weight = self._example_weight
            scored = [(2 * common / (query_weight + example_weight[idx]), idx)
                      for idx, common in shared.items()]
            best_score, best_text, best_recall = 0.0, "", 0.0
            for f_score, idx in heapq.nlargest(EXAMPLE_SHORTLIST, scored):
                example = self._examples[idx]
                # Both sides are already sorted unique words, so this is token_sort_ratio
                # without re-splitting and re-sorting them at every call (a third the time).
                fuzzy = fuzz.ratio(query_joined, example.joined) / 100.0
                score = (1 - FUZZY_SHARE) * f_score + FUZZY_SHARE * fuzzy
                if score > best_score:
                    best_score, best_text = score, example.text
                    best_recall = shared[idx] / query_weight
            share = coverage[intent_id] / query_weight
            total = 100 * ((1 - COVERAGE_SHARE) * best_score + COVERAGE_SHARE * share)
            ranked.append(Candidate(intent_id, round(total, 1), best_text,
                                    round(best_recall, 3)))
        ranked.sort(key=lambda c: (-c.score, c.intent_id))
        return ranked, why

    def decide(self, normalized: Normalized, allowed: frozenset[str] | None = None,
               threshold: float | None = None,
               excluded: frozenset[str] = frozenset(), min_recall: float = 0.0, *,
               context: Normalized | None = None, context_share: float = 0.0) -> Decision:
        """Answer, suggest or fall back; ``threshold`` overrides the answer threshold, and
        ``min_recall`` drops candidates whose best example explains less of the question."""
        ranked, why = self.rank(normalized, allowed, excluded, context, context_share)
        ranked = [c for c in ranked if c.recall >= min_recall]
        settings = self._kb.matching
        # The safety rules catch urgent messages; a fuzzy resemblance to one is a second net,
        # and it must be a close one, or routine questions would get an emergency reply.
        ranked = [c for c in ranked
                  if c.intent_id != self._kb.roles.urgent or c.score >= settings.urgent_threshold]
        if threshold is not None:
            settings = replace(settings, answer_threshold=threshold,
                               suggest_threshold=min(settings.suggest_threshold, threshold))
        if not ranked or ranked[0].score < settings.suggest_threshold:
            score = ranked[0].score if ranked else 0.0
            return Decision("fallback", None, score, tuple(ranked[:settings.max_suggestions]),
                            why)
        top = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        why = Why(why.normalized, why.synonyms, why.corrections, top.example, why.rule)
        if top.score >= settings.answer_threshold and top.score - runner_up >= settings.margin:
            return Decision("answer", top.intent_id, top.score, tuple(ranked[:1]), why)
        close = [c for c in ranked[: settings.max_suggestions]
                 if c.score >= settings.suggest_threshold]
        if len(close) == 1 and top.score >= settings.answer_threshold:
            return Decision("answer", top.intent_id, top.score, tuple(close), why)
        return Decision("suggest", top.intent_id, top.score, tuple(close), why)

"""Spelling correction of whole words before anything else reads them.

Why here and not only in the matcher: the matcher's correction works on stemmed content
words of five letters or more, so "hlep", "sorces?" or "byee" (small talk, where every word
counts) were never corrected, and safety and the synonym table saw the typo too. This step
corrects surface words against the knowledge base's own English vocabulary (examples,
synonyms, stopwords: every word the bot can use), before synonyms and safety:

* a word the vocabulary has, one of the ``COMMON`` most frequent English words (symspellpy's
  frequency list: "wedding" is a word, not a typo of "waking"), a number or a word under
  three letters is left alone;
* three or four letters: one edit (with swaps: "hlep" -> "help", "byee" -> "bye");
* five or more: rapidfuzz ``ratio`` of at least ``CUTOFF`` ("anxeity" -> "anxiety"), else
  two known words typed without a space ("whatdo" -> "what do").

Among one-edit candidates, ties go to the word used more often in the examples. Results
are cached per word and at most ``MAX_CORRECTIONS`` words are looked up per message, which
keeps the step far under the per-question budget.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, DamerauLevenshtein

CUTOFF = 84.0
ONE_EDIT_UP_TO = 6
"""Words up to this long are corrected by one edit (a swap counts as one): a single wrong
letter in a five- or six-letter word ("treet", "stoping") rates 80-83, under ``CUTOFF``."""
MAX_CORRECTIONS = 3
SPLIT_MIN = 2
"""Shortest half of a run-together word that is split ("whatdo" -> "what do")."""
COMMON = 20_000
FREQUENCY_FILE = "frequency_dictionary_en_82_765.txt"


@cache
def common_english(limit: int = COMMON) -> frozenset[str]:
    """The ``limit`` most frequent English words (the list is sorted by frequency). Read once
    per process: the engine, the reader and language identification share one copy."""
    from importlib.util import find_spec

    # Located, not imported: importing symspellpy would load code we do not use.
    spec = find_spec("symspellpy")
    if spec is None or not spec.submodule_search_locations:
        return frozenset()
    path = Path(next(iter(spec.submodule_search_locations))) / FREQUENCY_FILE
    words: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            words.add(line.split(" ", 1)[0])
            if len(words) >= limit:
                break
    return frozenset(words)


class NearWords:
    """Words to search for the one most like a typed word, by rapidfuzz ``ratio``.

    Why not hand the whole list to rapidfuzz: ``ratio`` is at most 2·min/(a+b) for words of
    lengths a and b, so only words of a few lengths around the typed one can reach the
    cutoff. Comparing those alone gives the same answer (same order, so the same tie-break)
    for a third of the work, and unknown words are most of a long foreign message's cost.
    """

    def __init__(self, words: Iterable[str], cutoff: float) -> None:
        self._words = list(words)
        self._cutoff = cutoff
        self._by_length: dict[int, list[str]] = {}

    def _within_reach(self, length: int) -> list[str]:
        found = self._by_length.get(length)
        if found is None:
            # A word of length m can reach the cutoff only if 2·min/(n+m) >= share, i.e.
            # share·n/(2-share) <= m <= n·(2-share)/share (the epsilon keeps an exact tie).
            share = self._cutoff / 100
            low = math.ceil(share * length / (2 - share) - 1e-9)
            high = math.floor(length * (2 - share) / share + 1e-9)
            found = [w for w in self._words if low <= len(w) <= high]
            self._by_length[length] = found
        return found

    def best(self, word: str) -> str | None:
        found = process.extractOne(word, self._within_reach(len(word)), scorer=fuzz.ratio,
                                   score_cutoff=self._cutoff)
        return None if found is None else str(found[0])


class Slips:
    """Words a typed word may be a slip of: one edit away (two from ``long`` letters),
    counting a swap of two letters as one (OSA), with the same first letter. Candidates are
    kept by first letter and length, so a word is compared with a few dozen, not all."""

    def __init__(self, words: Iterable[str], long: int) -> None:
        self._long = long
        self._by_start: dict[tuple[str, int], list[str]] = {}
        for word in sorted(set(words)):  # sorted: the same tie-break in every process
            self._by_start.setdefault((word[0], len(word)), []).append(word)

    def nearest(self, word: str) -> str | None:
        limit = 1 if len(word) < self._long else 2
        near = [w for n in range(len(word) - limit, len(word) + limit + 1)
                for w in self._by_start.get((word[0], n), ())]
        found = process.extractOne(word, near, scorer=OSA.distance, score_cutoff=limit)
        return None if found is None else str(found[0])


class Speller:
    """Built once per knowledge base from its English words and their counts."""

    def __init__(self, counts: Counter[str], common: frozenset[str] = frozenset()) -> None:
        self._common = common  # shared, not copied into a union (memory budget)
        self._counts = counts
        self._long = NearWords(sorted(w for w in counts if len(w) >= 4), CUTOFF)
        self._short = sorted(w for w in counts if 2 <= len(w) <= ONE_EDIT_UP_TO + 1)
        self.correct_word = lru_cache(maxsize=4096)(self._correct_word)

    def _correct_word(self, word: str) -> str:
        if len(word) > ONE_EDIT_UP_TO:
            best_long = self._long.best(word)
            return self._split(word) if best_long is None else best_long
        found = [(w, 100 - d, i) for w, d, i in process.extract(
            word, self._short, scorer=DamerauLevenshtein.distance, score_cutoff=1, limit=3)]
        if not found:
            return self._split(word) if len(word) >= 5 else word
        best = max(found, key=lambda f: (f[1], self._counts[f[0]]))
        return str(best[0])

    def _split(self, word: str) -> str:
        """Two words typed without the space between them ("whatdo", "mylegs"): the split
        whose halves are both words of the knowledge base (not merely English: "ballpark"
        is not "ball park"), the rarer half as common as possible."""
        best, best_count = word, 0
        for cut in range(SPLIT_MIN, len(word) - SPLIT_MIN + 1):
            head, tail = word[:cut], word[cut:]
            if head in self._counts and tail in self._counts:  # the bot's own words only
                count = min(self._counts.get(head, 1), self._counts.get(tail, 1))
                if count > best_count:
                    best, best_count = f"{head} {tail}", count
        return best

    def correct(self, plain: str) -> str:
        """``plain`` (see ``normalize.to_plain``) with unknown words corrected."""
        return self.corrections(plain)[0]

    def corrections(self, plain: str) -> tuple[str, tuple[str, ...]]:
        """The corrected text and each change as "typed->meant" (for ``why``)."""
        words = plain.split()
        notes: list[str] = []
        budget = MAX_CORRECTIONS
        for n, word in enumerate(words):
            if (word in self._counts or word in self._common or len(word) < 3
                    or not word.isalpha() or budget == 0):
                continue
            budget -= 1
            words[n] = self.correct_word(word)
            if words[n] != word:
                notes.append(f"{word}->{words[n]}")
        return " ".join(words), tuple(notes)

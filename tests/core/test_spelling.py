"""Spelling before anything reads the words (issue 8): short messages and small talk too."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from rapidfuzz import fuzz, process

from bot.core.engine import Engine
from bot.core.spelling import NearWords, Speller, common_english


def test_the_common_english_list_is_there_and_bounded() -> None:
    words = common_english(1000)
    assert len(words) == 1000
    assert {"the", "and", "wedding"} & words >= {"the", "and"}


@pytest.mark.parametrize(("typed", "meant"), [
    ("hlep", "help"),          # four letters: one swap
    ("refrences", "references"),
    ("anxeity", "anxiety"),
])
def test_typos_are_corrected_against_the_knowledge_base_words(engine: Engine, typed: str,
                                                              meant: str) -> None:
    assert engine.reader.speller.correct(typed) == meant


def test_known_words_numbers_and_common_english_are_left_alone() -> None:
    speller = Speller(Counter({"waking": 3, "help": 5}), frozenset({"wedding"}))
    assert speller.correct("wedding 300 ok help") == "wedding 300 ok help"
    assert speller.correct("wakin") == "waking"


@pytest.mark.parametrize(("question", "intent"), [
    ("hlep", "help"),
    ("refrences pls", "sources"),
    ("wher do ur anwsers come from", "sources"),
])
def test_short_messages_with_typos_are_understood(engine: Engine, question: str,
                                                  intent: str) -> None:
    assert engine.ask(question).decision.intent_id == intent


@pytest.mark.parametrize("cutoff", [84.0, 86.0])
def test_the_length_filter_never_changes_the_best_word(cutoff: float) -> None:
    """NearWords compares only words of reachable length; that must give exactly what a
    search of the whole list gives (same word, same tie-break), ties at the cutoff too."""
    rng = random.Random(3)
    letters = "abdeilmnorst"
    words = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(2, 16)))
                    for _ in range(4000)})
    near = NearWords(words, cutoff)
    for _ in range(600):
        typed = "".join(rng.choice(letters) for _ in range(rng.randint(3, 16)))
        found = process.extractOne(typed, words, scorer=fuzz.ratio, score_cutoff=cutoff)
        assert near.best(typed) == (None if found is None else found[0]), typed
    # 2·7/(7+9) = 87.5 reaches 86 but 2·6/(6+9) = 80 cannot; an exact tie is kept.
    assert NearWords(["abcdefg"], 87.5).best("abcdefgxy") == "abcdefg"

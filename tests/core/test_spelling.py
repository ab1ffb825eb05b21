"""Spelling before anything reads the words (issue 8): short messages and small talk too."""

from __future__ import annotations

from collections import Counter

import pytest

from bot.core.engine import Engine
from bot.core.spelling import Speller, common_english


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

"""Which of the bot's languages a message is written in.

Danger is recognised in every language at once (``danger.py`` reads all vocabularies), so a
wrong guess here never hides an emergency; it only picks the language of the reply and of
the one-line "answers are in English for now" note. Identification uses lingua, restricted
to our six languages in its low-accuracy mode: it is built for short text, needs no model
download, answers in microseconds and adds a few MB to the process (README, design notes).
Short messages ("i want to die", "hola") are where lingua guesses worst, so its guess is
combined with the words of ``knowledge/language_id.yml``: each word seen votes for its
languages (a word shared by several votes less). Telegram's ``language_code`` is a hint that
decides when the text itself cannot tell.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from bot.core.normalize import to_plain

if TYPE_CHECKING:
    from lingua import LanguageDetector

SUPPORTED: tuple[str, ...] = ("en", "es", "de", "fr", "pt", "it")
DEFAULT = "en"
CONFIDENT = 0.8
"""Below this share of lingua's confidence the words, then the hint, then English decide."""
SHORT = 3
"""Messages of fewer words than this are too short to overrule the Telegram hint with
English words alone."""
WORD_MARGIN = 1.0
"""The word vote must lead the runner-up by this much to decide on its own."""


@cache
def _detector() -> LanguageDetector:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in SUPPORTED]
    return (LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
            .with_low_accuracy_mode().build())


def detect(text: str, hint: str | None = None,
           words: Mapping[str, frozenset[str]] | None = None) -> str:
    """The ISO 639-1 code of the message's language, one of :data:`SUPPORTED`."""
    hinted = (hint or "").split("-")[0].lower()
    hinted = hinted if hinted in SUPPORTED else ""
    tokens = to_plain(text).split()
    votes = _vote(tokens, words or {})
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    if hinted and len(tokens) < SHORT and (not ranked or ranked[0][0] == DEFAULT):
        # "ok", "help", "thank you": English words everyone types; the person's own
        # Telegram language says more.
        return hinted
    if ranked and ranked[0][1] - (ranked[1][1] if len(ranked) > 1 else 0.0) >= WORD_MARGIN:
        return ranked[0][0]
    values = _detector().compute_language_confidence_values(text)
    if values and values[0].value >= CONFIDENT:
        code = values[0].language.iso_code_639_1.name.lower()
        if code in SUPPORTED:
            return code
    if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    if ranked:
        # The words tie ("quanto ... per" is Spanish and Italian alike): lingua, unsure
        # overall, still ranks the tied languages ("quanto gabapentin si prende per l'rls"
        # had fallen to English).
        tied = {lang for lang, votes in ranked if votes == ranked[0][1]}
        for value in values:
            code = value.language.iso_code_639_1.name.lower()
            if code in tied:
                return code
    return hinted or DEFAULT


def _vote(tokens: list[str], words: Mapping[str, frozenset[str]]) -> dict[str, float]:
    votes: dict[str, float] = {}
    owners_of = _owners(words)
    for token in tokens:
        owners = owners_of.get(token, ())
        for lang in owners:
            votes[lang] = votes.get(lang, 0.0) + 1.0 / len(owners)
    return votes


_OWNERS: list[tuple[Mapping[str, frozenset[str]], dict[str, tuple[str, ...]]]] = []
KEPT_INDEXES = 4
"""Word lists indexed at once (one per knowledge base loaded; a reload adds one)."""


def _owners(words: Mapping[str, frozenset[str]]) -> dict[str, tuple[str, ...]]:
    """word -> the languages that list it, built once per word list (a message's words are
    looked up once each, not once per language)."""
    for known, kept in _OWNERS:
        if known is words:
            return kept
    listed: dict[str, list[str]] = {}
    for lang, known_words in words.items():
        for word in known_words:
            listed.setdefault(word, []).append(lang)
    built = {word: tuple(langs) for word, langs in listed.items()}
    _OWNERS.append((words, built))
    del _OWNERS[:-KEPT_INDEXES]
    return built

"""How the engine reads a message before matching: its language, and its question.

Two things go wrong with messages as people send them (issue 8): a question in another
language matched word by word against English examples, and a long story whose backstory
outvotes the one sentence that asks. The reader settles both before any scoring:

* the language: the engine's one identification (``language.detect``: lingua, the words
  of ``knowledge/language_id.yml`` and Telegram's ``language_code`` as a hint; the danger
  detector reads the same result); a foreign question is read into English words
  (``languages.py``) so one English matcher serves all;
* the question: a long message is split into the sentence(s) that ask (full weight) and the
  backstory (a small share, see ``matcher.Matcher.rank``).

Safety still reads the whole message: an emergency in the backstory is still an emergency.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from bot.core.kb import KnowledgeBase
from bot.core.languages import Languages, load_languages
from bot.core.normalize import (
    ENGLISH_QUESTION_WORDS,
    MIN_FOCUS_WORDS,
    Normalized,
    focus,
    to_plain,
)
from bot.core.reply import Reply
from bot.core.spelling import Speller, common_english

SHORT_FOCUS_WORDS = 8
"""A message this long may already be a short story and a question; below
``MIN_FOCUS_WORDS`` its asking part is read apart only when it stands alone."""
CONTEXT_SHARE = 0.5
"""Weight of a backstory word next to a word of the asking sentence(s)."""
ALONE_CONTEXT_SHARE = 0.3
"""The backstory's share when the question names its own subject and points back at
nothing ("... I want to know what doctors actually do. How is restless legs treated?"): the
story's words (magnesium, soap) tipped such questions to a neighbour's answer at 0.5; at 0.3,
6 questions fixed and 3 broken over all sets."""
MIN_ASKING_WORDS = 3
"""An asking part with fewer content words ("is that normal?", "any good?") leans on the
backstory for its subject, so such a message is read whole."""
BACK_REFERENCES = frozenset({"it", "its", "that", "thats", "this", "they", "them", "those",
                             "these", "he", "she", "him", "her", "his", "there", "same",
                             "one", "ones", "which", "either", "both", "such"})
"""Words by which a short question points back at the story before it."""
_STOPS = ".!?…"
"""What ends a sentence, for telling a sentence of its own from a clause."""
NOTE_KINDS = frozenset({"answer", "suggest", "fallback"})
"""Replies that get the "answers are in English for now" note (never the urgent one, which
is sent first and alone)."""


@dataclass(frozen=True)
class Reading:
    language: str
    whole: Normalized
    asking: Normalized | None = None
    context: Normalized | None = None
    context_share: float = 0.0
    corrections: tuple[str, ...] = ()  # spelling, "typed->meant"


class Reader:
    """Built once per knowledge base (it holds the language data), then read-only."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self.languages: Languages = load_languages(kb.directory, frozenset(kb.intents))
        counts: Counter[str] = Counter(kb.stopwords)
        for intent in kb.intents.values():
            for example in intent.examples:
                counts.update(to_plain(example).split())
        for variant, canonical in kb.synonyms.items():
            counts.update(to_plain(variant).split())
            counts.update(canonical.split())
        self._english = frozenset(w for w in counts if w.isalpha())
        self.speller = Speller(Counter({w: n for w, n in counts.items() if w.isalpha()}),
                              common_english())

    def identifying_words(self, listed: Mapping[str, frozenset[str]]
                          ) -> Mapping[str, frozenset[str]]:
        """The words that tell the languages apart: the hand-made list of
        ``language_id.yml`` plus each language's own words from its reading data (function
        words, question words, every word it translates), less any English word. The list
        alone missed German "woher", "deine", "eigentlich" ("Woher hast du deine Infos?"
        was taken for French by its one listed word, "du"); on the question sets, language
        identification went from 77 to 24 wrong of 24,136, none more of them English."""
        listed_english, common = listed.get("en", frozenset()), common_english()
        merged = dict(listed)
        for code, language in self.languages.by_code.items():
            own = language.stopwords | language.question_words | {
                w for w in language.vocabulary if language.knows(w)}
            merged[code] = listed.get(code, frozenset()) | frozenset(
                w for w in own if len(w) > 1 and w not in self._english
                and w not in listed_english and w not in common)
        return MappingProxyType(merged)

    def extra_examples(self) -> list[tuple[str, str, str]]:
        """Every language's examples, as written and read into English words, for the
        matcher's index."""
        return [(intent_id, text, language.to_english(text, self._english))
                for language in self.languages.by_code.values()
                for intent_id, texts in language.examples.items() for text in texts]

    def readable_in(self, text: str, code: str) -> bool:
        """Can ``text`` be read in ``code``'s data? Not a second identification (the
        language stays the engine's): a message the data knows fewer words of than only
        English has ("yo", "thats all, see ya" identified as Spanish) is read as English
        words rather than losing them in translation."""
        language = self.languages.get(code)
        if language is None:
            return False
        tokens = to_plain(text).split()
        mine = sum(language.knows(t) for t in tokens)
        english_only = sum(t in self._english and not language.knows(t) for t in tokens)
        return mine > 0 and mine >= english_only

    def _normalize(self, text: str, code: str) -> Normalized:
        language = self.languages.get(code)
        if language is None:
            return self._kb.normalizer.normalize(self.speller.correct(to_plain(text)))
        return self._kb.normalizer.normalize(language.to_english(text, self._english))

    def read(self, text: str, code: str) -> Reading:
        """``code``: the message's language as the engine identified it (``language.detect``);
        a language without data here (English), or whose data cannot read the message
        (:meth:`readable_in`), is read as English, spelling corrected. ``Reading.language``
        is always ``code``."""
        language_code = code
        if code in self.languages.by_code and not self.readable_in(text, code):
            code = "en"
        whole = self._normalize(text, code)
        fixed = () if code in self.languages.by_code else (
            self.speller.corrections(to_plain(text))[1])
        language = self.languages.get(code)
        words = ENGLISH_QUESTION_WORDS | language.question_words if language else (
            ENGLISH_QUESTION_WORDS)
        found = focus(text, words, min_words=SHORT_FOCUS_WORDS)
        # A short message is read apart only in English so far: Spanish, Italian and
        # Portuguese drop the pronoun that would show a question pointing back.
        short = len(text.split()) < MIN_FOCUS_WORDS
        english = code not in self.languages.by_code
        if found is None or (short and not english):
            return Reading(language_code, whole, corrections=fixed)
        asking = self._normalize(found.asking, code)
        context = found.context
        alone = english and self._stands_alone(asking) and (
            not short or _own_sentence(text, found.asking))
        if short and not alone:
            return Reading(language_code, whole, corrections=fixed)
        if alone:
            # "... says it's rls. what even is rls?": short, but it names its own subject
            # and points back at nothing, so the story stays context.
            return Reading(language_code, whole, asking, self._normalize(context, code),
                           ALONE_CONTEXT_SHARE, fixed)
        if len(self._content(asking)) < MIN_ASKING_WORDS and found.before:
            # "... people whose RLS comes with pain do better on it. Is that true?": a thin
            # question leans on the sentence just before it, not on the whole story.
            asking = self._normalize(f"{found.before} {found.asking}", code)
            context = " ".join(context.replace(found.before, " ", 1).split())
        if len(self._content(asking)) < MIN_ASKING_WORDS:
            return Reading(language_code, whole, corrections=fixed)
        return Reading(language_code, whole, asking, self._normalize(context, code),
                       CONTEXT_SHARE, fixed)

    def _stands_alone(self, asking: Normalized) -> bool:
        """A short question that names one of our subjects and refers back to nothing
        ("what is rls", "is gabapentin addictive"); one that points back ("is that
        normal", "does it help with that") leans on the sentence before it."""
        words = set(asking.tokens)
        return (bool(self._kb.safety.domain_anchor.search(asking.canonical))
                and not words & BACK_REFERENCES and len(self._content(asking)) >= 1)

    def _content(self, normalized: Normalized) -> list[str]:
        return [w for w in normalized.tokens if w not in self._kb.stopwords]

    def with_note(self, reply: Reply, code: str) -> Reply:
        """The English reply, opened by the one-line note in the person's language."""
        note = self.languages.note(code)
        if not note or reply.kind not in NOTE_KINDS:
            return reply
        return replace(reply, text=f"{note}\n\n{reply.text}")


def _own_sentence(text: str, asking: str) -> bool:
    """Whether the asking part of a short message is a sentence of its own, after a full
    stop: "... says it's rls. what even is rls?" is; in "pregnant, can i take gabapentin or
    pramipexole" the clause before the comma belongs to the question."""
    core = asking.rstrip(" " + _STOPS)
    at = text.find(core)
    if at < 0 or not core:
        return False
    before = text[:at].rstrip()
    after = text[at + len(core):].lstrip()
    return (not before or before[-1] in _STOPS) and (not after or after[0] in _STOPS)


"""Questions in Spanish, German, French, Portuguese and Italian, read in English words.

Answers exist in English only, so a foreign question is understood by turning its words into
the English words the knowledge base is written in, then matched like any English question.
Everything a language needs is data in ``knowledge/languages/<code>.yml``:

* ``phrases``: foreign phrases -> English words ("piernas inquietas" -> "restless legs"),
  whole words on the accent-free text, longest first;
* ``words``: single foreign words -> English; keys and the question's words both go through
  the language's Snowball stemmer, so one entry covers "efecto", "efectos", "efectivo"...;
* ``stopwords``: function words dropped *before* anything English sees them, which is what
  stops German "das" from becoming the English synonym "DA" (dopamine agonist);
* ``examples``: per intent id, questions in that language (read through the same steps);
* ``note``: the one line that says, in the person's language, that answers are in English
  for now; ``labels``: any other words a person of that language reads.

A foreign word the data does not know is dropped when it is short (mostly function words
that could collide with an English abbreviation) and kept as typed otherwise, so brand names
("requip", "lyrica") still reach the English synonym table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import snowballstemmer
import yaml

from bot.core.kb import YAML_LOADER, KnowledgeBaseError, Problem
from bot.core.normalize import to_plain
from bot.core.spelling import Slips

FOREIGN: tuple[str, ...] = ("es", "de", "fr", "pt", "it")
_STEMMERS = {"es": "spanish", "de": "german", "fr": "french", "pt": "portuguese",
             "it": "italian"}
STEM_CACHE = 50_000
"""Stems kept per language (a few MB at most); beyond it words are stemmed every time."""
ELIDING = frozenset({"fr", "it"})
"""Languages whose articles and pronouns elide onto the next word ("l'allaitement")."""
_ELIDED = frozenset({"c", "d", "j", "l", "m", "n", "s", "t", "qu"})
_VOWELS = frozenset("aeiouyh")
MIN_CORRECTED = 6
"""Foreign words shorter than this are never spelling-corrected ("mais" is no slip)."""
LONG_CORRECTED = 9
"""Words this long may be two slips away from a word of the data; shorter ones one."""
MIN_KEPT_LENGTH = 4
"""Untranslated foreign words shorter than this are dropped (see module docstring)."""


@dataclass(frozen=True)
class Language:
    """One language's reading rules (built once per knowledge base)."""

    code: str
    note: str
    stopwords: frozenset[str]
    words: Mapping[str, str]  # stem -> English
    exact: Mapping[str, str]  # word as written -> English (wins over a shared stem)
    phrase_table: Mapping[str, str]  # accent-free phrase -> English
    examples: Mapping[str, tuple[str, ...]]
    labels: Mapping[str, str] = field(default_factory=dict)
    question_words: frozenset[str] = frozenset()
    vocabulary: frozenset[str] = frozenset()  # every word of its data as written
    # first word -> the phrases that start with it, longest first (see _index_phrases)
    _phrases: Mapping[str, tuple[tuple[str, ...], ...]] = field(
        default_factory=dict, compare=False, repr=False)
    _stemmer: Any = field(default=None, compare=False, repr=False)
    _cache: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _fixes: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def knows(self, word: str) -> bool:
        """Is this (accent-free, lowercase) word one of this language's own words?

        A word it translates to itself ("gabapentin", "massage") is shared with English and
        says nothing about the language, so it does not count.
        """
        if word in self.stopwords:
            return True
        english = self.words.get(self.stem(word))
        return english is not None and english != word

    def _with_phrases(self, tokens: list[str]) -> list[str]:
        """The tokens with each phrase replaced by its English words, marked so the word
        step keeps them as they are. Left to right, the longest phrase at each word, none
        overlapping: what one regex alternation of every phrase did, at a dictionary
        look-up per word instead of hundreds of alternatives tried at every position."""
        if not self._phrases:
            return tokens
        out: list[str] = []
        i = 0
        while i < len(tokens):
            for phrase in self._phrases.get(tokens[i], ()):
                if tuple(tokens[i:i + len(phrase)]) == phrase:
                    out.extend(f"\x00{w}" for w in self.phrase_table[" ".join(phrase)].split())
                    i += len(phrase)
                    break
            else:
                out.append(tokens[i])
                i += 1
        return out

    def stem(self, word: str) -> str:
        """Snowball's stem, cached: people reuse the same words, and without PyStemmer (C)
        snowballstemmer's pure Python costs up to 0.1 ms a word."""
        cache: dict[str, str] = self._cache
        stemmed = cache.get(word)
        if stemmed is None:
            stemmed = str(self._stemmer.stemWord(word))
            if len(cache) < STEM_CACHE:
                cache[word] = stemmed
        return stemmed

    def _english_of(self, token: str) -> str | None:
        """A word's English, or, for a French or Italian word the tables do not know, that
        of the word an elided article or pronoun hides ("lallaitement" from "l'allaitement";
        the phrase table keeps the joined forms, "cest quoi", so only unknown words are
        split)."""
        english = self.exact.get(token) or self.words.get(self.stem(token))
        if english is None and (rest := self._unelided(token)):
            english = self.exact.get(rest) or self.words.get(self.stem(rest))
        return english

    def to_english(self, text: str, known: frozenset[str] = frozenset()) -> str:
        """The question in English words (plain, accent-free, lowercase). ``known``: words
        the English side knows, so that a name behind an elided article ("l'horizant")
        is kept as that name."""
        out: list[str] = []
        tokens = [self._corrected(token, known) for token in to_plain(text).split()]
        for token in self._with_phrases(tokens):
            if token.startswith("\x00"):
                out.append(token[1:])
            elif token in self.stopwords:
                continue
            elif (english := self._english_of(token)) is not None:
                out.extend(english.split())
            elif (rest := self._unelided(token, always=True)) in known and token not in known:
                out.append(rest)
            elif len(token) >= MIN_KEPT_LENGTH or token.isdigit():
                out.append(token)
        return " ".join(out)

    def _corrected(self, token: str, known: frozenset[str]) -> str:
        """A word one slip away from a word of this language's data ("inquetas",
        "compresao") as that word, so its phrase or translation applies; a word the data or
        English already knows, a short one or a number stays as typed. Cached per word
        (what English knows is checked first: the cache never depends on it)."""
        if token in known:
            return token
        cache = self._fixes
        fixed = cache.get(token)
        if fixed is not None:
            return fixed
        fixed = token
        if (len(token) >= MIN_CORRECTED and token.isalpha() and token not in self.vocabulary
                and self._english_of(token) is None):
            best = self._slips.nearest(token)
            # Only the last letter changed is another form of a word, not a slip:
            # "cuento" (a story) stays, though "cuenta" is in the data.
            if best is not None and best[:-1] != token[:-1]:
                fixed = best
        if len(cache) < STEM_CACHE:
            cache[token] = fixed
        return fixed

    @cached_property
    def _slips(self) -> Slips:
        """The words a slip may have been meant as."""
        # Only into a word that carries meaning here (a translation or part of a phrase),
        # never into a stopword or question word: "cuento" is no slip of "cuanto".
        phrase_words = {w for phrase in self.phrase_table for w in phrase.split()}
        return Slips((word for word in self.vocabulary
                      if len(word) >= MIN_CORRECTED - 1 and word.isalpha()
                      and word not in self.stopwords and word not in self.question_words
                      and (word in phrase_words or self._english_of(word) is not None)),
                     LONG_CORRECTED)

    def _unelided(self, token: str, *, always: bool = False) -> str:
        """The word behind an elided article or pronoun, or "" when there is none.
        ``always``: in any language (a known name behind "l'" in a short Italian message
        identified as Spanish)."""
        if self.code not in ELIDING and not always:
            return ""
        cut = 2 if token.startswith("qu") else 1
        rest = token[cut:]
        if token[:cut] in _ELIDED and rest[:1] in _VOWELS and len(rest) >= MIN_KEPT_LENGTH:
            return rest
        return ""


@dataclass(frozen=True)
class Languages:
    """All foreign languages of the knowledge base, by ISO 639-1 code."""

    by_code: Mapping[str, Language]

    def get(self, code: str) -> Language | None:
        return self.by_code.get(code)

    def note(self, code: str) -> str | None:
        language = self.by_code.get(code)
        return language.note if language else None


def _problem(file: str, message: str, intent: str | None = None,
             field: str | None = None) -> Problem:
    return Problem(file, intent, field, message)


def _index_phrases(phrases: Mapping[str, str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """first word -> phrases starting with it, longest (in letters) first, as a regex
    alternation sorted the same way would try them."""
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(phrases, key=lambda p: (-len(p), p)):
        words = tuple(phrase.split())
        if words:
            by_first.setdefault(words[0], []).append(words)
    return {first: tuple(found) for first, found in by_first.items()}


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return [str(v) for v in value]
    return None


def load_languages(directory: Path, intent_ids: frozenset[str]) -> Languages:
    """Read ``<directory>/languages/*.yml``; raise :class:`KnowledgeBaseError` listing every
    problem (unknown language, unknown intent id, wrong shapes), like the main loader."""
    problems: list[Problem] = []
    found: dict[str, Language] = {}
    folder = directory / "languages"
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else ():
        name = f"languages/{path.name}"
        data = _read(path, name, problems)
        if data is not None:
            found[path.stem] = _language(path.stem, data, name, intent_ids, problems)
    if problems:
        raise KnowledgeBaseError(problems)
    return Languages(MappingProxyType(found))


def _read(path: Path, name: str, problems: list[Problem]) -> dict[str, Any] | None:
    """A file that fails these is one problem, not an echo of it from every section."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)  # C if there
    except (OSError, yaml.YAMLError) as exc:
        problems.append(_problem(name, f"is not valid YAML: {exc}"))
        return None
    code = path.stem
    if code not in FOREIGN:
        problems.append(_problem(name, f"unknown language '{code}' (one of {FOREIGN})"))
        return None
    if not isinstance(data, dict) or data.get("version") != 1:
        problems.append(_problem(name, "needs a mapping with 'version: 1'"))
        return None
    return data


def _language(code: str, data: dict[str, Any], name: str, intent_ids: frozenset[str],
              problems: list[Problem]) -> Language:
    """A wrong section is reported and read as empty, so one load lists every mistake."""
    unknown = set(data) - {"version", "note", "stopwords", "phrases", "words", "examples",
                           "labels", "question_words"}
    for key in sorted(unknown):
        problems.append(_problem(name, f"unknown key '{key}'"))
    note = data.get("note")
    if not isinstance(note, str) or not note.strip():
        problems.append(_problem(name, "needs a one-line 'note'", field="note"))
        note = ""
    stopwords = _word_list(data, "stopwords", name, problems)
    question_words = _word_list(data, "question_words", name, problems)
    stemmer = snowballstemmer.stemmer(_STEMMERS[code])
    tables, written = _tables(data, stemmer, name, problems)
    examples = _examples(data, intent_ids, name, problems)
    labels = data.get("labels", {}) or {}
    if not isinstance(labels, dict):
        problems.append(_problem(name, "must map keys to text", field="labels"))
        labels = {}
    return Language(
        code=code, note=" ".join(note.split()),
        stopwords=frozenset(to_plain(w) for w in stopwords),
        words=MappingProxyType(tables["words"]),
        exact=MappingProxyType(tables["exact"]),
        phrase_table=MappingProxyType(tables["phrases"]),
        examples=MappingProxyType(examples),
        labels=MappingProxyType({str(k): str(v) for k, v in labels.items()}),
        question_words=frozenset(to_plain(w) for w in question_words),
        vocabulary=frozenset({to_plain(w) for w in stopwords} | written),
        _phrases=_index_phrases(tables["phrases"]), _stemmer=stemmer)


def _word_list(data: dict[str, Any], key: str, name: str, problems: list[Problem]) -> list[str]:
    """Stopwords and question words share one shape, so they share one check."""
    words = _strings(data.get(key, []))
    if words is None:
        problems.append(_problem(name, "must be a list of words", field=key))
        return []
    return words


def _tables(data: dict[str, Any], stemmer: Any, name: str,
            problems: list[Problem]) -> tuple[dict[str, dict[str, str]], set[str]]:
    """Keyed as to_english looks them up (a word by its stem), and every word as written."""
    tables: dict[str, dict[str, str]] = {}
    written: set[str] = set()
    for key in ("phrases", "words"):
        raw = data.get(key, {}) or {}
        if not isinstance(raw, dict) or not all(
                isinstance(v, str) for v in raw.values()):
            problems.append(_problem(name, "must map words to English words", field=key))
            raw = {}
        table: dict[str, str] = {}
        exact: dict[str, str] = {}
        for variant, english in raw.items():
            plain = to_plain(str(variant))
            if key == "words":
                exact[plain] = to_plain(english)
                plain = str(stemmer.stemWord(plain))
            table[plain] = to_plain(english)
        tables[key] = table
        if key == "words":
            # Two words may share a stem ("aumentazione", "aumentare"): as written, each
            # keeps its own English.
            tables["exact"] = exact
        written.update(w for v in raw for w in to_plain(str(v)).split())
    return tables, written


def _examples(data: dict[str, Any], intent_ids: frozenset[str], name: str,
              problems: list[Problem]) -> dict[str, tuple[str, ...]]:
    """Each list must name an intent that exists: a renamed intent would lose them silently."""
    examples: dict[str, tuple[str, ...]] = {}
    raw_examples = data.get("examples", {}) or {}
    if not isinstance(raw_examples, dict):
        problems.append(_problem(name, "must map intent ids to lists", field="examples"))
        return examples
    for intent_id, texts in raw_examples.items():
        listed = _strings(texts)
        if intent_id not in intent_ids:
            problems.append(_problem(name, f"unknown intent id '{intent_id}'",
                                    field="examples"))
        elif listed is None:
            problems.append(_problem(name, "must be a list of questions",
                                    intent=intent_id, field="examples"))
        else:
            examples[intent_id] = tuple(listed)
    return examples

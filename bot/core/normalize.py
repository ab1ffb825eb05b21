"""One normalisation for knowledge-base examples and user questions alike.

Matching is only as good as the agreement between how examples and questions are cleaned,
so both go through the same two steps here:

* ``plain``: Unicode NFKC, casefold, accents and emoji removed, apostrophes dropped ("can't"
  -> "cant"), digits split from letters ("600mg" -> "600 mg"), punctuation to spaces.
  Safety patterns run on this form, so they see the words the person typed.
* ``canonical``: ``plain`` plus the phrase table of ``knowledge/synonyms.yml`` ("neurontin"
  -> "gabapentin", "restless leg syndrome" -> "rls"), longest phrase first, whole words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

MAX_INPUT_CHARS = 2000
"""Questions are cut to this length before matching: enough for a long story, and it bounds
the cost of every later step however large the message."""
DANGER_INPUT_CHARS = 4096
"""The danger check reads this much: Telegram's own limit for a message, so a crisis at the
end of a long story is never cut off (about 10 ms for the longest)."""

_APOSTROPHES = re.compile(r"[\u0027\u2018\u2019\u02bc\u0060\u00b4]")
_WORD = re.compile(r"[^\W\d_]+|\d+")
"""A run of letters or a run of digits: "300mg" is two words, "_" and punctuation none."""
_ELISION = re.compile(r"\b([cdjlmnst]|qu)['\u2019](?=[aeiouyhàâéèêëîïôûœ])", re.IGNORECASE)


@dataclass(frozen=True)
class Normalized:
    """A question in both forms, plus the synonym replacements made (for ``why``)."""

    plain: str
    canonical: str
    replacements: tuple[tuple[str, str], ...]

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(self.canonical.split())


@lru_cache(maxsize=256)
def to_plain(text: str) -> str:
    """Reduce any string to lowercase ASCII-ish words separated by single spaces.

    Cached: language identification, the danger detector, the reader and the rule table
    each need the plain form of the same message or sentence (about 18 calls a message);
    a small in-memory cache of recent strings (never written anywhere) turns the repeats
    into look-ups."""
    text = text[:MAX_INPUT_CHARS]
    if text.isascii():
        # Most messages: nothing to compose, decompose or strip (the same result, faster).
        text = _APOSTROPHES.sub("", text.lower())
    else:
        text = unicodedata.normalize("NFKC", text).casefold()
        text = _APOSTROPHES.sub("", text)
        # Strip accents but keep letters of other scripts: decompose, drop combining marks.
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # One pass (it runs several times per message): the words, single-spaced.
    return " ".join(_WORD.findall(text))


def split_elisions(text: str) -> str:
    """French and Italian elisions become two words ("j'ai" -> "j ai", "l'aria" -> "l aria"),
    so "en finir" is found in "d'en finir"; English contractions ("i'm", "don't") are
    untouched. Only the danger checks use it: the knowledge base's phrase table expects
    the joined form."""
    return _ELISION.sub(r"\1 ", text[:DANGER_INPUT_CHARS])


class Normalizer:
    """Applies the phrase table; built once per knowledge base and shared by all requests."""

    def __init__(self, phrases: Mapping[str, str]) -> None:
        # Variants are themselves normalised, so the table can be written in any case or
        # with punctuation ("willis-ekbom").
        table: dict[str, str] = {}
        for variant, canonical in phrases.items():
            key = to_plain(variant)
            if key and key != canonical:
                table[key] = canonical
        self._table = table
        # One Aho-Corasick pass finds every phrase; a regular-expression alternation of
        # hundreds of phrases tried at every word cost a quarter of a millisecond per
        # question (measured), several times per long message.
        self._automaton: ahocorasick.Automaton | None = None
        if table:
            self._automaton = ahocorasick.Automaton()
            for key in table:
                self._automaton.add_word(key, key)
            self._automaton.make_automaton()

    def normalize(self, text: str) -> Normalized:
        plain = _AGE.sub(_age_group, to_plain(text))
        if self._automaton is None:
            return Normalized(plain, plain, ())
        # Whole words only, and at each place the longest phrase, leftmost first: what the
        # regular expression ``\b(?:longest|...|shortest)\b`` did.
        found: list[tuple[int, int, str]] = []
        size = len(plain)
        for end, key in self._automaton.iter(plain):
            start = end - len(key) + 1
            if (start == 0 or plain[start - 1] == " ") and (
                    end == size - 1 or plain[end + 1] == " "):
                found.append((start, -len(key), key))
        if not found:
            return Normalized(plain, plain, ())
        found.sort()
        pieces: list[str] = []
        replacements: list[tuple[str, str]] = []
        position = 0
        for start, _length, key in found:
            if start < position:
                continue
            canonical = self._table[key]
            pieces += [plain[position:start], canonical]
            replacements.append((key, canonical))
            position = start + len(key)
        pieces.append(plain[position:])
        return Normalized(plain, "".join(pieces), tuple(replacements))


_AGE = re.compile(r"\b(?:(\d{1,3}) ?(?:years?|yrs?|yr|y) ?(?:old|o)|(\d{1,3}) ?yo|aged? (\d{1,3})"
                  r"|(\d{2,3}) years(?! (?:ago|on|of|since|now|later|back)))\b")
"""An age in years: "my 12 year old", "a 70 year old", "aged 82", and after translation
"tiene 82 años" ("82 years"; a bare number of years only from 60 up, where it cannot be how
long someone has taken a medicine)."""
CHILD_UNTIL = 18
ELDERLY_FROM = 65
BARE_YEARS_FROM = 60
"""A number of years without "old" is an age only from here (below, it may be how long)."""


def _age_group(found: re.Match[str]) -> str:
    """The age as the word the knowledge base's examples use for it: "a 70 year old" is an
    older adult, not a child because "12 year old" shares "year old" with it."""
    years = int(next(g for g in found.groups() if g))
    bare = found.group(4) is not None
    if bare and years < BARE_YEARS_FROM:
        return found.group(0)
    if years < CHILD_UNTIL:
        # kept as written too: a child's age in another language arrives as "10 years"
        return f"child {found.group(0)}"
    return "elderly" if years >= ELDERLY_FROM else "adult"


# ------------------------------------------------------------------- long messages

_SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+|\n+|(?<=\?)(?=\S)")
ENGLISH_QUESTION_WORDS = frozenset({
    "what", "whats", "how", "why", "when", "where", "which", "who", "is", "are", "was",
    "can", "could", "would", "should", "shall", "will", "do", "does", "did", "am", "any",
    "anyone", "anything", "has", "have", "may", "might", "must", "tell", "explain", "wondering",
    "wonder", "need", "isnt", "arent", "cant", "wont", "shouldnt", "doesnt", "dont",
    "please", "pls", "help", "advice", "ok",
})
"""Words that open an asking sentence in English ("could the coffee be making it worse").
Other languages list theirs in ``knowledge/languages/<code>.yml`` (``question_words``)."""
_COMMA = re.compile(r",\s*")
_NOT_OPENERS = frozenset({"please", "pls", "help", "ok", "need", "advice"})
"""Question words that also end a clause ("..., please", "..., ok"): no cut before them."""
_RELATIVE = frozenset({"which", "who", "whom", "whose", "where", "when"})
"""Question words that, after a comma, usually open a relative clause ("I tried
ropinirole, which made me sick."): a cut there only when the clause ends by asking."""
MIN_FOCUS_WORDS = 20
"""Messages shorter than this are read whole: there is no backstory to set aside."""


@dataclass(frozen=True)
class Focus:
    """A long message split into the sentence(s) that ask and the backstory around them."""

    asking: str
    context: str
    before: str = ""  # the backstory sentence right before the first asking one


def split_sentences(text: str) -> list[str]:
    """Sentences as typed (punctuation kept, so a '?' still marks a question)."""
    return [s.strip() for s in _SENTENCE_END.split(text[:MAX_INPUT_CHARS]) if s.strip()]


def _asks(sentence: str, question_words: frozenset[str]) -> bool:
    stripped = sentence.rstrip()
    if stripped.endswith("?") or stripped.startswith("¿"):
        return True
    words = to_plain(sentence).split()
    return bool(words) and words[0] in question_words


def _clauses(sentence: str, question_words: frozenset[str]) -> list[str]:
    """A sentence cut at each comma that opens a question ("my husband kicks all night and
    his doctor wants him on it, will it make him dopey?"): one long sentence can carry
    both the story and the question, and only a comma separates them."""
    parts = _COMMA.split(sentence)
    clauses = [parts[0]]
    for part in parts[1:]:
        words = to_plain(part).split()
        if words and words[0] in question_words and words[0] not in _NOT_OPENERS and (
                words[0] not in _RELATIVE or part.rstrip().endswith("?")):
            clauses.append(part)
        else:
            clauses[-1] = f"{clauses[-1]}, {part}"
    return [c.strip() for c in clauses if c.strip()]


def focus(text: str, question_words: frozenset[str] = ENGLISH_QUESTION_WORDS, *,
          min_words: int = MIN_FOCUS_WORDS) -> Focus | None:
    """The asking sentence(s) of a long message, or ``None`` when it should be read whole.

    Why: in "I'm 67, diabetic, on metformin... Does gabapentin work for the legs?" the
    backstory has more words than the question and, read whole, outvotes it. The matcher
    gives the asking sentences full weight and the rest a small share (who, which medicine).
    With several asking sentences all count; with none the message is read whole (a guess
    at the question measured worse than no guess).
    """
    if len(text.split()) < min_words:
        return None
    sentences = [c for s in split_sentences(text) for c in _clauses(s, question_words)]
    if len(sentences) < 2:
        return None
    asking = [s for s in sentences if _asks(s, question_words)]
    if len(asking) == len(sentences):
        return None
    if not asking:
        return None
    rest = [s for s in sentences if s not in asking]
    first = sentences.index(asking[0])
    return Focus(" ".join(asking), " ".join(rest), sentences[first - 1] if first else "")

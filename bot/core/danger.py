"""Finding danger concepts in a message, in any of the six languages, typos included.

The old danger check was one regular expression per phrasing; every new way of saying the
same thing slipped through. This module instead finds *concepts* (wanting to die, a severe
state, too much taken, a symptom, a sedating mix, a child or pet, ...) from vocabularies in
``knowledge/danger/<lang>.yml``, sentence by sentence, and marks each finding as live or
discounted:

* a negation just before it ("not suicidal", "no trouble breathing") drops it;
* a question or plan just before it ("should i double up", "is it ok to take an extra")
  discounts it;
* a sentence that asks about a risk in general ("can it cause seizures"), imagines one
  ("what if my dog ate one") or tells of the past ("I had a seizure as a child") discounts
  it, unless the same sentence says it is happening now ("right now", "help", "my lips are");
* idioms ("this RLS is killing me", "dying to know") are removed before anything else.

Typos are handled by reading each sentence twice: as typed, and with unknown words
corrected towards the danger keywords (``sucide`` -> ``suicide``), with an edit distance
that counts a swap of two letters as one slip.

What the concepts *mean* together (crisis, emergency, poison help) is decided by the rule
table in ``safety.py``; this module only reports what it found. All languages are read for
every message, so a wrong language guess can never hide an emergency.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import pairwise
from re import _constants, _parser  # type: ignore[attr-defined]
from typing import Any, Protocol

import ahocorasick
from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.normalize import split_elisions, to_plain

_SENTENCE_END = re.compile(r"[.!?;:\n\r…¿¡]+|\s+(?:but|pero|aber)\s+",
                           re.IGNORECASE)
_WORD = re.compile(r"[a-z]+")
_ASIDE = re.compile(r"\([^()]*\)")
_LAUGHING = re.compile("[\U0001F602\U0001F923\U0001F606\U0001F605\U0001F639\U0001F644]")
"""Laughing emoji, and the rolled eyes of "she says she'll die every time she sees the bill
🙄": plain text drops them, so they are read as the word "lol" is."""
NEGATION_WINDOW = 4
CONDITION_WINDOW = 6
"""Words before a negation in which "if" makes it the condition's ("si esta vez no ...")."""
"""Words before a concept that a negation may stand in ("i am not really suicidal")."""
ASKING_WINDOW = 4
"""Words before a concept that may ask about it rather than report it ("should i double
up", "is it ok to take an extra one")."""
WARNING_WINDOW = 6
"""Words before a crisis word that may show it is the medicine's warning being asked about
("the leaflet says it can cause suicidal thoughts")."""
CONTEXT = frozenset({"other_person", "self_person", "medicine", "young"})
"""Who and what a sentence is about: never asked about or denied themselves (the event or
state beside them is)."""
NOT_ASKABLE = frozenset({"crisis", "lethal", "farewell", "despair", "means", "denial"})
""""I want to die" is never a question about dying, however it is framed."""
SHORT_CLAUSE = 5
QUOTE_OPENING = 2
"""Words before a leaflet's name that still open a quotation ("la notice dit", "my info
sheet says")."""
DATING_REACH = 24
"""How far into "that was 3 years ago" (characters) its time may start to date the sentence
before."""
TOLD_WINDOW = 3
"""Words before a negation in which someone's words passed on are looked for ("dice que")."""
"""A clause this short right after a concept can still date it ("..., years ago")."""
CLAUSE = " ; "
"""Joins a sentence's comma-separated clauses: no bounded word gap in a pattern crosses it."""
LONG_WORD = 10
"""Words this long may be two slips away from a keyword ("umzubrngen"); shorter ones one
("sucide"), so that "checking" never becomes "choking"."""
MIN_CORRECTED_LENGTH = 3
"""A three-letter word is corrected only into a longer keyword ("kil" -> "kill")."""


class Searchable(Protocol):
    """What the detector asks of a marker: a compiled pattern or an :class:`Alternation`."""

    def search(self, text: str, pos: int = ..., endpos: int = ...) -> re.Match[str] | None:
        ...

    def finditer(self, text: str, pos: int = ..., endpos: int = ...
                 ) -> Iterator[re.Match[str]]:
        ...


@dataclass(frozen=True)
class DangerText:
    """A fixed reply (or one line) in one language, with the sources that support it."""

    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Lexicon:
    """Every language's vocabulary compiled together; built once by the loader."""

    concepts: Mapping[str, tuple[re.Pattern[str], ...]]  # one compiled pattern per entry
    negation: re.Pattern[str]
    subject: Mapping[str, re.Pattern[str]]  # language -> words that start a new clause
    asking: Searchable
    warning: Searchable
    question: Searchable
    hypothetical: Searchable
    history: Searchable
    present: Searchable
    now: Searchable
    resolved: Searchable
    reported: Searchable
    joking: Searchable
    leaflet: Searchable
    told: re.Pattern[str]  # someone's words passed on: "last night he told me he'd end it"
    false_negation: Mapping[str, frozenset[str]]  # language -> words that do not negate
    false_friends: Mapping[str, frozenset[str]]  # language -> other languages' danger words
    # language -> words that open a condition ("si", "wenn"): a negation right after one
    # belongs to the condition ("si no le funciona, se va a quitar la vida")
    conditional: Mapping[str, frozenset[str]]
    # first words that take back the sentence before ("enfin", "cioè", "actually"): "j'ai
    # fait une overdose... enfin j'ai pris ma dose normale". Every language's at once:
    # sentences are split before a concept asks which language negates how.
    correction: frozenset[str]
    # first words of a clause that continues the one before ("muss ich Angst haben, dass
    # ich nicht mehr aufwache"): what imagines or fears in that clause reaches into it
    complement: frozenset[str]
    # words that open the main clause after a condition ("couldn't remember if i took it so
    # i took another"): a condition before one of these does not reach past it
    result: frozenset[str]
    # first words of a sentence that dates the one before ("... thought about ending it.
    # That was 3 years ago"): a time in the past said there puts that sentence in the past
    looking_back: frozenset[str]
    idioms: tuple[re.Pattern[str], ...]
    keywords: tuple[str, ...]
    known_words: frozenset[str]
    replies: Mapping[str, Mapping[str, DangerText]]  # language -> key -> text
    # literal -> how many training sentences contain it (danger/common.json): anchors are
    # chosen among a pattern's mandatory parts as the rarest, not merely the longest.
    common: Mapping[str, int] = field(default_factory=dict)
    # language -> "one"/"many" -> the heading over a danger reply's sources ("Fuentes:")
    sources_titles: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    concept: str
    sentence: int
    span: str
    live: bool  # False: asked about, imagined or in the past
    denied: bool = False  # "not suicidal", "no trouble breathing": said, then denied


@dataclass(frozen=True)
class Findings:
    hits: tuple[Hit, ...] = ()
    corrections: tuple[str, ...] = ()
    sentences: tuple[str, ...] = field(default=(), repr=False)
    ends_asking: bool = False  # the last sentence ends with "?" ("???" is alarm, not asking)
    read: tuple[_Sentence, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def settled(self) -> bool:
        """Some sentence says it is over or never happened ("but i noticed before taking
        any", "vet said no harm done"): read only when the learned model would speak."""
        return any(s.resolved for s in self.read)

    @cached_property
    def joking(self) -> bool:
        """Every sentence laughs or says it is a joke ("she says she'll die every time she
        sees the bill lol"); a laugh about something else in a longer story ("gave my sis
        my hoodies, she was so happy lol") does not make the story a joke."""
        return bool(self.read) and all(s.joking for s in self.read)

    @cached_property
    def _by_concept(self) -> dict[str, tuple[Hit, ...]]:
        """The hits of each concept: the rule table asks about a few concepts dozens of
        times per message, so each question reads only that concept's hits."""
        grouped: dict[str, list[Hit]] = {}
        for h in self.hits:
            grouped.setdefault(h.concept, []).append(h)
        return {concept: tuple(hits) for concept, hits in grouped.items()}

    def live(self, concept: str) -> bool:
        return any(h.live for h in self._by_concept.get(concept, ()))

    def seen(self, concept: str) -> bool:
        return any(not h.denied for h in self._by_concept.get(concept, ()))

    def denied(self, *concepts: str) -> bool:
        return any(h.denied for c in concepts for h in self._by_concept.get(c, ()))

    def in_one_sentence(self, *concepts: str, live_only: bool = True) -> bool:
        """All of ``concepts`` in one sentence or two neighbouring ones ("Toddler found a
        pill under the couch. Can't tell if he swallowed any.")."""
        by_sentence: dict[int, set[str]] = {}
        for h in self.hits:
            if h.live or (not live_only and not h.denied):
                by_sentence.setdefault(h.sentence, set()).add(h.concept)
        return any(set(concepts) <= found | by_sentence.get(n + 1, set())
                   for n, found in by_sentence.items())

    def count(self, *concepts: str, live_only: bool = True) -> int:
        """How many different live findings of ``concepts`` ("letters to my kids" and "thank
        you for everything" are two goodbyes); with ``live_only`` false, every finding not
        denied (laughed about, or in the past). Two patterns that found the same words
        ("testament" inside "testament gemacht") are one finding, not two."""
        found = {(h.sentence, h.span) for concept in concepts
                 for h in self._by_concept.get(concept, ())
                 if (h.live if live_only else not h.denied)}
        return sum(not any(n == m and span != other and span in other
                           for m, other in found)
                   for n, span in found)

    def spans(self, concept: str) -> tuple[Hit, ...]:
        return self._by_concept.get(concept, ())


class _Index:
    """Patterns found through their anchors: one Aho-Corasick pass over a text names the
    patterns worth trying there (the others cannot match, lacking every anchor)."""

    def __init__(self, patterns: Iterable[tuple[str, re.Pattern[str]]],
                 common: Mapping[str, int] | None = None) -> None:
        self.patterns = list(patterns)
        self._always: list[int] = []
        self._automaton = ahocorasick.Automaton()
        by_anchor: dict[str, list[int]] = {}
        for index, (_name, pattern) in enumerate(self.patterns):
            found = anchors(pattern.pattern, common)
            if found is None:
                self._always.append(index)
            for anchor in found or ():
                by_anchor.setdefault(anchor, []).append(index)
        for anchor, indexes in by_anchor.items():
            self._automaton.add_word(anchor, tuple(indexes))
        self._indexed = bool(by_anchor)
        if self._indexed:
            self._automaton.make_automaton()

    def candidates(self, text: str) -> list[tuple[str, re.Pattern[str]]]:
        chosen = set(self._always)
        if self._indexed:
            for _end, indexes in self._automaton.iter(text):
                chosen.update(indexes)
        return [self.patterns[i] for i in sorted(chosen)]


class _Sentence:
    """A sentence's clauses; what its markers say is read only when a concept in it needs
    it (most sentences have none), then kept for its other concepts."""

    def __init__(self, clauses: tuple[str, ...], ends_with_question: bool,
                 lexicon: Lexicon, aside_free: str = "") -> None:
        self.clauses = clauses
        self.text = CLAUSE.join(clauses)
        # The sentence without what it says in brackets: a laugh or a "child proof" in an
        # aside ("got the bottle open (so much for child proof lol)") is about the aside,
        # not the sentence.
        self.aside_free = aside_free or self.text
        self.ends_with_question = ends_with_question
        self._lex = lexicon
        # the sentence after "but", or one that opens with a correction word, if any
        self.answered_by: _Sentence | None = None
        # the next sentence opens with a laugh or "joking obviously": it takes this one back
        self.taken_back = False
        # the next sentence dates this one: "that was 3 years ago"
        self.dated = False

    @cached_property
    def now(self) -> bool:
        return bool(self._lex.now.search(self.text))

    @cached_property
    def quoted(self) -> bool:
        """The sentence opens by quoting the leaflet ("info sheet says get help straight away
        if your face swells"): what follows is the leaflet's, however long."""
        found = self._lex.leaflet.search(self.text)
        return found is not None and len(self.text[:found.start()].split()) <= QUOTE_OPENING

    @cached_property
    def hypothetical(self) -> bool:  # "what if my dog ate one"
        return bool(self._lex.hypothetical.search(self.aside_free))

    @cached_property
    def asked(self) -> bool:
        """A question about a risk, not overridden by "now" or a reported event."""
        lex = self._lex
        present = self.now or self.reported or bool(lex.present.search(self.text))
        return bool(lex.question.search(self.text) or self.ends_with_question) and not present

    @cached_property
    def reported(self) -> bool:  # "took", "swallowed", "gave him": something taken
        return bool(self._lex.reported.search(self.text))

    @cached_property
    def resolved(self) -> bool:  # "vet said no harm done"
        return bool(self._lex.resolved.search(self.text)) or (
            self.answered_by is not None and self.answered_by.resolved)

    @cached_property
    def joking(self) -> bool:  # "I'll jump off a bridge haha", unless "not even joking"
        return (self.taken_back or bool(self._lex.joking.search(self.aside_free))) and (
            not self.now)

    @cached_property
    def past(self) -> tuple[bool, ...]:
        """Per clause: a past time said in it or an earlier clause, or in a clause right
        after that is only a time ("I once took double by mistake, couple of months ago";
        not "..., started gabapentin last month")."""
        if self.dated:
            return tuple(True for _ in self.clauses)
        said = [self._lex.history.search(clause) for clause in self.clauses]
        past: list[bool] = []
        for k in range(len(self.clauses)):
            following = said[k + 1] if k + 1 < len(self.clauses) else None
            after = following is not None and following.start() == 0 and len(
                self.clauses[k + 1].split()) <= SHORT_CLAUSE
            past.append(bool(past and past[-1]) or bool(said[k]) or after)
        return tuple(past)


class Detector:
    """Reads a message for danger concepts; one per knowledge base, shared and read-only."""

    def __init__(self, lexicon: Lexicon, vocabulary: Iterable[str] = (),
                 common: frozenset[str] = frozenset()) -> None:
        """``vocabulary``: real words never "corrected" into a danger keyword; ``common``,
        the same for a large shared list (the most frequent English words), kept as it is
        rather than copied into a union: the ``rls-bot ask`` process has a memory budget."""
        self._lexicon = lexicon
        self._known = lexicon.known_words | frozenset(vocabulary)
        self._common = common
        self._keywords = lexicon.keywords
        self._by_length: dict[int, tuple[str, ...]] = {}
        self._nearest = lru_cache(maxsize=4096)(self._nearest_keyword)  # per word, not message
        # Hundreds of patterns tried one after another at every word would cost milliseconds.
        # Each pattern instead names the literal text any match of it must contain (its
        # anchors, read from the pattern itself); one Aho-Corasick pass over the sentence
        # finds which anchors occur, and only their patterns are tried.
        self._concepts = _Index(((concept, pattern)
                                 for concept, patterns in lexicon.concepts.items()
                                 for pattern in patterns), lexicon.common)
        self._idioms = _Index((("idiom", pattern) for pattern in lexicon.idioms),
                              lexicon.common)
        # every language's words for "if", at once (a clause's condition, see _imagined)
        self._conditions = frozenset().union(*lexicon.conditional.values())

    def anchors_of(self, pattern: re.Pattern[str]) -> frozenset[str] | None:
        """The anchors this detector chose for one of its patterns (see ``anchors``)."""
        return anchors(pattern.pattern, self._lexicon.common)

    def sentences(self, text: str) -> list[str]:
        """``text``'s sentences in the plain form the patterns are searched in."""
        return [sentence.text for sentence in self._sentences(text)]

    @property
    def lexicon(self) -> Lexicon:
        return self._lexicon

    def find(self, text: str, lang: str = "en") -> Findings:
        """Danger concepts in ``text``; ``lang`` (the message's language) only says which
        words do not negate there (Portuguese "no" means "in the")."""
        hits: list[Hit] = []
        corrections: list[str] = []
        sentences: list[str] = []
        friends = self._lexicon.false_friends.get(lang, frozenset())
        read = self._sentences(text)
        for index, sentence in enumerate(read):
            plain = sentence.text
            sentences.append(plain)
            corrected, fixed = self._correct(plain)
            corrections.extend(fixed)
            seen: set[tuple[str, str]] = set()
            for variant in (plain, corrected) if corrected != plain else (plain,):
                for concept, match in self._matches(variant):
                    key = (concept, match.group(0))
                    if match.group(0) in friends or key in seen:
                        continue
                    seen.add(key)
                    if concept not in CONTEXT and self._negated(
                            variant, match.start(), lang, concept):
                        hits.append(Hit(concept, index, match.group(0), False, True))
                        continue
                    live = concept in CONTEXT or self._live(
                        concept, variant, match.start(), sentence, message=read)
                    hits.append(Hit(concept, index, match.group(0), live))
        return Findings(tuple(hits), tuple(corrections), tuple(sentences),
                        bool(read) and read[-1].ends_with_question, tuple(read))

    def _matches(self, text: str) -> Iterator[tuple[str, re.Match[str]]]:
        """Every concept pattern's matches in ``text``, pattern by pattern; only patterns
        whose anchors occur in it are tried."""
        for concept, pattern in self._concepts.candidates(text):
            for match in pattern.finditer(text):
                yield concept, match

    def _sentences(self, text: str) -> list[_Sentence]:
        """Each sentence as its comma-separated clauses in plain form (idioms removed), with
        what its markers say."""
        raw = _LAUGHING.sub(" lol ", split_elisions(text))
        # A sentence that ends with "?" asks; unless it also says "now", what it names is
        # asked about, not happening.
        # "is this bad?" asks; "face drooping on one side???" or "?!" is alarm, not a
        # question about a risk (its words decide: "how long does it last???" still asks).
        found = list(_SENTENCE_END.finditer(raw))
        ends = [m.group(0).count("?") == 1 and "!" not in m.group(0) for m in found]
        # "gave me 600s instead of 300s, but i noticed before taking any": an outcome
        # after "but", or after a correction ("enfin", "cioè"), settles the sentence it
        # answers.
        turns = [m.group(0).strip().isalpha() for m in found]
        result: list[_Sentence] = []
        previous: _Sentence | None = None
        for n, part in enumerate(_SENTENCE_END.split(raw)):
            clauses = tuple(c for c in (self._without_idioms(to_plain(piece))
                                        for piece in part.split(",")) if c)
            if clauses:
                aside_free = to_plain(_ASIDE.sub(" ", part)) if "(" in part else ""
                sentence = _Sentence(clauses, n < len(ends) and ends[n], self._lexicon,
                                     aside_free)
                if previous is not None and n > 0 and (
                        turns[n - 1] or clauses[0].split(" ", 1)[0] in self._lexicon.correction):
                    previous.answered_by = sentence
                if previous is not None and self._takes_back(clauses[0]):
                    previous.taken_back = True  # "i'd rather be dead. joking obviously"
                if previous is not None and self._dates_back(clauses[0]):
                    previous.dated = True  # "... thought about ending it. that was years ago"
                result.append(sentence)
                previous = sentence
            else:
                previous = None
        return result

    def _takes_back(self, clause: str) -> bool:
        """A sentence that opens by laughing or saying it was a joke ("joking obviously,
        but it was awful"), and does not say it is meant."""
        found = self._lexicon.joking.search(clause)
        return (found is not None and found.start() == 0
                and not self._lexicon.now.search(clause))

    def _dates_back(self, clause: str) -> bool:
        """A sentence that opens by pointing back and saying when ("that was 3 years ago",
        "eso fue hace años"): it dates the sentence before, not itself."""
        if not any(clause.startswith(f"{opening} ") for opening in self._lexicon.looking_back):
            return False
        found = self._lexicon.history.search(clause)
        return found is not None and found.start() <= DATING_REACH

    def _without_idioms(self, plain: str) -> str:
        for _name, idiom in self._idioms.candidates(plain):
            plain = idiom.sub(" ", plain)
        return _squeeze(plain)

    def _live(self, concept: str, text: str, start: int, sentence: _Sentence, *,
              message: Sequence[_Sentence] = ()) -> bool:
        """Happening now, rather than asked about, imagined, denied or in the past.

        A plan or a question in general ("what if my dog ate one") stays hypothetical
        whatever else the sentence says; a question can be overridden by "it is happening
        now" or a reported event ("i took 600 instead of 300, is that bad?"). A time in the
        past counts in the concept's clause or an earlier one; an outcome that is over ("vet
        said no harm done") counts anywhere in the sentence.
        """
        lex = self._lexicon
        clause = min(text[:start].count(CLAUSE), len(sentence.past) - 1)
        # Laughing makes a threat or a symptom hyperbole ("i'll jump off a bridge haha",
        # "my legs were having a seizure lol"), but does not undo what someone reports
        # taking: "took both doses together lol, is that bad" is still a double dose.
        # "lol ... enough to sleep forever. not joking": a sentence of the message that says
        # it is meant (or happening now) takes the laugh out of the others.
        joking = sentence.joking and (concept in NOT_ASKABLE or not sentence.reported) and (
            not any(other.now for other in message))
        past = sentence.resolved or joking or (
            not sentence.now and sentence.past[clause])
        if concept in ("lethal", "affairs"):
            # A hedge ("hypothetically", "asking for a friend") changes nothing; affairs put
            # in order "just in case" are the sign itself, not an imagined deed.
            return not past
        if concept not in NOT_ASKABLE and (self._lexicon.leaflet.search(
                " ".join(text[:start].split()[-WARNING_WINDOW:]))
                or (sentence.quoted and clause == 0)):
            return False  # "the leaflet says angioedema, what is that"
        told = [m.end() for m in lex.told.finditer(text, 0, start)]
        if concept in NOT_ASKABLE and told and not (sentence.resolved or sentence.joking):
            # A wish to die passed on ("years of this, and last night he told me he'll end
            # it"): a time before the telling does not put the wish in the past; a time
            # after it ("told me last year she wanted to die") does.
            return not (lex.hypothetical.search(text[:start])
                        or lex.history.search(text[told[-1]:])
                        or (concept == "crisis" and self._warned(text, start)))
        if concept in NOT_ASKABLE:
            # Wanting to die is never a question, but may be the medicine's warning asked
            # about, imagined before it was said ("what if I feel suicidal"), or the past.
            # "if i take them all" is itself the threat: only what comes before counts.
            # Only in its own clause: "what happens if you take them all, i don't care
            # what happens to me anymore" imagines the first and says the second.
            clauses = text[:start].split(CLAUSE)
            own = clauses[-1]
            if len(clauses) > 1 and own.split(" ", 1)[0] in lex.complement:
                own = f"{clauses[-2]} {own}"
            imagined = bool(lex.hypothetical.search(own))
            return not (imagined or past or (concept == "crisis" and self._warned(text, start)))
        return not (self._imagined(text, start, sentence) or past or sentence.asked
                    or self._asked(text, start))

    def _imagined(self, text: str, start: int, sentence: _Sentence) -> bool:
        """The sentence imagines something, and not just in another clause: "what happens
        if i take too much by mistake, i took my morning dose twice" imagines the first
        clause and reports the second (a report in its own clause, with nothing imagined
        there, is said)."""
        if not sentence.hypothetical:
            return False
        begin = text.rfind(CLAUSE, 0, start)
        begin = 0 if begin < 0 else begin + len(CLAUSE)
        end = text.find(CLAUSE, start)
        end = len(text) if end < 0 else end
        lex = self._lexicon
        # "couldn't remember if i took it so i took another one": after "so", the main clause
        before = text[begin:start].split()
        cut = max((n for n, word in enumerate(before) if word in lex.result), default=-1)
        if cut >= 0:
            begin += len(" ".join(before[:cut + 1])) + 1
        if not lex.reported.search(text[begin:end]):
            return True
        if self._conditions & set(text[begin:start].split()):
            return True  # "if my son took some, ...": the clause is a condition
        # Imagined only if what imagines reaches into this clause ("if my son took some,
        # how dangerous would that be" is one conditional across the comma).
        return any(m.start() < end and m.end() > begin
                   for m in lex.hypothetical.finditer(text))

    def _negated(self, text: str, start: int, lang: str, concept: str = "") -> bool:
        """A negation in the few words before, with no new clause in between: "not
        suicidal" is denied, "if it doesnt work he's going to end it" is not. A concept that
        is itself said with a negation ("non sa dove si trova", "can't breathe") is not
        undone by another one before it. A child's word passed on ("a capsule is missing,
        he says he didn't eat it") does not deny an event either; a denial of a wish to die
        is kept even when passed on ("she says she's not suicidal")."""
        first = text[start:].split(" ", 1)[0]
        if self._lexicon.negation.fullmatch(first):
            return False
        before = text[:start].split()[-NEGATION_WINDOW:]
        not_here = self._lexicon.false_negation.get(lang, frozenset())
        # Spanish "he" is "I have", not a new subject: only the message's language says.
        starts_clause = self._lexicon.subject.get(lang) or self._lexicon.subject["en"]
        words = text[:start].split()
        for at in range(len(words) - 1, len(words) - 1 - len(before), -1):
            word = words[at]
            if word == CLAUSE.strip():
                return False
            if word not in not_here and self._lexicon.negation.fullmatch(word):
                if set(words[max(0, at - CONDITION_WINDOW):at]) & self._lexicon.conditional.get(
                        lang, frozenset()):
                    return False  # "if it doesn't work, he'll ..." : the condition's own
                said = " ".join(words[max(0, at - TOLD_WINDOW):at])
                return concept in NOT_ASKABLE or not (said and self._lexicon.told.search(said))
            if starts_clause.fullmatch(word):
                return False
        return False

    def _asked(self, text: str, start: int) -> bool:
        """Asked or imagined in the few words before; the concept's own first word is kept
        after them so a marker can tell "is it bad if i take two" (asked) from "is it bad
        if i took two" (reported)."""
        before = " ".join(text[:start].split()[-ASKING_WINDOW:])
        word = text[start:].split(" ", 1)[0]
        return bool(before) and bool(self._lexicon.asking.search(f"{before} {word}"))

    def _warned(self, text: str, start: int) -> bool:
        before = " ".join(text[:start].split()[-WARNING_WINDOW:])
        return bool(before) and bool(self._lexicon.warning.search(before))

    def _correct(self, plain: str) -> tuple[str, list[str]]:
        """Unknown words one slip away from a danger keyword become that keyword."""
        words = plain.split()
        fixed: list[str] = []
        for i, word in enumerate(words):
            if (len(word) < MIN_CORRECTED_LENGTH or word in self._known or word in self._common
                    or not word.isalpha()):
                continue
            meant = self._nearest(word)
            # A first letter added or dropped is another word, not a slip: Italian
            # "venuto" (came) is not "svenuto" (fainted).
            if meant is not None and meant != word and meant[1:] != word \
                    and word[1:] != meant and (
                    len(word) > MIN_CORRECTED_LENGTH or len(meant) > len(word)):
                fixed.append(f"{word}->{meant}")
                words[i] = meant
        return " ".join(words), fixed

    def _nearest_keyword(self, word: str) -> str | None:
        limit = 1 if len(word) < LONG_WORD else 2
        # A keyword more than ``limit`` letters longer or shorter is never that close.
        near = self._by_length.get(len(word))
        if near is None:
            near = self._by_length[len(word)] = tuple(
                k for k in self._keywords if abs(len(k) - len(word)) <= limit)
        best = process.extractOne(word, near, scorer=OSA.distance, score_cutoff=limit)
        return None if best is None else str(best[0])


class Alternation:
    """A marker's many alternatives (every language's), searched through their anchors.

    One regular expression of hundreds of alternatives is tried alternative by alternative
    at every position of a sentence: 50-110 microseconds per sentence for the larger
    markers, the largest share of reading a long message. Split into its alternatives,
    each with the literal text any match must contain, it is searched only with those
    whose anchors occur. The leftmost match wins and, at one position, the earlier
    alternative, as in the single expression it replaces."""

    def __init__(self, alternatives: Iterable[str], *, words: bool,
                 common: Mapping[str, int] | None = None) -> None:
        patterns = [re.compile(rf"\b(?:{a})\b" if words else a)
                    for a in dict.fromkeys(alternatives)]
        self._index = _Index((("", p) for p in patterns), common)
        self.pattern = "|".join(p.pattern for p in patterns)

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
        end = len(text) if endpos is None else endpos
        best: re.Match[str] | None = None
        for _name, pattern in self._index.candidates(text):
            found = pattern.search(text, pos, end)
            if found is not None and (best is None or found.start() < best.start()):
                best = found
        return best

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None
                 ) -> Iterator[re.Match[str]]:
        end = len(text) if endpos is None else endpos
        while pos <= end:
            found = self.search(text, pos, end)
            if found is None:
                return
            yield found
            pos = found.end() if found.end() > found.start() else found.end() + 1


def alternatives(pattern: str) -> list[str]:
    """``pattern``'s top-level alternatives, with a group that spans a whole alternative
    (``\\b(a|b)\\b``) opened up into one alternative per branch, so that each can be
    anchored on its own."""
    out: list[str] = []
    for part in _split_top(pattern):
        opened = _open_group(part)
        out.extend(alternatives(opened[1]) and [f"{opened[0]}(?:{b}){opened[2]}"
                                                for b in alternatives(opened[1])]
                   if opened else [part])
    return out


def _structure(pattern: str) -> Iterator[tuple[int, str, int]]:
    """Each character of ``pattern`` outside escapes and character classes, with the group
    depth before it: what splitting a pattern at its top level needs to see."""
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1:i + 2] == "]":
                i += 1
        else:
            yield i, c, depth
            depth += {"(": 1, ")": -1}.get(c, 0)
        i += 1


def _split_top(pattern: str) -> list[str]:
    cuts = [i for i, c, depth in _structure(pattern) if c == "|" and depth == 0]
    bounds = [-1, *cuts, len(pattern)]
    return [pattern[a + 1:b] for a, b in pairwise(bounds)]


def _open_group(part: str) -> tuple[str, str, str] | None:
    """(before, inside, after) when ``part`` is an optional ``\\b``, one plain group and an
    optional ``\\b``, and the group holds alternatives; otherwise None."""
    prefix = "\\b" if part.startswith("\\b") else ""
    rest = part[len(prefix):]
    opener = "(?:" if rest.startswith("(?:") else "(" if rest.startswith("(") and not (
        rest.startswith("(?")) else ""
    if not opener:
        return None
    suffix = "\\b" if rest.endswith(")\\b") else ""
    body = rest[:len(rest) - len(suffix)] if suffix else rest
    if not body.endswith(")"):
        return None
    inside = body[len(opener):-1]
    # The group must close at the very end: its body is balanced on its own.
    if not _balanced(inside):
        return None
    if len(_split_top(inside)) < 2:
        return None
    return prefix, inside, suffix


def _balanced(text: str) -> bool:
    """Every group of ``text`` closes within it, and none closes that it did not open."""
    depth = 0
    for _i, c, before in _structure(text):
        if c == ")" and before == 0:
            return False
        depth = before + {"(": 1, ")": -1}.get(c, 0)
    return depth == 0


def anchors(pattern: str, common: Mapping[str, int] | None = None) -> frozenset[str] | None:
    """Literal strings of which every match of ``pattern`` contains at least one, or None
    when no such set can be read from it (then the pattern is always tried). Read from the
    parsed pattern, so optional parts ("pills?"), classes and escapes never count.

    ``common``: how many sentences of ordinary use contain a literal (``literals`` lists
    them). Every mandatory part of a pattern is a correct anchor set; the rarest rejects the
    most sentences. "gabapentin" is long but in nearly every message here: a pattern
    "(gabapentin|pills) ... under the mattress" is better anchored on "mattress". Without
    counts, or among parts equally rare, the set whose shortest member is longest wins."""
    try:
        found = _necessary(list(_parser.parse(pattern)), common or {})
    except (re.error, TypeError, ValueError):
        return None
    return frozenset(found) if found else None


def literals(pattern: str) -> set[str]:
    """Every literal run of ``pattern``, as ``anchors`` may choose it (what
    ``danger/common.json`` counts)."""
    out: set[str] = set()
    with contextlib.suppress(re.error, TypeError, ValueError):
        _walk(list(_parser.parse(pattern)), out)
    return out


def _pieces(items: list[Any]) -> Iterator[tuple[str, Any, Any]]:
    """A parsed sequence as its literal runs (``(run, None, None)``) and its other
    elements (``("", op, value)``), in order: what ``literals`` and ``anchors`` both read."""
    run = ""
    for op, value in items:
        if op is _constants.LITERAL:
            run += chr(value)
            continue
        if run.strip():
            yield run, None, None
        run = ""
        yield "", op, value
    if run.strip():
        yield run, None, None


def _walk(items: list[Any], out: set[str]) -> None:
    for run, op, value in _pieces(items):
        if run:
            out.add(run)
        elif op is _constants.SUBPATTERN:
            _walk(list(value[-1]), out)
        elif op is _constants.BRANCH:
            for branch in value[1]:
                _walk(list(branch), out)
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT):
            _walk(list(value[2]), out)


def _necessary(items: list[Any], common: Mapping[str, int]) -> set[str] | None:
    """For a sequence, the most selective set among its mandatory parts."""
    options: list[set[str]] = []
    for run, op, value in _pieces(items):
        part: set[str] | None = {run} if run else None
        if op is _constants.SUBPATTERN:
            part = _necessary(list(value[-1]), common)
        elif op is _constants.BRANCH:
            branches = [_necessary(list(b), common) for b in value[1]]
            part = set().union(*branches) if all(branches) else None  # type: ignore[arg-type]
        elif op in (_constants.MAX_REPEAT, _constants.MIN_REPEAT) and value[0] >= 1:
            part = _necessary(list(value[2]), common)
        if part:
            options.append(part)
    if not options:
        return None
    return min(options, key=lambda o: (sum(common.get(a, 0) for a in o),
                                       -min(len(a.strip()) for a in o), len(o)))


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def literal_words(patterns: Iterable[str]) -> frozenset[str]:
    """Words written out in the patterns: never "corrected" into something else."""
    return frozenset(w for p in patterns for w in _WORD.findall(p) if len(w) >= 2)

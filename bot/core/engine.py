"""The answer engine: question in, decision and reply out. No Telegram here.

Order matters and is the product's safety promise: empty input -> danger concepts and the
safety rule table (urgent help first, routes for other medicines and other uses) -> fuzzy
matching -> composition.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from bot.core import compose, language
from bot.core.danger import Detector, Findings
from bot.core.kb import KnowledgeBase
from bot.core.matcher import Decision, Matcher, Why
from bot.core.normalize import MAX_INPUT_CHARS, Normalized, to_plain
from bot.core.reading import BACK_REFERENCES, Reader, Reading
from bot.core.reply import Reply
from bot.core.safety import SafetyCheck, Tier, check
from bot.core.spelling import common_english

ROUTE_FINER_SCORE = 50.0
"""A routed question goes to a finer intent only on a clear match: "horizant price" shares
one word with "taking horizant on a plane" and stays with the intent it was routed to."""
ASKED_OVERRIDES_ROUTE = 35.0
"""The asking part of a long message must match this well to answer instead of a route
read from its backstory (tests/data/ROUNDS.md, round 6)."""
POLITENESS_FROM_WORDS = 4
"""Content words from which a greeting or thank-you in front of a question is ignored."""
OTHER_SCRIPT_LETTERS = 4
"""Letters from which a message mostly in another script gets the note on languages."""


@dataclass(frozen=True)
class Result:
    decision: Decision
    reply: Reply
    truncated: bool = False
    language: str = language.DEFAULT  # identified once (language.detect), read in it
    tier: Tier | None = None  # which danger reply was sent, if any


OPENED_QUESTION = 75.0
"""How well what follows a greeting must match another small-talk answer to replace it:
"what can you do" does (83); "how are you doing", "hope you can help me" or "im new here"
only brush against the help answer and stay a greeting."""


class Engine:
    """Holds one knowledge base and its index; swap the whole Engine to reload."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.reader = Reader(kb)
        self._language_words = self.reader.identifying_words(kb.language_words)
        self.matcher = Matcher(kb, self.reader.extra_examples())
        # Words of the knowledge base's examples are real words: never "corrected" into a
        # danger keyword ("smelling" stays, "sucide" becomes "suicide").
        # Nor are the most common English words ("checking" is not "choking").
        vocabulary = {w for intent in kb.intents.values() for example in intent.examples
                      for w in to_plain(example).split()}
        self.detector = Detector(kb.danger, vocabulary, common_english())
        # The words greetings are made of ("hello", "morning", "bot"): what is left of a
        # message without them is the question a greeting opened.
        self._greeting_words = frozenset(
            w for example in kb.intents[kb.roles.greeting].examples
            for w in kb.normalizer.normalize(example).tokens) - kb.stopwords

    _last: tuple[KnowledgeBase, Engine] | None = None

    @classmethod
    def shared(cls, kb: KnowledgeBase) -> Engine:
        """The engine of ``kb``, built once: an Engine is read-only and costs most of a
        second to build (reading, indexes, the danger automaton), so an application built
        again on the same knowledge base (a restart in-process, every test) reuses it. One
        slot: a reload brings a new knowledge base, and the old engine goes with it."""
        last = cls._last
        if last is not None and last[0] is kb:
            return last[1]
        engine = cls(kb)
        cls._last = (kb, engine)
        return engine

    def ask(self, question: str, *, feedback: bool = False,
            language_hint: str | None = None) -> Result:
        """Answer one message. ``language_hint`` is Telegram's ``language_code``, if any."""
        truncated = len(question) > MAX_INPUT_CHARS
        lang = self.language_of(question, language_hint)
        findings = self.detector.find(question, lang)
        # Read in that language: into English words, spelling corrected, the asking
        # sentence(s) of a long message apart from the backstory (bot/core/reading.py).
        reading = self.reader.read(question, lang)
        normalized = reading.whole
        safety = check(normalized, findings, self.kb.safety, self.kb.roles, text=question,
                       model=self.kb.danger_model)
        if truncated and safety.verdict != "urgent":
            # Only the first MAX_INPUT_CHARS are read; a long story may end with the danger
            # ("... and tonight I took the whole bottle"), so its end is checked as well.
            tail = question[-MAX_INPUT_CHARS:]
            at_end = check(self.reader.read(tail, lang).whole, self.detector.find(tail, lang),
                           self.kb.safety, self.kb.roles, text=tail,
                           model=self.kb.danger_model)
            if at_end.verdict == "urgent":
                safety = at_end
        if safety.verdict == "urgent":
            why = Why(normalized.canonical, corrections=findings.corrections, rule=safety.rule)
            decision = Decision("answer", safety.intent_id, 100.0, (), why)
            return Result(decision, self._urgent(safety, lang), truncated, lang,
                          safety.tier or "emergency")
        if safety.verdict == "weak" and self.matcher.unknown_words(normalized):
            # "side effects of metformin": a subject we know nothing about.
            safety = replace(safety, verdict="route", intent_id=None, rule="unknown_subject")
        if self._asked_elsewhere(reading):
            decision = Decision("fallback", None, 0.0, (), Why(
                normalized.canonical, rule="asked_elsewhere"))
        elif safety.verdict == "route":
            decision = self._routed(safety, normalized)
            decision = self._asked_otherwise(decision, safety, reading)
        else:
            decision = self._matched(safety, reading)
            if safety.verdict == "narrow":
                decision = self._narrowed_by_backstory(decision, safety, reading)
        if reading.corrections:
            decision = replace(decision, why=replace(
                decision.why, corrections=reading.corrections + decision.why.corrections))
        if decision.intent_id == self.kb.roles.urgent:
            # The fuzzy second net: a close paraphrase of an urgent example.
            urgent = SafetyCheck("urgent", decision.intent_id, tier="emergency")
            return Result(decision, self._urgent(urgent, lang), truncated, lang, "emergency")
        reply = self.reply_for(decision, feedback=feedback)
        if decision.kind == "fallback" and _mostly_another_script(question):
            # "как габапентин помогает...": say which languages are read, not "ask another way"
            reply = compose.fallback(self.kb, "other_script")
        if safety.risk_line and reply.kind == "answer":
            reply = compose.with_risk_line(self.kb, reply, safety.risk_line, lang)
        return Result(decision, self.reader.with_note(reply, lang), truncated, lang)

    def _routed(self, safety: SafetyCheck, normalized: Normalized) -> Decision:
        """A safety rule named the answer (or that there is none to give)."""
        why = Why(normalized.canonical,
                  tuple(f"{a}->{b}" for a, b in normalized.replacements),
                  rule=safety.rule)
        if safety.intent_id is None:
            return Decision("fallback", None, 0.0, (), why)
        decision = Decision("answer", safety.intent_id, 100.0, (), why)
        family = self.kb.family(safety.intent_id)
        if len(family) > 1:
            # Routed to a taxonomy id with finer intents ("a drug test" -> other uses): the
            # finer intent written for the question answers it.
            finer = self.matcher.decide(normalized, family)
            if finer.kind == "answer" and finer.intent_id and \
                    finer.score >= ROUTE_FINER_SCORE:
                decision = replace(decision, intent_id=finer.intent_id, score=finer.score,
                                   candidates=finer.candidates,
                                   why=replace(finer.why, rule=safety.rule))
        return decision

    def _asked_otherwise(self, routed: Decision, safety: SafetyCheck,
                         reading: Reading) -> Decision:
        """A long message routed by a word of its backstory ("my insurance won't cover
        Horizant ...", "had a bad time with Requip years ago ...") whose asking part
        clearly asks something else ("is Horizant a different drug?"): the asking part
        answers. Only a clear match overrides the route."""
        if reading.asking is None or routed.kind != "answer" or safety.intent_id is None:
            return routed
        asked = self._asking_part(reading.asking, reading, safety)
        if (asked.kind == "answer" and asked.intent_id is not None
                and asked.score >= ASKED_OVERRIDES_ROUTE
                and self.kb.topic_of(asked.intent_id) != self.kb.topic_of(routed.intent_id)):
            return asked
        return routed

    def _asked_elsewhere(self, reading: Reading) -> bool:
        """A story about the legs that ends by asking us to recommend something we know no
        word of ("... can you recommend a good crossword book?"): out of scope, however
        much of the backstory is ours. Only when the asking part names none of our subjects
        and points back at nothing ("what's the best time to take it" points back)."""
        asking = reading.asking
        if asking is None or not self.kb.safety.asked_elsewhere.search(asking.canonical):
            return False
        if set(asking.tokens) & (BACK_REFERENCES - {"which"}):  # "which X" asks afresh
            return False
        return (not self.kb.safety.domain_anchor.search(asking.canonical)
                and bool(self.matcher.unknown_words(asking)))

    def _narrowed_by_backstory(self, narrowed: Decision, safety: SafetyCheck,
                               reading: Reading) -> Decision:
        """A long message that a word of its backstory narrowed to answers that do not fit
        ("... trying to cut down on beer. Is massage a recognised thing for RLS?" narrowed to
        the interaction answers, none close): when the asking part alone would not be
        narrowed so, a clear match of it answers instead of a fallback, or instead of a
        weaker answer on another topic ("... years ago we gave L-dopa. How is gabapentin
        supposed to work?" had been narrowed to the side-effects answer)."""
        # An answer stands unless it came from a narrowing to the risk answers (a danger
        # word asked about, or in the past, in the backstory): a medicine named in the
        # backstory still decides among its own topics ("... on Requip, now afternoons too.
        # Could the medicine be making it worse?" is augmentation, not the triggers its
        # asking part says).
        if reading.asking is None or (narrowed.kind == "answer" and safety.risk_line is None):
            return narrowed
        alone = check(reading.asking, Findings(), self.kb.safety, self.kb.roles)
        if alone.rule == safety.rule:
            return narrowed
        asked = self._asking_part(reading.asking, reading, safety)
        if narrowed.kind == "answer":
            if (asked.kind == "answer" and asked.intent_id is not None
                    and asked.score >= ASKED_OVERRIDES_ROUTE and asked.score > narrowed.score
                    and self.kb.topic_of(asked.intent_id)
                    != self.kb.topic_of(narrowed.intent_id or "")):
                return asked
            return narrowed
        if (asked.kind == "answer" and asked.intent_id is not None
                and asked.score >= self.kb.matching.long_answer_threshold) or (
                    asked.kind == "suggest" and asked.candidates):
            # A did-you-mean of what was asked beats a fallback.
            return asked
        return narrowed

    def _asking_part(self, asking: Normalized, reading: Reading,
                     safety: SafetyCheck) -> Decision:
        """The asking part of a long message matched against every intent (the backstory as
        context), marked as overriding ``safety``'s rule; the two overrides above decide
        whether it may."""
        # Held to the long-message threshold as in _matched: read with its backstory, its
        # words are spread as thin.
        asked = self.matcher.decide(asking, excluded=self.kb.safety.small_talk,
                                    threshold=self._long_threshold(reading),
                                    context=reading.context,
                                    context_share=reading.context_share)
        return replace(asked, why=replace(asked.why, rule=f"asked:{safety.rule}"))

    def _long_threshold(self, reading: Reading) -> float | None:
        """The answer threshold of a long message (its words are spread thinner), or None
        for the matcher's own."""
        settings = self.kb.matching
        return (settings.long_answer_threshold
                if len(reading.whole.tokens) >= settings.long_words else None)

    def _matched(self, safety: SafetyCheck, reading: Reading) -> Decision:
        """Ordinary matching, within what the safety rules allow."""
        conversation = safety.allowed is self.kb.safety.conversation_intents
        allowed = safety.allowed
        if allowed is not None and not conversation:
            allowed = self.kb.expand(allowed)  # finer intents answer for their topic
        # Naming our topic with words to spare, a greeting or a thank-you is only politeness
        # around the question ("hi, my mother takes gabapentin and is very dizzy"); a short
        # "thanks for the gabapentin info" is still a thank-you.
        query = reading.asking or reading.whole
        content = [w for w in query.tokens if w not in self.kb.stopwords]
        excluded = safety.excluded
        if not conversation and len(content) >= POLITENESS_FROM_WORDS:
            excluded = excluded | self.kb.safety.small_talk
        settings = self.kb.matching
        threshold = (settings.conversation_threshold if conversation
                     else self._long_threshold(reading))
        decision = self.matcher.decide(
            query, allowed,
            threshold=threshold,
            excluded=excluded,
            # Small talk must be mostly explained by an example: "how much of my sleep"
            # shares one word with "thanks so much" and is not a thank-you.
            min_recall=self.kb.matching.conversation_recall if conversation else 0.0,
            # Small talk is judged on the asking sentence alone: a backstory ("my
            # daughter set this up for me...") would dilute its share of the question.
            context=None if conversation else reading.context,
            context_share=0.0 if conversation else reading.context_share)
        if conversation and decision.intent_id == self.kb.roles.greeting:
            decision = self._after_greeting(decision, query, allowed, threshold, excluded)
        if safety.verdict == "narrow":
            decision = replace(decision, why=replace(decision.why, rule=safety.rule))
            if decision.kind != "answer" and safety.default:
                decision = replace(decision, kind="answer", intent_id=safety.default)
        return decision

    def _after_greeting(self, greeting: Decision, query: Normalized,
                        allowed: frozenset[str] | None, threshold: float | None,
                        excluded: frozenset[str]) -> Decision:
        """"hello, what can you do?": the greeting opens the message and the question after
        it is what is asked, read without the greeting's words. A greeting alone ("hi bot",
        "good morning") keeps its answer."""
        rest = [w for w in query.tokens if w not in self._greeting_words]
        if not any(w not in self.kb.stopwords for w in rest):
            return greeting
        asked = self.matcher.decide(
            self.kb.normalizer.normalize(" ".join(rest)), allowed, threshold=threshold,
            excluded=excluded | {self.kb.roles.greeting},
            min_recall=self.kb.matching.conversation_recall)
        return asked if asked.kind == "answer" and asked.score >= OPENED_QUESTION else greeting

    def language_of(self, text: str, hint: str | None = None) -> str:
        """The one language identification (``language.detect``): the danger detector, the
        reader and the reply's language all use its result. A guess the language's own data
        cannot read a word of ("is gabapentin dangerous in overdose" taken for French,
        "asdfghjkl" for Italian) is English: a note in French under an English question is
        the wrong note. The person's own Telegram language is kept."""
        code = language.detect(text, hint, self._language_words)
        hinted = (hint or "").split("-")[0].lower()
        if code in (language.DEFAULT, hinted) or self.reader.readable_in(text, code):
            return code
        return language.DEFAULT

    def _urgent(self, safety: SafetyCheck, lang: str) -> Reply:
        tier = safety.tier or "emergency"
        if tier == "crisis" and safety.someone_else:
            return compose.urgent(self.kb, "crisis_other", lang)  # opens with the ambulance
        if tier == "crisis" and safety.harmed:
            return compose.urgent(self.kb, "emergency", lang, then="crisis")
        return compose.urgent(self.kb, tier, lang)

    def reply_for(self, decision: Decision, *, feedback: bool = False) -> Reply:
        if decision.kind == "answer" and decision.intent_id:
            return compose.answer(self.kb, self.kb.intents[decision.intent_id],
                                  feedback=feedback)
        if decision.kind == "suggest":
            return compose.suggest(self.kb, decision.candidates)
        empty = not decision.why.normalized
        return compose.fallback(self.kb, "empty" if empty else "fallback")


def _mostly_another_script(text: str) -> bool:
    """Most of the letters are not Latin (Cyrillic, Arabic, Chinese...): a language the bot
    does not read, whatever the words."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < OTHER_SCRIPT_LETTERS:
        return False
    latin = sum(1 for c in letters if unicodedata.name(c, "").startswith("LATIN"))
    return latin * 2 < len(letters)

"""The answer engine: question in, decision and reply out. No Telegram here.

Order matters and is the product's safety promise: empty input -> safety rules (urgent help
first, routes for other medicines and other uses) -> fuzzy matching -> composition.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core import compose
from bot.core.kb import KnowledgeBase
from bot.core.matcher import Decision, Matcher, Why
from bot.core.normalize import MAX_INPUT_CHARS
from bot.core.reading import Reader
from bot.core.reply import Reply
from bot.core.safety import check


@dataclass(frozen=True)
class Result:
    decision: Decision
    reply: Reply
    truncated: bool = False
    language: str = "en"  # the language the question was read in


class Engine:
    """Holds one knowledge base and its index; swap the whole Engine to reload."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.reader = Reader(kb)
        self.matcher = Matcher(kb, self.reader.extra_examples())

    def ask(self, question: str, *, feedback: bool = False,
            language: str | None = None) -> Result:
        """``language``: a hint such as Telegram's ``language_code`` ("de", "pt-br")."""
        truncated = len(question) > MAX_INPUT_CHARS
        reading = self.reader.read(question, language)
        normalized = reading.whole
        safety = check(normalized, self.kb.safety)
        if safety.verdict == "weak" and self.matcher.unknown_words(normalized):
            # "side effects of metformin": a subject we know nothing about.
            safety = replace(safety, verdict="route", intent_id=None, rule="unknown_subject")
        if safety.verdict in ("urgent", "route"):
            why = Why(normalized.canonical,
                      tuple(f"{a}->{b}" for a, b in normalized.replacements),
                      rule=safety.rule)
            if safety.intent_id is None:
                decision = Decision("fallback", None, 0.0, (), why)
            else:
                decision = Decision("answer", safety.intent_id, 100.0, (), why)
        else:
            conversation = safety.allowed is self.kb.safety.conversation_intents
            decision = self.matcher.decide(
                reading.asking or normalized, safety.allowed,
                threshold=self.kb.matching.conversation_threshold if conversation else None,
                excluded=safety.excluded,
                # Small talk must be mostly explained by an example: "how much of my sleep"
                # shares one word with "thanks so much" and is not a thank-you.
                min_recall=self.kb.matching.conversation_recall if conversation else 0.0,
                context=reading.context, context_share=reading.context_share)
            if safety.verdict == "narrow":
                decision = replace(decision, why=replace(decision.why, rule=safety.rule))
                if decision.kind != "answer" and safety.default:
                    decision = replace(decision, kind="answer", intent_id=safety.default)
        if reading.corrections:
            decision = replace(decision, why=replace(
                decision.why, corrections=reading.corrections + decision.why.corrections))
        reply = self.reply_for(decision, feedback=feedback)
        return Result(decision, self.reader.with_note(reply, reading.language), truncated,
                      reading.language)

    def reply_for(self, decision: Decision, *, feedback: bool = False) -> Reply:
        if decision.kind == "answer" and decision.intent_id:
            return compose.answer(self.kb, self.kb.intents[decision.intent_id],
                                  feedback=feedback)
        if decision.kind == "suggest":
            return compose.suggest(self.kb, decision.candidates)
        empty = not decision.why.normalized
        return compose.fallback(self.kb, "empty" if empty else "fallback")

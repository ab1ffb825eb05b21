"""Checks that run before matching and win over it.

A dangerous message must never get a routine answer, and a question about another medicine
or about gabapentin for another condition must never get a gabapentin-for-RLS answer that
was not written for it. Fuzzy matching cannot promise either, so these rules come first.
All patterns are data (``knowledge/safety.yml``); this module only applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.core.kb import SafetyRules
from bot.core.normalize import Normalized

URGENT_INTENT = "urgent_help"
OTHER_MEDICATIONS = "other_medications"
OTHER_USES = "gabapentin_other_uses"

# With gabapentin and another RLS medicine in one question, these may answer as well as the
# medicine-topic intents of safety.yml: switching, combining, asking a doctor.
BOTH_MEDICINES = frozenset({"gabapentin_stopping", "gabapentin_side_effects", "consult_provider",
                            "gabapentin_enacarbil"})

_GABAPENTIN = re.compile(r"\b(gabapentin|enacarbil)\b")

Verdict = Literal["urgent", "route", "narrow", "weak", "none"]


@dataclass(frozen=True)
class SafetyCheck:
    verdict: Verdict
    intent_id: str | None = None
    allowed: frozenset[str] | None = None
    excluded: frozenset[str] = frozenset()
    default: str | None = None  # what a narrowed question gets when nothing matches well
    rule: str | None = None
    dose_question: bool = False


def _mentions(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(0) if found else None


def check(normalized: Normalized, rules: SafetyRules) -> SafetyCheck:
    """Classify a question before matching: urgent, routed, narrowed or left to the matcher."""
    plain, canonical = normalized.plain, normalized.canonical
    dose_question = bool(rules.dose_question.search(plain))
    overdose_question = any(p.search(plain) for p in rules.overdose_questions)
    for reason, patterns in rules.urgent:
        if any(p.search(plain) for p in patterns):
            if reason == "overdose" and overdose_question:
                continue
            return SafetyCheck("urgent", URGENT_INTENT, rule=f"urgent:{reason}")
    if overdose_question:
        # "can you overdose on gabapentin": the side-effects answer, not an emergency.
        return SafetyCheck("narrow", allowed=frozenset({"gabapentin_side_effects"}) |
                           rules.interaction_intents, rule="overdose_question",
                           dose_question=dose_question)

    about_gabapentin = bool(_GABAPENTIN.search(canonical))
    if rules.pregnancy.search(plain) and rules.domain_anchor.search(canonical):
        if rules.pregnancy_medicine.search(canonical) and "selfcare" not in canonical:
            if rules.pregnancy_gabapentin_intents and about_gabapentin and not (
                    rules.pregnancy_other_medicine.search(canonical)
                    or rules.rls_specific_medicines.search(canonical)
                    or rules.general_medicines.search(canonical)):
                # Gabapentin (named or "it") in pregnancy: its own answers, which send the
                # person to the prescriber and maternity team.
                gabapentin_answers = frozenset(rules.pregnancy_gabapentin_intents)
                return SafetyCheck("narrow", allowed=gabapentin_answers,
                                   default=rules.pregnancy_gabapentin_intents[0],
                                   rule="pregnancy_gabapentin", dose_question=dose_question)
            return SafetyCheck("route", "consult_provider", rule="pregnancy_medicine",
                               dose_question=dose_question)
        return SafetyCheck("narrow", allowed=rules.pregnancy_intents, rule="pregnancy",
                           default="selfcare_overview", dose_question=dose_question)
    rls_context = bool(rules.rls_context.search(canonical))
    other_use = not rls_context and not rules.other_uses_unless.search(plain) and any(
        p.search(canonical) for p in rules.other_uses)
    if about_gabapentin and (rules.not_for_rls.search(canonical) or other_use):
        return SafetyCheck("route", OTHER_USES, rule="other_use", dose_question=dose_question)
    if about_gabapentin and rules.interaction.search(canonical):
        return SafetyCheck("narrow", allowed=rules.interaction_intents, rule="interaction",
                           dose_question=dose_question)
    if about_gabapentin and rules.medicine_topics.search(canonical) and (
            other := _mentions(rules.rls_specific_medicines, canonical)):
        # Gabapentin next to another RLS medicine, asked as a choice between them.
        return SafetyCheck("narrow", allowed=rules.medicine_topic_intents | BOTH_MEDICINES,
                           rule=f"gabapentin_and:{other}", dose_question=dose_question)

    if not rules.domain_anchor.search(canonical):
        if rules.dose_amount.search(plain):
            # "can i take 2 of my 300mg": in this bot, a dose question (answered without one).
            return SafetyCheck("route", "gabapentin_dosage", rule="dose_amount",
                               dose_question=True)
        if rules.weak_anchor.search(canonical):
            return SafetyCheck("weak", rule="weak_topic_word", dose_question=dose_question)
        return SafetyCheck("narrow", allowed=rules.conversation_intents, rule="no_topic_word",
                           dose_question=dose_question)
    if not rls_context and not about_gabapentin and rules.not_rls.search(canonical):
        return SafetyCheck("route", None, rule="not_rls", dose_question=dose_question)

    if not about_gabapentin:
        specific = _mentions(rules.rls_specific_medicines, canonical)
        general = _mentions(rules.general_medicines, canonical)
        if (specific or (general and rules.legs_context.search(canonical))) and \
                rules.medicine_topics.search(canonical):
            return SafetyCheck("narrow", allowed=rules.medicine_topic_intents,
                               rule=f"other_medicine_topic:{specific or general}",
                               default=OTHER_MEDICATIONS, dose_question=dose_question)
        if specific or (general and rules.legs_context.search(canonical)):
            # Another RLS medicine: the other-medications answer says what the guidelines
            # say about it; never a gabapentin answer that was not written for it.
            return SafetyCheck("route", OTHER_MEDICATIONS,
                               rule=f"other_medicine:{specific or general}",
                               dose_question=dose_question)
        if general:
            # Another medicine with no RLS context at all ("what is lyrica used for"): not
            # ours to answer.
            return SafetyCheck("route", None, rule=f"other_medicine_not_rls:{general}")
        return SafetyCheck("none", excluded=rules.needs_gabapentin,
                           dose_question=dose_question)
    return SafetyCheck("none", dose_question=dose_question)

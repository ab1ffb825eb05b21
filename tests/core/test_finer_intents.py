"""The questions of issue 9 ("what patients really ask") each get the answer written for
them, and the corrections of SOURCES.md's "imprecise" list (1-12) stay in the answers.

The questions below are ours, written from the issue's list, not copied from examples (a
test in test_matcher.py checks that kind of copying for its own set).
"""

from __future__ import annotations

import pytest

from bot.core.engine import Engine
from bot.core.kb import DOSE_PATTERN, KnowledgeBase

ISSUE_QUESTIONS = [
    ("How long before gabapentin starts working?", "gabapentin_onset"),
    ("How long before it starts working", "gabapentin_onset"),
    ("is gabapentin safe for my 82-year-old mum, she's unsteady", "gabapentin_older_adults"),
    ("is it safe for my 82-year-old mum, she's unsteady", "gabapentin_older_adults"),
    ("my dad has kidney disease, is neurontin ok for him", "gabapentin_kidney"),
    ("my dad has kidney disease", "gabapentin_kidney"),
    ("does Maalox interfere with gabapentin", "gabapentin_interactions"),
    ("does Maalox interfere", "gabapentin_interactions"),
    ("is gabapentin addictive", "gabapentin_misuse"),
    ("will gabapentin make me put on weight", "gabapentin_swelling"),
    ("weight gain on gabapentin", "gabapentin_swelling"),
    ("can my 10-year-old take gabapentin", "gabapentin_children"),
    ("can my 10-year-old take it", "gabapentin_children"),
    ("is gabapentin OK while pregnant", "gabapentin_pregnancy"),
    ("is it OK while pregnant", "gabapentin_pregnancy"),
    ("I'm pregnant, must I stop gabapentin?", "gabapentin_pregnancy_stopping"),
    ("is gabapentin a controlled drug", "gabapentin_controlled"),
    ("is it a controlled drug", "gabapentin_controlled"),
    ("can I take gabapentin abroad", "gabapentin_travel"),
    ("can I take it abroad", "gabapentin_travel"),
    ("are these cramps or RLS", "rls_look_alikes"),
    ("does RLS run in families", "rls_heredity"),
    ("what happens if I stop gabapentin all at once", "gabapentin_withdrawal"),
    ("my ankles swell on gabapentin", "gabapentin_swelling"),
    ("what are the signs of an allergy to gabapentin", "gabapentin_allergy"),
    ("can I take gabapentin with opioids", "gabapentin_interactions"),
    ("is it safe to drive on gabapentin", "gabapentin_driving"),
    ("should I stop gabapentin before my operation", "gabapentin_surgery"),
    ("does gabapentin show up in a drug test", "gabapentin_drug_test"),
    ("what are periodic limb movements", "rls_plm"),
    ("how should my iron be tested for rls", "iron_testing"),
    ("is an iron infusion an option for rls", "iron_iv"),
    ("do I have restless legs", "rls_self_check"),
    ("can children get restless legs", "rls_children"),
]


@pytest.mark.parametrize(("question", "expected"), ISSUE_QUESTIONS)
def test_each_real_question_gets_its_own_answer(engine: Engine, question: str,
                                                expected: str) -> None:
    result = engine.ask(question)
    assert (result.decision.kind, result.decision.intent_id) == ("answer", expected), (
        result.decision.why)
    reply = result.reply
    assert reply.sources and all(s.label for s in reply.sources)
    assert reply.disclaimer and reply.reviewed.startswith("Reviewed ")
    assert not DOSE_PATTERN.search(f"{reply.text} {reply.details}")


def test_every_finer_intent_is_sourced_dated_and_in_a_menu(kb: KnowledgeBase) -> None:
    menus = {i for menu in kb.menus.values() for i in menu.topics}
    for intent in kb.intents.values():
        if intent.topic == intent.id:
            continue
        assert intent.sources and intent.reviewed and intent.details, intent.id
        assert len(intent.examples) >= 10, intent.id
        assert intent.id in menus or intent.id == "rls_self_check", intent.id


def text_of(kb: KnowledgeBase, intent_id: str) -> str:
    intent = kb.intents[intent_id]
    return f"{intent.answer} {intent.details}"


def test_imprecise_points_stay_corrected(kb: KnowledgeBase) -> None:
    # 1. 2012 and 2024 AASM, with years.
    for iid in ("guideline_aasm", "first_line_treatment", "augmentation"):
        assert "2012" in text_of(kb, iid) and "2024" in text_of(kb, iid), iid
    # 2. Mechanism: alpha-2-delta, not GABA receptors.
    mechanism = text_of(kb, "gabapentin_mechanism")
    assert "alpha-2-delta" in mechanism and "does not" in mechanism
    assert "modulates GABA" not in mechanism
    # 3. Two medicines; Horizant a prodrug, not for night-shift workers.
    enacarbil = text_of(kb, "gabapentin_enacarbil")
    assert "not interchangeable" in enacarbil and "turns into gabapentin" in enacarbil
    assert "night-shift" in enacarbil
    # 4. "may be considered".
    assert "may be considered" in text_of(kb, "guideline_irlssg")
    # 5. Small trials, with sizes.
    assert "24" in text_of(kb, "evidence_quality") and "16" in text_of(kb, "evidence_quality")
    # 7. Self-care: may help some people; pneumatic compression.
    assert "may help some people" in kb.intents["selfcare_overview"].answer
    assert "air-pump" in kb.intents["selfcare_overview"].answer
    # 8 and 12. Iron testing: morning, no iron for 24 hours, repeated; thresholds.
    testing = text_of(kb, "iron_testing")
    for words in ("morning", "24", "repeated", "75", "20%"):
        assert words in testing, words
    # 9 and 11. Safety where people ask about it.
    side = text_of(kb, "gabapentin_side_effects")
    for words in ("driving", "suicidal", "breathing", "Older adults", "kidney", "swelling of the "
                  "face", "rash with fever", "Do not stop it suddenly"):
        assert words in side, words
    assert "2019" in text_of(kb, "gabapentin_misuse")
    assert "pharmacist" in kb.intents["gabapentin_interactions"].answer
    assert "lowers the dose" in text_of(kb, "gabapentin_kidney")
    assert "withdrawal" in kb.intents["gabapentin_withdrawal"].answer
    # 10. RLS on allen_2014 with its year; its course varies.
    assert "allen_2014" in kb.intents["rls_overview"].sources
    assert kb.sources["allen_2014"].year == 2014
    course = text_of(kb, "rls_course")
    assert "often get worse" in course and "comes and goes" in course
    assert "generally get worse" not in course


@pytest.mark.parametrize(("question", "topic"), [
    ("How long before it starts working", "gabapentin_dosage"),
    ("is it safe for my 82-year-old mum, she's unsteady", "gabapentin_side_effects"),
    ("my dad has kidney disease", "gabapentin_side_effects"),
    ("does Maalox interfere", "gabapentin_side_effects"),
    ("is it addictive", "gabapentin_side_effects"),
    ("weight gain", "gabapentin_side_effects"),
    ("can my 10-year-old take it", "gabapentin_side_effects"),
    ("is it OK while pregnant", "gabapentin_side_effects"),
    ("is it a controlled drug", "gabapentin_other_uses"),
    ("can I take it abroad", "gabapentin_other_uses"),
    ("are these cramps or RLS", "rls_symptoms"),
    ("does RLS run in families", "rls_course"),
])
def test_the_issues_own_questions_get_their_own_answer(engine: Engine, kb: KnowledgeBase,
                                                       question: str, topic: str) -> None:
    """The questions the clinical review listed, as a person types them, with no drug named:
    each is answered by a finer intent written for it, not a catch-all."""
    decision = engine.ask(question).decision
    assert decision.kind == "answer", decision.why
    intent = kb.intents[decision.intent_id or ""]
    assert intent.topic == topic and intent.id != topic, intent.id


@pytest.mark.parametrize("question", ["is sertraline addictive", "is coffee addictive"])
def test_addiction_questions_about_other_things_are_not_ours(engine: Engine,
                                                             question: str) -> None:
    assert engine.ask(question).decision.intent_id is None


@pytest.mark.parametrize("question", ["can i drive after taking it", "is it safe to drive"])
def test_driving_with_no_drug_named_is_ours(engine: Engine, kb: KnowledgeBase,
                                            question: str) -> None:
    decision = engine.ask(question).decision
    assert decision.kind == "answer"
    assert kb.intents[decision.intent_id or ""].topic == "gabapentin_side_effects"

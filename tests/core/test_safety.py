"""Safety: urgent messages get the emergency reply, look-alikes do not, other medicines and
other uses never get a gabapentin-for-RLS answer, and a dose question never gets a number.

Everything goes through ``engine.ask``: the promise is about what the person is told, not
about which rule fired.
"""

from __future__ import annotations

import pytest

from bot.core.danger import Detector
from bot.core.engine import Engine
from bot.core.kb import DOSE_PATTERN, KnowledgeBase, load_knowledge_base
from bot.core.reply import Reply
from bot.core.safety import SafetyCheck, check
from tests.conftest import FIXTURE_KB

# The real knowledge base's roles (knowledge/roles.yml), checked by the first test below.
URGENT_INTENT = "urgent_help"
OTHER_MEDICATIONS = "other_medications"
OTHER_USES = "gabapentin_other_uses"


def test_the_roles_this_file_names_are_the_knowledge_bases(kb: KnowledgeBase) -> None:
    assert (kb.roles.urgent, kb.roles.other_medicines, kb.roles.other_uses) == (
        URGENT_INTENT, OTHER_MEDICATIONS, OTHER_USES)


def checked(kb: KnowledgeBase, question: str) -> SafetyCheck:
    """The rule table's outcome for ``question``, as the engine computes it."""
    return check(kb.normalizer.normalize(question), Detector(kb.danger).find(question),
                 kb.safety, kb.roles)


def fixed(question: str, reason: str) -> object:
    """A case that was a bug (``reason``), fixed and kept as a regression test."""
    return pytest.param(question, id=question)


def spoken(reply: Reply) -> str:
    """Everything the person reads: text, details, title, disclaimer, button labels."""
    return " ".join([reply.title, reply.text, reply.details, reply.disclaimer,
                     *(b.label for b in reply.all_buttons)])


# ------------------------------------------------------------------------------ urgent

URGENT = [
    # overdose, with or without symptoms
    "i think i overdosed on gabapentin and i feel really dizzy and confused",
    "took too many pills tonight",
    "I TOOK TOO MANY GABAPENTIN",
    "my husband took a whole bottle of his neurontin",
    "i think i od'd on my gabapentin",
    "I took double my dose and now im confused and throwing up",
    "i accidentally took an extra dose and my breathing is slow",
    # suicidal thoughts and self-harm
    "i've been having suicidal thoughts since starting gabapentin",
    "im feeling suicidal",
    "i want to die, the rls is unbearable",
    "I want to kill myself",
    "i don't want to live anymore",
    "thinking of ending my life",
    "i've been cutting myself again",
    "i keep thinking about self harm",
    # breathing, blue lips, swelling
    "i can't breathe after taking my neurontin",
    "having trouble breathing after my dose",
    "grandpa is not breathing properly and takes gabapentin",
    "my dad's lips are turning blue, he takes gabapentin",
    "her lips look bluish and she's so sleepy",
    "my face and lips are swelling up after the first horizant",
    "my tongue is swollen and my throat feels tight",
    # seizure, fainting, chest pain
    "my wife is having a seizure right now",
    "he's having a fit on the floor",
    "i fainted after taking gabapentin",
    "my mom passed out in the kitchen",
    "chest pain after taking gabapentin",
    # severe rash with fever
    "I have a bad rash and a fever since starting gabapentin",
    "blistering rash with a high temperature",
    # extreme sleepiness with opioids, alcohol or other sedatives
    "took gabapentin with my oxycodone and i can't stay awake",
    "had a lot of wine with my gabapentin and im extremely sleepy",
    "gabapentin and xanax together and now im barely awake",
    # someone who will not wake up
    "my husband won't wake up, he takes gabapentin and oxycontin",
    "someone won't wake up after taking neurontin",
    "i cant wake my mom up she takes gabapentin",
    "she is unresponsive",
    "my breathing is really slow and shallow since i took horizant with my pain pills",
    "theres no point anymore i want to end it all",
    "i took 12 neurontin tablets",
    # a gap in the urgent rules: must become urgent
    fixed("HELP i took 20 neurontin",
          "bug: a pill count with no 'pills'/'of my' after it is not an urgent pattern; the "
          "matcher answers gabapentin_efficacy"),
]


@pytest.mark.parametrize("question", URGENT)
def test_urgent_messages_get_the_emergency_reply(engine: Engine, question: str) -> None:
    result = engine.ask(question)
    assert result.decision.intent_id == URGENT_INTENT
    assert result.decision.kind == "answer"
    assert result.reply.kind == "urgent"


CHILD_INGESTION = [
    "my daughter swallowed two of my gabapentin capsules",
    "the baby got into my pill organizer and ate a gabapentin",
    "my kid ate some of my neurontin",
    "i think my toddler ate one of my horizant tablets",
    "my 4 year old found grandpas neurontin and ate some",
    "my toddler swallowed some gabapentin pills",
    fixed("my son accidentally took my gabapentin",
          "bug: 'accidentally took my <medicine>' is not a poisoning pattern; answered with "
          "gabapentin_stopping"),
]


@pytest.mark.parametrize("question", CHILD_INGESTION)
def test_a_child_who_swallowed_medicine_is_urgent(engine: Engine, question: str) -> None:
    # Someone swallowing medicine that is not theirs (safety.yml "poisoning").
    assert engine.ask(question).decision.intent_id == URGENT_INTENT


def test_urgent_rules_win_over_a_good_match(engine: Engine) -> None:
    # "side effects" alone would match gabapentin_side_effects; the breathing rule wins.
    result = engine.ask("gabapentin side effects, i cant breathe")
    assert result.decision.intent_id == URGENT_INTENT
    assert result.decision.why.rule == "danger:emergency"
    assert result.decision.score == 100.0


NOT_URGENT = [
    "is gabapentin used for seizures",
    "gabapentin for seizures",
    "what if i miss a dose",
    "i missed my gabapentin dose last night",
    "my rls is not responding to gabapentin",
    "can i drink a glass of wine on gabapentin",
    "does gabapentin cause breathing problems",
    "does gabapentin make you sleepy",
    "my ankles are swollen since starting gabapentin",
    "i feel dizzy on gabapentin",
    "restless legs are driving me crazy at night",
    "my legs jerk when im falling asleep",
    "is it safe to take gabapentin with oxycodone",
    "is it possible to overdose on neurontin",
    "my legs are killing me at night",
    fixed("can you overdose on gabapentin",
          "bug: safety.yml exempts overdose *questions* from the urgent rule, but the matcher "
          "then answers urgent_help (64.3 >= urgent_threshold 60) from its example "
          "'overdose on neurontin help'"),
    fixed("im dying to know if gabapentin works for rls",
          "false alarm: 'im dying' in emergency_words also matches the idiom"),
]


@pytest.mark.parametrize("question", NOT_URGENT)
def test_look_alikes_are_not_urgent(engine: Engine, question: str) -> None:
    result = engine.ask(question)
    assert result.decision.intent_id != URGENT_INTENT
    assert result.reply.kind != "urgent"
    assert URGENT_INTENT not in {c.intent_id for c in result.decision.candidates}


def test_overdose_question_is_told_apart_by_the_rules(kb: KnowledgeBase) -> None:
    # The rule layer itself gets this right; see test_look_alikes_are_not_urgent for the
    # matcher undoing it.
    assert checked(kb, "can you overdose on gabapentin").verdict != "urgent"
    assert checked(kb, "i overdosed on gabapentin").verdict == "urgent"


# ------------------------------------------------------------------------------ routes

OTHER_MEDICINES = [
    "does ropinirole work for rls",
    "my doctor put me on requip",
    "is ropinirole safe long term",
    "what about mirapex for my legs",
    "pramipexole rls side effects",
    "neupro patch for restless legs",
    "should i try a dopamine agonist for rls",
    "lyrica for rls",
    "my legs are kicking all night, would lyrica help",
    "oxycodone for rls",
    "can oxycodone help my restless legs",
    "magnesium for rls",
    "does magnesium help restless legs",
    "clonazepam for restless legs",
    "what dose of requip for rls",
]


@pytest.mark.parametrize("question", OTHER_MEDICINES)
def test_other_medicines_go_to_other_medications(engine: Engine, question: str) -> None:
    decision = engine.ask(question).decision
    assert decision.kind == "answer"
    assert decision.intent_id == OTHER_MEDICATIONS


@pytest.mark.parametrize("question", [
    "is requip better than gabapentin for restless legs",
    "switching from mirapex to gabapentin for my rls",
    "lyrica or neurontin for restless legs",
])
def test_comparisons_with_another_medicine_never_get_a_gabapentin_answer(
        engine: Engine, question: str) -> None:
    # Naming gabapentin too does not make a gabapentin-only answer right; the reply must
    # not be one written for gabapentin alone (efficacy, dosage, side effects, ...).
    decision = engine.ask(question).decision
    answered = decision.intent_id if decision.kind == "answer" else None
    assert not (answered or "").startswith("gabapentin_")


def test_another_medicine_without_rls_context_is_not_answered(engine: Engine) -> None:
    decision = engine.ask("what is lyrica used for").decision
    assert decision.kind == "fallback"
    assert decision.intent_id is None


OTHER_USES_QUESTIONS = [
    "gabapentin for anxiety",
    "does neurontin help with anxiety",
    "gabapentin for shingles pain",
    "neurontin for nerve pain after shingles",
    "gabapentin for hot flashes",
    "can gabapentin help menopause hot flashes",
    "gabapentin for epilepsy",
    "my vet prescribed gabapentin for my dog",
    "can i give my dog gabapentin",
    "how much does gabapentin cost",
    "gabapentin price without insurance",
    "horizant price",
    "will gabapentin show up on a drug test",
    "is gabapentin a narcotic",
    "is neurontin a controlled substance",
    "gabapentin for sciatica",
    "i dont have rls but can gabapentin help me sleep",
]


@pytest.mark.parametrize("question", OTHER_USES_QUESTIONS)
def test_gabapentin_for_other_things_goes_to_other_uses(engine: Engine, question: str) -> None:
    decision = engine.ask(question).decision
    # The finer intents written for drug tests, controlled status... answer for other uses.
    assert (decision.kind, engine.kb.topic_of(decision.intent_id)) == ("answer", OTHER_USES)


def test_rls_context_keeps_a_gabapentin_question_about_rls(engine: Engine) -> None:
    # "sleep" is an other-use word, but with RLS named the question is about RLS.
    decision = engine.ask("does gabapentin help me sleep with my restless legs").decision
    assert decision.intent_id != OTHER_USES


# ------------------------------------------------------------------------------ doses

DOSE_QUESTIONS = [
    "how much gabapentin should i take for rls",
    "what dose of gabapentin for restless legs",
    "is 300mg of gabapentin enough for rls",
    "can i take 1200 mg of neurontin for my legs",
    "what is the max dose of gabapentin for rls",
    "how many mg of horizant should i take",
    "how often should i take gabapentin for restless legs",
    "should i take gabapentin in the morning or at night for rls",
    "can i increase my gabapentin dose myself",
    "what time should i take neurontin for my legs",
    "how many pills of gabapentin for restless legs",
    "gabapentin dosage rls",
    "horizant dose",
    "what strength gabapentin for rls",
    "can i up my dose of gabapentin my legs are still bad",
    "how long before bed should i take gabapentin",
    "i take 600 mg at night is that too much for rls",
    "whats the highest dose of neurontin people take for restless legs",
    "how many 300 mg capsules should i take for my legs",
]
DOSE_ELSEWHERE = [
    "is 3600 mg of gabapentin safe",
    "my doctor said 100mg but its not working can i take two",
    "should i take it twice a day",
    "titrating gabapentin for rls",
    "my rls is worse can i double my gabapentin",
    "what dose of requip for rls",
    "how much magnesium should i take for restless legs",
    "gabapentin dose for my dog",
    "I took double my dose and now im confused and throwing up",
]


@pytest.mark.parametrize("question", DOSE_QUESTIONS)
def test_dose_questions_get_the_no_dose_answer(engine: Engine, question: str) -> None:
    result = engine.ask(question)
    assert (result.decision.kind, result.decision.intent_id) == ("answer", "gabapentin_dosage")
    assert not DOSE_PATTERN.search(spoken(result.reply))


@pytest.mark.parametrize("question", DOSE_QUESTIONS + DOSE_ELSEWHERE)
def test_no_dose_question_ever_gets_a_number(engine: Engine, question: str) -> None:
    reply = engine.ask(question).reply
    assert not DOSE_PATTERN.search(spoken(reply)), spoken(reply)
    # and the "more detail" behind every button says no number either
    for button in reply.all_buttons:
        if button.data.startswith("i:"):
            intent = engine.kb.intents[button.data.split(":")[2]]
            assert not DOSE_PATTERN.search(f"{intent.answer} {intent.details}"), intent.id


def test_no_intent_can_answer_with_a_dose(kb: KnowledgeBase) -> None:
    # The guarantee behind the two tests above: whatever the matcher picks, no reply text
    # in the knowledge base carries an amount or a schedule.
    for intent in kb.intents.values():
        assert not DOSE_PATTERN.search(f"{intent.title} {intent.answer} {intent.details}"), (
            intent.id)


def test_safety_check_flags_dose_questions(kb: KnowledgeBase) -> None:
    def flagged(question: str) -> bool:
        return checked(kb, question).dose_question

    assert flagged("how much gabapentin should i take")
    assert flagged("what is the max dose of neurontin for rls")
    assert not flagged("does gabapentin help rls")


# ------------------------------------------------------------------------------ KB gaps


@pytest.mark.parametrize("question", ["does ropinirole help rls", "gabapentin for anxiety"])
def test_a_knowledge_base_the_loader_accepts_answers_every_question(question: str) -> None:
    engine = Engine(load_knowledge_base(FIXTURE_KB))
    assert engine.ask(question).reply.text



def test_a_withdrawal_question_is_about_stopping(engine: Engine) -> None:
    decision = engine.ask("can gabapentin cause seizures if you stop suddenly").decision
    assert decision.intent_id == "gabapentin_withdrawal"
    assert engine.kb.topic_of(decision.intent_id) == "gabapentin_stopping"


# ------------------------------------------------------------------------------ new-user trial
# Messages a first-time user typed in the terminal chat (2026-11-24), kept as cases.


@pytest.mark.parametrize(("question", "expected"), [
    ("can i take 2 of my 300mg", "gabapentin_dosage"),
    ("is 300 mg too much", "gabapentin_dosage"),
    ("i took 3 of my 300mg pills by mistake", "urgent_help"),  # a mix-up: poison help
    ("took neurontin with my oxycodone and feel super drowsy", "urgent_help"),
    ("had 3 beers and took my gabapentin, is that ok", "gabapentin_side_effects"),
    ("i have rls and im pregnant what can i take", "consult_provider"),
    ("im breastfeeding can i take gabapentin", "gabapentin_side_effects"),
    ("rls during pregnancy", "selfcare_overview"),
    ("my legs crawl at night what can i do", "selfcare_overview"),
])
def test_first_time_user_messages(engine: Engine, question: str, expected: str) -> None:
    decision = engine.ask(question).decision
    topic = engine.kb.topic_of(decision.intent_id)
    assert (decision.kind, topic) == ("answer", expected), decision.why


@pytest.mark.parametrize("question", ["i cant sleep at nite", "whats the weather like tomorrow",
                                      "is tylenol safe during pregnancy"])
def test_small_talk_look_alikes_are_not_answered(engine: Engine, question: str) -> None:
    decision = engine.ask(question).decision
    assert decision.intent_id not in {"goodbye", "thanks", "greeting"} or \
        decision.kind != "answer", decision.why
    assert decision.kind != "answer" or decision.intent_id is None


def test_symptoms_alone_are_not_steered_to_a_prescription_drug(engine: Engine) -> None:
    decision = engine.ask("my legs go crazy every night").decision
    assert decision.intent_id != "gabapentin_efficacy"


def test_falling_asleep_on_gabapentin_is_a_side_effect_question(engine: Engine) -> None:
    """'fell asleep' rules out a numb foot, not a drowsy person on gabapentin."""
    question = "my dad takes neurontin for his legs and falls asleep in his chair all day, normal?"
    decision = engine.ask(question).decision
    assert (decision.kind, engine.kb.topic_of(decision.intent_id)) == (
        "answer", "gabapentin_side_effects")


# ------------------------------------------------------------------------------ pregnancy


@pytest.mark.parametrize("question", [
    "im pregnant, do i have to stop gabapentin",
    "is gabapentin safe while breastfeeding",
    "found out im pregnant and im on neurontin for my rls",
])
def test_gabapentin_in_pregnancy_gets_the_answers_written_for_it(
        engine: Engine, question: str) -> None:
    """Gabapentin and no other medicine: the pregnancy rule narrows to the gabapentin-in-
    pregnancy answers (safety.yml) and the `pregnancy` role, never a routine answer."""
    kb = engine.kb
    decision = engine.ask(question).decision
    allowed = kb.safety.pregnancy_gabapentin_intents | {kb.roles.pregnancy}
    assert decision.why.rule == "pregnancy_gabapentin", decision.why
    assert (decision.kind, decision.intent_id in allowed) == ("answer", True), decision


@pytest.mark.parametrize("question", [
    "ive had restless legs since i was pregnant with my second, and shes 20 now. does "
    "gabapentin work for most people",
    "i had rls through both of my pregnancies and it never went away. does gabapentin help",
])
def test_a_pregnancy_in_the_past_is_backstory(engine: Engine, question: str) -> None:
    decision = engine.ask(question).decision
    assert decision.why.rule is None or "pregnan" not in decision.why.rule, decision.why


def test_pregnancy_with_another_medicine_goes_to_the_prescriber(engine: Engine) -> None:
    decision = engine.ask("pregnant, can i take gabapentin or pramipexole for rls").decision
    assert (decision.why.rule, decision.intent_id) == (
        "pregnancy_medicine", engine.kb.roles.provider)


def test_the_pregnancy_outcome_names_roles_not_ids(kb: KnowledgeBase) -> None:
    """The rule table answers with whatever intent plays the role: point the role at
    another intent and the outcome follows."""
    from dataclasses import replace

    roles = replace(kb.roles, pregnancy="gabapentin_pregnancy_stopping")
    question = "im pregnant, do i have to stop gabapentin"
    result = check(kb.normalizer.normalize(question), Detector(kb.danger).find(question),
                   kb.safety, roles)
    assert (result.verdict, result.default) == ("narrow", "gabapentin_pregnancy_stopping")

"""The matcher, from the outside: questions typed the way people type, with expected intents.

The set below was written for this test, not copied from the knowledge base (a test checks
that none of it is an example there): lowercase, typos, brand names, personal context first,
no question marks. It is scored like ``rls-bot eval``: only a direct answer with an expected
intent counts; a "did you mean" counts as reachable, not as correct.
"""

from __future__ import annotations

import random
import string
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.engine import Engine
from bot.core.kb import KnowledgeBase, MatchingSettings
from bot.core.languages import load_languages
from bot.core.matcher import Matcher
from bot.core.reply import Reply

# Measured on 2026-11-24: 0.906 answered correctly, 0.906 reachable (85 questions). Raise the
# floors as tuning improves; never lower them to make a change pass.
ACCURACY_FLOOR = 0.85
REACHABLE_FLOOR = 0.90

Expected = str | tuple[str, ...]

REAL_QUESTIONS: list[tuple[str, Expected]] = [
    ("does gabapentin actualy do anything for restless legs or is it hype",
     ("gabapentin_efficacy", "evidence_quality")),
    ("neurontin for my rls worth a shot", "gabapentin_efficacy"),
    ("my doc wants me to try gabapentin for the jumpy legs at night, will it help",
     "gabapentin_efficacy"),
    ("gabapentine restless leg syndrom any good", "gabapentin_efficacy"),
    ("has anyone's rls actually gotten better on gabapentin", "gabapentin_efficacy"),
    ("why does my leaflet say neurontin is for epilepsy when i got it for restless legs",
     "gabapentin_off_label"),
    ("is gabapentin fda aproved for rls", "gabapentin_off_label"),
    ("my pharmacist said using gabapentin for rls is off label should i be worried",
     "gabapentin_off_label"),
    ("what is horizant and how is it diffrent from gabapentin", "gabapentin_enacarbil"),
    ("horizon vs regular gabapentin for my rls", "gabapentin_enacarbil"),
    ("is gabapentin enacarbil just neurontin with a new name", "gabapentin_enacarbil"),
    ("how does gabapentin calm down restless legs", "gabapentin_mechanism"),
    ("why would an epilepsy drug help my legs", "gabapentin_mechanism"),
    ("what does neurontin actually do in the body to stop rls", "gabapentin_mechanism"),
    ("how much gabapentin should i be taking for rls", "gabapentin_dosage"),
    ("whats the usual neurontin dose for restless legs", "gabapentin_dosage"),
    ("when should i take my gabapentin for rls, right before bed or earlier", "gabapentin_dosage"),
    ("im on 300mg gabapentin for my legs is that a normal amount", "gabapentin_dosage"),
    ("neurontin making me dizzy and foggy all day is that normal", "gabapentin_side_effects"),
    ("is gabapentin safe to take for restless legs", "gabapentin_side_effects"),
    ("can gabapentin make you put on weight", "gabapentin_side_effects"),
    ("gabapentin side efects for rls patients", "gabapentin_side_effects"),
    ("can i stay on gabapentin for years for my rls",
     ("gabapentin_long_term", "gabapentin_side_effects")),
    ("taking gabapentin long term for restless legs, does it keep working",
     "gabapentin_long_term"),
    ("ive been on neurontin 5 years for rls is that ok",
     ("gabapentin_long_term", "gabapentin_side_effects")),
    ("my restless legs actually hurt, like an ache, would gabapentin work better for me",
     "gabapentin_pain"),
    ("who does gabapentin help the most with rls", "gabapentin_pain"),
    ("how strong is the research on gabapentin for rls", "evidence_quality"),
    ("are there any real studies on gabapentin for restless legs or just stories",
     "evidence_quality"),
    ("is gabapentin for rls proven", "evidence_quality"),
    ("what is augmentation with restless legs", "augmentation"),
    ("my rls got worse and now starts in the afternoon since i went on mirapex is that "
     "augmentation",
     "augmentation"),
    ("does gabapentin cause augmentation like the dopamine drugs do", "augmentation"),
    ("whats the first thing doctors try for rls these days", "first_line_treatment"),
    ("just diagnosed with restless legs which medicine do they usually start with",
     "first_line_treatment"),
    ("first line treatment rls 2024", "first_line_treatment"),
    ("how do i come off gabapentin", "gabapentin_stopping"),
    ("forgot my gabapentin last night what do i do now", "gabapentin_stopping"),
    ("can i just quit neurontin cold turkey", "gabapentin_stopping"),
    ("gabapentin stopped working for my rls after a year",
     ("gabapentin_stopping", "gabapentin_long_term")),
    ("could low iron be causing my restless legs", "iron_and_rls"),
    ("my ferritin came back 30 does that matter for rls", "iron_and_rls"),
    ("should i take iron tablets for my restless legs", "iron_and_rls"),
    ("my neurologist wants to switch me to requip", "other_medications"),
    ("is pramipexole better for rls", "other_medications"),
    ("what do the official guidelines say about gabapentin for rls", "guidelines_overview"),
    ("rls treatment guidlines summary", "guidelines_overview"),
    ("what does the aasm say about gabapentin now", "guideline_aasm"),
    ("did the american sleep academy change their advice on rls meds in 2024", "guideline_aasm"),
    ("what did the european task force say about gabapentin", "guideline_efns"),
    ("what does the international rls study group recommend", "guideline_irlssg"),
    ("what exactly is restless legs syndrome", "rls_overview"),
    ("my husband says i have rls, what even is that", "rls_overview"),
    ("is willis ekbom the same thing as restless legs", "rls_overview"),
    ("what does rls feel like for most people", "rls_symptoms"),
    ("my legs feel creepy crawly at night and i have to get up and walk, is that rls",
     "rls_symptoms"),
    ("how can i tell if its restless legs or just fidgeting", ("rls_symptoms", "rls_overview")),
    ("does rls get worse with age", "rls_course"),
    ("can kids get restless legs too", "rls_course"),
    ("restless legs keeping me awake every single night", "rls_sleep"),
    ("can rls mess up your sleep", "rls_sleep"),
    ("how do doctors usually treat restless legs these days", "rls_treatment_overview"),
    ("what are my options for treating rls", "rls_treatment_overview"),
    ("what can i do at home for my restless legs without meds", "selfcare_overview"),
    ("any natural remedys for rls that work", "selfcare_overview"),
    ("will going for a walk in the evening help my rls", "selfcare_exercise"),
    ("would doing some yoga before bed help my rls", "selfcare_exercise"),
    ("hot or cold pack on my legs for rls", "selfcare_compresses"),
    ("would a heating pad on my calves help the rls", "selfcare_compresses"),
    ("does rubbing my calves help with rls", "selfcare_massage"),
    ("would those tight compression stockings help my restless legs",
     "selfcare_compression_stockings"),
    ("can meditation calm my restless legs", "selfcare_relaxation"),
    ("relaxation techniques for rls at bedtime", "selfcare_relaxation"),
    ("does going to bed at the same time every night help rls", "selfcare_sleep_schedule"),
    ("i drink like 4 coffees a day could that be making my restless legs worse",
     "selfcare_triggers"),
    ("what things make rls flare up", "selfcare_triggers"),
    ("can a glass of wine at night make my restless legs worse", "selfcare_triggers"),
    ("should i talk to my doctor before i start gabapentin", "consult_provider"),
    ("when should i see a doctor about my restless legs", "consult_provider"),
    ("hey hey hows it going", "greeting"),
    ("hello, anyone there", "greeting"),
    ("thanks so much that helped", "thanks"),
    ("ok bye for now", "goodbye"),
    ("what can you do", "help"),
    ("where do you get your info from", "sources"),
]


def assert_answered_on(engine: Engine, kb: KnowledgeBase, question: str, topic: str) -> None:
    """Answered (not a did-you-mean) by an intent of ``topic``: the shape of every
    category test below."""
    decision = engine.ask(question).decision
    assert decision.kind == "answer", decision
    assert kb.topic_of(decision.intent_id or "") == topic


def expected_ids(expected: Expected) -> tuple[str, ...]:
    return (expected,) if isinstance(expected, str) else expected


def test_question_set_is_ours_not_the_knowledge_base(kb: KnowledgeBase) -> None:
    assert len(REAL_QUESTIONS) >= 60
    assert len({q for q, _ in REAL_QUESTIONS}) == len(REAL_QUESTIONS)
    examples = {kb.normalizer.normalize(e).canonical: i.id
                for i in kb.intents.values() for e in i.examples}
    copied = [q for q, _ in REAL_QUESTIONS if kb.normalizer.normalize(q).canonical in examples]
    assert not copied, f"these are knowledge-base examples, not test questions: {copied}"
    for _, expected in REAL_QUESTIONS:
        assert set(expected_ids(expected)) <= set(kb.intents)


def test_real_questions_accuracy_floor(engine: Engine) -> None:
    misses = []
    for question, expected in REAL_QUESTIONS:
        decision = engine.ask(question).decision
        got = decision.intent_id if decision.kind == "answer" else None
        # A finer intent counts for its topic, as in `rls-bot eval`.
        if got not in expected_ids(expected) and engine.kb.topic_of(got) not in expected_ids(
                expected):
            misses.append(f"{question!r}: expected {expected}, got {decision.kind} "
                          f"{decision.intent_id} ({decision.score})")
    accuracy = 1 - len(misses) / len(REAL_QUESTIONS)
    assert accuracy >= ACCURACY_FLOOR, (
        f"accuracy {accuracy:.3f} < {ACCURACY_FLOOR}; misses:\n" + "\n".join(misses))


def test_real_questions_reachable_in_one_tap(engine: Engine) -> None:
    # Answered, or offered as a "did you mean" button.
    misses = []
    for question, expected in REAL_QUESTIONS:
        decision = engine.ask(question).decision
        offered = ({c.intent_id for c in decision.candidates}
                   if decision.kind == "suggest" else set())
        answered = {decision.intent_id} if decision.kind == "answer" else set()
        offered |= {engine.kb.topic_of(i) for i in offered}
        answered |= {engine.kb.topic_of(i) for i in answered}
        if not (offered | answered) & set(expected_ids(expected)):
            misses.append(f"{question!r}: expected {expected}, got {decision.kind} "
                          f"{[c.intent_id for c in decision.candidates]}")
    reachable = 1 - len(misses) / len(REAL_QUESTIONS)
    assert reachable >= REACHABLE_FLOOR, (
        f"reachable {reachable:.3f} < {REACHABLE_FLOOR}; misses:\n" + "\n".join(misses))


# ------------------------------------------------------------------------------ off topic


def off_topic_hit(question: str, answered: str) -> object:
    """A question that once got a medical answer (``answered``); kept as a regression case."""
    return pytest.param(question, id=question)


OUT_OF_SCOPE = [
    "how do i fix a flat tire",
    "whats the weather tomorrow",
    "best pizza near me",
    "how do i get rid of leg cramps at night",
    "charley horse in my calf",
    "what is lyrica used for",
    "how do i lose weight fast",
    "can you recommend a good mattress",
    "is tylenol safe during pregnancy",
    "how do i treat a sprained ankle",
    "what are the symptoms of diabetes",
    "what is the capital of peru",
    "write me a poem",
    "can dogs eat grapes",
    "what causes varicose veins",
    "my kid has a fever what do i do",
    "is ibuprofen bad for your kidneys",
    "tell me a joke",
    "i broke my leg skiing what should i do",
    "how do i book an appointment with a neurologist",
    "can you help me with my taxes",
    off_topic_hit("my knee hurts after running", "selfcare_exercise"),
    off_topic_hit("my foot fell asleep", "rls_sleep"),
    off_topic_hit("my feet are always cold", "selfcare_compresses"),
    off_topic_hit("is it normal for my legs to be sore after the gym", "selfcare_exercise"),
    off_topic_hit("whats the best running shoe for flat feet", "selfcare_exercise"),
]


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_out_of_scope_never_gets_a_medical_answer(engine: Engine, kb: KnowledgeBase,
                                                  question: str) -> None:
    decision = engine.ask(question).decision
    if decision.kind == "answer":
        assert decision.intent_id is not None
        assert not kb.intents[decision.intent_id].medical, decision


@pytest.mark.parametrize("question", [
    "my restless legs have been much calmer since the gabapentin, so we're finally "
    "planning a holiday. which campsites in cornwall would you recommend?",
    "rls used to keep me up all night but treatment sorted it. now i want a hobby for the "
    "evenings. can you suggest a beginner knitting pattern?",
])
def test_a_story_of_ours_that_asks_for_something_else_is_out_of_scope(
        engine: Engine, question: str) -> None:
    decision = engine.ask(question).decision
    assert (decision.kind, decision.why.rule) == ("fallback", "asked_elsewhere")


def test_asking_for_a_recommendation_about_the_legs_is_still_ours(engine: Engine) -> None:
    # points back ("it") or names our subject: the story decides
    asked = engine.ask("i started gabapentin last month for my rls and feel groggy in the "
                       "mornings. what time would you recommend i take it?").decision
    assert asked.why.rule != "asked_elsewhere"
    named = engine.ask("my feet go crazy at night with restless legs. which stretches "
                       "would you suggest before bed?").decision
    assert named.kind == "answer" and named.why.rule != "asked_elsewhere"


@pytest.mark.parametrize(("question", "topic"), [
    # no word names RLS or gabapentin, yet the words are ours: the legs' own timing, our
    # self-care words, care without pills, caffeine
    ("why does it always flare up in the evening when i lie down", "rls_symptoms"),
    ("any ideas for my legs that don't involve more pills?", "selfcare_overview"),
    ("could all the coffee i drink be making it worse", "selfcare_triggers"),
    # a number asked for, in capsules: the dose answer (which gives none)
    ("how many capsules do people normally take at bedtime", "gabapentin_dosage"),
    # "morning or night" is not a greeting
    ("when is best to take it, night or morning?", "gabapentin_dosage"),
])
def test_questions_without_a_subject_word_that_are_still_ours(
        engine: Engine, kb: KnowledgeBase, question: str, topic: str) -> None:
    assert_answered_on(engine, kb, question, topic)


# ------------------------------------------------------------------------------ why


def test_why_shows_synonyms_and_the_matched_example(engine: Engine, kb: KnowledgeBase) -> None:
    decision = engine.ask("does neurontin help my restless legs").decision
    assert decision.kind == "answer"
    why = decision.why
    assert why.normalized == kb.normalizer.normalize("does neurontin help my restless legs"
                                                     ).canonical
    assert "neurontin->gabapentin" in why.synonyms
    assert "restless legs->rls" in why.synonyms
    assert decision.intent_id is not None
    foreign = [e for lang in load_languages(kb.directory, frozenset(kb.intents)).by_code.values()
               for e in lang.examples.get(decision.intent_id, ())]
    assert why.matched_example in (*kb.intents[decision.intent_id].examples, *foreign)


def test_why_shows_spelling_corrections(engine: Engine) -> None:
    # "ferritinn" is in no synonym list; the matcher corrects it to a knowledge-base word.
    decision = engine.ask("what should my ferritinn be for rls").decision
    assert "ferritinn->ferritin" in decision.why.corrections
    assert decision.intent_id == "iron_and_rls"


def test_why_names_the_safety_rule_that_decided(engine: Engine) -> None:
    assert engine.ask("i took too many pills").decision.why.rule == "danger:poison"
    assert engine.ask("gabapentin for my dog").decision.why.rule == "other_use"


def test_why_matched_example_is_none_without_a_candidate(engine: Engine) -> None:
    decision = engine.ask("zzzz").decision
    assert decision.kind == "fallback"
    assert decision.why.matched_example is None


# ------------------------------------------------------------------------------ decisions

SAMPLE = [q for q, _ in REAL_QUESTIONS] + [
    "gabapentin", "rls", "legs", "restless", "help", "hello", "neurontin rls",
    "gabapentin side effects or dose", "my legs", "what is it", "thanks bye",
]


def check_decision(matcher: Matcher, kb: KnowledgeBase, question: str) -> None:
    decision = matcher.decide(kb.normalizer.normalize(question))
    m = kb.matching
    assert 0.0 <= decision.score <= 100.0
    assert all(0.0 <= c.score <= 100.0 for c in decision.candidates)
    if decision.kind == "answer":
        assert decision.score >= m.answer_threshold
        assert decision.intent_id == decision.candidates[0].intent_id
    elif decision.kind == "suggest":
        assert decision.score >= m.suggest_threshold
        assert 1 <= len(decision.candidates) <= m.max_suggestions
        assert all(c.score >= m.suggest_threshold for c in decision.candidates)
        scores = [c.score for c in decision.candidates]
        assert scores == sorted(scores, reverse=True)
    else:
        assert decision.kind == "fallback"
        assert decision.score < m.suggest_threshold


@pytest.mark.parametrize("question", SAMPLE)
def test_decisions_follow_the_thresholds(engine: Engine, kb: KnowledgeBase,
                                         question: str) -> None:
    check_decision(engine.matcher, kb, question)


@pytest.mark.parametrize("question", [*SAMPLE, "zzzz", ""])
def test_engine_decisions_are_one_of_three(engine: Engine, question: str) -> None:
    decision = engine.ask(question).decision
    assert decision.kind in ("answer", "suggest", "fallback")
    assert 0.0 <= decision.score <= 100.0
    assert (decision.intent_id is None) == (decision.kind == "fallback")


@pytest.mark.parametrize(("question", "kind"), [
    ("does neurontin help restless legs", "answer"),
    ("gabapentin", "suggest"),
    ("capital of france", "fallback"),
])
def test_all_three_decisions_happen(fixture_engine: Engine, question: str, kind: str) -> None:
    assert fixture_engine.ask(question).decision.kind == kind


def test_thresholds_come_from_the_knowledge_base(fixture_kb: KnowledgeBase) -> None:
    question = fixture_kb.normalizer.normalize("does neurontin help restless legs")
    base = Matcher(fixture_kb).decide(question)
    assert base.kind == "answer"
    s = base.score

    def decide_with(answer: float, suggest: float) -> str:
        matching = replace(fixture_kb.matching, answer_threshold=answer,
                           suggest_threshold=suggest)
        return Matcher(replace(fixture_kb, matching=matching)).decide(question).kind

    low = fixture_kb.matching.suggest_threshold
    assert decide_with(s + 0.1, low) == "suggest"
    assert decide_with(s + 0.1, s + 0.1) == "fallback"
    assert decide_with(s, s) == "answer"


def test_margin_comes_from_the_knowledge_base(fixture_kb: KnowledgeBase) -> None:
    # "gabapentin" alone is in both gabapentin intents: the margin decides.
    question = fixture_kb.normalizer.normalize("gabapentin")
    low = replace(fixture_kb.matching, answer_threshold=1.0, suggest_threshold=1.0, margin=0.0)
    high = replace(low, margin=100.0)
    assert Matcher(replace(fixture_kb, matching=low)).decide(question).kind == "answer"
    assert Matcher(replace(fixture_kb, matching=high)).decide(question).kind == "suggest"


def test_max_suggestions_comes_from_the_knowledge_base(fixture_kb: KnowledgeBase) -> None:
    question = fixture_kb.normalizer.normalize("gabapentin")
    matching = MatchingSettings(answer_threshold=100.0, suggest_threshold=1.0, margin=0.0,
                                max_suggestions=2)
    decision = Matcher(replace(fixture_kb, matching=matching)).decide(question)
    assert decision.kind == "suggest"
    assert len(decision.candidates) == 2


def test_suggestions_are_replied_as_buttons(fixture_engine: Engine) -> None:
    result = fixture_engine.ask("gabapentin")
    assert result.decision.kind == "suggest"
    reply = result.reply
    assert reply.kind == "suggest"
    assert reply.text == fixture_engine.kb.messages["suggest"]
    picks = [b.data for b in reply.all_buttons if b.data.startswith("i:pick:")]
    assert picks == [f"i:pick:{c.intent_id}" for c in result.decision.candidates]


# ------------------------------------------------------------------------------ junk

JUNK = ["", " ", "!!!", "?", "🙂", "👍👍👍", "zzzz", "asdfghjkl", "hm", "...", "\n\n",
        "1234567890", "🦵" * 500]


@pytest.mark.parametrize("text", JUNK)
def test_junk_falls_back(engine: Engine, text: str) -> None:
    result = engine.ask(text)
    assert result.decision.kind == "fallback"
    assert result.reply.kind == "fallback"
    assert result.reply.text


def test_empty_input_gets_the_empty_message(engine: Engine, kb: KnowledgeBase) -> None:
    for text in ("", "   ", "!!!", "🙂"):
        assert engine.ask(text).reply.text == kb.messages["empty"]


def test_ten_thousand_random_characters(engine: Engine) -> None:
    rng = random.Random(20261124)
    alphabet = string.ascii_letters + string.digits + string.punctuation + "éüß漢字🙂\u200b"
    text = "".join(rng.choice(alphabet) for _ in range(10_000))
    result = engine.ask(text)
    assert result.truncated
    assert result.decision.kind == "fallback"


def test_a_long_story_is_read_from_its_beginning(engine: Engine) -> None:
    question = "does gabapentin help restless legs " + "and so on " * 500
    result = engine.ask(question)
    assert result.truncated
    assert result.reply.text


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=3000))
def test_any_text_gets_a_reply(engine: Engine, text: str) -> None:
    result = engine.ask(text)
    assert isinstance(result.reply, Reply)
    assert result.reply.text.strip()
    assert result.decision.kind in ("answer", "suggest", "fallback")
    assert 0.0 <= result.decision.score <= 100.0


WORDS = ["gabapentin", "neurontin", "horizant", "rls", "restless", "legs", "dose", "side",
         "effects", "iron", "sleep", "night", "my", "doctor", "help", "stop", "augmentation",
         "requip", "lyrica", "pain", "massage", "guidelines", "what", "is", "does", "hi"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join))
def test_any_mix_of_domain_words_follows_the_thresholds(engine: Engine, kb: KnowledgeBase,
                                                        question: str) -> None:
    check_decision(engine.matcher, kb, question)
    assert engine.ask(question).reply.text


ROUND24_CATEGORIES = [
    # understanding round 24's categories, in our own words
    ("at what hour is it best for my dad to take his gabapentin", "gabapentin_dosage"),
    ("wann nehme ich das Gabapentin am besten, morgens oder abends?", "gabapentin_dosage"),
    ("is gabapentin something you can use to treat restless legs", "gabapentin_efficacy"),
    ("my ropinirole has stopped working and the urge now starts in the afternoon",
     "augmentation"),
    ("my grandad heard about horizant on tv, is it the same as his gabapentin",
     "gabapentin_enacarbil"),
    ("could a cold remedy or an allergy tablet make my restless legs worse",
     "selfcare_triggers"),
    ("Hallo! Wobei kannst du mir denn helfen?", "help"),
]


ROUND25_CATEGORIES = [
    # understanding round 25's categories, in our own words
    ("shud i check with my dr b4 i stop", "consult_provider"),
    ("is restless legs something that runs in the family", "rls_course"),
    ("where does this bot get its facts from", "sources"),
    ("Wie genau wirkt denn Gabapentin?", "gabapentin_mechanism"),
    ("Womit beginnt man bei RLS die Behandlung?", "first_line_treatment"),
    ("Gabapentin peut aider mon sommeil même si je n'ai pas de jambes sans repos ?",
     "gabapentin_other_uses"),
    ("Qual è la prima terapia per questa sindrome?", "first_line_treatment"),
    ("Meglio un impacco caldo o freddo per le gambe?", "selfcare_compresses"),
]


def test_an_everyday_painkiller_taken_twice_is_no_overdose(engine: Engine) -> None:
    reply = engine.ask("my back is bad, took paracetamol twice today and it barely helps, "
                       "what else can I take?")
    assert reply.tier is None


ROUND26_CATEGORIES = [
    # understanding round 26's categories, in our own words
    ("is gabapentin better for people whose legs hurt too", "gabapentin_pain"),
    ("wot can u do for me", "help"),
    ("Soll ich mit meinem Arzt sprechen, bevor ich mit Gabapentin anfange?",
     "consult_provider"),
    ("¿qué es eso de las piernas inquietas? el médico me lo dijo y no entendí", "rls_overview"),
    ("my wife is on ropinirole and her legs now start bothering her at midday",
     "augmentation"),
]


@pytest.mark.parametrize("question", [
    "how can I get rid of dandruff?",
    "I had a tooth out and my cheek has been swollen for three days, which dentist is open?",
])
def test_round26_out_of_scope(engine: Engine, question: str) -> None:
    reply = engine.ask(question)
    assert reply.tier is None
    assert reply.decision.kind == "fallback", reply.decision


def test_planning_to_try_an_extra_one_is_a_question(engine: Engine) -> None:
    reply = engine.ask("it only half works, I was going to try taking an extra one, should "
                       "I ask my doctor first?")
    assert reply.tier is None


def test_a_risk_in_the_backstory_does_not_decide_a_clear_question(engine: Engine,
                                                                  kb: KnowledgeBase) -> None:
    # The overdose is history: the message is narrowed to the risk answers, but its
    # asking part clearly asks how gabapentin works, and that answer is given.
    reply = engine.ask("Years ago my father had an overdose on his heart pills, that was a "
                       "bad time. Now he is on gabapentin for his legs. How does gabapentin "
                       "actually work in the body?")
    assert reply.tier is None
    assert reply.decision.kind == "answer"
    assert kb.topic_of(reply.decision.intent_id or "") == "gabapentin_mechanism"


@pytest.mark.parametrize(("question", "topic"), [
    # found in a new user's trial: no subject word, still ours
    ("how soon does it start to work", "gabapentin_dosage"),
    ("will it make me put on weight", "gabapentin_side_effects"),
    ("self care", "selfcare_overview"),
    # the eighth sitting's trial: another medicine asked about as a choice is an RLS
    # question; a missed dose with no medicine named gets the missed-dose answer; "side fx"
    ("how about lyrica instead?", "other_medications"),
    ("could i swap to pregabalin", "other_medications"),
    ("missed my evening pill, can i have two in the morning", "gabapentin_stopping"),
    ("any side fx with gaba?", "gabapentin_side_effects"),
])
def test_short_questions_from_a_new_users_trial(engine: Engine, kb: KnowledgeBase,
                                                question: str, topic: str) -> None:
    assert_answered_on(engine, kb, question, topic)


@pytest.mark.parametrize(("question", "topic"), [
    # understanding round 27's categories, in our own words: an age is a child, an adult
    # or an older adult, not "year old" shared with a child's question
    ("what is a healthy weight for a 75 year old man", None),
    ("my grandmother is 88 years old and on gabapentin, could it make her fall",
     "gabapentin_side_effects"),
    ("can an 11 year old get restless legs", "rls_course"),
    ("forgot last night's capsule, should I have it this morning", "gabapentin_stopping"),
    ("will my dad need gabapentin for the rest of his life", "gabapentin_long_term"),
])
def test_round27_categories(engine: Engine, kb: KnowledgeBase, question: str,
                            topic: str | None) -> None:
    decision = engine.ask(question).decision
    if topic is None:
        assert decision.kind == "fallback", decision
        return
    assert decision.kind == "answer", decision
    assert kb.topic_of(decision.intent_id or "") == topic


ROUND30_CATEGORIES = [
    # understanding round 30's categories, in our own words: "wher" is "where", not "her"
    ("wher do you get ur facts from", "sources"),
    # a risk asked about is not another use, even when it names pain pills or low mood
    ("is gabapentin risky with strong painkillers like oxycodone?",
     "gabapentin_side_effects"),
    ("do i need to watch for low mood on gabapentin?", "gabapentin_side_effects"),
    # another RLS medicine proposed instead
    ("my gp suggested switching me to ropinirole instead, what can you tell me about it?",
     "other_medications"),
]


ROUND33_CATEGORIES = [
    # understanding round 33's categories, in our own words: whether it gets worse with
    # the years; another medicine after gabapentin did nothing; a bedtime routine
    ("my wife's restless legs seem worse every year, is that how it usually goes?",
     "rls_course"),
    ("gabapentin never helped my mum, are there other medicines she could ask about?",
     "other_medications"),
    ("could a fixed bedtime routine help my dad's restless legs?", "selfcare_sleep_schedule"),
    # "another one says" is a person, not another dose; a cold pack or a hot one
    ("one friend says ice packs, another one says a heat pad. which helps rls more?",
     "selfcare_compresses"),
    # a new user's trial: misuse is not another use; night shifts are the driving and
    # work answer
    ("my nephew keeps pinching my gabapentin to get high, is that a thing?",
     "gabapentin_side_effects"),
    ("i work night shifts at the hospital, is gabapentin a problem for me?",
     "gabapentin_side_effects"),
    # the closing fresh-clone trial: "nods off" after a year on it is a side effect (it
    # had got the stopping answer by its "off")
    ("my husband's been on neurontin for months and now he nods off at lunch, is it the "
     "pills?", "gabapentin_side_effects"),
    # Portuguese: the difference between pramipexole and gabapentin
    ("qual é a diferença entre pramipexol e gabapentina?", "other_medications"),
]


ROUND31_CATEGORIES = [
    # understanding round 31's categories, in our own words: a generic word met once
    # ("actual", "two") no longer outweighs the medicine named in the backstory
    ("my neurologist mentioned horizant but i take plain gabapentin. what's the actual "
     "difference between the two?", "gabapentin_enacarbil"),
    # long-term use said as years ahead, "yrs" as years
    ("been on gabapentin since 2019 and i'm only 40. is it ok to keep taking it for decades?",
     "gabapentin_long_term"),
    ("ok to take gabapentin for yrs?", "gabapentin_long_term"),
    # travel with the medicine through customs
    ("off to spain for three weeks, can i bring my gabapentin through customs?",
     "gabapentin_other_uses"),
    # rubbing the legs is a massage; where the answers come from
    ("my husband rubs my calves when they start, does that actually help?",
     "selfcare_massage"),
    ("who writes this stuff, where does your information come from?", "sources"),
    # a simile is not a drink: "felt like I'd had a few glasses of wine" with side effects
    ("the first week i felt like i'd had a couple of glasses of wine, all wobbly. is that "
     "a normal side effect?", "gabapentin_side_effects"),
    # Spanish "vino de" is "came from", not wine
    ("mi padre vino de Colombia y allá no le daban gabapentina. ¿es lo primero que se "
     "recomienda?", "first_line_treatment"),
]


ROUND29_CATEGORIES = [
    # understanding round 29's categories, in our own words: who the bot is (all stopwords
    # but "who", which the sources' "who says so" shares)
    ("who are u", "help"),
    ("what are you, a person or a program?", "help"),
    # Portuguese "age" (acts) and "por tanto tempo"; Italian "trarne beneficio"
    ("como o gabapentin age no corpo?", "gabapentin_mechanism"),
    ("minha mãe pode tomar gabapentina por tanto tempo?", "gabapentin_long_term"),
    ("chi trae più beneficio dal gabapentin?", "gabapentin_pain"),
    # German questions told apart by their own words, not read as French
    ("Woher stammen deine Infos?", "sources"),
]


def test_a_medicine_asked_about_alone_is_still_not_ours(engine: Engine) -> None:
    assert engine.ask("what is lyrica used for").decision.kind == "fallback"


@pytest.mark.parametrize(("question", "topic"), [
    pytest.param(question, topic, id=f"round{n}-{question[:40]}")
    for n, cases in ((24, ROUND24_CATEGORIES), (25, ROUND25_CATEGORIES),
                     (26, ROUND26_CATEGORIES), (29, ROUND29_CATEGORIES),
                     (30, ROUND30_CATEGORIES), (31, ROUND31_CATEGORIES),
                     (33, ROUND33_CATEGORIES))
    for question, topic in cases])
def test_understanding_round_categories(engine: Engine, kb: KnowledgeBase, question: str,
                                        topic: str) -> None:
    """Each understanding round's categories, in our own words (the round is in the id)."""
    assert_answered_on(engine, kb, question, topic)


def test_no_more_pills_is_not_a_dose_question(engine: Engine) -> None:
    # the last fresh-clone trial: "without taking more pills" had got the dose answer
    decision = engine.ask("what can i do myself tonight without taking more pills").decision
    assert decision.why.rule != "dose_amount"

"""The safety policy: one ordered table of rules that run before matching and win over it.

A message from someone in danger must get the right help first, and never a routine answer;
a question about another medicine or about gabapentin for another condition must never get
a gabapentin-for-RLS answer that was not written for it. Fuzzy matching can promise
neither, so these rules come first.

Each rule has a name (reported as ``why.rule``), a test and an outcome. The first rule whose
test passes decides; when none does, the matcher answers freely. The tests read only data:
the danger concepts found by ``danger.py`` (``knowledge/danger/<lang>.yml``) and the
patterns of ``knowledge/safety.yml``; the outcomes name intents by their role
(``knowledge/roles.yml``), never by id. A change of wording is a data edit; a change of
policy is an edit to :data:`RULES`, in one place.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

from bot.core.danger import Findings
from bot.core.danger_model import DangerModel, Scores
from bot.core.kb import Roles, SafetyRules
from bot.core.normalize import Normalized

MANY_SYMPTOMS = 3
DENIABLE = ("crisis", "lethal", "farewell", "despair", "severe", "event", "symptom",
            "ingest")

_DENIED_FOR = {"crisis": ("crisis", "lethal", "farewell", "despair")}
"""What a denial must be about to keep the model quiet where the concepts saw a sign of
the same kind: "two weeks without taking it, I'm keeping them in a drawer" denies taking,
not a wish to die. Alone, any denial keeps it quiet ("the dog did NOT eat any")."""

_GABAPENTIN = re.compile(r"\b(gabapentin|enacarbil)\b")

Verdict = Literal["urgent", "route", "narrow", "weak", "none"]
Tier = Literal["crisis", "emergency", "poison"]


@dataclass(frozen=True)
class SafetyCheck:
    verdict: Verdict
    intent_id: str | None = None
    allowed: frozenset[str] | None = None
    excluded: frozenset[str] = frozenset()
    default: str | None = None  # what a narrowed question gets when nothing matches well
    rule: str | None = None
    dose_question: bool = False
    tier: Tier | None = None  # urgent only: which danger reply
    someone_else: bool = False  # urgent crisis: the person in danger is someone else
    harmed: bool = False  # urgent crisis: and in danger now (an overdose with symptoms)
    risk_line: Literal["crisis", "emergency"] | None = None  # "if this is happening now"


@dataclass(frozen=True)
class Message:
    """Everything a rule may look at, computed at most once per message."""

    normalized: Normalized
    findings: Findings
    rules: SafetyRules
    roles: Roles
    text: str = ""
    model: DangerModel | None = None

    @cached_property
    def scores(self) -> Scores | None:
        return self.model.scores(self.text) if self.model is not None else None

    @property
    def plain(self) -> str:
        return self.normalized.plain

    @property
    def canonical(self) -> str:
        return self.normalized.canonical

    @cached_property
    def about_a_risk(self) -> bool:  # several rules ask; see _about_a_risk
        return _asked_imagined_or_past(self.findings)

    @cached_property
    def dose_question(self) -> bool:
        return bool(self.rules.dose_question.search(self.plain))

    @cached_property
    def about_gabapentin(self) -> bool:
        return bool(_GABAPENTIN.search(self.canonical))

    @cached_property
    def rls_context(self) -> bool:
        return bool(self.rules.rls_context.search(self.canonical))

    @cached_property
    def specific_medicine(self) -> str | None:
        return _mentions(self.rules.rls_specific_medicines, self.canonical)

    @cached_property
    def general_medicine(self) -> str | None:
        return _mentions(self.rules.general_medicines, self.canonical)

    @cached_property
    def medicine_topic(self) -> bool:
        return bool(self.rules.medicine_topics.search(self.canonical))

    @cached_property
    def legs(self) -> bool:
        return bool(self.rules.legs_context.search(self.canonical))

    @cached_property
    def anchored(self) -> bool:
        return bool(self.rules.domain_anchor.search(self.canonical))

    def route(self, intent_id: str | None, rule: str) -> SafetyCheck:
        return SafetyCheck("route", intent_id, rule=rule, dose_question=self.dose_question)

    def narrow(self, allowed: frozenset[str], rule: str, default: str | None = None,
               risk_line: Literal["crisis", "emergency"] | None = None) -> SafetyCheck:
        return SafetyCheck("narrow", allowed=allowed, rule=rule, default=default,
                           dose_question=self.dose_question, risk_line=risk_line)


def _mentions(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(0) if found else None


# --------------------------------------------------------------------------- danger


def _swallowed_by_someone_small(m: Message) -> bool:
    """A child or a pet, a swallowing verb and a medicine, said in one sentence; unless the
    swallowing was denied ("she didn't swallow any, she just had the bottle")."""
    return (m.findings.in_one_sentence("young", "ingest", "medicine")
            and not m.findings.denied("ingest"))


def _mixed_up(m: Message) -> bool:
    """A mix-up ("by mistake", "instead of") with a medicine taken or given, in one
    sentence: "gave my son my gabapentin instead of his vitamin"."""
    return m.findings.in_one_sentence("mistake", "ingest", "medicine")


def _too_much(m: Message) -> bool:
    return (m.findings.live("event") or _swallowed_by_someone_small(m)
            or _mixed_up(m))


def _said_outright(f: Findings) -> bool:
    """A wish to die or to self-harm, unless a denial in its sentence takes it in ("I don't
    have any thoughts of harming myself" is one denial, not a wish and a denial)."""
    denials = [d for d in f.hits if d.concept == "denial" and d.live]
    return any(h.live and h.concept == "crisis" and not any(
        d.sentence == h.sentence and h.span.split()[0] in d.span.split() for d in denials)
        for h in f.hits)


def _wants_to_die(m: Message) -> bool:
    """Said outright, or shown: a goodbye together with despair, a way to do it, or someone
    who no longer answers; despair together with a way to do it or too much taken. An
    ordinary question about amounts ("how many mg is too many") is such a way only after
    a goodbye or despair ("sorted out who gets my guitars and the dog ... how many mg ...")."""
    f = m.findings
    farewell, despair = f.live("farewell"), f.live("despair")
    if f.live("denial"):
        # "keine Sorge, ich tu mir nichts an, bin nur am Ende": despair said with a denial
        # is not a crisis; only words that say it outright are.
        despair = False
    return (_said_outright(f) or f.live("lethal")
            # two goodbyes, or two signs of despair, in one message
            or f.count("farewell") >= 2 or f.count("despair") >= 2
            # the means within reach now, with a way, an amount asked, a goodbye or despair
            or (f.live("at_hand") and (f.live("means") or f.seen("lethal")
                                       or f.seen("amount") or farewell or despair
                                       # "what happens if somebody takes all 90 ...
                                       # I have them in front of me now"
                                       or (f.seen("event") and not f.live("event"))))
            # affairs put in order: two deeds, or one with a goodbye or despair
            or f.count("affairs") >= 2
            or (f.live("affairs") and (farewell or despair or f.seen("event")
                                        or f.live("means")))
            or (farewell and (despair or f.live("unreachable") or f.live("means")
                              or f.seen("event") or f.seen("amount")
                              or (f.seen("depressant") and f.seen("medicine"))))
            or (despair and (f.live("means") or f.seen("event") or f.seen("severe")
                             or f.seen("amount")))
            or (despair and f.live("unreachable"))
            # things given away or accounts closed, even laughed about, with despair said
            # in earnest ("gave my brother the console and closed my accounts lol. nothing
            # matters now")
            or (despair and (f.seen("farewell") or f.seen("affairs")))
            # ... or laughed through all of it: two things given away or closed down, and
            # "whatever now" ("sold my phone, gave my brother the guitar, left every group
            # kkkk whatever now")
            or (f.seen("despair") and f.count("farewell", "affairs", live_only=False) >= 2)
            # wishes to die once said as a joke or a threat, and now they cannot be reached
            or (f.seen("crisis") and f.live("unreachable")))


def _in_danger_now(m: Message) -> bool:
    f = m.findings
    return (f.live("severe")
            or (_too_much(m) and f.live("symptom"))
            # a child or a pet who got into the pills and is now drowsy: for an adult a
            # double dose that makes them sleepy is a call to Poison Help, for a child an
            # ambulance
            or (_swallowed_by_someone_small(m) and f.live("drowsy"))
            # a sedating mix with gabapentin (or "pills") and a worrying state
            or (f.live("depressant") and f.live("symptom") and f.seen("medicine"))
            # several worrying states together after drink or drugs ("slurring, can barely
            # stand, throwing up")
            or (f.count("symptom") >= MANY_SYMPTOMS and (f.seen("depressant")
                                                       or f.seen("medicine")))
            # a serious skin reaction: blisters or a rash together with a fever
            or (f.live("skin") and f.live("fever")))


def _someone_else(m: Message) -> bool:
    """Whose life is at risk, read around the words that said so: "my son said he wants to
    die" is about someone else; "my wife says I'm a burden" is not."""
    f = m.findings
    crisis = (f.spans("crisis") + f.spans("lethal") + f.spans("farewell")
              + f.spans("despair"))
    sentences = {h.sentence for h in crisis}
    others = [h for h in f.hits if h.concept == "other_person" and h.sentence in sentences]
    selves = [h for h in f.hits if h.concept == "self_person" and h.sentence in sentences]
    spans = " ".join(h.span for h in crisis)
    if re.search(r"\b(my ?self|me|mi|mich|moi|mim|io)\b", spans):
        return False
    return bool(others) and not selves


def _crisis(m: Message) -> SafetyCheck:
    """A wish to die; when the deed is already done and harming ("took the rest of my pills,
    wanted it all to stop, can't keep my eyes open"), the ambulance comes first."""
    return SafetyCheck("urgent", m.roles.urgent, rule="danger:crisis", tier="crisis",
                       someone_else=_someone_else(m), harmed=_in_danger_now(m))


def _urgent(tier: Tier) -> Callable[[Message], SafetyCheck]:
    def outcome(m: Message) -> SafetyCheck:
        return SafetyCheck("urgent", m.roles.urgent, rule=f"danger:{tier}", tier=tier)
    return outcome


def model_alone_may_speak(m: Message) -> bool:
    """Whether the danger model may raise an alarm with no concept of the same kind.

    Only on a statement that names someone or something of ours: indirect crises are told
    ("sold the boat, rang my fishing friends, said that's it"), while a message that ends
    by asking something is a question, which the concepts and the risk rules read better.
    On held-out training folds at a certainty of 0.99, asking for any concept instead of
    one beyond a person raised recall from 0.81 to 0.85; leaving questions out then cost
    almost none of it and cut alarms on routine questions (of which a linear model is
    sometimes near-certain: "is it ok to keep taking it forever", "my car grinds when I
    brake") by a third (tests/data/safety/ROUNDS.md)."""
    return (bool(m.findings.hits) and not m.findings.ends_asking
            # "gave me 600s instead of 300s, but i noticed before taking any"
            and not m.findings.settled
            # "she says she wants to die every time she sees the price 🙄": a laugh, as the
            # concepts read it
            and not m.findings.joking)


def _learned(tier: Tier) -> Callable[[Message], bool]:
    """The danger model's second opinion, for what the concepts did not recognise: its best
    class is ``tier`` and clears the threshold chosen on held-out training folds, and the
    concepts did not judge the danger words asked about, imagined or past."""
    def test(m: Message) -> bool:
        if m.model is None or _about_a_risk(m):
            return False
        if not (model_alone_may_speak(m) or model_may_speak(m, tier)):
            return False  # before scoring: most routine questions stop here
        if m.scores is None:
            return False
        if m.findings.denied(*_DENIED_FOR.get(tier, DENIABLE)) or m.findings.live("denial"):
            # "no thoughts of hurting myself, but...": the person said what it is not.
            return False
        best, value = m.scores.best
        if best != tier or value < m.model.thresholds[tier]:
            return False
        # Sure on its own (a statement naming something of ours), or sure enough where the
        # concepts saw a sign of the same kind.
        alone = (value >= m.model.certain and model_alone_may_speak(m)
                 and m.scores.readable and not m.findings.denied(*DENIABLE))
        return alone or model_may_speak(m, tier)
    return test


def model_may_speak(m: Message, tier: str) -> bool:
    """Whether the danger model may raise ``tier`` for this message at all (the same gate
    is used when its thresholds are chosen, scripts/train_danger_model.py)."""
    if _about_a_risk(m):
        return False
    # The model weighs many small cues; it speaks only where the concepts saw at least one
    # sign of the same kind: a goodbye, despair, a means (or someone unreachable, with a
    # medicine or a wish named) for a crisis; two symptoms, or one with a sedating mix,
    # for an emergency; a medicine and someone who swallowed it for poison. Venting about
    # the legs never raises an alarm.
    f = m.findings
    if tier == "crisis":
        # Someone who does not answer is a sign only where medicine or a wish was named:
        # "my landlord doesn't answer calls anymore" is not.
        return any(f.live(c) for c in ("farewell", "despair", "means")) or (
            f.live("unreachable") and any(f.seen(c) for c in ("medicine", "event", "crisis",
                                                              "lethal")))
    if tier == "emergency":
        return f.count("symptom") >= 2 or (f.live("symptom") and f.live("depressant"))
    return f.live("medicine") and f.live("ingest")


def _about_a_risk(m: Message) -> bool:
    """A danger word that was asked about, imagined or in the past, not happening now."""
    return m.about_a_risk


def _dose_change(m: Message) -> bool:
    """"can i take 2 tonight instead of one", "can i double up if i missed one": a question
    about changing one's own dose (an extra dose asked about, nothing felt) gets the answers
    risk questions get, which send it to the prescriber, without the line on calling an
    ambulance."""
    return (_about_a_risk(m) and bool(m.rules.dose_change.search(m.plain))
            and not any(m.findings.seen(c) for c in ("crisis", "lethal", "severe", "symptom")))


def _asked_imagined_or_past(f: Findings) -> bool:
    return (any(f.seen(c) for c in ("crisis", "lethal", "severe", "event"))
            or f.in_one_sentence("young", "ingest", "medicine", live_only=False)
            or f.in_one_sentence("mistake", "ingest", "medicine", live_only=False))


def _risk_answer(m: Message) -> SafetyCheck:
    line: Literal["crisis", "emergency"] = (
        "crisis" if m.findings.seen("crisis") else "emergency")
    return m.narrow(m.rules.risk_intents, "about_risk", default=m.roles.side_effects,
                    risk_line=line)


# --------------------------------------------------------------------------- routing


def _pregnancy(m: Message) -> bool:
    """Pregnant or breastfeeding now: a pregnancy in the past ("restless legs since I was
    pregnant with my second, and she's 20 now") is backstory, not this rule's."""
    now = m.rules.pregnancy_past.sub(" ", m.plain)
    return bool(m.rules.pregnancy.search(now)) and m.anchored


def _gabapentin_alone(m: Message) -> bool:
    """Gabapentin and no other medicine named: "pregnant, must i stop gabapentin"."""
    return m.about_gabapentin and not (
        m.rules.pregnancy_other_medicine.search(m.canonical)
        or m.specific_medicine is not None or m.general_medicine is not None)


def _pregnancy_outcome(m: Message) -> SafetyCheck:
    if m.rules.pregnancy_medicine.search(m.canonical) and "selfcare" not in m.canonical:
        if _gabapentin_alone(m):
            # Gabapentin in pregnancy or breastfeeding: the answers written for it, which
            # send the person to the prescriber and maternity team.
            return m.narrow(m.rules.pregnancy_gabapentin_intents | {m.roles.pregnancy},
                            "pregnancy_gabapentin", default=m.roles.pregnancy)
        # Another medicine, or medicines in general: a question for the prescriber.
        return m.route(m.roles.provider, "pregnancy_medicine")
    return m.narrow(m.rules.pregnancy_intents, "pregnancy", default=m.roles.selfcare)


def _other_use(m: Message) -> bool:
    if not m.about_gabapentin:
        return False
    if m.rules.not_for_rls.search(m.canonical):
        return True
    return (not m.rls_context and not m.rules.other_uses_unless.search(m.plain)
            and any(p.search(m.canonical) for p in m.rules.other_uses))


def _interaction(m: Message) -> bool:
    about_it = m.about_gabapentin or bool(m.rules.taken_with.search(m.plain))
    return about_it and bool(m.rules.interaction.search(m.canonical))


def _gabapentin_and_another(m: Message) -> bool:
    return m.about_gabapentin and m.medicine_topic and m.specific_medicine is not None


def _no_topic_word(m: Message) -> bool:
    return not m.anchored


def _no_topic_outcome(m: Message) -> SafetyCheck:
    if m.rules.missed_dose_intents and m.rules.missed_dose.search(m.plain):
        # "forgot my dose last night, should i take two tonight": a missed dose, whose
        # answer says what to do about one (not the dose answer "take two" would get).
        return m.narrow(m.rules.missed_dose_intents, "missed_dose",
                        default=min(m.rules.missed_dose_intents))
    if m.rules.dose_amount.search(m.plain):
        # "can i take 2 of my 300mg": in this bot, a dose question (answered without one).
        return SafetyCheck("route", m.roles.dose, rule="dose_amount",
                           dose_question=True)
    if m.rules.weak_anchor.search(m.canonical):
        return SafetyCheck("weak", rule="weak_topic_word", dose_question=m.dose_question)
    return m.narrow(m.rules.conversation_intents, "no_topic_word")


def _not_rls(m: Message) -> bool:
    return (not m.rls_context and not m.about_gabapentin
            and bool(m.rules.not_rls.search(m.canonical)))


def _another_rls_medicine(m: Message) -> bool:
    """Another RLS medicine, or a general one asked about as a choice ("what about
    pregabalin instead", "can i switch to pregabalin"): in this bot a choice of medicine is
    a choice for the legs."""
    return not m.about_gabapentin and (
        m.specific_medicine is not None
        or (m.general_medicine is not None and (m.legs or m.medicine_topic)))


def _another_medicine_outcome(m: Message) -> SafetyCheck:
    name = m.specific_medicine or m.general_medicine
    if m.medicine_topic:
        return m.narrow(m.rules.medicine_topic_intents, f"other_medicine_topic:{name}",
                        default=m.roles.other_medicines)
    # Another RLS medicine: the other-medications answer says what the guidelines say about
    # it; never a gabapentin answer that was not written for it.
    return m.route(m.roles.other_medicines, f"other_medicine:{name}")


def _medicine_not_rls(m: Message) -> bool:
    return not m.about_gabapentin and m.general_medicine is not None


def _symptoms_only(m: Message) -> bool:
    return not m.about_gabapentin


@dataclass(frozen=True)
class Rule:
    name: str
    test: Callable[[Message], bool]
    outcome: Callable[[Message], SafetyCheck]


RULES: tuple[Rule, ...] = (
    # Danger first, most serious first; sent first and alone.
    Rule("crisis", _wants_to_die, _crisis),
    Rule("emergency", _in_danger_now, _urgent("emergency")),
    Rule("poison", _too_much, _urgent("poison")),
    # What the concepts missed, the learned model may still see ("tonight's the night").
    Rule("crisis_learned", _learned("crisis"),
         lambda m: replace(_crisis(m), rule="danger:crisis:learned")),
    Rule("emergency_learned", _learned("emergency"),
         lambda m: replace(_urgent("emergency")(m), rule="danger:emergency:learned")),
    Rule("poison_learned", _learned("poison"),
         lambda m: replace(_urgent("poison")(m), rule="danger:poison:learned")),
    # A danger word asked about ("can you die from it", "what if my dog ate one"): the
    # side-effects family answers, with a line on what to call if it is happening now.
    # Never small talk or "no topic word".
    Rule("dose_change", _dose_change,
         lambda m: m.narrow(m.rules.risk_intents, "dose_change", default=m.roles.dose)),
    Rule("about_risk", _about_a_risk, _risk_answer),
    Rule("risk_question", lambda m: bool(m.rules.risk_question.search(m.plain)),
         lambda m: SafetyCheck("route", m.roles.side_effects, rule="risk_question",
                               risk_line="emergency", dose_question=m.dose_question)),
    Rule("pregnancy", _pregnancy, _pregnancy_outcome),
    Rule("other_use", _other_use, lambda m: m.route(m.roles.other_uses, "other_use")),
    Rule("interaction", _interaction,
         lambda m: m.narrow(m.rules.interaction_intents, "interaction")),
    # Gabapentin next to another RLS medicine, asked as a choice between them: the
    # medicine-topic intents of safety.yml or the both_medicines role (switching, combining,
    # asking a doctor).
    Rule("both_medicines", _gabapentin_and_another,
         lambda m: m.narrow(m.rules.medicine_topic_intents | frozenset(m.roles.both_medicines),
                            f"gabapentin_and:{m.specific_medicine}")),
    Rule("no_topic_word", _no_topic_word, _no_topic_outcome),
    Rule("not_rls", _not_rls, lambda m: m.route(None, "not_rls")),
    Rule("other_medicine", _another_rls_medicine, _another_medicine_outcome),
    # Another medicine with no RLS context at all ("what is lyrica used for"): not ours.
    Rule("other_medicine_not_rls", _medicine_not_rls,
         lambda m: SafetyCheck("route", None, rule=f"other_medicine_not_rls:"
                               f"{m.general_medicine}")),
    # Someone who only describes their legs is not steered towards a prescription drug.
    Rule("symptoms_only", _symptoms_only,
         lambda m: SafetyCheck("none", excluded=m.rules.needs_gabapentin,
                               dose_question=m.dose_question)),
)


def check(normalized: Normalized, findings: Findings, rules: SafetyRules, roles: Roles, *,
          text: str = "", model: DangerModel | None = None) -> SafetyCheck:
    """The outcome of the first rule that applies; otherwise the matcher decides freely."""
    message = Message(normalized, findings, rules, roles, text, model)
    for rule in RULES:
        if rule.test(message):
            return rule.outcome(message)
    return SafetyCheck("none", dose_question=message.dose_question)

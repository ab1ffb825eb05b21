"""The "Could this be RLS?" self-check: five yes/no questions, state only in the buttons.

Each button carries the answers so far ("s:q:yyn" = yes, yes, no), so the bot keeps no
state and stores nothing about a person's health: a tap arrives, its data says where the
person is, the next question or the result is built from it, and that is all. An old or
forged button ("s:q:yyyyyyy", "s:q:x") gives None and gets the polite stale answer.
The questions and result texts are data (``knowledge/selfcheck.yml``); this module only
counts yes and no.
"""

from __future__ import annotations

import re

from bot.core import actions
from bot.core.compose import menu_button, source_refs, sources_title
from bot.core.kb import KnowledgeBase, SelfCheck
from bot.core.quality import reviewed_label
from bot.core.reply import Button, Reply

_ANSWERS = re.compile(r"[yn]*")


def valid(check: SelfCheck, answers: str) -> bool:
    """Answers a button of ours can carry: only y/n, at most one per question."""
    return bool(_ANSWERS.fullmatch(answers)) and len(answers) <= len(check.questions)


def start(kb: KnowledgeBase) -> Reply | None:
    """Question 1, with the introduction (None if this knowledge base has no self-check)."""
    return step(kb)


def step(kb: KnowledgeBase, answers: str = "") -> Reply | None:
    """The next question after ``answers``, or the result once all are answered."""
    check = kb.selfcheck
    if check is None or not valid(check, answers):
        return None
    if len(answers) == len(check.questions):
        return result(kb, check, answers)
    n = len(answers)
    choices = (Button(check.labels["yes"], actions.selfcheck(answers + "y")),
               Button(check.labels["no"], actions.selfcheck(answers + "n")))
    nav: tuple[Button, ...] = (
        (Button(check.labels["back"], actions.selfcheck(answers[:-1])),) if answers else ())
    text = check.questions[n]
    if n == 0:
        text = f"{check.intro}\n\n{text}"
    return Reply("menu", text, title=check.title,
                 footer=kb.text("selfcheck_position", n=n + 1, total=len(check.questions)),
                 buttons=(choices, (*nav, menu_button(kb))), intent_id=check.offered_by)


def result(kb: KnowledgeBase, check: SelfCheck, answers: str) -> Reply:
    """What the answers fit, what else feels similar, what to ask the doctor."""
    texts = check.results
    missing = [c for c, a in zip(check.criteria, answers, strict=True) if a != "y"]
    if missing:
        verdict = f"{texts['not_all']}\n\n{texts['missing']} " + "; ".join(missing) + "."
    else:
        verdict = texts["fits"]
    text = "\n\n".join((verdict, texts["similar"], texts["ask_doctor"], texts["not_diagnosis"]))
    follow = [Button(kb.intents[i].title, actions.intent("show", i))
              for i in check.follow_ups]
    buttons = (*((b,) for b in follow),
               (Button(check.labels["again"], actions.selfcheck()), menu_button(kb)))
    reviewed = (kb.text("reviewed", date=reviewed_label(check.reviewed))
                if check.reviewed else "")
    refs = source_refs(kb, check.sources)
    return Reply("answer", text, title=check.title, sources=refs,
                 sources_title=sources_title(kb, refs), disclaimer=kb.disclaimer,
                 buttons=buttons, intent_id=check.offered_by, reviewed=reviewed)


def start_button(kb: KnowledgeBase) -> Button | None:
    """The button that opens the check (in the About-RLS menu and under its intent)."""
    if kb.selfcheck is None:
        return None
    return Button(kb.selfcheck.labels["start"], actions.selfcheck())

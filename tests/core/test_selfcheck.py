"""The "Could this be RLS?" self-check in the core: five questions, state only in the data.

Every button the check builds is decoded and replayed here, so a test walks every path a
person can tap (32 answer combinations) without Telegram.
"""

from __future__ import annotations

import itertools
import re

import pytest

from bot.core import actions, compose, menus, selfcheck
from bot.core.engine import Engine
from bot.core.kb import DOSE_PATTERN, KnowledgeBase
from bot.core.reply import Reply

SELFCHECK_SOURCE = "allen_2014"


def tap(kb: KnowledgeBase, reply: Reply, label: str) -> Reply | None:
    [button] = [b for b in reply.all_buttons if b.label == label]
    action = actions.decode(button.data)
    assert action is not None, button.data
    return menus.for_action(kb, action)


def walk(kb: KnowledgeBase, answers: str) -> Reply:
    check = kb.selfcheck
    assert check is not None
    reply = selfcheck.start(kb)
    assert reply is not None
    for n, answer in enumerate(answers):
        assert reply.footer == f"Question {n + 1} of 5"
        assert reply.text.endswith(check.questions[n])
        nxt = tap(kb, reply, check.labels["yes" if answer == "y" else "no"])
        assert nxt is not None
        reply = nxt
    return reply


def test_the_check_has_allen_2014s_five_criteria(kb: KnowledgeBase) -> None:
    check = kb.selfcheck
    assert check is not None
    assert len(check.questions) == len(check.criteria) == 5
    assert SELFCHECK_SOURCE in check.sources
    assert kb.sources[SELFCHECK_SOURCE].year == 2014
    assert check.offered_by in kb.intents
    assert kb.intents[check.offered_by].topic == "rls_symptoms"


def test_question_one_says_what_it_is_and_that_nothing_is_stored(kb: KnowledgeBase) -> None:
    reply = selfcheck.start(kb)
    assert reply is not None and kb.selfcheck is not None
    assert reply.text.startswith(kb.selfcheck.intro)
    assert "not a diagnosis" in reply.text and "not stored" in reply.text
    assert [b.data for b in reply.buttons[0]] == ["s:q:y", "s:q:n"]
    assert "◀ Back" not in [b.label for b in reply.all_buttons]


@pytest.mark.parametrize("answers", ["".join(p) for p in itertools.product("yn", repeat=5)])
def test_every_path_ends_in_a_plain_result(kb: KnowledgeBase, answers: str) -> None:
    check = kb.selfcheck
    assert check is not None
    result = walk(kb, answers)
    assert result.kind == "answer"
    texts = check.results
    if answers == "yyyyy":
        assert result.text.startswith(texts["fits"])
        assert texts["missing"] not in result.text
    else:
        assert result.text.startswith(texts["not_all"])
        missing = [c for c, a in zip(check.criteria, answers, strict=True) if a == "n"]
        assert f"{texts['missing']} {'; '.join(missing)}." in result.text
    for key in ("similar", "ask_doctor", "not_diagnosis"):
        assert texts[key] in result.text
    assert "iron" in result.text and "doctor" in result.text
    assert result.disclaimer == kb.disclaimer
    assert SELFCHECK_SOURCE in [s.id for s in result.sources]
    assert result.reviewed.startswith("Reviewed ")
    assert not DOSE_PATTERN.search(result.text)
    assert [b.data for b in result.all_buttons][-2:] == ["s:q", "m:main"]


def test_back_goes_to_the_previous_question(kb: KnowledgeBase) -> None:
    check = kb.selfcheck
    assert check is not None
    third = walk(kb, "yn")
    assert third.footer == "Question 3 of 5"
    back = tap(kb, third, check.labels["back"])
    assert back is not None and back.footer == "Question 2 of 5"
    assert [b.data for b in back.buttons[0]] == ["s:q:yy", "s:q:yn"]


@pytest.mark.parametrize("data", ["s:q:yyyyyy", "s:q:x", "s:q:yes", "s:q:y1", "s:a:yy",
                                  "s:q:YY", "s:q:", "s:q:" + "y" * 70, "c:q", "c:q:yy"])
def test_stale_or_forged_check_buttons_give_none(kb: KnowledgeBase, data: str) -> None:
    action = actions.decode(data)
    assert action is None or menus.for_action(kb, action) is None


def test_every_check_button_fits_telegrams_64_bytes(kb: KnowledgeBase) -> None:
    for answers in ("".join(p) for n in range(6) for p in itertools.product("yn", repeat=n)):
        reply = selfcheck.step(kb, answers)
        assert reply is not None
        for button in reply.all_buttons:
            assert len(button.data.encode()) <= actions.MAX_BYTES
            assert re.fullmatch(r"[a-z]:[a-z]+(:[a-z0-9_]*)?", button.data), button.data


@pytest.mark.parametrize("question", ["do i have restless legs", "could this be rls",
                                      "might i have restless leg syndrome"])
def test_do_i_have_rls_offers_the_check(engine: Engine, question: str) -> None:
    result = engine.ask(question)
    assert result.decision.intent_id == "rls_self_check", result.decision.why
    assert result.reply.all_buttons[0].data == "s:q"
    assert engine.kb.topic_of(result.decision.intent_id) == "rls_symptoms"


def test_about_rls_menu_and_the_menu_name_open_the_check(kb: KnowledgeBase) -> None:
    about = menus.show(kb, "about")
    assert about is not None
    first = about.all_buttons[0]
    assert (first.label, first.data) == (kb.text("menus.check.label"), "m:check")
    assert tap(kb, about, first.label) == selfcheck.start(kb)
    assert menus.show(kb, "check") == selfcheck.start(kb)
    assert menus.deep_link(kb, "check") == selfcheck.start(kb)
    intent_reply = compose.answer(kb, kb.intents["rls_self_check"])
    assert intent_reply.all_buttons[0].data == "s:q"


def test_a_knowledge_base_without_the_check_has_none(kb: KnowledgeBase) -> None:
    from dataclasses import replace

    bare = replace(kb, selfcheck=None)
    assert selfcheck.start(bare) is None
    assert selfcheck.start_button(bare) is None
    about = menus.show(bare, "about")
    assert about is not None
    assert "m:check" not in [b.data for b in about.all_buttons]
    assert "s:q" not in [b.data for b in about.all_buttons]
    assert menus.show(bare, "check") is None


def test_the_self_check_family_is_s_and_no_family_shares_a_prefix() -> None:
    """Curation uses c and w (its own typed families): the self-check's family is s."""
    prefixes = [family.PREFIX for family in actions.FAMILIES]
    assert len(prefixes) == len(set(prefixes))
    assert actions.SelfCheckAction.PREFIX == "s"
    assert (actions.CuratorAction.PREFIX, actions.MissingAction.PREFIX) == ("c", "w")
    assert actions.selfcheck() == "s:q" and actions.selfcheck("yn") == "s:q:yn"

"""The self-check end to end through the real application over the fake Bot API."""

from __future__ import annotations

import logging

import pytest

from bot.core.kb import KnowledgeBase
from tests.telegram.conftest import assert_telegram_html
from tests.telegram.fake import Driver


async def answer_all(user: Driver, kb: KnowledgeBase, answers: str) -> None:
    assert kb.selfcheck is not None
    for n, answer in enumerate(answers, 1):
        assert f"Question {n} of 5" in user.text
        await user.click(kb.selfcheck.labels["yes" if answer == "y" else "no"])
        assert [c.method for c in user.last] == ["answerCallbackQuery", "editMessageText"]


async def test_check_command_walks_five_questions_to_a_result(
        user: Driver, kb: KnowledgeBase, caplog: pytest.LogCaptureFixture) -> None:
    assert kb.selfcheck is not None
    caplog.set_level(logging.INFO)
    await user.send("/check")
    [reply] = user.replies
    first = reply.message_id
    page = assert_telegram_html(reply.text)
    assert kb.selfcheck.title in page and "not a diagnosis" in page
    assert reply.labels == ["Yes", "No", "☰ Menu"]
    await answer_all(user, kb, "yyyyy")
    assert user.replies[0].message_id == first  # edited in place, one message
    page = assert_telegram_html(user.text)
    assert kb.selfcheck.results["fits"] in page
    assert kb.selfcheck.results["ask_doctor"] in page
    assert "📚 Sources" in page and "2014" in page
    assert "Reviewed " in page and page.endswith(kb.disclaimer)
    assert "↺ Start again" in user.labels
    # Nothing of the answers reaches the logs (the store is off in these tests).
    assert "yyyy" not in caplog.text


async def test_about_rls_menu_reaches_the_check_and_back_works(
        user: Driver, kb: KnowledgeBase) -> None:
    assert kb.selfcheck is not None
    await user.send("/menu")
    await user.click("🦵 About RLS")
    await user.click(kb.text("menus.check.label"))
    await answer_all(user, kb, "yn")
    await user.click(kb.selfcheck.labels["back"])
    assert "Question 2 of 5" in user.text
    await answer_all(user, kb, "")
    await user.click("No")
    await user.click("No")
    await user.click("Yes")
    await user.click("Yes")
    page = assert_telegram_html(user.text)
    assert kb.selfcheck.results["not_all"] in page
    assert "You did not answer yes to: starts or gets worse at rest; eases while you move." in page


async def test_do_i_have_restless_legs_offers_the_check(user: Driver, kb: KnowledgeBase) -> None:
    assert kb.selfcheck is not None
    await user.send("do i have restless legs")
    assert kb.intents["rls_self_check"].title in user.text
    assert user.labels[0] == kb.selfcheck.labels["start"]
    await user.click(kb.selfcheck.labels["start"])
    assert "Question 1 of 5" in user.text


@pytest.mark.parametrize("data", ["s:q:yyyyyyy", "s:q:maybe", "s:x", "s:q:" + "n" * 60,
                                  "c:q:yy"])
async def test_stale_or_forged_check_buttons_are_answered_politely(
        user: Driver, kb: KnowledgeBase, data: str) -> None:
    await user.send("/check")
    await user.tap(data)
    toast = user.last[0]
    assert toast.method == "answerCallbackQuery"
    assert toast.params.get("text") == kb.messages["stale_button"]
    assert kb.messages["stale_button"] in user.text


async def test_menus_list_the_new_topics(user: Driver, kb: KnowledgeBase) -> None:
    await user.send("/menu")
    await user.click("💊 About gabapentin")
    assert kb.intents["gabapentin_onset"].title in user.labels
    await user.click(kb.text("menus.safety.label"))
    for intent_id in kb.menus["safety"].topics:
        assert kb.intents[intent_id].title in user.labels
    back = kb.text("buttons.back", menu=kb.text("menus.gabapentin.name"))
    assert back in user.labels
    await user.click(kb.intents["gabapentin_older_adults"].title)
    page = assert_telegram_html(user.text)
    assert kb.intents["gabapentin_older_adults"].answer in page
    assert "Reviewed Nov 2026" in page or "Reviewed " in page
    await user.click("☰ Menu")
    await user.click("🦵 About RLS")
    for intent_id in ("rls_look_alikes", "rls_plm", "rls_children", "rls_heredity",
                      "iron_testing", "iron_iv"):
        assert kb.intents[intent_id].title in user.labels

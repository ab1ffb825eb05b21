"""Groups: answer commands, mentions and replies to the bot; stay out of other talk."""

from __future__ import annotations

import pytest

from bot.core.kb import KnowledgeBase
from tests.telegram.conftest import assert_telegram_html
from tests.telegram.fake import BOT_USERNAME, GROUP_ID, Driver

QUESTION = "does gabapentin help restless legs"


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_group_message_without_mention_gets_no_call(user: Driver, chat_type: str) -> None:
    assert await user.send(QUESTION, chat_type=chat_type) == []
    assert await user.send(f"@someone_else {QUESTION}", chat_type=chat_type) == []
    assert await user.send_sticker(chat_type=chat_type) == []


async def test_mention_is_answered_like_the_plain_question(user: Driver) -> None:
    await user.send(QUESTION)
    private = user.text
    await user.send(f"@{BOT_USERNAME} {QUESTION}", chat_type="supergroup")
    [reply] = user.replies
    assert reply.chat_id == GROUP_ID
    assert reply.text == private  # the mention was stripped before asking
    assert reply.params["reply_parameters"]["message_id"] > 0  # quotes the asker


async def test_mention_in_the_middle_any_case(user: Driver) -> None:
    await user.send(QUESTION)
    private = user.text
    await user.send(f"does gabapentin @{BOT_USERNAME.upper()} help restless legs",
                    chat_type="group")
    assert user.text == private


async def test_bare_mention_gets_the_empty_prompt(user: Driver, kb: KnowledgeBase) -> None:
    await user.send(f"@{BOT_USERNAME}", chat_type="group")
    assert assert_telegram_html(user.text) == kb.messages["empty"]


async def test_reply_to_the_bot_is_answered(user: Driver) -> None:
    await user.send("/start", chat_type="supergroup")
    await user.send(QUESTION, chat_type="supergroup", reply_to_bot=True)
    assert "📚 Source" in user.text


async def test_sticker_in_reply_to_the_bot_gets_text_only_notice(
        user: Driver, kb: KnowledgeBase) -> None:
    await user.send("/start", chat_type="supergroup")
    await user.send_sticker(chat_type="supergroup",
                            reply_to_message=user.replies[0].result)
    assert assert_telegram_html(user.text) == kb.messages["non_text"]


@pytest.mark.parametrize("command", ["/help", f"/help@{BOT_USERNAME}", "/start",
                                     f"/tips@{BOT_USERNAME}"])
async def test_commands_in_groups_are_answered(user: Driver, command: str) -> None:
    await user.send(command, chat_type="supergroup")
    assert len(user.replies) == 1
    assert user.replies[0].chat_id == GROUP_ID


async def test_commands_for_another_bot_are_ignored(user: Driver) -> None:
    assert await user.send("/help@some_other_bot", chat_type="supergroup") == []
    assert await user.send("/frobnicate", chat_type="supergroup") == []


async def test_menu_buttons_work_in_groups(user: Driver) -> None:
    await user.send("/tips", chat_type="supergroup")
    await user.click("Next ▶")
    assert user.replies[0].method == "editMessageText"
    assert "Tip 2 of 7" in user.text


async def test_group_chatter_does_not_count_towards_the_flood_limit(user: Driver) -> None:
    for n in range(40):
        await user.send(f"chatting about my day, part {n}", chat_type="supergroup")
    await user.send(f"@{BOT_USERNAME} {QUESTION}", chat_type="supergroup")
    assert "📚 Source" in user.text

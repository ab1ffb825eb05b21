"""A person in a private chat: menus, tips, guidelines, questions, odd input."""

from __future__ import annotations

import json

import pytest

from bot.app import build_application
from bot.config import Settings
from bot.core.engine import Engine, Result
from bot.core.kb import KnowledgeBase
from bot.core.matcher import Candidate, Decision, Why
from bot.core.reply import Button, Reply
from bot.render import MAX_MESSAGE_CHARS, telegram_length
from tests.telegram.conftest import assert_telegram_html
from tests.telegram.fake import BOT_ID, BOT_USERNAME, TOKEN, Driver, FakeTelegram

MAIN_MENU = ["💬 Ask a question", "💊 About gabapentin", "🌿 Self-care tips", "📋 Guidelines",
             "🦵 About RLS", "📚 Sources"]


async def test_start_shows_welcome_and_main_menu(user: Driver, kb: KnowledgeBase) -> None:
    await user.send("/start")
    [reply] = user.replies
    assert reply.method == "sendMessage"
    assert reply.params["parse_mode"] == "HTML"
    assert assert_telegram_html(reply.text) == kb.messages["welcome"]
    assert reply.labels == MAIN_MENU


async def test_tips_browse_to_the_last_and_back_to_menu(user: Driver, kb: KnowledgeBase) -> None:
    await user.send("/start")
    menu_id = user.replies[0].message_id
    await user.click("🌿 Self-care tips")
    assert [c.method for c in user.last] == ["answerCallbackQuery", "editMessageText"]
    assert user.last[0].params == {"callback_query_id": "1"}  # answered at once, silently
    assert user.replies[0].message_id == menu_id  # edited in place, not a new message
    assert "<i>Tip 1 of 7</i>" in user.text
    assert "◀ Prev" not in user.labels
    for n in range(2, 8):
        await user.click("Next ▶")
        assert f"<i>Tip {n} of 7</i>" in user.text
        assert kb.intents[kb.menus["tips"].topics[n - 1]].title in user.text
        assert "📚 Source" in user.text
        assert f"<i>{kb.disclaimer}</i>" in user.text
    assert "Next ▶" not in user.labels
    assert "◀ Prev" in user.labels
    await user.click("☰ Menu")
    assert assert_telegram_html(user.text) == kb.messages["menus.main.text"]
    assert user.labels == MAIN_MENU


async def test_every_guideline_shows_body_years_source_and_back(
        user: Driver, kb: KnowledgeBase) -> None:
    await user.send("/guidelines")
    assert kb.messages["menus.guidelines.text"] in user.text
    for intent_id in kb.menus["guidelines"].topics:
        intent = kb.intents[intent_id]
        await user.click(intent.title)
        page = assert_telegram_html(user.text)
        assert intent.answer.split(".")[0] in page
        assert "📚 Source" in page
        for source_id in intent.sources:
            source = kb.sources[source_id]
            assert source.label in page
            assert f'href="{source.url}"' in user.text
            if source.year:
                assert str(source.year) in page
        await user.click("◀ Back to guidelines")
        assert kb.messages["menus.guidelines.text"] in user.text


async def test_free_text_answer_has_source_disclaimer_and_related_buttons(
        user: Driver, kb: KnowledgeBase) -> None:
    await user.send("does gabapentin help restless legs")
    [reply] = user.replies
    intent = kb.intents["gabapentin_efficacy"]
    page = assert_telegram_html(reply.text)
    assert page.startswith(intent.title)
    assert "📚 Source" in page
    assert page.endswith(kb.disclaimer)
    for related in intent.related:
        assert kb.intents[related].title in reply.labels
    assert reply.labels[-1] == "☰ Menu"
    await user.click("More detail")
    assert assert_telegram_html(user.text).startswith(intent.title)


async def test_did_you_mean_tap_answers_and_asks_for_feedback(
        user: Driver, kb: KnowledgeBase, engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The core decides when to ask "did you mean" (its thresholds are tuned on data and
    # change); this test pins that decision so it checks only what Telegram does with it.
    question = "horizant or neurontin"
    candidates = ("gabapentin_enacarbil", "gabapentin_stopping", "other_medications")
    decision = Decision("suggest", None, 50.0,
                        tuple(Candidate(c, 50.0, "") for c in candidates), Why(question))
    real_ask = engine.ask
    monkeypatch.setattr(engine, "ask", lambda q, **kw: Result(
        decision, engine.reply_for(decision)) if q == question else real_ask(q, **kw))
    await user.send(question)
    assert kb.messages["suggest"] in user.text
    titles = [kb.intents[c].title for c in candidates]
    assert user.labels == [*titles, "☰ Menu"]
    await user.click(titles[0])
    assert assert_telegram_html(user.text).startswith(titles[0])
    assert "👍 Helpful" in user.labels
    answer_text = user.text
    await user.click("👍 Helpful")
    # A toast, and the vote row goes away; the answer text stays as it was.
    assert [c.method for c in user.last] == ["answerCallbackQuery", "editMessageReplyMarkup"]
    assert user.last[0].params["text"] == "Thank you for the feedback!"
    assert user.last_keyboard().text == answer_text


URGENT = "I took too many pills and can't breathe, help"


async def test_urgent_message_gets_urgent_reply_alone(
        user: Driver, kb: KnowledgeBase, engine: Engine) -> None:
    assert engine.ask(URGENT).reply.kind == "urgent"  # the core's promise this relies on
    await user.send(URGENT)
    [reply] = user.replies
    assert kb.danger.replies["en"]["emergency"].text.split(".")[0] in reply.text
    assert "reply_markup" not in reply.params
    assert kb.disclaimer not in reply.text


@pytest.mark.parametrize(("message", "lang", "key"), [
    ("i dont want to wake up tomorrow, everyone would be better off without me", "en",
     "crisis"),
    ("my wife took a whole box of her pills with wine and wont wake up", "en", "emergency"),
    ("my toddler just ate two of my gabapentin capsules", "en", "poison"),
    ("mi marido dice que se quiere matar", "es", "crisis_other"),
    ("ich habe zu viele Tabletten genommen und kriege kaum Luft", "de", "emergency"),
    ("mon chien a mangé des comprimés de neurontin", "fr", "poison"),
])
async def test_every_danger_tier_is_sent_first_alone_and_valid(
        user: Driver, kb: KnowledgeBase, message: str, lang: str, key: str) -> None:
    """Each tier's reply, in the person's language: one message, no keyboard, valid HTML,
    opening with the action, its sources linked."""
    await user.send(message)
    [reply] = user.replies
    expected = kb.danger.replies[lang][key]
    assert reply.text.startswith(expected.text.split("\n")[0][:40])
    assert "reply_markup" not in reply.params
    assert_telegram_html(reply.params["text"])
    for source in expected.sources:
        assert kb.sources[source].url in reply.params["text"]


async def test_long_urgent_message_is_not_preceded_by_the_long_note(
        user: Driver, kb: KnowledgeBase) -> None:
    await user.send("I want to kill myself. " + "x " * 3000)
    [reply] = user.replies
    assert kb.messages["too_long"] not in reply.text
    assert "reply_markup" not in reply.params


@pytest.mark.parametrize("send", ["sticker", "photo", "photo_with_caption", "location",
                                  "voice", "contact", "document"])
async def test_non_text_gets_text_only_notice_and_menu(
        user: Driver, kb: KnowledgeBase, send: str) -> None:
    if send == "sticker":
        await user.send_sticker()
    elif send == "photo":
        await user.send_photo()
    elif send == "photo_with_caption":
        await user.send_photo(caption="does gabapentin help")
    elif send == "location":
        await user.send_content(location={"latitude": 52.5, "longitude": 13.4})
    elif send == "voice":
        await user.send_content(voice={"file_id": "v", "file_unique_id": "v", "duration": 3})
    elif send == "contact":
        await user.send_content(contact={"phone_number": "+100", "first_name": "Al"})
    else:
        await user.send_content(document={"file_id": "d", "file_unique_id": "d"})
    [reply] = user.replies
    assert assert_telegram_html(reply.text) == kb.messages["non_text"]
    assert reply.labels == MAIN_MENU


async def test_service_messages_get_no_reply(user: Driver) -> None:
    assert await user.send_content(new_chat_title="RLS friends") == []


@pytest.mark.parametrize("question", [
    "<b>x</b> *y* _z_ [a](b) & <script>alert(1)</script> gabapentin?",
    "what about &amp; &lt; <i> </a> `code` ~~strike~~ ||spoiler||",
    "<a href='javascript:alert(1)'>gabapentin side effects</a>",
])
async def test_markup_characters_in_a_question_are_harmless(
        user: Driver, question: str) -> None:
    await user.send(question)
    assert user.replies
    for reply in user.replies:
        assert_telegram_html(reply.text)
        assert "<script" not in reply.text


async def test_long_message_answered_with_note_and_chunks_fit(
        user: Driver, kb: KnowledgeBase) -> None:
    question = "does gabapentin help restless legs " + "and I wonder about that " * 210
    assert len(question) > 5000
    await user.send(question)
    assert len(user.replies) == 2
    assert assert_telegram_html(user.replies[0].text) == kb.messages["too_long"]
    assert "📚 Source" in user.replies[1].text
    for reply in user.replies:
        assert telegram_length(reply.text) <= MAX_MESSAGE_CHARS


@pytest.mark.parametrize("data", ["m:nope", "i:show:not_an_intent", "t:show:x", "garbage",
                                  "", "i:show:../../etc", "x" * 200])
async def test_stale_or_forged_button_gets_polite_answer_and_menu(
        user: Driver, kb: KnowledgeBase, data: str) -> None:
    await user.send("/start")
    calls = await user.tap(data)
    assert calls[0].method == "answerCallbackQuery"
    assert calls[0].params["text"] == kb.messages["stale_button"]
    [reply] = user.replies
    assert reply.method == "sendMessage"
    assert assert_telegram_html(reply.text) == kb.messages["stale_button"]
    assert reply.labels == MAIN_MENU


async def test_double_tap_not_modified_is_ignored(user: Driver) -> None:
    await user.send("/tips")
    user.fake.fail["editMessageText"] = (400, "Bad Request: message is not modified")
    calls = await user.click("Next ▶")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]


async def test_message_too_old_to_edit_gets_a_new_message(user: Driver) -> None:
    await user.send("/tips")
    user.fake.fail["editMessageText"] = (400, "Bad Request: message can't be edited")
    calls = await user.click("Next ▶")
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText",
                                         "sendMessage"]
    assert "<i>Tip 2 of 7</i>" in calls[-1].text


async def test_query_too_old_to_answer_still_edits(user: Driver) -> None:
    await user.send("/tips")
    user.fake.fail["answerCallbackQuery"] = (400, "Bad Request: query is too old")
    calls = await user.click("Next ▶")
    assert "<i>Tip 2 of 7</i>" in calls[-1].text


async def test_edited_message_is_ignored_quietly(user: Driver) -> None:
    assert await user.send("does gabapentin help", edited=True) == []
    assert await user.send("/start", edited=True) == []


@pytest.mark.parametrize(("command", "expected"), [
    ("/help", "How to use this bot"),
    ("/menu", "What would you like to know?"),
    ("/tips", "Tip 1 of 7"),
    ("/guidelines", "Summaries of the clinical guidelines"),
    ("/sources", "Every answer comes from these publications"),
])
async def test_commands(user: Driver, command: str, expected: str) -> None:
    await user.send(command)
    assert expected in user.text
    assert_telegram_html(user.text)


async def test_about_and_privacy_come_from_the_knowledge_base(
        user: Driver, kb: KnowledgeBase) -> None:
    for command in ("about", "privacy"):
        await user.send(f"/{command}")
        assert assert_telegram_html(user.text) == kb.messages[command]


async def test_sources_list_shows_every_source_with_link(
        user: Driver, kb: KnowledgeBase) -> None:
    await user.send("/sources")
    for source in kb.sources.values():
        assert f'href="{source.url}"' in user.text


async def test_unknown_command_says_so_and_shows_menu(user: Driver, kb: KnowledgeBase) -> None:
    await user.send("/frobnicate")
    assert assert_telegram_html(user.text) == kb.messages["unknown_command"]
    assert kb.messages["menus.main.label"] not in user.text
    assert len(user.labels) >= 3  # the main menu's buttons


@pytest.mark.parametrize(("payload", "expected"), [
    ("tips", "Tip 1 of 7"),
    ("guidelines", "Summaries of the clinical guidelines"),
    ("gabapentin_side_effects", "📚 Source"),
    ("guideline_aasm", "◀ Back to guidelines"),
    ("no_such_thing", "Hi! I answer questions"),
])
async def test_start_deep_links(user: Driver, payload: str, expected: str) -> None:
    await user.send(f"/start {payload}")
    assert expected in user.text or expected in user.labels


async def test_set_my_commands_at_start_up(fake: object, user: Driver,
                                           kb: KnowledgeBase) -> None:
    [call] = user.fake.named("setMyCommands")
    names = [c["command"] for c in call.params["commands"]]
    assert names == ["start", "help", "menu", "tips", "guidelines", "sources", "check",
                     "about", "privacy", "suggest"]
    assert "stats" not in names and "reload" not in names  # admin commands stay hidden
    assert [c["description"] for c in call.params["commands"]] == [
        kb.messages[f"commands.{name}"] for name in names]
    assert "scope" not in call.params


async def test_profile_is_published_from_the_messages_file(user: Driver,
                                                           kb: KnowledgeBase) -> None:
    [description] = user.fake.named("setMyDescription")
    [short] = user.fake.named("setMyShortDescription")
    assert description.params["description"] == kb.messages["profile.description"]
    assert short.params["short_description"] == kb.messages["profile.short_description"]


async def test_admin_commands_are_scoped_to_the_admins_chats(kb: KnowledgeBase) -> None:
    fake = FakeTelegram()
    settings = Settings(token=TOKEN, admin_user_ids=frozenset({42, 7}))
    app = build_application(settings, kb, request=fake, get_updates_request=fake)
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
    everyone, *admins = fake.named("setMyCommands")
    assert "stats" not in [c["command"] for c in everyone.params["commands"]]
    assert [json.loads(c.params["scope"]) if isinstance(c.params["scope"], str)
            else c.params["scope"] for c in admins] == [
        {"type": "chat", "chat_id": 7}, {"type": "chat", "chat_id": 42}]
    for call in admins:
        assert [c["command"] for c in call.params["commands"]][-2:] == ["stats", "reload"]


async def test_our_own_inline_answer_posted_in_the_chat_is_not_answered(
        user: Driver) -> None:
    via = {"id": BOT_ID, "is_bot": True, "first_name": "RLS test bot",
           "username": BOT_USERNAME}
    calls = await user.send_content(text="Does gabapentin help RLS? It may ...", via_bot=via)
    assert calls == []


async def test_long_reply_to_a_tap_edits_first_chunk_and_sends_the_rest(
        user: Driver, monkeypatch: pytest.MonkeyPatch) -> None:
    long = Reply("details", "\n\n".join(["word " * 300] * 8), title="Long",
                 buttons=((Button("☰ Menu", "m:main"),),))
    monkeypatch.setattr("bot.handlers.menus.menus.for_action", lambda kb, action: long)
    await user.send("/tips")
    await user.click("Next ▶")
    methods = [c.method for c in user.replies]
    assert methods[0] == "editMessageText" and set(methods[1:]) == {"sendMessage"}
    assert len(methods) >= 2
    assert [c.labels for c in user.replies] == [[]] * (len(methods) - 1) + [["☰ Menu"]]
    assert all(telegram_length(c.text) <= MAX_MESSAGE_CHARS for c in user.replies)

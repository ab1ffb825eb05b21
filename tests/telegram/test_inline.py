"""Inline mode: articles that carry their source and the disclaimer into any chat."""

from __future__ import annotations

from typing import Any

from bot.core.engine import Engine
from bot.core.kb import KnowledgeBase
from bot.render import MAX_MESSAGE_CHARS, telegram_length
from tests.telegram.conftest import assert_telegram_html
from tests.telegram.fake import Driver

URGENT = "I took too many pills and can't breathe, help"


def contents(call: Any) -> list[str]:
    return [r["input_message_content"]["message_text"] for r in call.params["results"]]


async def test_inline_answer_has_source_and_disclaimer(user: Driver, kb: KnowledgeBase) -> None:
    call = await user.inline("does gabapentin help restless legs")
    assert call.params["is_personal"] is True
    assert call.params["cache_time"] <= 60
    first = call.params["results"][0]
    assert first["type"] == "article"
    assert first["title"] == kb.intents["gabapentin_efficacy"].title
    assert first["description"]
    assert first["input_message_content"]["parse_mode"] == "HTML"
    for text in contents(call):
        page = assert_telegram_html(text)
        assert telegram_length(text) <= MAX_MESSAGE_CHARS
        assert "📚 Source" in page
        assert page.endswith(kb.disclaimer)
    assert len({r["id"] for r in call.params["results"]}) == len(call.params["results"])


async def test_inline_empty_query_offers_popular_topics(user: Driver, kb: KnowledgeBase) -> None:
    call = await user.inline("")
    ids = [r["id"] for r in call.params["results"]]
    assert ids == list(kb.roles.popular)
    assert len(ids) >= 3
    assert call.params["button"]["start_parameter"] == "main"


async def test_inline_urgent_returns_the_urgent_article_only(
        user: Driver, kb: KnowledgeBase, engine: Engine) -> None:
    assert engine.ask(URGENT).reply.kind == "urgent"
    call = await user.inline(URGENT)
    [only] = call.params["results"]
    assert only["id"] == "urgent_help"
    assert only["title"] == kb.intents["urgent_help"].title
    emergency = kb.danger.replies["en"]["emergency"].text
    assert emergency.split(".")[0] in contents(call)[0]


async def test_inline_off_topic_gives_no_articles_but_the_chat_button(user: Driver) -> None:
    call = await user.inline("best pizza in naples")
    assert call.params["results"] == []
    assert call.params["button"]["text"]


async def test_inline_markup_in_query_is_harmless(user: Driver) -> None:
    call = await user.inline("<b>gabapentin</b> & <script>side effects")
    for text in contents(call):
        assert_telegram_html(text)

"""Inline mode (``@bot question`` in any chat): the best answers as shareable articles.

Each article carries the full answer with its source line and the disclaimer, because the
message is posted in someone else's chat, away from our menus. An urgent question yields
the urgent article alone: nothing else may be offered next to "call now".
"""

from __future__ import annotations

from functools import partial

from telegram import (
    InlineQueryResultArticle,
    InlineQueryResultsButton,
    InputTextMessageContent,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode

from bot import metrics
from bot.core import compose
from bot.core.kb import KnowledgeBase
from bot.core.reply import Reply
from bot.handlers.common import Context, engine_of, with_retries
from bot.render import inline_html, shorten

CACHE_SECONDS = 10
MAX_RESULTS = 5
DESCRIPTION_CHARS = 100


def article(kb: KnowledgeBase, reply: Reply) -> InlineQueryResultArticle:
    intent_id = reply.intent_id or reply.kind
    title = reply.title or (kb.intents[intent_id].title if intent_id in kb.intents else "")
    return InlineQueryResultArticle(
        id=intent_id,
        title=title or shorten(reply.text, 60),
        description=shorten(reply.text, DESCRIPTION_CHARS),
        input_message_content=InputTextMessageContent(
            inline_html(reply), parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True)),
    )


def replies_for(kb: KnowledgeBase, engine_reply: Reply | None,
                candidates: tuple[str, ...]) -> list[Reply]:
    """The answer (or the did-you-mean candidates' answers), best first, no duplicates."""
    if engine_reply is None:
        # The "popular" role: shown before the person has typed anything.
        return [compose.answer(kb, kb.intents[i]) for i in kb.roles.popular]
    if engine_reply.kind == "urgent":
        return [engine_reply]
    replies = [engine_reply] if engine_reply.kind == "answer" else []
    for intent_id in candidates:
        if all(r.intent_id != intent_id for r in replies) and intent_id in kb.intents:
            replies.append(compose.answer(kb, kb.intents[intent_id]))
    return replies[:MAX_RESULTS]


async def on_inline(update: Update, context: Context) -> None:
    inline_query = update.inline_query
    if inline_query is None:
        return
    engine = engine_of(context)
    text = inline_query.query.strip()
    hint = inline_query.from_user.language_code if inline_query.from_user else None
    result = engine.ask(text, language_hint=hint) if text else None
    if result is not None and result.tier is not None:
        metrics.danger(result.tier)
    candidates = tuple(c.intent_id for c in result.decision.candidates) if result else ()
    replies = replies_for(engine.kb, result.reply if result else None, candidates)
    articles = [article(engine.kb, r) for r in replies]
    await with_retries(partial(inline_query.answer, articles, cache_time=CACHE_SECONDS,
                               is_personal=True, button=open_chat(engine.kb)),
                       "answerInlineQuery")


def open_chat(kb: KnowledgeBase) -> InlineQueryResultsButton:
    return InlineQueryResultsButton(text=kb.text("buttons.open_chat"), start_parameter="main")

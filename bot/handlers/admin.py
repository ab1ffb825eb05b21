"""/stats and /reload for the people in ADMIN_USER_IDS, and the SIGHUP reload.

For anyone else the two commands behave exactly like a command the bot does not have, so
they reveal nothing. A reload validates the knowledge base on disk first and swaps the
engine in one assignment: a broken edit is refused, the admin sees every problem, and the
old knowledge base keeps answering.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from telegram import Update
from telegram.constants import ChatType

from bot.core.engine import Engine
from bot.core.kb import KnowledgeBaseError, load_knowledge_base
from bot.core.reply import Reply
from bot.handlers.common import BotData, Context, engine_of, send
from bot.handlers.menus import on_unknown_command
from bot.store import format_report

logger = logging.getLogger(__name__)

STATS_DAYS = 7


def is_admin(update: Update, context: Context) -> bool:
    """An admin, in a private chat: in a group the report (suggested questions included)
    would be posted to everyone there, so there the commands do not exist, even for admins."""
    user = update.effective_user
    chat = update.effective_chat
    private = chat is not None and chat.type == ChatType.PRIVATE
    return bool(user and private and user.id in context.bot_data.settings.admin_user_ids)


async def as_unknown(update: Update, context: Context) -> None:
    """What a command we do not have gets: the menu in a private chat, silence in groups."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await on_unknown_command(update, context)


async def reload_knowledge(bot_data: BotData,
                           directory: Path | None = None) -> KnowledgeBaseError | None:
    """Load, validate and index off the event loop, then swap; the problems, or None."""
    folder = directory or bot_data.engine.kb.directory
    try:
        engine = await asyncio.to_thread(lambda: Engine.shared(
            load_knowledge_base(folder, fresh=True)))
    except KnowledgeBaseError as exc:
        logger.warning("reload refused, the old knowledge base keeps serving: %d problem(s)",
                       len(exc.problems))
        return exc
    bot_data.engine = engine  # one assignment: updates in flight keep the old engine
    logger.info("knowledge base reloaded from %s: %d intents", folder, len(engine.kb.intents))
    return None


async def on_reload(update: Update, context: Context) -> None:
    if not is_admin(update, context):
        await as_unknown(update, context)
        return
    problem = await reload_knowledge(context.bot_data)
    if problem is None:
        kb = engine_of(context).kb
        examples = sum(len(i.examples) for i in kb.intents.values())
        text = kb.text("reload_done", intents=len(kb.intents), examples=examples)
    else:
        text = engine_of(context).kb.text("reload_refused", problems=problem)
    await send(update, Reply("notice", text))


async def on_stats(update: Update, context: Context) -> None:
    if not is_admin(update, context):
        await as_unknown(update, context)
        return
    store = context.bot_data.usage.store
    if store is None:
        text = engine_of(context).kb.text("stats_off")
    else:
        report = await asyncio.to_thread(store.report, STATS_DAYS)
        text = format_report(report)
    await send(update, Reply("notice", text))

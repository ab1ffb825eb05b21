"""Topic buttons (``i:show|more|pick:<intent>``): an answer, its details, a did-you-mean pick."""

from __future__ import annotations

from telegram import Update

from bot.core.actions import TopicAction
from bot.handlers.common import Context
from bot.handlers.menus import tapped


async def on_topic_button(update: Update, context: Context) -> None:
    query = update.callback_query
    await tapped(update, context, TopicAction.unpack(query.data if query else None))

"""Feedback buttons (``f:up|down:<intent>``): count the vote, thank with a toast, and keep
the answer on screen without its vote row (one answer, one vote). After a 👎 the person is
asked what was missing (:func:`bot.handlers.curation.ask_what_was_missing`)."""

from __future__ import annotations

import contextlib
from functools import partial

from telegram import Update
from telegram.error import TelegramError

from bot.core import menus
from bot.core.actions import FeedbackAction
from bot.handlers.common import Context, answer_query, kb_of, with_retries
from bot.handlers.curation import ask_what_was_missing
from bot.handlers.menus import on_stale_button
from bot.render import render
from bot.updates import note


async def on_feedback_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    action = FeedbackAction.unpack(query.data)
    reply = menus.for_action(kb_of(context), action) if action is not None else None
    if action is None or reply is None:
        await on_stale_button(update, context)
        return
    note(intent=action.intent, decision=f"feedback_{action.vote}")
    context.bot_data.usage.tapped(action)
    await answer_query(query, reply.toast)
    # Too old to edit, or already edited: the vote still counted.
    with contextlib.suppress(TelegramError):
        await with_retries(partial(query.edit_message_reply_markup, render(reply).keyboard),
                           "editMessageReplyMarkup")
    if action.vote == "down":
        await ask_what_was_missing(update, context, action.intent)

"""/menu, /tips, /guidelines, /sources and every inline-keyboard tap.

A tap is answered at once (the spinner stops), decoded by the core's codec, and the menu
message is edited in place, so browsing tips does not flood the chat. Buttons can be days
old or forged; anything the codec or the menus no longer know gets a polite toast and a
fresh main menu.
"""

from __future__ import annotations

import contextlib
from functools import partial

from telegram import CallbackQuery, Update
from telegram.error import TelegramError

from bot.core import actions, compose, menus
from bot.core.reply import Reply
from bot.handlers.common import Context, answer_query, edit, kb_of, send, with_retries
from bot.handlers.curation import ask_what_was_missing, store_of
from bot.render import render
from bot.store import record_action
from bot.updates import note


async def on_menu(update: Update, context: Context) -> None:
    await send(update, menus.main_menu(kb_of(context)))


async def on_tips(update: Update, context: Context) -> None:
    await send(update, menus.tip(kb_of(context), 1))


async def on_guidelines(update: Update, context: Context) -> None:
    await send(update, menus.guidelines_menu(kb_of(context)))


async def on_sources(update: Update, context: Context) -> None:
    await send(update, menus.sources_list(kb_of(context)))


async def on_unknown_command(update: Update, context: Context) -> None:
    """A private-chat command we do not have: show what we do have."""
    await send(update, menus.main_menu(kb_of(context)))


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    kb = kb_of(context)
    action = actions.decode(query.data)
    reply = menus.for_action(kb, action) if action else None
    if action is not None and reply is not None:
        note(intent=reply.intent_id or action.arg or None, decision=f"{action.ns}:{action.verb}")
        record_action(store_of(context), action.ns, action.verb, action.arg)
    if reply is None:  # stale or forged button
        note(decision="stale_button")
        await answer_query(query, kb.messages["stale_button"])
        await send(update, compose.notice(kb, "stale_button"))
    elif reply.kind == "notice":  # "thanks for the feedback": a toast, keep the answer
        await answer_query(query, reply.text)
        if action is not None and action.ns == "f":
            await drop_feedback_buttons(query, compose.answer(kb, kb.intents[action.arg]))
            if action.verb == "down":
                await ask_what_was_missing(update, context, action.arg)
    else:
        await answer_query(query)
        await edit(update, reply)


async def drop_feedback_buttons(query: CallbackQuery, answer: Reply) -> None:
    """After a 👍/👎, show the answer's keyboard without the vote row: one answer, one vote."""
    # Too old to edit, or already edited: the vote still counted.
    with contextlib.suppress(TelegramError):
        await with_retries(partial(query.edit_message_reply_markup, render(answer).keyboard),
                           "editMessageReplyMarkup")

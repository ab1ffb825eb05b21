"""Menu buttons (``m:<menu>``), paged menus (``p:<menu>:<n>``), commands from the registry,
and stale buttons.

Each button family has its own ``CallbackQueryHandler`` whose pattern is the family's own
(:mod:`bot.core.actions`); a tap no family claims is an old or forged button and gets a
toast and a fresh main menu. Commands that only show data (a menu, an intent, a message)
share :func:`on_command`; what each one shows is ``knowledge/menus.yml``.
"""

from __future__ import annotations

from telegram import Update

from bot.core import menus
from bot.core.actions import Action, MenuAction, PageAction
from bot.handlers.common import Context, answer_query, kb_of, send, show_tap
from bot.updates import note


def command_name(update: Update) -> str:
    """``/tips@rlsbot args`` -> ``tips``."""
    message = update.effective_message
    text = message.text if message is not None and message.text else ""
    return text.split(maxsplit=1)[0].lstrip("/").split("@", 1)[0].lower() if text else ""


async def on_command(update: Update, context: Context) -> None:
    kb = kb_of(context)
    cmd = menus.command(kb, command_name(update))
    reply = menus.for_command(kb, cmd) if cmd is not None else None
    await send(update, reply or menus.main_menu(kb))


async def on_unknown_command(update: Update, context: Context) -> None:
    """A private-chat command we do not have: say so, and show what we do have."""
    await send(update, menus.unknown_command(kb_of(context)))


async def tapped(update: Update, context: Context, action: Action | None) -> None:
    """What every family's handler does: core reply, usage, log note, toast and edit."""
    kb = kb_of(context)
    reply = menus.for_action(kb, action) if action is not None else None
    if reply is None or action is None:
        await on_stale_button(update, context)
        return
    # The family and its first field ("m:tips", "i:pick"): a short word for the log and
    # the metrics' fixed vocabulary, never an intent id.
    note(intent=reply.intent_id, decision=f"{action.PREFIX}:{action.fields()[0]}")
    context.bot_data.usage.tapped(action)
    await show_tap(update, reply)


async def on_menu_button(update: Update, context: Context) -> None:
    query = update.callback_query
    await tapped(update, context, MenuAction.unpack(query.data if query else None))


async def on_page_button(update: Update, context: Context) -> None:
    query = update.callback_query
    await tapped(update, context, PageAction.unpack(query.data if query else None))


async def on_stale_button(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    reply = menus.stale(kb_of(context))
    note(decision="stale_button")
    await answer_query(query, reply.toast)
    await send(update, reply)

"""/check and the self-check's buttons (``s:q[:answers]``): "Could this be RLS?" in five taps.

A handler of its own, on the family's own pattern, so that no answer is ever counted or
logged: the other families' handler counts taps for curators and notes what was shown, and
here the button's data is a person's yes/no answers about their health. The log line says
only that the self-check was used.
"""

from __future__ import annotations

from telegram import Update

from bot.core import menus, selfcheck
from bot.core.actions import SelfCheckAction
from bot.handlers.common import Context, kb_of, send, show_tap
from bot.handlers.menus import on_stale_button
from bot.updates import note


async def on_check(update: Update, context: Context) -> None:
    kb = kb_of(context)
    note(decision="selfcheck")
    await send(update, selfcheck.start(kb) or menus.main_menu(kb))


async def on_answer(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    action = SelfCheckAction.unpack(query.data)
    reply = selfcheck.step(kb_of(context), action.answers) if action is not None else None
    if reply is None:  # an old or forged button (too many answers): polite, a fresh menu
        await on_stale_button(update, context)
        return
    note(decision="selfcheck")
    await show_tap(update, reply)

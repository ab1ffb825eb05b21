"""/check and the self-check's buttons: "Could this be RLS?" in five taps.

A handler of its own (registered for ``c:`` taps before the generic button handler) so
that no answer is ever counted or logged: the generic handler records taps for curators
and logs the button's argument, and here the argument is a person's yes/no answers about
their health. The log line says only that the self-check was used.
"""

from __future__ import annotations

from telegram import Update

from bot.core import actions, compose, menus, selfcheck
from bot.handlers.common import Context, answer_query, edit, kb_of, send
from bot.updates import note

PATTERN = r"^c:"
"""Callback data of the self-check family (built by ``actions.selfcheck``)."""


async def on_check(update: Update, context: Context) -> None:
    kb = kb_of(context)
    note(decision="selfcheck")
    await send(update, selfcheck.start(kb) or menus.main_menu(kb))


async def on_answer(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    kb = kb_of(context)
    action = actions.decode(query.data)
    reply = selfcheck.step(kb, action.arg) if action is not None and action.ns == "c" else None
    if reply is None:  # an old, forged or foreign button: polite, and a fresh menu
        note(decision="stale_button")
        await answer_query(query, kb.messages["stale_button"])
        await send(update, compose.notice(kb, "stale_button"))
        return
    note(decision="selfcheck")
    await answer_query(query)
    await edit(update, reply)

"""/start, with deep links (``t.me/<bot>?start=tips`` or ``?start=<intent id>``)."""

from __future__ import annotations

from telegram import Update

from bot.core import menus
from bot.handlers.common import Context, kb_of, send


async def on_start(update: Update, context: Context) -> None:
    kb = kb_of(context)
    payload = context.args[0] if context.args else ""
    await send(update, menus.deep_link(kb, payload) or menus.main_menu(kb, welcome=True))

"""What teaches the curators: /suggest, counts of answers and taps. No user ids, no text.

The store (``bot/store.py``) is optional: without one (tests, ``STORE_PATH=off``) every
function here is a no-op and /suggest says suggestions are not collected.
"""

from __future__ import annotations

from typing import cast

from telegram import Update

from bot.core.reply import Reply
from bot.handlers.common import Context, kb_of, send
from bot.store import Store

STORE_KEY = "store"
"""``bot_data`` key of the :class:`Store`, or None when counting is off."""



def store_of(context: Context) -> Store | None:
    return cast(Store | None, context.bot_data.get(STORE_KEY))


async def on_suggest(update: Update, context: Context) -> None:
    store = store_of(context)
    text = " ".join(context.args or ())
    if store is None:
        key = "suggest_off"
    elif not text.strip():
        key = "suggest_usage"
    else:
        store.add_suggestion(text)
        key = "suggest_thanks"
    await send(update, Reply("notice", kb_of(context).text(key)))

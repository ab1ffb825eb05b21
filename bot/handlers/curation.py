"""What teaches the curators: /suggest, counts of answers and taps. No user ids, no text.

The store (``bot/store.py``) is optional: without one (tests, ``STORE_PATH=off``) every
function here is a no-op and /suggest says suggestions are not collected.
"""

from __future__ import annotations

from typing import cast

from telegram import Update

from bot.core.reply import Reply
from bot.handlers.common import Context, send
from bot.store import Store

STORE_KEY = "store"
"""``bot_data`` key of the :class:`Store`, or None when counting is off."""

SUGGEST_USAGE = ("Send a question I could not answer to the people who write my answers: "
                 "/suggest followed by your question, e.g.\n/suggest can gabapentin cause "
                 "vivid dreams\nIt is stored without your name or user id and deleted after "
                 "a while.")
SUGGEST_THANKS = ("Thank you! Your question was passed to the curators without your name or "
                  "user id.")
SUGGEST_OFF = "Suggestions are not being collected at the moment. Thank you all the same!"


def store_of(context: Context) -> Store | None:
    return cast(Store | None, context.bot_data.get(STORE_KEY))


async def on_suggest(update: Update, context: Context) -> None:
    store = store_of(context)
    text = " ".join(context.args or ())
    if store is None:
        reply = SUGGEST_OFF
    elif not text.strip():
        reply = SUGGEST_USAGE
    else:
        store.add_suggestion(text)
        reply = SUGGEST_THANKS
    await send(update, Reply("notice", reply))

"""/suggest: a question the bot missed, sent by choice to the curators. No user id.

Without a store (tests, ``STORE_PATH=off``) /suggest says suggestions are not collected.
"""

from __future__ import annotations

from telegram import Update

from bot.core.reply import Reply
from bot.handlers.common import Context, kb_of, send


async def on_suggest(update: Update, context: Context) -> None:
    usage = context.bot_data.usage
    text = " ".join(context.args or ())
    if not usage.collecting:
        key = "suggest_off"
    elif not text.strip():
        key = "suggest_usage"
    else:
        usage.suggested(text)
        key = "suggest_thanks"
    await send(update, Reply("notice", kb_of(context).text(key)))

"""Stickers, photos, voice notes and other non-text messages: we read text only."""

from __future__ import annotations

from telegram import Update
from telegram.ext import filters

from bot.core import compose
from bot.handlers.common import Context, kb_of, send

NON_TEXT = (
    filters.ANIMATION | filters.AUDIO | filters.CONTACT | filters.Dice.ALL
    | filters.Document.ALL | filters.GAME | filters.LOCATION | filters.PHOTO | filters.POLL
    | filters.Sticker.ALL | filters.STORY | filters.VENUE | filters.VIDEO | filters.VIDEO_NOTE
    | filters.VOICE
)
"""Content a person sent on purpose. Service messages (someone joined, a pin) are not in
this list, so the bot never answers them with "I can read text only"."""


async def on_non_text(update: Update, context: Context) -> None:
    await send(update, compose.notice(kb_of(context), "non_text"))

"""The error handler: log the traceback for us, a short kind word for the user.

It must never raise itself (PTB would only log that), and it does not try to tell a user
who has blocked the bot.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden

from bot.core import compose
from bot.handlers.common import Context, kb_of, send

logger = logging.getLogger(__name__)


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if isinstance(error, Forbidden):  # blocked by the user or removed from the group
        logger.info("cannot reach the chat: %s", error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    logger.error("error while handling update %s", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        await send(update, compose.notice(kb_of(context), "error", with_menu=False))
    except Exception:  # the error handler is the last line: it must never raise
        logger.warning("could not tell the user about the error", exc_info=True)

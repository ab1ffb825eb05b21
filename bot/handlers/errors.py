"""The error handler: log the traceback for us, a short kind word for the user.

It must never raise itself (PTB would only log that), and it does not try to tell a user
who has blocked the bot. When the reply failed because Telegram could not be reached in
time (an outage longer than ``RETRY_DEADLINE_SECONDS``), telling the person now would fail
the same way: the chat is owed an apology instead, sent by :class:`Apologies` as soon as
Telegram answers again, once per chat however many answers were lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.core import compose
from bot.handlers.common import Context, kb_of, send, transient

logger = logging.getLogger(__name__)

APOLOGY_BACKOFF = (1.0, 2.0, 4.0, 8.0)
"""Pauses between rounds of owed apologies while Telegram keeps failing (then the last)."""


class Apologies:
    """Chats whose answer was lost to an outage; each gets one apology when it is over.

    Held in memory only (chat ids, no text): a restart before Telegram is back forgets
    them, which the README states.
    """

    def __init__(self) -> None:
        self.owed: dict[int, None] = {}  # insertion-ordered set
        self.sent = 0
        self._wake = asyncio.Event()

    def owe(self, chat_id: int) -> None:
        self.owed[chat_id] = None
        self._wake.set()

    async def run(self, bot: Any, text: Callable[[], str]) -> None:
        """Forever: wait for a debt, then try each owed chat until Telegram answers."""
        failures = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self.owed:
                if await self._send_round(bot, text()):
                    failures = 0
                    continue
                delay = APOLOGY_BACKOFF[min(failures, len(APOLOGY_BACKOFF) - 1)]
                failures += 1
                await asyncio.sleep(delay)

    async def _send_round(self, bot: Any, text: str) -> bool:
        """One attempt per owed chat; False as soon as Telegram still fails in transit."""
        for chat_id in list(self.owed):
            try:
                await bot.send_message(chat_id, text)
            except (RetryAfter, NetworkError) as exc:
                if isinstance(exc, BadRequest) or not (isinstance(exc, RetryAfter)
                                                        or transient(exc)):
                    logger.info("apology not sent (%s); dropped", type(exc).__name__)
                    self.owed.pop(chat_id, None)
                    continue
                return False
            except Exception as exc:  # Forbidden (blocked), anything else: give up on it
                logger.info("apology not sent (%s); dropped", type(exc).__name__)
                self.owed.pop(chat_id, None)
                continue
            self.owed.pop(chat_id, None)
            self.sent += 1
            logger.info("apology sent for an answer lost to an outage")
        return True


async def on_error(update: object, context: Context) -> None:
    error = context.error
    if isinstance(error, Forbidden):  # blocked by the user or removed from the group
        logger.info("cannot reach the chat: %s", error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    chat = update.effective_chat if isinstance(update, Update) else None
    apologies: Apologies | None = getattr(context.bot_data, "apologies", None)
    if error is not None and transient(error) and chat is not None and apologies is not None:
        logger.warning("update=%s: reply not sent in time (%s: %s); an apology will follow "
                       "when Telegram answers again", update_id, type(error).__name__, error)
        apologies.owe(chat.id)
        return
    logger.error("error while handling update %s", update_id, exc_info=error)
    if chat is None or not isinstance(update, Update):
        return
    try:
        await send(update, compose.notice(kb_of(context), "error", with_menu=False))
    except Exception:  # the error handler is the last line: it must never raise
        logger.warning("could not tell the user about the error", exc_info=True)

"""Flood guard: per-user sliding window, checked before any other handler.

Registered as a ``TypeHandler`` in group -1, so it sees every update first and can stop
one with ``ApplicationHandlerStop``. Over the limit, the person gets one polite notice and
then silence until their window has room again; other people are not affected. Only what
the bot would answer counts: group chatter that is not addressed to the bot must never earn
anyone a flood notice. Inline queries count in a window of their own, ``INLINE_FACTOR``
times larger because Telegram sends one per pause in typing; over it they are dropped
without a word (an inline query has no chat to say anything in). Without that, one person
typing 1,500 queries filled the bot's intake and kept everyone else waiting.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from enum import Enum

from telegram import Update
from telegram.ext import ApplicationHandlerStop, filters

from bot import metrics
from bot.core import compose
from bot.handlers.common import FOR_BOT, Context, answer_query, kb_of, send

logger = logging.getLogger(__name__)

COUNTED = FOR_BOT | (filters.UpdateType.MESSAGE & filters.COMMAND)
INLINE_FACTOR = 3


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # first update over the limit: say so once
    DROP = "drop"  # still over the limit: stay quiet


class SlidingWindow:
    """At most ``limit`` events per ``seconds`` for each key; pure logic, clock injectable."""

    SWEEP_EVERY = 1000

    def __init__(self, limit: int, seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = max(1, limit)
        self.seconds = seconds
        self.clock = clock
        self._events: dict[int, deque[float]] = {}
        self._warned: set[int] = set()
        self._checks = 0

    def hit(self, key: int) -> Verdict:
        now = self.clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.seconds:
            events.popleft()
        events.append(now)  # attempts over the limit count too: flooding keeps you quiet
        self._checks += 1
        if self._checks % self.SWEEP_EVERY == 0:
            self._sweep(now)
        if len(events) <= self.limit:
            self._warned.discard(key)
            return Verdict.ALLOW
        if key in self._warned:
            return Verdict.DROP
        self._warned.add(key)
        return Verdict.WARN

    def _sweep(self, now: float) -> None:
        """Forget people whose last message left the window, so memory stays bounded."""
        for key in [k for k, ev in self._events.items() if not ev or ev[-1] <= now - self.seconds]:
            del self._events[key]
            self._warned.discard(key)


class FloodGuard:
    def __init__(self, limit: int, seconds: float, exempt: frozenset[int] = frozenset(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window = SlidingWindow(limit, seconds, clock)
        self.inline = SlidingWindow(limit * INLINE_FACTOR, seconds, clock)
        self.exempt = exempt

    async def on_update(self, update: Update, context: Context) -> None:
        user = update.effective_user
        if update.inline_query is not None and user is not None and user.id not in self.exempt:
            if self.inline.hit(user.id) is not Verdict.ALLOW:
                metrics.flood(Verdict.DROP.value)  # an inline query is never told: dropped
                raise ApplicationHandlerStop
            return
        counted = update.callback_query is not None or COUNTED.check_update(update)
        if user is None or user.id in self.exempt or not counted:
            return
        verdict = self.window.hit(user.id)
        if verdict is Verdict.ALLOW:
            return
        query = update.callback_query
        metrics.flood(verdict.value)
        if verdict is Verdict.WARN:
            logger.info("flood guard: user over %s updates in %ss", self.window.limit,
                        self.window.seconds)
            if query is not None:
                await answer_query(query, kb_of(context).text("flood"))
            else:
                await send(update, compose.notice(kb_of(context), "flood", with_menu=False))
        elif query is not None:
            await answer_query(query)  # stop the spinner, say nothing
        raise ApplicationHandlerStop

"""Usage counting, in one place: what was answered and which taps teach curators something.

The handlers say what happened (a question's result, a typed button action, a /suggest);
this module decides what is counted, so the store never learns about button families or
intent roles. With no store (tests, ``STORE_PATH=off``) every call is a no-op. The store's
life (open, periodic flush and purge, final flush) is :class:`Usage`'s too, started and
stopped from the application's post_init / post_shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.core.actions import Action, CuratorAction, FeedbackAction, MissingAction, TopicAction
from bot.core.engine import Result
from bot.store import Store

logger = logging.getLogger(__name__)

FLUSH_SECONDS = 1  # counts lost to a kill -9: at most this many seconds' worth
PURGE_EVERY = 86_400 // FLUSH_SECONDS  # flushes between two purges: one a day


class Usage:
    """Owns the optional :class:`Store`: counts, suggestions, and its start and stop."""

    def __init__(self, path: Path | None, *, retention_days: int = 90) -> None:
        self.path = path
        self.retention_days = retention_days
        self.store: Store | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self.path is None:
            return
        self.store = Store(self.path, retention_days=self.retention_days)
        purged = await asyncio.to_thread(self.store.purge)
        logger.info("store %s ready; %d expired suggestion(s) purged", self.path, purged)
        # A plain task: PTB's create_task warns before the application is running.
        self._task = asyncio.get_running_loop().create_task(self._flush_periodically(),
                                                            name="store-flush")

    async def stop(self) -> None:
        """After the last update (SIGTERM, Ctrl+C): write the counts, close the file."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self.store is not None:
            written = self.store.flush()
            self.store.close()
            self.store = None
            logger.info("store closed; %d counter(s) written at shutdown", written)

    async def _flush_periodically(self) -> None:
        """Counts are buffered in memory; write them every few seconds and purge daily."""
        ticks = 0
        while self.store is not None:
            await asyncio.sleep(FLUSH_SECONDS)
            ticks += 1
            try:
                await asyncio.to_thread(self.store.flush)
                if ticks % PURGE_EVERY == 0:
                    await asyncio.to_thread(self.store.purge)
            except Exception:
                logger.exception("could not write counts; will retry")

    @property
    def collecting(self) -> bool:
        return self.store is not None

    def answered(self, result: Result) -> None:
        """One answered question, by its decision (no text, no user)."""
        if self.store is None:
            return
        decision = result.decision
        if result.reply.kind == "urgent":
            self.store.count("urgent")
        elif decision.kind == "answer" and decision.intent_id:
            self.store.count("answer", decision.intent_id)
        elif decision.kind == "suggest":
            self.store.count("suggest_offer",
                             ">".join(c.intent_id for c in decision.candidates))
        else:
            self.store.count("fallback")

    def tapped(self, action: Action) -> None:
        """A tap that teaches curators something: a did-you-mean pick or "None of these",
        a 👍 or 👎, what was missing after a 👎."""
        if self.store is None:
            return
        match action:
            case TopicAction(verb="pick", intent=intent):
                self.store.count("suggest_pick", intent)
            case FeedbackAction(vote=vote, intent=intent):
                self.store.count(f"feedback_{vote}", intent)
            case CuratorAction(verb="none"):
                self.store.count("suggest_dismiss")
            case MissingAction(reason=reason, intent=intent):
                self.store.count("missing", f"{intent}:{reason}")

    async def sent_by_tap(self, question: str) -> bool:
        """A held question sent to the curators with one tap: kept like a /suggest one
        (without who asked) and counted; False when not collecting."""
        if self.store is None:
            return False
        await asyncio.to_thread(self.store.add_suggestion, question)
        self.store.count("curator_send")
        return True

    def suggested(self, text: str) -> bool:
        """Keep a /suggest question (without who sent it); False when not collecting."""
        if self.store is None:
            return False
        self.store.add_suggestion(text)
        return True

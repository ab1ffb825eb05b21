"""One structured log line per update: id, kind, intent, decision, latency. Never the text.

PTB hands every update to an update processor; wrapping it is the one place that sees the
start and end of each update's handling, whatever handler (or none) ran. Handlers add what
they decided with :func:`note`, through a context variable that lives as long as the
update's task.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.ext import SimpleUpdateProcessor

from bot import metrics

logger = logging.getLogger("rls_bot.updates")

_OUTCOME: ContextVar[dict[str, Any] | None] = ContextVar("rls_bot_outcome", default=None)


def note(**fields: Any) -> None:
    """Record what the current update led to (e.g. intent and decision) for its log line."""
    outcome = _OUTCOME.get()
    if outcome is not None:
        outcome.update(fields)


def kind_of(update: object) -> str:
    if not isinstance(update, Update):
        return type(update).__name__
    if update.callback_query is not None:
        return "button"
    if update.inline_query is not None:
        return "inline"
    if update.edited_message is not None:
        return "edited"
    message = update.message
    if message is None:
        return "other"
    if message.text is not None:
        return "command" if message.text.startswith("/") else "text"
    return "media"


class LoggingUpdateProcessor(SimpleUpdateProcessor):
    """Concurrent processing (as SimpleUpdateProcessor) plus the per-update log line."""

    async def do_process_update(self, update: object,
                                coroutine: Awaitable[Any]) -> None:
        outcome: dict[str, Any] = {}
        token = _OUTCOME.set(outcome)
        start = time.perf_counter()
        try:
            await coroutine
        finally:
            latency = (time.perf_counter() - start) * 1000
            _OUTCOME.reset(token)
            metrics.update(kind_of(update), outcome.get("decision"), latency / 1000)
            update_id = getattr(update, "update_id", None)
            logger.info("update=%s kind=%s intent=%s decision=%s latency_ms=%.1f",
                        update_id, kind_of(update), outcome.get("intent", "-"),
                        outcome.get("decision", "-"), latency)

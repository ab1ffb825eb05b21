"""Free text: the question goes to the core engine, the reply comes back rendered.

Urgent replies are sent alone: no "your message was long" note before them, and the core
gives them no buttons to compete with "call now".
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.core import compose
from bot.handlers.common import Context, engine_of, question_of, send
from bot.handlers.curation import store_of
from bot.store import record_decision
from bot.updates import note

logger = logging.getLogger(__name__)


async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    engine = engine_of(context)
    store = store_of(context)
    user = update.effective_user
    result = engine.ask(question_of(message), feedback=store is not None,
                        language=user.language_code if user else None)
    decision = result.decision
    # What was decided, never what was asked: /privacy promises no message text is kept.
    note(intent=decision.intent_id, decision=decision.kind)
    record_decision(store, decision.kind, decision.intent_id,
                    tuple(c.intent_id for c in decision.candidates))
    if result.truncated and result.reply.kind != "urgent":
        await send(update, compose.notice(engine.kb, "too_long", with_menu=False))
    await send(update, result.reply)

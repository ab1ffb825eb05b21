"""Free text: the question goes to the core engine, the reply comes back rendered.

Urgent replies are sent alone: no "your message was long" note before them, and the core
gives them no buttons to compete with "call now".
"""

from __future__ import annotations

import logging

from telegram import Update

from bot import metrics
from bot.core import compose
from bot.handlers.common import Context, engine_of, question_of, send
from bot.handlers.curation import offer_to_curators
from bot.updates import note

logger = logging.getLogger(__name__)


async def on_text(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    engine = engine_of(context)
    usage = context.bot_data.usage
    user = update.effective_user
    question = question_of(message)
    result = engine.ask(question, feedback=usage.collecting,
                        language_hint=user.language_code if user else None)
    decision = result.decision
    # What was decided, never what was asked: /privacy promises no message text is kept.
    note(intent=decision.intent_id, decision=decision.kind)
    usage.answered(result)
    if result.tier is not None:
        metrics.danger(result.tier)
    if result.truncated and result.reply.kind != "urgent":
        await send(update, compose.notice(engine.kb, "too_long", with_menu=False))
    await send(update, offer_to_curators(update, context, question, result.reply))

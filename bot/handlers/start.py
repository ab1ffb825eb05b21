"""/start (with deep links), /help, /about and /privacy: the bot introducing itself."""

from __future__ import annotations

from telegram import Update

from bot.core import actions, compose, menus
from bot.core.kb import KnowledgeBase
from bot.core.reply import Reply
from bot.handlers.common import Context, kb_of, send


def deep_link(kb: KnowledgeBase, payload: str) -> Reply | None:
    """``t.me/<bot>?start=<payload>``: a menu name (tips, guidelines, ...) or an intent id.

    Shared links outlive knowledge-base edits, so an unknown payload gives None and the
    caller falls back to the welcome, never an error.
    """
    if payload in kb.intents:
        return menus.for_action(kb, actions.Action("i", "show", payload))
    return menus.named(kb, payload)


async def on_start(update: Update, context: Context) -> None:
    kb = kb_of(context)
    payload = context.args[0] if context.args else ""
    await send(update, deep_link(kb, payload) or menus.main_menu(kb, welcome=True))


async def on_help(update: Update, context: Context) -> None:
    kb = kb_of(context)
    await send(update, deep_link(kb, kb.roles.help) or menus.main_menu(kb, welcome=True))


async def on_about(update: Update, context: Context) -> None:
    await send(update, compose.notice(kb_of(context), "about"))


async def on_privacy(update: Update, context: Context) -> None:
    await send(update, compose.notice(kb_of(context), "privacy"))

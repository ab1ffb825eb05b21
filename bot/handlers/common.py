"""What every handler shares: where the engine lives, who a message is for, how to send.

Handlers stay a few lines each (extract -> core -> render -> send) because the Telegram
chores live here once: splitting into chunks, quoting in groups, editing a menu in place,
and shrugging off the harmless errors Telegram returns for double taps and old buttons.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import CallbackContext, ExtBot, filters

from bot.core.engine import Engine
from bot.core.kb import KnowledgeBase
from bot.core.reply import Reply
from bot.render import render

logger = logging.getLogger(__name__)

ENGINE_KEY = "engine"
"""``bot_data`` key of the core :class:`Engine`: the one service handlers reach for."""

Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]


def engine_of(context: Context) -> Engine:
    return cast(Engine, context.bot_data[ENGINE_KEY])


def kb_of(context: Context) -> KnowledgeBase:
    return engine_of(context).kb


def _mentions_of(message: Message, username: str | None) -> list[str]:
    """The ``@username`` mentions of this bot in a message's text or caption."""
    if not username:
        return []
    wanted = f"@{username}".casefold()
    found = {**message.parse_entities([MessageEntity.MENTION]),
             **message.parse_caption_entities([MessageEntity.MENTION])}
    return [text for text in found.values() if text.casefold() == wanted]


def addressed_to_bot(message: Message) -> bool:
    """In a group: does this message mention the bot or reply to one of its messages?"""
    bot = message.get_bot()
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot.id:
        return True
    return bool(_mentions_of(message, bot.username))


class _AddressedToBot(filters.MessageFilter):
    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return addressed_to_bot(message)


class _ViaThisBot(filters.MessageFilter):
    """An inline answer of ours that someone posted: our own words, not a question."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        return message.via_bot is not None and message.via_bot.id == message.get_bot().id


ADDRESSED_TO_BOT = _AddressedToBot(name="AddressedToBot")
FOR_BOT = (filters.UpdateType.MESSAGE & ~_ViaThisBot(name="ViaThisBot")
           & (filters.ChatType.PRIVATE | ADDRESSED_TO_BOT))
"""New messages the bot should answer: anything in a private chat; in groups only what
mentions it or replies to it, so it stays quiet in other people's conversations. Edited
messages are left out on purpose (answering an edit twice would only confuse), and so are
our own inline answers posted back into the chat."""


def question_of(message: Message) -> str:
    """The message text without the bot's own @mention (a group's way to address it)."""
    text = message.text or ""
    for mention in _mentions_of(message, message.get_bot().username):
        text = text.replace(mention, " ")
    return " ".join(text.split())


async def send(update: Update, reply: Reply) -> None:
    """Send a reply to the chat the update came from; in groups, quote the asker."""
    message = update.effective_message
    if message is None:
        logger.debug("no message to reply to in update %s", update.update_id)
        return
    quote = message.chat.type != ChatType.PRIVATE and update.callback_query is None
    for n, (text, markup) in enumerate(render(reply).messages()):
        await message.reply_text(text, reply_markup=markup, do_quote=quote and n == 0)


async def edit(update: Update, reply: Reply) -> None:
    """Show a reply in place of the menu message whose button was tapped.

    A double tap makes Telegram answer "message is not modified": harmless, ignored. A
    message that can no longer be edited (too old, deleted) gets the reply as a new one.
    """
    query = update.callback_query
    if query is None:
        return
    messages = render(reply).messages()
    first_text, first_markup = messages[0]  # the keyboard only if this is the last one
    try:
        await query.edit_message_text(first_text, reply_markup=first_markup)
    except BadRequest as exc:
        if "not modified" in str(exc).lower():
            return
        logger.info("cannot edit message, sending a new one: %s", exc)
        await send(update, reply)
        return
    message = query.message
    if isinstance(message, Message):
        for text, markup in messages[1:]:
            await message.reply_text(text, reply_markup=markup)


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner. Telegram rejects answers to queries older than about 15
    seconds (e.g. after a restart); the user has nothing to gain from an error then."""
    try:
        await query.answer(text)
    except BadRequest as exc:
        logger.debug("callback query not answered: %s", exc)

"""What teaches the curators: /suggest, counts of answers and taps. No user ids, no text.

The store (``bot/store.py``) is optional: without one (tests, ``STORE_PATH=off``) every
function here is a no-op and /suggest says suggestions are not collected.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import cast

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.core import actions
from bot.core.actions import Action
from bot.core.compose import MENU_BUTTON
from bot.core.reply import Button, Reply
from bot.handlers.common import Context, answer_query, edit, kb_of, send, with_retries
from bot.store import Store
from bot.updates import note

STORE_KEY = "store"
"""``bot_data`` key of the :class:`Store`, or None when counting is off."""

SUGGEST_USAGE = ("Send a question I could not answer to the people who write my answers: "
                 "/suggest followed by your question, e.g.\n/suggest can gabapentin cause "
                 "vivid dreams\nIt is stored without your name or user id and deleted after "
                 "a while.")
SUGGEST_THANKS = ("Thank you! Your question was passed to the curators without your name or "
                  "user id.")
SUGGEST_OFF = "Suggestions are not being collected at the moment. Thank you all the same!"


def store_of(context: Context) -> Store | None:
    return cast(Store | None, context.bot_data.get(STORE_KEY))


async def on_suggest(update: Update, context: Context) -> None:
    store = store_of(context)
    text = " ".join(context.args or ())
    if store is None:
        reply = SUGGEST_OFF
    elif not text.strip():
        reply = SUGGEST_USAGE
    else:
        store.add_suggestion(text)
        reply = SUGGEST_THANKS
    await send(update, Reply("notice", reply))


# ------------------------------------------------------------- one tap to help curators
#
# After a fallback, a dismissed did-you-mean or a 👎, the person may send the question they
# asked to the curators with one tap instead of retyping it after /suggest. Until then the
# question is held in memory only, for that private chat only, for HOLD_SECONDS, and then
# forgotten; it reaches the store (the same table and retention as /suggest, without who
# asked) only if the button is tapped.

HELD_KEY = "held_questions"
HOLD_SECONDS = 300.0
MAX_HELD = 10_000  # chats; the oldest are forgotten first

SEND_LABEL = "📨 Send this question to the curators"
NONE_LABEL = "None of these"
MISSING_REASONS: tuple[tuple[str, str], ...] = (
    ("topic", "Wrong topic"),
    ("vague", "Too vague"),
    ("hard", "Too hard to read"),
    ("other", "Something else"),
)
TEXTS = {  # knowledge/meta.yml `messages` overrides each of these
    "curators_sent": "Sent to the curators, without your name or user id. Thank you!",
    "curators_gone": ("I no longer have that question: I forget questions after a few "
                      "minutes. You can still send one with /suggest <your question>."),
    "curators_offer": ("Sorry I couldn't find it. If you like, send your question to the "
                       "people who write my answers, or pick a topic."),
    "missing_ask": "Sorry it did not help. What was missing?",
    "missing_thanks": "Thank you, noted.",
}


class HeldQuestions:
    """The last question of each private chat, in memory, for ``seconds``; never on disk."""

    def __init__(self, seconds: float = HOLD_SECONDS, limit: int = MAX_HELD,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.limit = limit
        self.clock = clock
        self._held: dict[int, tuple[float, str]] = {}

    def hold(self, chat_id: int, question: str) -> None:
        self.sweep()
        self._held.pop(chat_id, None)  # re-insert: dict order is age order
        self._held[chat_id] = (self.clock() + self.seconds, question)
        while len(self._held) > self.limit:
            del self._held[next(iter(self._held))]

    def take(self, chat_id: int) -> str | None:
        """The chat's question if still held; it is forgotten either way."""
        expires, question = self._held.pop(chat_id, (0.0, ""))
        return question if question and expires > self.clock() else None

    def peek(self, chat_id: int) -> bool:
        expires, _ = self._held.get(chat_id, (0.0, ""))
        return expires > self.clock()

    def sweep(self) -> None:
        now = self.clock()
        for chat_id in [c for c, (expires, _) in self._held.items() if expires <= now]:
            del self._held[chat_id]

    def __len__(self) -> int:
        return len(self._held)


def _text(context: Context, key: str) -> str:
    return kb_of(context).messages.get(key) or TEXTS[key]


def held_of(context: Context) -> HeldQuestions:
    held = context.bot_data.get(HELD_KEY)
    if not isinstance(held, HeldQuestions):
        held = context.bot_data[HELD_KEY] = HeldQuestions()
    return held


def _private_chat_id(update: Update) -> int | None:
    chat = update.effective_chat
    return chat.id if chat is not None and chat.type == ChatType.PRIVATE else None


SEND_BUTTON = Button(SEND_LABEL, Action("c", "send").encode())


def offer_to_curators(update: Update, context: Context, question: str, reply: Reply) -> Reply:
    """Hold the question where a tap may send it later, and add the buttons that do.

    Only in private chats and only when suggestions are collected (a store is open).
    Fallback: the send button under the menu. Did-you-mean: "None of these". A medical
    answer: nothing visible; its 👎 offers the send button (see :func:`ask_what_was_missing`).
    """
    chat_id = _private_chat_id(update)
    if chat_id is None or store_of(context) is None or not question.strip():
        return reply
    if reply.kind == "fallback":
        held_of(context).hold(chat_id, question)
        return replace(reply, buttons=(*reply.buttons, (SEND_BUTTON,)))
    if reply.kind == "suggest":
        held_of(context).hold(chat_id, question)
        none = (Button(NONE_LABEL, Action("c", "none").encode()),)
        return replace(reply, buttons=(*reply.buttons[:-1], none, *reply.buttons[-1:]))
    if reply.kind == "answer" and any(b.data.startswith("f:") for b in reply.all_buttons):
        held_of(context).hold(chat_id, question)
    return reply


async def ask_what_was_missing(update: Update, context: Context, intent_id: str) -> None:
    """After a 👎: three or four reasons (stored as counts) and, if held, the send button."""
    chat_id = _private_chat_id(update)
    if chat_id is None or store_of(context) is None:
        return
    reasons = [Button(label, Action("w", reason, intent_id).encode())
               for reason, label in MISSING_REASONS]
    rows: list[tuple[Button, ...]] = [tuple(reasons[:2]), tuple(reasons[2:])]
    if held_of(context).peek(chat_id):
        rows.append((SEND_BUTTON,))
    await send(update, Reply("notice", _text(context, "missing_ask"), buttons=tuple(rows)))


async def on_curator_button(update: Update, context: Context) -> None:
    """``c:send``, ``c:none`` and ``w:<reason>:<intent>`` taps."""
    query = update.callback_query
    action = actions.decode(query.data if query else None)
    if query is None or action is None or action.ns not in ("c", "w"):
        # PTB hands a pattern handler buttons with *empty* data too: not ours.
        from bot.handlers.menus import on_button

        await on_button(update, context)
        return
    store = store_of(context)
    chat_id = _private_chat_id(update)
    held = held_of(context)
    if action.ns == "w":
        note(intent=action.arg or None, decision=f"w:{action.verb}")
        if store is not None:
            store.count("missing", f"{action.arg}:{action.verb}")
        await answer_query(query, _text(context, "missing_thanks"))
        keep = ((SEND_BUTTON,),) if chat_id is not None and held.peek(chat_id) else ()
        await edit(update, Reply("notice", _text(context, "missing_thanks"), buttons=keep))
        return
    if action.verb == "none":
        note(decision="c:none")
        if store is not None:
            store.count("suggest_dismiss")
        await answer_query(query)
        offer = ((SEND_BUTTON,),) if chat_id is not None and held.peek(chat_id) else ()
        await edit(update, Reply("notice", _text(context, "curators_offer"),
                                 buttons=(*offer, (MENU_BUTTON,))))
        return
    question = held.take(chat_id) if chat_id is not None else None
    note(decision="c:send" if question else "c:gone")
    if question is None or store is None:
        await answer_query(query)
        await send(update, Reply("notice", _text(context, "curators_gone")))
        return
    await asyncio.to_thread(store.add_suggestion, question)
    store.count("curator_send")
    await answer_query(query, _text(context, "curators_sent"))
    await drop_send_button(query)


async def drop_send_button(query: CallbackQuery) -> None:
    """One question, one send: the button goes, the rest of the keyboard stays."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return
    rows = [[b for b in row if b.callback_data != SEND_BUTTON.data]
            for row in markup.inline_keyboard]
    with contextlib.suppress(TelegramError):
        await with_retries(partial(query.edit_message_reply_markup,
                                   InlineKeyboardMarkup([r for r in rows if r])),
                           "editMessageReplyMarkup")

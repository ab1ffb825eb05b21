"""What teaches the curators: /suggest, and one tap to send a missed question. No user ids.

What is counted, and the store itself, are :mod:`bot.usage`'s business: without a store
(tests, ``STORE_PATH=off``) /suggest says suggestions are not collected and the one-tap
buttons are not offered.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.core import actions
from bot.core.actions import MISSING_REASONS, CuratorAction, FeedbackAction, MissingAction
from bot.core.compose import menu_button
from bot.core.kb import KnowledgeBase
from bot.core.reply import Button, Reply
from bot.handlers.common import Context, answer_query, edit, kb_of, send, with_retries
from bot.updates import note


async def on_suggest(update: Update, context: Context) -> None:
    usage = context.bot_data.usage
    text = " ".join(context.args or ())
    if not usage.collecting:
        key = "suggest_off"
    elif not text.strip():
        key = "suggest_usage"
    else:
        usage.suggested(text)
        key = "suggest_thanks"
    await send(update, Reply("notice", kb_of(context).text(key)))


# ------------------------------------------------------------- one tap to help curators
#
# After a fallback, a dismissed did-you-mean or a 👎, the person may send the question they
# asked to the curators with one tap instead of retyping it after /suggest. Until then the
# question is held in memory only, for that private chat only, for HOLD_SECONDS, and then
# forgotten; it reaches the store (the same table and retention as /suggest, without who
# asked) only if the button is tapped.

HOLD_SECONDS = 300.0
MAX_HELD = 10_000  # chats; the oldest are forgotten first


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


def _private_chat_id(update: Update) -> int | None:
    chat = update.effective_chat
    return chat.id if chat is not None and chat.type == ChatType.PRIVATE else None


def send_button(kb: KnowledgeBase) -> Button:
    return Button(kb.text("buttons.send_to_curators"), actions.curator("send"))


def offer_to_curators(update: Update, context: Context, question: str, reply: Reply) -> Reply:
    """Hold the question where a tap may send it later, and add the buttons that do.

    Only in private chats and only when suggestions are collected (a store is open).
    Fallback: the send button under the menu. Did-you-mean: "None of these". A medical
    answer: nothing visible; its 👎 offers the send button (see :func:`ask_what_was_missing`).
    """
    chat_id = _private_chat_id(update)
    if chat_id is None or not context.bot_data.usage.collecting or not question.strip():
        return reply
    kb = kb_of(context)
    held = context.bot_data.held
    if reply.kind == "fallback":
        held.hold(chat_id, question)
        return replace(reply, buttons=(*reply.buttons, (send_button(kb),)))
    if reply.kind == "suggest":
        held.hold(chat_id, question)
        none = (Button(kb.text("buttons.none_of_these"), actions.curator("none")),)
        return replace(reply, buttons=(*reply.buttons[:-1], none, *reply.buttons[-1:]))
    if reply.kind == "answer" and any(FeedbackAction.unpack(b.data) is not None
                                      for b in reply.all_buttons):
        held.hold(chat_id, question)
    return reply


async def ask_what_was_missing(update: Update, context: Context, intent_id: str) -> None:
    """After a 👎: the reasons (stored as counts) and, if a question is held, the send
    button."""
    chat_id = _private_chat_id(update)
    if chat_id is None or not context.bot_data.usage.collecting:
        return
    kb = kb_of(context)
    reasons = [Button(kb.text(f"buttons.missing_{reason}"), actions.missing(reason, intent_id))
               for reason in MISSING_REASONS]
    rows: list[tuple[Button, ...]] = [tuple(reasons[:2]), tuple(reasons[2:])]
    if context.bot_data.held.peek(chat_id):
        rows.append((send_button(kb),))
    await send(update, Reply("notice", kb.text("missing_ask"), buttons=tuple(rows)))


async def on_missing_button(update: Update, context: Context) -> None:
    """``w:<reason>:<intent>``: what was missing from an answer, counted; then thanks."""
    query = update.callback_query
    if query is None:
        return
    action = MissingAction.unpack(query.data)
    if action is None:  # the pattern matched, so this cannot happen; an old button at worst
        from bot.handlers.menus import on_stale_button

        await on_stale_button(update, context)
        return
    kb = kb_of(context)
    note(intent=action.intent, decision=f"w:{action.reason}")
    context.bot_data.usage.tapped(action)
    await answer_query(query, kb.text("missing_thanks"))
    chat_id = _private_chat_id(update)
    keep = ((send_button(kb),),) if chat_id is not None and context.bot_data.held.peek(
        chat_id) else ()
    await edit(update, Reply("notice", kb.text("missing_thanks"), buttons=keep))


async def on_curator_button(update: Update, context: Context) -> None:
    """``c:send`` (send the held question) and ``c:none`` (none of these) taps."""
    query = update.callback_query
    if query is None:
        return
    action = CuratorAction.unpack(query.data)
    if action is None:
        from bot.handlers.menus import on_stale_button

        await on_stale_button(update, context)
        return
    kb = kb_of(context)
    usage = context.bot_data.usage
    chat_id = _private_chat_id(update)
    held = context.bot_data.held
    if action.verb == "none":
        note(decision="c:none")
        usage.tapped(action)
        await answer_query(query)
        offer = ((send_button(kb),),) if chat_id is not None and held.peek(chat_id) else ()
        await edit(update, Reply("notice", kb.text("curators_offer"),
                                 buttons=(*offer, (menu_button(kb),))))
        return
    question = held.take(chat_id) if chat_id is not None else None
    note(decision="c:send" if question else "c:gone")
    if question is None or not await usage.sent_by_tap(question):
        await answer_query(query)
        await send(update, Reply("notice", kb.text("curators_gone")))
        return
    await answer_query(query, kb.text("curators_sent"))
    await drop_send_button(query)


async def drop_send_button(query: CallbackQuery) -> None:
    """One question, one send: the button goes, the rest of the keyboard stays."""
    message = query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    if markup is None:
        return
    send_data = actions.curator("send")
    rows = [[b for b in row if b.callback_data != send_data] for row in markup.inline_keyboard]
    with contextlib.suppress(TelegramError):
        await with_retries(partial(query.edit_message_reply_markup,
                                   InlineKeyboardMarkup([r for r in rows if r])),
                           "editMessageReplyMarkup")

"""What every handler shares: where the engine lives, who a message is for, how to send.

Handlers stay a few lines each (extract -> core -> render -> send) because the Telegram
chores live here once: splitting into chunks, quoting in groups, editing a menu in place,
retrying what the network lost, and shrugging off the harmless errors Telegram returns for
double taps and old buttons.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from telegram import CallbackQuery, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, NetworkError
from telegram.ext import CallbackContext, ContextTypes, ExtBot, filters

from bot import metrics
from bot.config import Settings
from bot.core.engine import Engine
from bot.core.kb import KnowledgeBase
from bot.core.reply import Reply
from bot.render import render
from bot.updates import Intake, deadline
from bot.usage import Usage

if TYPE_CHECKING:
    from bot.handlers.curation import HeldQuestions
    from bot.handlers.errors import Apologies
    from bot.handlers.guard import FloodGuard
    from bot.health import Health, Operations

logger = logging.getLogger(__name__)

class BotData:
    """The services handlers use, typed: PTB creates one per application
    (``ContextTypes(bot_data=BotData)``) and ``build_application`` fills it in.

    ``engine`` is swapped whole by /reload (one assignment: updates in flight keep the old
    one); ``usage`` owns the store and is started and stopped by post_init/post_shutdown,
    like the ``intake``'s inbox, the ``apologies`` task and the health ``operations``.
    """

    engine: Engine
    settings: Settings
    usage: Usage
    flood: FloodGuard
    intake: Intake  # updates fetched and not yet answered; its inbox survives a crash
    apologies: Apologies  # chats owed an apology for an answer lost to an outage
    apology_task: asyncio.Task[None] | None = None
    health: Health  # what the heartbeat, /healthz and `rls-bot health` report
    operations: Operations | None = None  # the heartbeat and metrics, while running
    held: HeldQuestions  # the question a tap may send to the curators, in memory only
    serving_webhook: bool = False  # set by _serve before PTB starts the webhook server
    install_signals: bool = False  # set by run_bot only: tests must not own process signals


Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]
CONTEXT_TYPES = ContextTypes(bot_data=BotData)  # the default CallbackContext, typed as Context

T = TypeVar("T")

RETRY_DELAYS: tuple[float, ...] = (0.5, 1.0)
"""Pauses before the second and third attempt of a Bot API call that failed in transit.
Outside an update's deadline (see below) that is all: three attempts, 1.5 s of waiting.
Read at call time, so tests can set zeros."""
MAX_BACKOFF = 5.0
"""Within an update's deadline (``bot.updates.deadline()``, RETRY_DEADLINE_SECONDS after it
arrived) the pauses go on doubling up to this, so an answer follows within seconds of
Telegram coming back, however long it was away."""
MIN_BACKOFF = 0.05

MAYBE_ARRIVED = (httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError)
"""Failures after the request was sent: Telegram may have acted on it (see with_retries)."""

def engine_of(context: Context) -> Engine:
    return context.bot_data.engine


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


def transient(exc: BaseException) -> bool:
    """A failure in transit worth another try: a timeout, a dropped connection, a 5xx.

    PTB raises ``NetworkError`` for all of these, but ``BadRequest`` is a subclass of it
    and is permanent (the same request fails the same way). ``Forbidden`` (blocked) is
    permanent too, and ``RetryAfter`` (429) is the rate limiter's to wait out; neither is a
    ``NetworkError``.
    """
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


async def with_retries(call: Callable[[], Awaitable[T]], what: str) -> T:
    """``call()``, tried again while it fails in transit: after each ``RETRY_DELAYS``
    pause, then (within the update's deadline) doubling pauses until the deadline.

    Each Bot API call is retried on its own (one chunk, one edit), never a whole reply, so
    a retry cannot repeat the chunks that did arrive. The last failure is raised to the
    handler, and so to the error handler.

    At least once, not exactly once: a timeout does not always mean Telegram missed the
    request. PTB raises the same ``TimedOut`` for every kind of timeout, keeping httpx's
    as its ``__cause__``: a connect or pool timeout never left us and a write timeout never
    arrived whole, so retrying those is safe, but a *read* timeout, a connection reset
    after the request was sent (``MAYBE_ARRIVED``), and perhaps a 5xx from Telegram's front
    end can come after Telegram accepted a message. The Bot API has no idempotency key
    for ``sendMessage``, so nothing can tell that case apart; retrying may
    then show the answer twice. We accept that: a repeated answer is harmless, whereas not
    retrying would lose the answer and the error handler would send "something went wrong"
    after an answer that may have arrived. Edits are idempotent (a repeat is "message is
    not modified") and a repeated callback answer is only refused, so only sends can repeat.
    READ_TIMEOUT in ``bot.app`` is sized so a slow Telegram does not cause repeats.
    """
    end = deadline()
    loop = asyncio.get_running_loop()
    delays = iter(RETRY_DELAYS)
    delay: float | None = 0.0
    while True:
        try:
            return await call()
        except NetworkError as exc:
            if not transient(exc):
                raise
            previous = delay or 0.0
            delay = next(delays, None)
            if end is not None:
                if delay is None:
                    delay = min(MAX_BACKOFF, max(MIN_BACKOFF, previous * 2))
                if loop.time() + delay > end:
                    raise
            elif delay is None:
                raise
            metrics.api_retry(what)
            maybe_sent = isinstance(exc.__cause__, MAYBE_ARRIVED)
            if maybe_sent:
                global MAYBE_REPEATED  # noqa: PLW0603 - one process-wide counter, for the log
                MAYBE_REPEATED += 1
            logger.warning("%s failed (%s: %s)%s; retrying in %.1f s", what,
                           type(exc).__name__, exc,
                           f", it may have arrived (possible repeat #{MAYBE_REPEATED})"
                           if maybe_sent else "", delay)
            await asyncio.sleep(delay)


MAYBE_REPEATED = 0
"""Retries of a call that may have arrived (read timeout, reset after sending): each may
show a person a message twice. Counted so the log says how often it happens."""


async def send(update: Update, reply: Reply) -> None:
    """Send a reply to the chat the update came from; in groups, quote the asker."""
    message = update.effective_message
    if message is None:
        logger.debug("no message to reply to in update %s", update.update_id)
        return
    quote = message.chat.type != ChatType.PRIVATE and update.callback_query is None
    for n, (text, markup) in enumerate(render(reply).messages()):
        await with_retries(partial(message.reply_text, text, reply_markup=markup,
                                   do_quote=quote and n == 0), "sendMessage")


async def edit(update: Update, reply: Reply) -> None:
    """Show a reply in place of the menu message whose button was tapped.

    A double tap makes Telegram answer "message is not modified": harmless, ignored. A
    message that can no longer be edited (too old, deleted) gets the reply as a new one.
    "Not modified" on a *retry* means our own first attempt arrived after all, so the rest
    of the reply still follows.
    """
    query = update.callback_query
    if query is None:
        return
    messages = render(reply).messages()
    first_text, first_markup = messages[0]  # the keyboard only if this is the last one
    attempts = 0

    async def edit_first() -> object:
        nonlocal attempts
        attempts += 1
        return await query.edit_message_text(first_text, reply_markup=first_markup)

    try:
        await with_retries(edit_first, "editMessageText")
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            logger.info("cannot edit message, sending a new one: %s", exc)
            await send(update, reply)
            return
        if attempts == 1:  # a double tap: the first tap sends the rest
            return
    message = query.message
    if isinstance(message, Message):
        for text, markup in messages[1:]:
            await with_retries(partial(message.reply_text, text, reply_markup=markup),
                               "sendMessage")


async def show_tap(update: Update, reply: Reply) -> None:
    """A tap's reply: stop the spinner (with the reply's toast, if any), then edit the
    message in place."""
    query = update.callback_query
    if query is None:
        return
    await answer_query(query, reply.toast or None)
    await edit(update, reply)


async def answer_query(query: CallbackQuery, text: str | None = None) -> None:
    """Stop the button's spinner. Telegram rejects answers to queries older than about 15
    seconds (e.g. after a restart); the user has nothing to gain from an error then, nor
    when the network keeps failing: the spinner stops by itself, and the edit that follows
    has its own retries."""
    try:
        await with_retries(partial(query.answer, text), "answerCallbackQuery")
    except BadRequest as exc:
        logger.debug("callback query not answered: %s", exc)
    except NetworkError as exc:
        logger.warning("callback query not answered: %s", exc)

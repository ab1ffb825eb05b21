"""How updates come in and are scheduled: intake, the inbox, fair lanes, one log line each.

PTB fetches updates and hands each to an update processor. Four things are decided here:

* **Intake** (:class:`IntakeBot`): ``getUpdates`` is answered as raw JSON, cleaned once
  (lone surrogates, NUL), written to the :class:`~bot.inbox.Inbox` *before* Telegram is
  told it may forget them, and parsed one by one: an update the library cannot parse is
  logged by id and type (never its content) and replaced by an empty one, so polling moves
  past it. No more is fetched while ``capacity`` updates are still unanswered: a backlog
  waits at Telegram, not in memory.
* **Fair lanes** (:class:`FairUpdateProcessor`): one lane per chat (per user for inline
  queries), handled in order, one update at a time. A chat waiting for its own limit (a
  group's 20 messages a minute, retries during an outage) waits in its own lane and holds
  no slot anyone else needs; a lane that already has ``chat_backlog`` updates waiting drops
  new ones. Each update gets a deadline for its retries (``RETRY_DEADLINE_SECONDS``).
* **Stopping** (:class:`DrainingApplication`): on SIGTERM the lanes get a grace period to
  finish; what is still waiting after it is handed back (left in the inbox for the next
  start), so a stop never overruns the deploy files' stop timeout.
* **The log line**: ``update=<id> kind=<...> intent=<...> decision=<...> latency_ms=<n>``,
  never the text. Handlers add what they decided with :func:`note`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from collections.abc import Awaitable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from telegram import Message, Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput
from telegram.ext import Application, BaseUpdateProcessor, ExtBot

from bot import metrics
from bot.inbox import Inbox

logger = logging.getLogger("rls_bot.updates")

ALLOWED_UPDATES = ("message", "callback_query", "inline_query")
"""The update types the bot has handlers for; Telegram sends no others (edits, reactions,
member changes... would only be fetched, stored and dropped)."""

_OUTCOME: ContextVar[dict[str, Any] | None] = ContextVar("bot.updates.outcome", default=None)
_DEADLINE: ContextVar[float | None] = ContextVar("reply_deadline", default=None)

_UNSAFE = re.compile("[\x00\ud800-\udfff]")
"""NUL and UTF-16 surrogates. In a Python string from JSON a valid pair is already one
character, so any surrogate left is a lone one: it cannot be encoded to UTF-8 (sending the
reply, writing SQLite) and would raise far from where it came in."""


def note(**fields: Any) -> None:
    """Record what the current update led to (e.g. intent and decision) for its log line."""
    outcome = _OUTCOME.get()
    if outcome is not None:
        outcome.update(fields)


def deadline() -> float | None:
    """``loop.time()`` by which the current update's replies must be sent, or None (then
    retries are bounded by count; see ``bot.handlers.common.with_retries``)."""
    return _DEADLINE.get()


def clean_text(text: str) -> str:
    """``text`` without NUL and with lone surrogates as U+FFFD."""
    return _UNSAFE.sub(lambda m: "" if m[0] == "\x00" else "\ufffd", text)


def sanitise(value: Any) -> Any:
    """Every string in a JSON value cleaned by :func:`clean_text` (keys too)."""
    if isinstance(value, str):
        return clean_text(value) if _UNSAFE.search(value) else value
    if isinstance(value, list):
        return [sanitise(v) for v in value]
    if isinstance(value, dict):
        return {sanitise(k): sanitise(v) for k, v in value.items()}
    return value


def kind_of(update: object) -> str:
    if not isinstance(update, Update):
        return type(update).__name__
    if update.callback_query is not None:
        return "button"
    if update.inline_query is not None:
        return "inline"
    if update.edited_message is not None:
        return "edited"
    return _message_kind(update.message)


def _message_kind(message: Message | None) -> str:
    """Commands, questions and media are handled apart, so the log line tells them apart."""
    if message is None:
        return "other"
    if message.text is not None:
        return "command" if message.text.startswith("/") else "text"
    return "media"


def type_of(raw: dict[str, Any]) -> str:
    """An update's type as Telegram names it (its one key besides ``update_id``)."""
    keys = [k for k in raw if k != "update_id"]
    return keys[0] if keys else "empty"


def lane_of(update: object) -> str | None:
    """Whose turn an update waits for: its chat; for inline queries (no chat), its user."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return f"c{update.effective_chat.id}"
    if update.effective_user is not None:
        return f"u{update.effective_user.id}"
    return None


# --------------------------------------------------------------------------- intake


class Intake:
    """Counts unanswered updates, keeps them in the inbox, and holds fetching when full."""

    def __init__(self, capacity: int, inbox: Inbox | None = None) -> None:
        self.capacity = max(1, capacity)
        self.inbox = inbox
        self.pending = 0
        self._room = asyncio.Event()
        self._room.set()

    def room(self) -> int:
        return max(0, self.capacity - self.pending)

    async def wait_for_room(self) -> None:
        while self.room() == 0:
            self._room.clear()
            await self._room.wait()

    def high_water(self) -> int:
        return self.inbox.high_water if self.inbox is not None else 0

    def seen(self, update_id: int) -> bool:
        return self.inbox.seen(update_id) if self.inbox is not None else False

    def accept(self, raw: list[dict[str, Any]]) -> None:
        """Keep fetched updates on disk before Telegram may forget them.

        On the event loop, not in a thread: one short transaction (no fsync), and no
        scheduling delay between the server handing the updates over and their being safe
        (some servers, like the test emulator, forget an update as soon as they send it)."""
        self.pending += len(raw)
        if self.inbox is not None and raw:
            self.inbox.add(raw)

    def finished(self, update_id: int | None, *, answered: bool = True) -> None:
        """An update's handling ended; ``answered=False``: handed back, kept in the inbox."""
        self.pending = max(0, self.pending - 1)
        if answered and self.inbox is not None and update_id is not None:
            try:
                self.inbox.done(update_id)
            except Exception:  # the answer is out; a repeat after a crash is the worst case
                logger.exception("inbox: could not forget update=%s", update_id)
        self._room.set()

    def replay(self, bot: ExtBot[Any]) -> list[Update]:
        """The updates left unanswered by the previous run, oldest first, counted as pending."""
        if self.inbox is None:
            return []
        raw = self.inbox.pending()
        self.pending += len(raw)
        return [parse(item, bot) for item in raw]


class IntakeQueue(asyncio.Queue[object]):
    """The application's update queue; serving a webhook, it is where updates are kept.

    PTB's webhook handler awaits ``put`` and only then answers Telegram 200 (after which
    Telegram forgets the update), so writing the update to the inbox here gives webhook
    mode what :class:`IntakeBot` gives polling: nothing acknowledged is only in memory.
    Telegram re-sends an update whose 200 it never received (the process died between the
    write and the answer): an id the inbox has seen is one we have, answered or waiting to
    be, and is dropped. Telegram delivers over several connections, so ids may arrive out
    of order; the inbox remembers the ids themselves, not only the highest. Updates the
    last run left are queued with ``put_nowait``, which keeps nothing again.
    """

    def __init__(self, intake: Intake) -> None:
        super().__init__()
        self.intake = intake
        self.webhook = False

    async def put(self, item: object) -> None:
        if self.webhook and isinstance(item, Update) and item.update_id:
            if self.intake.seen(item.update_id):
                logger.info("update=%s sent again by Telegram: already kept", item.update_id)
                return
            raw = sanitise(item.to_dict())  # cleaned at the edge, as getUpdates does
            self.intake.accept([raw])
            bot = item.get_bot()
            if isinstance(bot, ExtBot):
                item = parse(raw, bot)
        await super().put(item)


def parse(raw: dict[str, Any], bot: ExtBot[Any]) -> Update:
    """An update, or an empty one with the same id if the library cannot read it."""
    try:
        update = Update.de_json(raw, bot)
        bot.insert_callback_data(update)
        return update
    except Exception as exc:  # a poison update must not stop polling for everyone
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        logger.warning("skipped update=%s type=%s: cannot be read (%s)", update_id,
                       type_of(raw) if isinstance(raw, dict) else "?", type(exc).__name__)
        return Update(update_id=int(update_id) if isinstance(update_id, int) else 0)


class IntakeBot(ExtBot[None]):
    """ExtBot whose ``getUpdates`` goes through the :class:`Intake` (see module docstring)."""

    _intake: Intake | None = None  # PTB freezes bots: only _names may be set later

    def attach(self, intake: Intake) -> None:
        self._intake = intake

    async def get_updates(
        self, offset: int | None = None, limit: int | None = None,
        timeout: int | dt.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None, *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        intake = self._intake
        seconds = timeout.total_seconds() if isinstance(timeout, dt.timedelta) else timeout
        if intake is not None and seconds:  # PTB's confirming call at stop has timeout 0
            await intake.wait_for_room()
            limit = max(1, min(limit or 100, intake.room()))
        seen = intake.high_water() if intake is not None else 0
        if seen:  # fetched before a crash but never confirmed: we have them already
            offset = max(offset or 0, seen + 1)
        base_read = (read_timeout if isinstance(read_timeout, int | float)
                     else self._request[0].read_timeout) or 0
        data: JSONDict = {"timeout": timeout, "offset": offset, "limit": limit,
                          "allowed_updates": allowed_updates}
        result = await self._post("getUpdates", data,
                                  read_timeout=base_read + (seconds or 0),
                                  write_timeout=write_timeout, connect_timeout=connect_timeout,
                                  pool_timeout=pool_timeout, api_kwargs=api_kwargs)
        raw = [sanitise(item) for item in (result or []) if isinstance(item, dict)
               and isinstance(item.get("update_id"), int) and item["update_id"] > seen]
        if intake is not None:
            intake.accept(raw)
        if raw:
            logger.debug("fetched update=%s..%s (%d); %d unanswered", raw[0]["update_id"],
                         raw[-1]["update_id"], len(raw), intake.pending if intake else -1)
        return tuple(parse(item, self) for item in raw)


# --------------------------------------------------------------------------- lanes


@dataclass
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class FairUpdateProcessor(BaseUpdateProcessor):
    """Per-chat lanes, no shared pool (see module docstring), and the per-update log line.

    ``capacity`` only tells PTB to hand updates over concurrently; the real bound is the
    :class:`Intake`'s, which stops fetching while that many are unanswered.
    """

    def __init__(self, capacity: int, *, chat_backlog: int = 20,
                 retry_deadline: float | None = None, intake: Intake | None = None) -> None:
        super().__init__(max(2, capacity))
        self.chat_backlog = chat_backlog
        self.retry_deadline = retry_deadline
        self.intake = intake
        self._lanes: dict[str, _Lane] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._draining = False
        self._handing_back = False
        self.handed_back = 0
        self.dropped = 0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def begin_drain(self, grace: float) -> None:
        """Stop is under way: finish what fits in ``grace`` seconds, then hand back."""
        if self._draining:
            return
        self._draining = True
        asyncio.get_running_loop().call_later(max(0.0, grace), self.hand_back)

    def hand_back(self) -> None:
        """Give up on everything not answered yet: it stays in the inbox for the next start."""
        self._handing_back = True
        for task in list(self._running):
            task.cancel()

    # PTB marks this final: its version holds a shared semaphore slot for the whole
    # handling, which is exactly what let one busy group stall everyone.
    async def process_update(  # type: ignore[misc]
            self, update: object, coroutine: Awaitable[Any]) -> None:
        update_id = getattr(update, "update_id", None)
        key = lane_of(update)
        lane = self._lanes.setdefault(key, _Lane()) if key is not None else _Lane()
        if lane.waiting >= self.chat_backlog:
            self.dropped += 1
            logger.warning("update=%s dropped: its chat already has %d waiting", update_id,
                           lane.waiting)
            _close(coroutine)
            self._finish(update_id, answered=True)
            return
        lane.waiting += 1
        answered = False
        try:
            async with lane.lock:
                lane.waiting -= 1
                if self._handing_back:
                    _close(coroutine)
                    return
                answered = await self._run(update, coroutine)
        finally:
            if key is not None and lane.waiting == 0 and not lane.lock.locked():
                self._lanes.pop(key, None)
            if not answered and self._handing_back:
                self.handed_back += 1
                logger.info("update=%s handed back: left for the next start", update_id)
            self._finish(update_id, answered=answered)

    async def _run(self, update: object, coroutine: Awaitable[Any]) -> bool:
        """Handle one update; False if it was cut short by :meth:`hand_back`."""
        loop = asyncio.get_running_loop()
        end = loop.time() + self.retry_deadline if self.retry_deadline is not None else None
        token = _DEADLINE.set(end)
        try:
            task = asyncio.ensure_future(self.do_process_update(update, coroutine))
        finally:
            _DEADLINE.reset(token)
        self._running.add(task)
        try:
            await task
        except asyncio.CancelledError:
            if task.cancelled() and self._handing_back:
                return False
            raise
        finally:
            self._running.discard(task)
        return True

    def _finish(self, update_id: int | None, *, answered: bool) -> None:
        if self.intake is not None:
            self.intake.finished(update_id, answered=answered)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
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


def _close(coroutine: Awaitable[Any]) -> None:
    """A coroutine we will not run (dropped or handed back): close it without a warning."""
    close = getattr(coroutine, "close", None)
    if close is not None:
        close()


class DrainingApplication(Application[Any, Any, Any, Any, Any, Any]):
    """``stop()`` (SIGTERM, Ctrl+C) first gives the lanes their grace period, then stops."""

    shutdown_grace: float = 20.0

    async def stop(self) -> None:
        processor = self.update_processor
        if isinstance(processor, FairUpdateProcessor):
            processor.begin_drain(self.shutdown_grace)
        await super().stop()


LoggingUpdateProcessor = FairUpdateProcessor  # the name the benchmark and tests used

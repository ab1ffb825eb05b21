"""A fake Bot API and a user-session driver for adapter tests (and the benchmark).

``FakeTelegram`` replaces PTB's HTTP transport (a ``BaseRequest``, like PTB's own
``OfflineRequest``): it records every Bot API call with its decoded parameters and answers
with canned JSON, so the real application, handlers, filters and rate limiter all run.
``Fault``s scripted per method play a flaky network and an overloaded Telegram (429, 5xx,
timeouts). ``Driver`` turns that into a user's session: ``send("/start")``,
``click("Next ▶")``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
from telegram import Update
from telegram.error import NetworkError, TimedOut
from telegram.ext import Application
from telegram.request import BaseRequest, RequestData

TOKEN = "123456789:AAH3k5-real-LOOKING_token_0123456789ab"
BOT_ID = 123456789
BOT_USERNAME = "rls_test_bot"
USER_ID = 1001
OTHER_USER_ID = 2002
GROUP_ID = -1001234567890
REPLY_METHODS = ("sendMessage", "editMessageText")


@dataclass
class Call:
    """One Bot API request as the bot made it."""

    method: str
    params: dict[str, Any]
    result: Any = None
    status: int = 200  # the HTTP status Telegram answered with

    @property
    def delivered(self) -> bool:
        """Telegram accepted it: for a send, the person sees the message."""
        return self.status == 200

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        markup = self.params.get("reply_markup") or {}
        rows: list[list[dict[str, Any]]] = markup.get("inline_keyboard", [])
        return rows

    @property
    def labels(self) -> list[str]:
        return [button["text"] for row in self.keyboard for button in row]

    @property
    def message_id(self) -> int:
        if self.method == "editMessageText":
            return int(self.params["message_id"])
        return int(self.result["message_id"])


@dataclass(frozen=True)
class Fault:
    """One scripted failure of a Bot API call, played instead of (or after) its success."""

    status: int  # HTTP status Telegram answers with; TIMEOUT: no answer at all
    description: str = ""
    retry_after: int | None = None
    arrived: bool = False  # a timeout after Telegram accepted the request

    TIMEOUT: ClassVar[int] = 0
    RESET: ClassVar[int] = -1

    @classmethod
    def too_many_requests(cls, retry_after: int = 1) -> Fault:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    @classmethod
    def server_error(cls) -> Fault:
        return cls(500, "Internal Server Error")

    @classmethod
    def bad_gateway(cls) -> Fault:
        return cls(502, "Bad Gateway")

    @classmethod
    def timeout(cls) -> Fault:
        """The request never reached Telegram (PTB's TimedOut from a connect timeout)."""
        return cls(cls.TIMEOUT, "Timed out")

    @classmethod
    def lost_answer(cls) -> Fault:
        """Telegram accepted the request, but its answer never came back (read timeout)."""
        return cls(cls.TIMEOUT, "Timed out", arrived=True)

    @classmethod
    def reset_after_delivery(cls) -> Fault:
        """Telegram accepted the request, then the connection was reset before its answer."""
        return cls(cls.RESET, "Server disconnected", arrived=True)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status,
                                "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bot_user(username: str = BOT_USERNAME) -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "RLS test bot", "username": username,
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": True}


class FakeTelegram(BaseRequest):
    """Records calls; answers getMe, sends and edits like the Bot API, everything else True.

    ``fail`` maps a method name to (HTTP status, description) for its next call only, and
    ``always_fail`` for every call, to play Telegram's errors ("message is not modified",
    401 Unauthorized...); ``raise_error`` plays a dead network. ``script`` queues
    ``Fault``s for a method's next calls (429, 5xx, timeouts), optionally for one chat only.
    ``calls`` holds every request Telegram saw, failed ones with their ``status``;
    ``delivered`` only those it accepted; a request that timed out before reaching Telegram
    is in ``timed_out`` alone. ``get_updates`` may feed updates to ``run_polling``;
    ``on_call`` sees each recorded call (to act on start-up).
    """

    def __init__(self, *, username: str = BOT_USERNAME) -> None:
        self.username = username
        self.calls: list[Call] = []
        self.fail: dict[str, tuple[int, str]] = {}
        self.always_fail: dict[str, tuple[int, str]] = {}
        self.raise_error: Exception | None = None
        self.faults: dict[tuple[str, int | None], deque[Fault]] = {}
        self.timed_out: list[Call] = []
        self.get_updates: Callable[[], Awaitable[list[dict[str, Any]]]] | None = None
        self.on_call: Callable[[Call], Awaitable[None]] | None = None
        self.latency = 0.0  # seconds each call takes, to play a real network (benchmark)
        self.updates_params: dict[str, Any] = {}  # of the latest getUpdates (limit, offset)
        self._ids = itertools.count(5000)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(  # noqa: PLR0917 - BaseRequest's signature
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: Any = None, write_timeout: Any = None,
        connect_timeout: Any = None, pool_timeout: Any = None,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if name == "getUpdates":
            self.updates_params = params
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.raise_error is not None:
            raise self.raise_error
        fault = self._next_fault(name, params)
        if fault is not None and fault.status == Fault.TIMEOUT and not fault.arrived:
            self.timed_out.append(Call(name, params, None, Fault.TIMEOUT))
            raise TimedOut() from httpx.ConnectTimeout("timed out")  # as HTTPXRequest does
        if fault is not None and fault.status not in (Fault.TIMEOUT, Fault.RESET):
            self.calls.append(Call(name, params, None, fault.status))
            return fault.status, json.dumps(fault.body()).encode()
        failure = self.fail.pop(name, None) or self.always_fail.get(name)
        if failure is not None:
            status, description = failure
            self.calls.append(Call(name, params, None, status))
            body = {"ok": False, "error_code": status, "description": description}
            return status, json.dumps(body).encode()
        result = await self._result(name, params)
        if name != "getUpdates":
            self.calls.append(Call(name, params, result))
            if self.on_call is not None:
                await self.on_call(self.calls[-1])
        if fault is not None and fault.status == Fault.RESET:  # delivered, then cut off
            raise NetworkError("httpx.RemoteProtocolError: Server disconnected") from \
                httpx.RemoteProtocolError("Server disconnected without sending a response.")
        if fault is not None:  # delivered, but the answer is lost on the way back
            raise TimedOut() from httpx.ReadTimeout("timed out")
        return 200, json.dumps({"ok": True, "result": result}).encode()

    # ------------------------------------------------------------------ faults

    def script(self, method: str, *faults: Fault, chat_id: int | None = None) -> None:
        """Play ``faults`` on the next calls of ``method`` (to ``chat_id`` only, if given),
        one per call, before the calls succeed again."""
        self.faults.setdefault((method, chat_id), deque()).extend(faults)

    def _next_fault(self, name: str, params: dict[str, Any]) -> Fault | None:
        chat_id = params.get("chat_id")
        keys = [(name, None)] if chat_id is None else [(name, int(chat_id)), (name, None)]
        for key in keys:
            if queue := self.faults.get(key):
                return queue.popleft()
        return None

    async def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return bot_user(self.username)
        if name == "getUpdates":
            return await self.get_updates() if self.get_updates else []
        if name in REPLY_METHODS:
            if "inline_message_id" in params:
                return True
            chat_id = int(params["chat_id"])
            message_id = (int(params["message_id"]) if name == "editMessageText"
                          else next(self._ids))
            message: dict[str, Any] = {
                "message_id": message_id, "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": bot_user(self.username), "text": params.get("text", ""),
            }
            if params.get("reply_markup"):
                message["reply_markup"] = params["reply_markup"]
            return message
        return True

    # ------------------------------------------------------------------ reading calls

    def named(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    @property
    def delivered(self) -> list[Call]:
        """The calls Telegram accepted, in order."""
        return [c for c in self.calls if c.delivered]

    @property
    def pending_faults(self) -> int:
        """Scripted faults not played yet (a test whose faults never ran proves nothing)."""
        return sum(len(queue) for queue in self.faults.values())


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities_for(text: str) -> list[dict[str, Any]]:
    """The entities Telegram would attach: a leading /command and @mentions."""
    entities: list[dict[str, Any]] = []
    command = re.match(r"/\S+", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": _utf16(command[0])})
    for mention in re.finditer(r"@\w+", text):
        entities.append({"type": "mention", "offset": _utf16(text[: mention.start()]),
                         "length": _utf16(mention[0])})
    return entities


class Driver:
    """A person using the bot, one update at a time; each action returns the calls it made."""

    def __init__(self, app: Application[Any, Any, Any, Any, Any, Any],
                 fake: FakeTelegram) -> None:
        self.app = app
        self.fake = fake
        self.last: list[Call] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)

    # ------------------------------------------------------------------ building updates

    @staticmethod
    def user(user_id: int = USER_ID) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}",
                "language_code": "en"}

    @staticmethod
    def chat(chat_type: str, user_id: int = USER_ID) -> dict[str, Any]:
        if chat_type == "private":
            return {"id": user_id, "type": "private", "first_name": f"User{user_id}"}
        return {"id": GROUP_ID, "type": chat_type, "title": "RLS support group"}

    def message(self, chat_type: str = "private", user_id: int = USER_ID,
                **content: Any) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": int(time.time()),
                "chat": self.chat(chat_type, user_id), "from": self.user(user_id), **content}

    async def process(self, update: dict[str, Any]) -> list[Call]:
        start = len(self.fake.calls)
        update = {"update_id": next(self._update_ids), **update}
        await self.app.process_update(Update.de_json(update, self.app.bot))
        self.last = self.fake.calls[start:]
        return self.last

    # ------------------------------------------------------------------ actions

    async def send(self, text: str, *, chat_type: str = "private", user_id: int = USER_ID,
                   reply_to_bot: bool = False, edited: bool = False) -> list[Call]:
        content: dict[str, Any] = {"text": text}
        if entities := entities_for(text):
            content["entities"] = entities
        if reply_to_bot:
            content["reply_to_message"] = self._last_bot_message(chat_type, user_id)
        message = self.message(chat_type, user_id, **content)
        if edited:
            message["edit_date"] = int(time.time())
            return await self.process({"edited_message": message})
        return await self.process({"message": message})

    async def send_content(self, chat_type: str = "private", user_id: int = USER_ID,
                           **content: Any) -> list[Call]:
        return await self.process({"message": self.message(chat_type, user_id, **content)})

    async def send_sticker(self, **kwargs: Any) -> list[Call]:
        sticker = {"file_id": "CAACAgIAAxk", "file_unique_id": "AgAD", "width": 512,
                   "height": 512, "is_animated": False, "is_video": False, "type": "regular",
                   "emoji": "😴"}
        return await self.send_content(sticker=sticker, **kwargs)

    async def send_photo(self, caption: str | None = None, **kwargs: Any) -> list[Call]:
        photo = [{"file_id": "AgACAgIAAxk", "file_unique_id": "AQAD", "width": 90,
                  "height": 90}]
        if caption:
            kwargs["caption"] = caption
        return await self.send_content(photo=photo, **kwargs)

    async def click(self, label: str, *, user_id: int = USER_ID) -> list[Call]:
        """Tap the button labelled ``label`` on the most recent message with a keyboard."""
        call = self.last_keyboard()
        for row in call.keyboard:
            for button in row:
                if button["text"] == label:
                    return await self.tap(button["callback_data"], call, user_id=user_id)
        raise AssertionError(f"no button {label!r}; the keyboard has {call.labels}")

    async def tap(self, data: str, call: Call | None = None, *,
                  user_id: int = USER_ID) -> list[Call]:
        """A callback query with any ``data``, as an old or forged button would send."""
        call = call or self.last_keyboard()
        chat_id = call.chat_id or USER_ID
        chat_type = "private" if chat_id > 0 else "supergroup"
        message = {"message_id": call.message_id, "date": int(time.time()),
                   "chat": self.chat(chat_type, chat_id if chat_id > 0 else user_id),
                   "from": bot_user(self.fake.username), "text": call.text}
        if call.params.get("reply_markup"):  # Telegram sends the message's keyboard along
            message["reply_markup"] = call.params["reply_markup"]
        query = {"id": str(next(self._query_ids)), "from": self.user(user_id),
                 "chat_instance": "1", "data": data, "message": message}
        return await self.process({"callback_query": query})

    async def inline(self, query: str, *, user_id: int = USER_ID) -> Call:
        inline_query = {"id": str(next(self._query_ids)), "from": self.user(user_id),
                        "query": query, "offset": ""}
        calls = await self.process({"inline_query": inline_query})
        answers = [c for c in calls if c.method == "answerInlineQuery"]
        assert len(answers) == 1, calls
        return answers[0]

    # ------------------------------------------------------------------ reading replies

    @property
    def replies(self) -> list[Call]:
        """Messages sent or edited by the last action (failed attempts left out)."""
        return [c for c in self.last if c.method in REPLY_METHODS and c.delivered]

    @property
    def text(self) -> str:
        """All text of the last action's replies, joined."""
        return "\n\n".join(c.text for c in self.replies)

    @property
    def labels(self) -> list[str]:
        """Buttons of the last reply of the last action."""
        return self.replies[-1].labels if self.replies else []

    def last_keyboard(self) -> Call:
        for call in reversed(self.fake.calls):
            if call.method in REPLY_METHODS and call.keyboard:
                return call
        raise AssertionError("no message with a keyboard yet")

    def _last_bot_message(self, chat_type: str, user_id: int) -> dict[str, Any]:
        chat = self.chat(chat_type, user_id)
        for call in reversed(self.fake.calls):
            if call.method == "sendMessage" and call.chat_id == chat["id"]:
                return {**call.result, "chat": chat}
        return {"message_id": 1, "date": int(time.time()), "chat": chat,
                "from": bot_user(self.fake.username), "text": "Hi!"}


def poll_then_stop(fake: FakeTelegram, updates: list[dict[str, Any]],
                   stop: int) -> Callable[[], Awaitable[list[dict[str, Any]]]]:
    """A ``get_updates`` for ``run_polling``: ``updates`` once, then, as soon as the bot has
    replied (or after ~5 s), the signal ``stop`` to this process, as Ctrl+C or systemd would.
    """
    import os

    polls = 0
    stopping: list[bool] = []

    async def get_updates() -> list[dict[str, Any]]:
        nonlocal polls
        polls += 1
        if polls == 1:
            return updates
        await asyncio.sleep(0.01)
        if not stopping and (fake.named("sendMessage") or polls > 500):
            stopping.append(True)
            os.kill(os.getpid(), stop)
        return []

    return get_updates

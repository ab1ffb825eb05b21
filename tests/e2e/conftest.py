"""The real ``rls-bot run`` against a third-party Bot API emulator on 127.0.0.1.

The emulator is the npm package ``telegram-test-api`` (pinned in ``package.json`` and
``package-lock.json`` here), started by ``emulator.js``. Install it with
``npm ci --prefix tests/e2e``. Without node or the installed package these tests skip,
except under ``CI=true``, where a missing emulator is a failure.

Everything is bounded: the emulator and the bot each get a start-up deadline, every wait
for a reply has one, and both processes are stopped (then killed) at teardown.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
EMULATOR_JS = E2E_DIR / "emulator.js"
EMULATOR_PACKAGE = E2E_DIR / "node_modules" / "telegram-test-api" / "package.json"

TOKEN = "123456789:AAEe2eTestTokenForTheEmulator_0123456789"
"""Syntactically valid (bot.config.TOKEN_PATTERN); the emulator accepts any token."""
BOT_USERNAME = "TestNameBot"  # what telegram-test-api's getMe answers

START_SECONDS = 10.0  # deadline for each process to come up
STOP_SECONDS = 10.0  # deadline for a clean exit after SIGTERM
POLL_SECONDS = 0.05

BOT_ENV_NAMES = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "TELEGRAM_API_BASE_FILE_URL",
                 "KNOWLEDGE_DIR", "WEBHOOK_URL", "WEBHOOK_LISTEN", "WEBHOOK_PORT",
                 "WEBHOOK_PATH", "WEBHOOK_SECRET_TOKEN", "ADMIN_USER_IDS",
                 "FLOOD_MAX_MESSAGES", "FLOOD_WINDOW_SECONDS", "LOG_LEVEL", "STORE_PATH",
                 "SUGGESTION_RETENTION_DAYS", "INBOX_PATH", "RETRY_DEADLINE_SECONDS",
                 "SHUTDOWN_GRACE_SECONDS")

_TAG = re.compile(r"<[^>]+>")


def plain(text: str) -> str:
    """A sent HTML text as a person reads it: no tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(_TAG.sub("", text)).split())


def _missing_emulator() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (the e2e tests need node and npm)"
    if not EMULATOR_PACKAGE.is_file():
        return ("the Bot API emulator is not installed: run "
                "`npm ci --prefix tests/e2e` (needs npm)")
    return None


@pytest.fixture(scope="session")
def node() -> str:
    """The node executable; skips without it or the emulator, fails instead under CI=true."""
    reason = _missing_emulator()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(reason)
    found = shutil.which("node")
    assert found is not None
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")
        time.sleep(POLL_SECONDS)


def _die_with_parent() -> None:
    """In the child, before exec (Linux): get SIGTERM if pytest itself dies, killed or not,
    so neither the emulator nor the bot can outlive the test run. (preexec_fn is unsafe
    only while other threads run; the fixtures start processes from the main thread with
    none running: httpx.Client starts none, the 30-user pool is joined before any stop.)"""
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


PREEXEC: Callable[[], None] | None = _die_with_parent if sys.platform == "linux" else None


def _stop(process: subprocess.Popen[Any], sig: int = signal.SIGTERM) -> int:
    """Signal once, wait a bounded time, kill if needed; the exit code."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            return process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_SECONDS)
            raise AssertionError(f"pid {process.pid} ignored signal {sig} for "
                                 f"{STOP_SECONDS:.0f} s and was killed") from None
    return process.returncode


# --------------------------------------------------------------------------- the emulator


@dataclass
class User:
    """A person using Telegram, as the emulator's client API represents them."""

    id: int
    first_name: str = "Pat"

    def as_from(self) -> dict[str, Any]:
        return {"id": self.id, "is_bot": False, "first_name": self.first_name,
                "username": f"user{self.id}"}

    def private_chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


@dataclass
class Emulator:
    """telegram-test-api on 127.0.0.1, driven through its client API (users' side)."""

    process: subprocess.Popen[bytes]
    port: int
    client: httpx.Client = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.client.post(f"{self.url}/{path}", json=body)
        response.raise_for_status()
        data = response.json()
        assert data.get("ok") is True, data
        return data.get("result")

    def bot_api(self, method: str, **params: Any) -> httpx.Response:
        """Call the Bot API side the way python-telegram-bot does (form-encoded, JSON values)."""
        form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        return self.client.post(f"{self.url}/bot{TOKEN}/{method}", data=form)

    def say(self, user: User, text: str, *, chat: dict[str, Any] | None = None,
            entities: list[dict[str, Any]] | None = None) -> None:
        """``user`` sends ``text`` (in their private chat unless ``chat`` is given)."""
        message: dict[str, Any] = {"botToken": TOKEN, "from": user.as_from(),
                                   "chat": chat or user.private_chat(),
                                   "date": int(time.time()), "text": text}
        if entities:
            message["entities"] = entities
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(command)}]
            self._post("sendCommand", message)
        else:
            self._post("sendMessage", message)

    def tap(self, user: User, sent: dict[str, Any], callback_data: str) -> None:
        """``user`` taps the inline button ``callback_data`` under the bot's message ``sent``."""
        chat_id = int(sent["message"]["chat_id"])
        message = {"message_id": sent["messageId"], "date": int(sent["time"] // 1000),
                   "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                   "from": {"id": 666, "is_bot": True, "first_name": "Bot",
                            "username": BOT_USERNAME},
                   "text": plain(sent["message"].get("text", ""))}
        self._post("sendCallback", {"botToken": TOKEN, "from": user.as_from(),
                                    "message": message, "data": callback_data})

    def history(self) -> list[dict[str, Any]]:
        """Everything the emulator holds for the bot, oldest first (bot and user updates)."""
        result: list[dict[str, Any]] = self._post("getUpdatesHistory", {"token": TOKEN})
        return result

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        """What the bot sent to ``chat_id`` (as edited since), oldest first."""
        return [item for item in self.history()
                if "chat_id" in item.get("message", {})
                and int(item["message"]["chat_id"]) == chat_id]

    def from_users(self, chat_id: int) -> list[dict[str, Any]]:
        """The users' messages in ``chat_id``; ``isRead`` once the bot fetched them."""
        return [item for item in self.history()
                if "chat" in item.get("message", {})
                and int(item["message"]["chat"]["id"]) == chat_id]

    def wait_sent(self, chat_id: int, count: int = 1, seconds: float = 10.0
                  ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []

        def enough() -> bool:
            nonlocal found
            found = self.sent_to(chat_id)
            return len(found) >= count

        wait_until(enough, seconds, f"{count} bot message(s) in chat {chat_id}")
        return found


def _start_emulator(node: str, port: int, log: Path, raw: bool) -> subprocess.Popen[bytes]:
    command = [node, str(EMULATOR_JS), "--port", str(port), *(["--raw"] if raw else [])]
    with log.open("ab") as out:
        # stdin stays open: the emulator exits when it closes, so it never outlives us.
        return subprocess.Popen(command, cwd=E2E_DIR, stdin=subprocess.PIPE, stdout=out,
                                stderr=subprocess.STDOUT,
                                preexec_fn=PREEXEC)  # noqa: PLW1509


def _emulator(node: str, tmp_path: Path, raw: bool) -> Iterator[Emulator]:
    log = tmp_path / "emulator.log"
    client = httpx.Client(timeout=5.0)
    process: subprocess.Popen[bytes] | None = None
    try:
        for _ in range(3):  # a free port can be taken between probe and listen
            port = free_port()
            process = _start_emulator(node, port, log, raw)
            emulator = Emulator(process, port, client)
            deadline = time.monotonic() + START_SECONDS
            while process.poll() is None and time.monotonic() < deadline:
                if f"READY {port}" in log.read_text(errors="replace"):
                    break
                time.sleep(POLL_SECONDS)
            if process.poll() is None and f"READY {port}" in log.read_text(errors="replace"):
                break
            _stop(process, signal.SIGKILL)
        else:
            raise AssertionError(f"the emulator did not start:\n{log.read_text()}")
        yield emulator
    finally:
        client.close()
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()
            _stop(process)


@pytest.fixture
def emulator(node: str, tmp_path: Path) -> Iterator[Emulator]:
    """telegram-test-api with the compatibility shim in emulator.js (see there)."""
    yield from _emulator(node, tmp_path, raw=False)


@pytest.fixture
def raw_emulator(node: str, tmp_path: Path) -> Iterator[Emulator]:
    """telegram-test-api exactly as published (emulator.js --raw)."""
    yield from _emulator(node, tmp_path, raw=True)


# --------------------------------------------------------------------------- the bot


@dataclass
class RunningBot:
    """``rls-bot run`` in its own process, polling the emulator."""

    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM (systemd stop, docker stop) and the exit code; bounded."""
        return _stop(self.process)

    def assert_clean_exit(self) -> None:
        code = self.stop()
        log = self.log
        assert code == 0, f"rls-bot exited with {code}:\n{log}"
        assert "Traceback" not in log, log
        assert TOKEN not in log  # the token never reaches a log
        assert "Application.stop() complete" in log, log


def rls_bot_command() -> list[str]:
    script = Path(sys.executable).with_name("rls-bot")
    if script.is_file():
        return [str(script), "run"]
    return [sys.executable, "-c", "import sys; from bot.cli import entry; sys.argv[0] = "
            "'rls-bot'; entry()", "run"]


def start_bot(emulator: Emulator, state: Path, **env_overrides: str) -> RunningBot:
    """``rls-bot run`` pointed at the emulator, its state (store, inbox, log) in ``state``;
    waits until it polls. Starting again with the same ``state`` is a restart."""
    env = {k: v for k, v in os.environ.items() if k not in BOT_ENV_NAMES}
    env.update({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": f"{emulator.url}/bot",
        "TELEGRAM_API_BASE_FILE_URL": f"{emulator.url}/file/bot",
        "KNOWLEDGE_DIR": str(REPO_ROOT / "knowledge"),
        "STORE_PATH": str(state / "rls-bot.sqlite3"),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **env_overrides,
    })
    log_path = state / "rls-bot.log"
    with log_path.open("ab") as out:
        process = subprocess.Popen(rls_bot_command(), cwd=state, env=env,
                                   stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT,
                                   preexec_fn=PREEXEC)  # noqa: PLW1509
    running = RunningBot(process, log_path)
    started = running.log.count("Application started")
    try:
        wait_until(lambda: process.poll() is not None
                   or running.log.count("Application started") > started, START_SECONDS,
                   "rls-bot to start polling")
    except AssertionError:
        process.kill()
        process.wait(STOP_SECONDS)
        raise
    if process.poll() is not None:
        raise AssertionError(f"rls-bot exited with {process.returncode}:\n{running.log}")
    return running


@pytest.fixture
def bot(emulator: Emulator, tmp_path: Path) -> Iterator[RunningBot]:
    """The real bot, started as ``rls-bot run`` and pointed at the emulator."""
    running = start_bot(emulator, tmp_path)
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait(STOP_SECONDS)

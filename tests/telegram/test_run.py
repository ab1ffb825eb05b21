"""``run_bot`` and ``rls-bot run``: start, stop, and fail in one line without the token."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import cli
from bot.app import QUIET_LOGGERS, run_bot
from bot.config import Settings
from bot.core.kb import KnowledgeBase
from tests.telegram.fake import TOKEN, USER_ID, Call, FakeTelegram, poll_then_stop

ENV_NAMES = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "TELEGRAM_API_BASE_FILE_URL",
             "KNOWLEDGE_DIR", "WEBHOOK_URL", "WEBHOOK_LISTEN", "WEBHOOK_PORT", "WEBHOOK_PATH",
             "WEBHOOK_SECRET_TOKEN", "ADMIN_USER_IDS", "FLOOD_MAX_MESSAGES",
             "FLOOD_WINDOW_SECONDS", "LOG_LEVEL")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """run_bot configures logging as an entry point does; undo it for the next test."""
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in QUIET_LOGGERS)]
    levels = [lg.level for lg in loggers]
    yield
    for lg, level in zip(loggers, levels, strict=True):
        lg.setLevel(level)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No settings from the developer's shell or .env leak into a CLI test."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def start_update(update_id: int = 1) -> dict[str, Any]:
    return {"update_id": update_id, "message": {
        "message_id": 1, "date": int(time.time()), "text": "/start",
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        "chat": {"id": USER_ID, "type": "private"},
        "from": {"id": USER_ID, "is_bot": False, "first_name": "Pat"}}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_rejected_token_is_one_line_and_exit_1(
        settings: Settings, kb: KnowledgeBase, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    fake = FakeTelegram()
    fake.always_fail["getMe"] = (401, "Unauthorized")
    err = io.StringIO()
    with caplog.at_level(logging.DEBUG):
        assert run_bot(settings, kb, request=fake, stderr=err) == 1
    message = err.getvalue()
    assert message.count("\n") == 1
    assert "rejected the token 123456789:******ab" in message
    assert "TELEGRAM_BOT_TOKEN" in message
    printed = capsys.readouterr()
    for text in (message, printed.out, printed.err, caplog.text):
        assert TOKEN not in text
        assert "Traceback" not in text


def test_unreachable_network_is_one_line_and_exit_1(
        settings: Settings, kb: KnowledgeBase) -> None:
    fake = FakeTelegram()
    fake.raise_error = httpx.ConnectError("[Errno -3] Temporary failure in name resolution")
    err = io.StringIO()
    assert run_bot(settings, kb, request=fake, stderr=err) == 1
    message = err.getvalue()
    assert message.count("\n") == 1
    assert "cannot reach the Telegram Bot API at api.telegram.org" in message
    assert "name resolution" in message


def test_webhook_without_url_is_one_line_and_exit_1(
        settings: Settings, kb: KnowledgeBase) -> None:
    err = io.StringIO()
    assert run_bot(settings, kb, webhook=True, request=FakeTelegram(), stderr=err) == 1
    assert "WEBHOOK_URL" in err.getvalue()
    assert err.getvalue().count("\n") == 1


def test_polling_answers_and_stops_cleanly(settings: Settings, kb: KnowledgeBase) -> None:
    fake = FakeTelegram()
    fake.get_updates = poll_then_stop(fake, [start_update()], signal.SIGINT)  # Ctrl+C
    assert run_bot(settings, kb, request=fake, stderr=io.StringIO()) == 0
    methods = [c.method for c in fake.calls]
    assert methods[0] == "getMe"
    assert {"setMyCommands", "deleteWebhook", "sendMessage"} <= set(methods)
    [welcome] = fake.named("sendMessage")
    assert welcome.text.startswith(kb.messages["welcome"][:20])


def test_webhook_checks_the_secret_and_answers(kb: KnowledgeBase) -> None:
    port = free_port()
    settings = Settings(token=TOKEN, webhook_url="https://bot.example.org/hook",
                        webhook_port=port, webhook_path="hook", webhook_secret="s3cret_T0ken")
    fake = FakeTelegram()
    statuses: list[int] = []

    async def post_updates() -> None:
        url = f"http://127.0.0.1:{port}/hook"
        async with httpx.AsyncClient() as client:
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
            statuses.append((await client.post(url, json=start_update(1),
                                               headers=wrong)).status_code)
            right = {"X-Telegram-Bot-Api-Secret-Token": "s3cret_T0ken"}
            statuses.append((await client.post(url, json=start_update(2),
                                               headers=right)).status_code)
        for _ in range(300):
            if fake.named("sendMessage"):
                break
            await asyncio.sleep(0.01)
        os.kill(os.getpid(), signal.SIGINT)

    tasks: list[asyncio.Task[None]] = []

    async def on_call(call: Call) -> None:
        if call.method == "setWebhook":  # the server is listening by now
            tasks.append(asyncio.get_running_loop().create_task(post_updates()))

    fake.on_call = on_call
    assert run_bot(settings, kb, webhook=True, request=fake, stderr=io.StringIO()) == 0
    [set_webhook] = fake.named("setWebhook")
    assert set_webhook.params["url"] == "https://bot.example.org/hook"
    assert set_webhook.params["secret_token"] == "s3cret_T0ken"
    assert statuses == [403, 200]
    assert len(fake.named("sendMessage")) == 1  # only the update with the right secret


# --------------------------------------------------------------------------- the CLI


def test_cli_run_without_token_starts_terminal_chat(
        clean_env: pytest.MonkeyPatch, kb: KnowledgeBase) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["run"], stdin=io.StringIO("quit\n"), stdout=out, stderr=err)
    assert code == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == cli.CONNECT_HINT
    assert kb.messages["welcome"][:40] in out.getvalue()
    assert err.getvalue() == ""


def test_cli_run_with_malformed_token_is_one_line_and_exit_1(
        clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")
    out, err = io.StringIO(), io.StringIO()
    assert cli.main(["run"], stdin=io.StringIO(""), stdout=out, stderr=err) == 1
    assert err.getvalue().count("\n") == 1
    assert "TELEGRAM_BOT_TOKEN" in err.getvalue()
    assert "not-a-token" not in err.getvalue()


class _Unauthorized(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.dumps({"ok": False, "error_code": 401,
                           "description": "Unauthorized"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


def test_cli_run_with_rejected_token_over_real_http(
        clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Unauthorized)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        clean_env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        clean_env.setenv("TELEGRAM_API_BASE_URL",
                         f"http://127.0.0.1:{server.server_address[1]}/bot")
        with caplog.at_level(logging.DEBUG):
            code = cli.main(["run"], stdin=io.StringIO(""))
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1
    printed = capsys.readouterr()
    assert printed.err.count("\n") == 1
    assert "rejected the token" in printed.err
    for text in (printed.out, printed.err, caplog.text):
        assert TOKEN not in text
        assert "Traceback" not in text


def test_cli_run_with_unreachable_api(clean_env: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    clean_env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    clean_env.setenv("TELEGRAM_API_BASE_URL", f"http://127.0.0.1:{free_port()}/bot")
    assert cli.main(["run"], stdin=io.StringIO("")) == 1
    printed = capsys.readouterr()
    assert "cannot reach the Telegram Bot API" in printed.err
    assert printed.err.count("\n") == 1
    assert TOKEN not in printed.err


class NotQuiteBotAPI(FakeTelegram):
    """A server that answers getMe without the fields the Bot API always sends."""

    async def _result(self, name: str, params: dict[str, Any]) -> Any:
        if name == "getMe":
            return {"id": 1, "first_name": "x"}  # no is_bot
        return await super()._result(name, params)


def test_a_server_that_is_not_the_bot_api_is_one_line_and_exit_1(
        settings: Settings, kb: KnowledgeBase) -> None:
    err = io.StringIO()
    assert run_bot(settings, kb, request=NotQuiteBotAPI(), stderr=err) == 1
    message = err.getvalue()
    assert message.count("\n") == 1
    assert "does not answer like the Telegram Bot API" in message
    assert TOKEN not in message and "Traceback" not in message


async def test_debug_logs_redact_text_names_and_ids(kb: KnowledgeBase) -> None:
    """LOG_LEVEL=DEBUG once logged whole updates (text, names, ids) from PTB's internals."""
    from bot.app import build_application, configure_logging
    from tests.telegram.fake import Driver

    stream = io.StringIO()
    settings = Settings(token=TOKEN, log_level="DEBUG")
    root = logging.getLogger()
    handlers = list(root.handlers)
    root.handlers = []
    try:
        configure_logging(settings, stream)
        fake = FakeTelegram()
        app = build_application(settings, kb, request=fake, get_updates_request=fake)
        async with app:
            user = Driver(app, fake)
            await user.send("SECRETQUESTION does gabapentin help rls", user_id=987654321)
            assert user.replies
    finally:
        for handler in root.handlers:
            root.removeHandler(handler)
        root.handlers = handlers
    text = stream.getvalue()
    assert "DEBUG" in text and "[details redacted]" in text  # debug lines are there...
    for secret in ("SECRETQUESTION", "User987654321", "987654321", TOKEN):
        assert secret not in text  # ...without what people wrote or who they are

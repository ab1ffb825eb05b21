"""Errors: the user hears something kind, the log gets the traceback, never the token."""

from __future__ import annotations

import logging

import pytest

from bot.app import QUIET_LOGGERS, WEBHOOK_LOGGER, RedactingFormatter, configure_logging
from bot.config import Settings
from bot.core.engine import Engine
from bot.core.kb import KnowledgeBase
from tests.telegram.conftest import assert_telegram_html
from tests.telegram.fake import TOKEN, Driver


def _boom(question: str, **kwargs: object) -> None:
    raise RuntimeError("matcher exploded")


async def test_handler_exception_tells_user_and_logs_traceback(
        user: Driver, kb: KnowledgeBase, engine: Engine, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(engine, "ask", _boom)
    with caplog.at_level(logging.ERROR):
        await user.send("does gabapentin help")
    [reply] = user.replies
    assert assert_telegram_html(reply.text) == kb.messages["error"]
    [record] = [r for r in caplog.records if r.name == "bot.handlers.errors"]
    assert record.exc_info is not None
    assert "matcher exploded" in caplog.text
    assert "Traceback" in caplog.text


async def test_error_handler_survives_when_telling_the_user_fails(
        user: Driver, engine: Engine, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(engine, "ask", _boom)
    user.fake.always_fail["sendMessage"] = (400, "Bad Request: chat not found")
    with caplog.at_level(logging.WARNING):
        await user.send("does gabapentin help")
    assert "could not tell the user" in caplog.text


async def test_blocked_by_user_is_logged_quietly(
        user: Driver, caplog: pytest.LogCaptureFixture) -> None:
    user.fake.always_fail["sendMessage"] = (403, "Forbidden: bot was blocked by the user")
    with caplog.at_level(logging.INFO):
        calls = await user.send("/start")
    assert [c.method for c in calls] == ["sendMessage"]  # no second attempt
    assert "Traceback" not in caplog.text


async def test_token_never_appears_in_logs(
        user: Driver, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        await user.send("/start")
        await user.click("🌿 Self-care tips")
        await user.send("does gabapentin help restless legs")
        await user.inline("side effects")
        await user.tap("garbage")
    assert any(r.name.startswith("telegram") for r in caplog.records)  # we did capture
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


def test_redacting_formatter_masks_the_token_in_tracebacks() -> None:
    formatter = RedactingFormatter({TOKEN: "123456789:******ab"})
    try:
        raise ValueError(f"The token `{TOKEN}` was rejected by the server.")
    except ValueError as exc:
        record = logging.LogRecord("t", logging.ERROR, __file__, 1, "url %s", (TOKEN,),
                                   (type(exc), exc, exc.__traceback__))
    text = formatter.format(record)
    assert TOKEN not in text
    assert "123456789:******ab" in text


def test_a_webhook_update_ptb_cannot_read_is_logged_without_its_content() -> None:
    """PTB's webhook handler logs the whole unreadable update at CRITICAL."""
    data = {"update_id": 9, "message": {"text": "my private health question",
                                        "from": {"first_name": "Pat"}}}
    record = logging.LogRecord(WEBHOOK_LOGGER, logging.CRITICAL, __file__, 1,
                               "Something went wrong processing the data received from "
                               "Telegram. Received data was *not* processed! Received data "
                               "was: %r", (data,), None)
    text = RedactingFormatter({}).format(record)
    assert "private health question" not in text and "Pat" not in text
    assert "Something went wrong processing the data" in text


def test_configure_logging_quiets_the_http_client() -> None:
    root = logging.getLogger()
    saved = root.level, {n: logging.getLogger(n).level for n in QUIET_LOGGERS}
    try:
        configure_logging(Settings(token=TOKEN, log_level="DEBUG"))
        for name in QUIET_LOGGERS:  # httpx logs every request URL, and the URL holds the token
            assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING
    finally:
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)

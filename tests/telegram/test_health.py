"""Liveness, readiness and metrics, checked from outside the way Docker, systemd and
Prometheus would: a heartbeat file, GET /healthz on the webhook listener, GET /metrics.

The hang tests block the bot's own event loop with ``time.sleep`` (a handler stuck in
blocking code does exactly that) while a thread runs the real checker, and measure how
long the checker takes to notice.
"""

from __future__ import annotations

import asyncio
import io
import os
import re
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from telegram import Update

from bot import cli, health
from bot.app import BotApplication, build_application, post_shutdown, run_bot
from bot.config import Settings
from bot.core.kb import KnowledgeBase
from bot.handlers import common
from bot.healthcheck import check_file, check_url
from tests.telegram.fake import TOKEN, USER_ID, Call, Driver, FakeTelegram, Fault
from tests.telegram.test_run import free_port, start_update

BEAT = 0.1  # heartbeat interval in these tests
MAX_AGE = 3 * BEAT  # what `rls-bot health` allows by default: three beats
HANG = 1.0  # how long the tests block the event loop


async def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


class Watcher(threading.Thread):
    """Runs a check every 20 ms from outside the event loop; records (time, healthy)."""

    def __init__(self, check: Callable[[], bool]) -> None:
        super().__init__(daemon=True)
        self.check = check
        self.results: list[tuple[float, bool]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        for _ in range(2000):  # bounded: 40 s at most
            if self.stop.is_set():
                return
            self.results.append((time.monotonic(), self.check()))
            time.sleep(0.02)

    def first_failure_after(self, moment: float) -> float | None:
        return next((t for t, ok in self.results if t >= moment and not ok), None)


@pytest.fixture
async def beating(tmp_path: Path, kb: KnowledgeBase,
                  fake: FakeTelegram) -> AsyncIterator[tuple[BotApplication, Path]]:
    path = tmp_path / "run" / "heartbeat"
    settings = Settings(token=TOKEN, heartbeat_file=path, heartbeat_seconds=BEAT)
    app = build_application(settings, kb, request=fake, get_updates_request=fake)
    async with app:
        assert app.post_init is not None
        await app.post_init(app)
        yield app, path
        await post_shutdown(app)


def cli_health(*args: str) -> bool:
    out, err = io.StringIO(), io.StringIO()
    return cli.main(["health", *args], stdout=out, stderr=err) == 0


# ----------------------------------------------------------------- polling: the file


async def test_heartbeat_file_says_alive_and_ready(beating: tuple[BotApplication, Path],
                                                   kb: KnowledgeBase) -> None:
    _, path = beating
    await wait_for(path.is_file)
    ok, message = check_file(path, MAX_AGE)
    assert ok, message
    assert f"{len(kb.intents)} intents" in message
    assert cli_health("--file", str(path), "--max-age", str(MAX_AGE))


async def test_a_hung_event_loop_fails_the_heartbeat_check_within_its_interval(
        beating: tuple[BotApplication, Path]) -> None:
    _, path = beating
    await wait_for(path.is_file)
    watcher = Watcher(lambda: cli_health("--file", str(path), "--max-age", str(MAX_AGE)))
    watcher.start()
    await wait_for(lambda: any(ok for _, ok in watcher.results))
    hung_at = time.monotonic()
    time.sleep(HANG)  # the bot's loop is stuck: no handler, no heartbeat runs
    await wait_for(lambda: watcher.results[-1][1] and watcher.results[-1][0] > hung_at + HANG)
    watcher.stop.set()
    watcher.join(timeout=5)
    failed_at = watcher.first_failure_after(hung_at)
    assert failed_at is not None, "the check never noticed the hang"
    # Within the allowed age plus one beat (the last beat may just precede the hang).
    assert failed_at - hung_at <= MAX_AGE + BEAT + 0.15, failed_at - hung_at
    # ... and it recovers once the loop runs again (the final results are healthy).


async def test_not_ready_when_the_bot_api_is_silent_until_the_probe_reaches_it(
        beating: tuple[BotApplication, Path], fake: FakeTelegram) -> None:
    app, path = beating
    status: health.Health = app.bot_data.health
    status.api_seconds = 60
    fake.raise_error = httpx.ConnectError("network down")
    status.last_api_ok = status.clock() - 3600  # nothing reached Telegram for an hour
    await wait_for(lambda: "not ready" in check_file(path, MAX_AGE)[1])
    ok, message = check_file(path, MAX_AGE)
    assert not ok and "Bot API last answered" in message
    assert check_file(path, MAX_AGE, live_only=True)[0]  # alive all the same
    probes = len(fake.named("getMe"))
    fake.raise_error = None  # the network is back: the heartbeat's getMe probe gets through
    await wait_for(lambda: check_file(path, MAX_AGE)[0])
    assert len(fake.named("getMe")) > probes


async def test_systemd_gets_ready_and_watchdog_pings(
        tmp_path: Path, kb: KnowledgeBase, fake: FakeTelegram,
        monkeypatch: pytest.MonkeyPatch) -> None:
    address = f"/tmp/rls-notify-{os.getpid()}.sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(address)
        sock.settimeout(2)
        try:
            monkeypatch.setenv("NOTIFY_SOCKET", address)
            monkeypatch.setenv("WATCHDOG_USEC", "200000")  # WatchdogSec=0.2: ping every 0.1 s
            settings = Settings(token=TOKEN, heartbeat_seconds=10)
            app = build_application(settings, kb, request=fake, get_updates_request=fake)
            async with app:
                assert app.post_init is not None
                await app.post_init(app)
                await asyncio.sleep(0.35)
                await post_shutdown(app)
            messages = []
            sock.setblocking(False)
            for _ in range(100):
                try:
                    messages.append(sock.recv(64).decode())
                except BlockingIOError:
                    break
        finally:
            os.unlink(address)
    assert messages[0] == "READY=1"
    assert messages.count("WATCHDOG=1") >= 3  # every 0.1 s, not every heartbeat_seconds


def test_health_without_a_file_or_webhook_says_what_to_set(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("HEARTBEAT_FILE", "WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    assert cli.main(["health"], stdout=io.StringIO(), stderr=err) == 1
    assert "HEARTBEAT_FILE" in err.getvalue()
    monkeypatch.setenv("HEARTBEAT_FILE", str(tmp_path / "none"))
    err = io.StringIO()
    assert cli.main(["health"], stdout=io.StringIO(), stderr=err) == 1
    assert "no heartbeat file" in err.getvalue()


# ----------------------------------------------------------------- webhook: /healthz


def test_webhook_serves_healthz_and_metrics_and_a_hung_loop_fails_the_check(
        kb: KnowledgeBase) -> None:
    port = free_port()
    settings = Settings(token=TOKEN, webhook_url="https://bot.example.org/hook",
                        webhook_port=port, webhook_path="hook", metrics_port=port)
    fake = FakeTelegram()
    base = f"http://127.0.0.1:{port}"
    seen: dict[str, Any] = {}

    async def exercise() -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            for _ in range(500):  # the routes are added just after the server starts
                if (await client.get(f"{base}/healthz")).status_code != 404:
                    break
                await asyncio.sleep(0.01)
            response = await client.get(f"{base}/healthz")
            seen["healthz"] = (response.status_code, response.json())
            await client.post(f"{base}/hook", json=start_update(1))
            seen["metrics"] = (await client.get(f"{base}/metrics")).text
        watcher = Watcher(lambda: check_url(f"{base}/healthz", timeout=0.3)[0])
        watcher.start()
        await wait_for(lambda: any(ok for _, ok in watcher.results))
        hung_at = time.monotonic()
        time.sleep(HANG)  # blocks the loop that also serves /healthz
        await wait_for(lambda: watcher.results[-1][1] and watcher.results[-1][0] > hung_at)
        watcher.stop.set()
        await asyncio.to_thread(watcher.join, 5)
        seen["failed_after"] = (watcher.first_failure_after(hung_at) or 1e9) - hung_at
        seen["cli_ok"] = await asyncio.to_thread(cli_health, "--url", f"{base}/healthz")
        os.kill(os.getpid(), signal.SIGINT)

    tasks: list[asyncio.Task[None]] = []

    async def on_call(call: Call) -> None:
        if call.method == "setWebhook":
            tasks.append(asyncio.get_running_loop().create_task(exercise()))

    fake.on_call = on_call
    assert run_bot(settings, kb, webhook=True, request=fake, stderr=io.StringIO()) == 0
    status, body = seen["healthz"]
    assert status == 200 and body["ready"] and body["kb_intents"] == len(kb.intents)
    assert "rlsbot_updates_total" in seen["metrics"]
    # The checker's timeout (0.3 s) plus one polling step: the hang is seen at once.
    assert seen["failed_after"] <= 0.3 + 0.1 + 0.15, seen["failed_after"]
    assert seen["cli_ok"]


# ----------------------------------------------------------------- metrics


class ProcessorDriver(Driver):
    """Feeds updates through PTB's update processor, as polling and the webhook do (that
    is where each update is timed and counted)."""

    async def process(self, update: dict[str, Any]) -> list[Call]:
        start = len(self.fake.calls)
        parsed = Update.de_json({"update_id": next(self._update_ids), **update}, self.app.bot)
        await self.app.update_processor.process_update(parsed, self.app.process_update(parsed))
        self.last = self.fake.calls[start:]
        return self.last


def scrape(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def delta(before: dict[Any, float], after: dict[Any, float], name: str,
          **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_metrics_scrape_shows_the_counters_move_and_no_text_or_ids(
        kb: KnowledgeBase, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "RETRY_DELAYS", (0.0, 0.0))
    port = free_port()
    settings = Settings(token=TOKEN, metrics_port=port, flood_messages=6, flood_seconds=60)
    app = build_application(settings, kb, request=fake, get_updates_request=fake)
    url = f"http://127.0.0.1:{port}/metrics"
    async with app, httpx.AsyncClient(timeout=5) as client:
        assert app.post_init is not None
        await app.post_init(app)
        try:
            before = scrape((await client.get(url)).text)
            user = ProcessorDriver(app, fake)
            await user.send("does neurontin help my restless legs")  # answer
            await user.send("what is the capital of france")  # fallback
            await user.send("my husband took all his gabapentin pills and won't wake up")
            await user.click("🌿 Self-care tips")  # a button
            fake.script("sendMessage", Fault.server_error())  # one 5xx, then a retry
            await user.send("/start")
            for _ in range(3):  # over the limit: warned once, then dropped
                await user.send("hello")
            text = (await client.get(url)).text
        finally:
            await post_shutdown(app)
    after = scrape(text)
    # answers: the question, the urgent reply (the safety rule's answer) and "hello"
    assert delta(before, after, "rlsbot_updates_total", kind="text", decision="answer") == 3
    assert delta(before, after, "rlsbot_updates_total", kind="text", decision="fallback") == 1
    assert delta(before, after, "rlsbot_updates_total", kind="button", decision="m:tips") == 1
    # Counted by the danger detector's tier (the engine result's tier).
    assert delta(before, after, "rlsbot_danger_replies_total", tier="emergency") == 1
    assert delta(before, after, "rlsbot_flood_refusals_total", verdict="warn") == 1
    assert delta(before, after, "rlsbot_flood_refusals_total", verdict="drop") == 1
    assert delta(before, after, "rlsbot_bot_api_errors_total", method="sendMessage",
                 reason="5xx") == 1
    assert delta(before, after, "rlsbot_bot_api_retries_total", method="sendMessage") == 1
    assert delta(before, after, "rlsbot_update_seconds_count", kind="text") >= 3
    assert after[("rlsbot_knowledge_intents", ())] == len(kb.intents)
    # No text and no ids: every label value is a short word from a fixed vocabulary.
    for name, labels in after:
        for key, value in labels:
            assert not value.lstrip("-").isdigit(), (name, key, value)
            assert " " not in value and len(value) <= 40, (name, key, value)
    for word in ("neurontin", "france", "husband", TOKEN.split(":")[1]):
        assert word not in text
    # The user id as a number of its own, not digits inside a latency ("9.907153701001").
    assert not re.search(rf"(?<![\d.]){USER_ID}(?!\d)", text)
    assert (await asyncio.to_thread(_refused, port)), "metrics server still up after shutdown"


def _refused(port: int) -> bool:
    try:
        httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1)
    except httpx.HTTPError:
        return True
    return False


def test_metrics_are_off_by_default() -> None:
    assert Settings().metrics_port is None

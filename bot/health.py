"""Liveness and readiness, seen from outside the process.

* **Alive** means the event loop runs: everything the bot does (answering, the heartbeat,
  the webhook's HTTP server) runs on that one loop, so a hung loop stops all of them, and
  what checks from outside notices the silence.
* **Ready** means alive, a knowledge base loaded, and the Bot API answered within
  ``HEALTH_API_SECONDS`` (when the bot has had nothing to send for a while it asks
  ``getMe`` itself, so an idle bot stays ready).

How it shows: every ``HEARTBEAT_SECONDS`` the heartbeat task rewrites ``HEARTBEAT_FILE``
(polling or webhook) with the status as JSON and, under systemd with ``WatchdogSec=``,
sends ``WATCHDOG=1``; in webhook mode ``GET /healthz`` on the bot's own listener answers
200 or 503 with the same JSON. ``rls-bot health`` (bot/healthcheck.py) reads either and is
what the Docker HEALTHCHECK runs.

:class:`ObservedRequest` wraps PTB's HTTP transport: every Bot API answer updates "last
reached" and the metrics, with the method name only (the URL holds the token).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram.error import TelegramError
from telegram.request import BaseRequest, RequestData

from bot import metrics

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
ATTACH_SECONDS = 30.0  # how long to wait for PTB's webhook server to exist


@dataclass
class Health:
    """What the checks report; ``intents`` reads the knowledge base being served."""

    api_seconds: float
    intents: Callable[[], int]
    clock: Callable[[], float] = time.monotonic
    last_api_ok: float | None = None
    beats: int = 0
    started: float = field(default_factory=time.monotonic)

    def api_reached(self) -> None:
        self.last_api_ok = self.clock()

    def api_age(self) -> float | None:
        return None if self.last_api_ok is None else self.clock() - self.last_api_ok

    def status(self) -> dict[str, Any]:
        problems = []
        intents = self.intents()
        if intents <= 0:
            problems.append("no knowledge base loaded")
        age = self.api_age()
        if age is None:
            problems.append("the Bot API has not answered yet")
        elif age > self.api_seconds:
            problems.append(f"the Bot API last answered {age:.0f} s ago "
                            f"(limit {self.api_seconds:.0f} s)")
        return {"alive": True, "ready": not problems, "problems": problems,
                "kb_intents": intents,
                "api_ok_seconds_ago": None if age is None else round(age, 1),
                "time": time.time()}


class ObservedRequest(BaseRequest):
    """PTB's transport, unchanged, plus: the Bot API answered (health) and metrics."""

    def __init__(self, inner: BaseRequest, health: Health) -> None:
        self.inner = inner
        self.health = health

    @property
    def read_timeout(self) -> float | None:
        return self.inner.read_timeout

    async def initialize(self) -> None:
        await self.inner.initialize()

    async def shutdown(self) -> None:
        await self.inner.shutdown()

    async def do_request(  # noqa: PLR0917 - BaseRequest's signature
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        name = url.rsplit("/", 1)[-1]  # the method; the part before it holds the token
        try:
            code, payload = await self.inner.do_request(
                url, method, request_data, read_timeout=read_timeout,
                write_timeout=write_timeout, connect_timeout=connect_timeout,
                pool_timeout=pool_timeout)
        except Exception:
            metrics.api_call(name, None, time.time())
            raise
        metrics.api_call(name, code, time.time())
        if code < 500:
            self.health.api_reached()
        return code, payload


# ------------------------------------------------------------------------ the heartbeat


def write_heartbeat(path: Path, status: dict[str, Any]) -> None:
    """Atomically: a checker never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(status), encoding="utf-8")
    os.replace(tmp, path)


def sd_notify(message: str, env: MutableMapping[str, str] | None = None) -> bool:
    """Tell systemd (``READY=1``, ``WATCHDOG=1``) when it runs us with a notify socket."""
    address = (env if env is not None else os.environ).get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):  # an abstract socket
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as exc:
        logger.warning("could not notify systemd: %s", exc)
        return False
    return True


def watchdog_seconds(env: MutableMapping[str, str] | None = None) -> float | None:
    """Half of systemd's WatchdogSec= (it passes WATCHDOG_USEC), or None without one."""
    raw = (env if env is not None else os.environ).get("WATCHDOG_USEC", "")
    return int(raw) / 2_000_000 if raw.isdigit() and int(raw) > 0 else None


async def heartbeat(health: Health, interval: float, path: Path | None,
                    probe: Callable[[], Any]) -> None:
    """Runs on the bot's loop for its whole life: if the loop hangs, the beats stop."""
    watchdog = watchdog_seconds()
    if watchdog is not None:
        interval = min(interval, watchdog)
    probing: asyncio.Task[Any] | None = None
    while True:
        age = health.api_age()
        if (age is None or age > health.api_seconds / 3) and (probing is None or probing.done()):
            probing = asyncio.get_running_loop().create_task(_probe(probe), name="api-probe")
        status = health.status()
        metrics.knowledge(status["kb_intents"])
        if path is not None:
            try:
                write_heartbeat(path, status)
            except OSError as exc:
                logger.warning("cannot write the heartbeat file %s: %s", path, exc)
        if health.beats == 0:
            sd_notify("READY=1")
        if status["kb_intents"] > 0:  # systemd restarts a bot that is alive but empty too
            sd_notify("WATCHDOG=1")
        health.beats += 1
        await asyncio.sleep(interval)


async def _probe(probe: Callable[[], Any]) -> None:
    """A cheap ``getMe`` when nothing else reached the Bot API lately (ObservedRequest
    records the answer); failures only mean "not ready", never a crash."""
    with contextlib.suppress(TelegramError, OSError):
        await probe()


# ------------------------------------------------------------------- webhook routes


def routes(health: Health, with_metrics: bool) -> list[tuple[str, type, dict[str, Any]]]:
    """Tornado handlers for GET /healthz (and /metrics) beside PTB's webhook handler."""
    import tornado.web

    class HealthHandler(tornado.web.RequestHandler):
        def get(self) -> None:
            status = health.status()
            self.set_status(200 if status["ready"] else 503)
            self.set_header("Content-Type", "application/json")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps(status))

    class MetricsHandler(tornado.web.RequestHandler):
        def get(self) -> None:
            self.set_header("Content-Type", metrics.CONTENT_TYPE)
            self.finish(metrics.exposition())

    table: list[tuple[str, type, dict[str, Any]]] = [(HEALTH_PATH, HealthHandler, {})]
    if with_metrics:
        table.append((METRICS_PATH, MetricsHandler, {}))
    return table


async def attach_routes(updater: Any, health: Health, with_metrics: bool,
                        seconds: float = ATTACH_SECONDS) -> bool:
    """Add our routes to PTB's webhook server once it exists.

    PTB builds its tornado application inside ``Updater.start_webhook`` and offers no hook
    to add a route, so we wait (bounded) for the server and add ours to its application
    (tornado's public ``add_handlers``). The path to it is PTB's, not public API: if an
    upgrade moves it this logs an error, and tests/telegram/test_health.py fails.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        server = getattr(getattr(updater, "_httpd", None), "_http_server", None)
        application = getattr(server, "request_callback", None)
        if application is not None and hasattr(application, "add_handlers"):
            application.add_handlers(r".*", routes(health, with_metrics))
            logger.info("health check at %s%s", HEALTH_PATH,
                        f" and metrics at {METRICS_PATH}" if with_metrics else "")
            return True
        await asyncio.sleep(0.02)
    logger.error("could not add %s to the webhook server (python-telegram-bot changed?)",
                 HEALTH_PATH)
    return False


# ------------------------------------------------------------- the application's side

@dataclass
class Operations:
    """The heartbeat (and webhook routes) tasks and the metrics server, while running."""

    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    stop_metrics: Callable[[], None] | None = None

    def stop(self) -> None:
        """From post_shutdown: stop the tasks and the metrics server; the file stays stale."""
        for task in self.tasks:
            task.cancel()
        self.tasks = []
        if self.stop_metrics is not None:
            self.stop_metrics()
            self.stop_metrics = None


def observe(health: Health, request: BaseRequest | None,
            get_updates_request: BaseRequest | None) -> tuple[BaseRequest, BaseRequest]:
    """The two transports PTB would build (same pool sizes), each wrapped."""
    from telegram.request import HTTPXRequest

    return (ObservedRequest(request or HTTPXRequest(connection_pool_size=256), health),
            ObservedRequest(get_updates_request or HTTPXRequest(connection_pool_size=1),
                            health))


async def start_operations(health: Health, settings: Any, bot: Any, updater: Any, *,
                           webhook: bool) -> Operations:
    """From post_init: the heartbeat, the metrics endpoint, the webhook's /healthz."""
    loop = asyncio.get_running_loop()
    beat = heartbeat(health, settings.heartbeat_seconds, settings.heartbeat_file, bot.get_me)
    operations = Operations([loop.create_task(beat, name="heartbeat")])
    on_listener = webhook and settings.metrics_port == settings.webhook_port
    if settings.metrics_port is not None and not on_listener:
        operations.stop_metrics = metrics.serve(settings.metrics_listen, settings.metrics_port)
    if webhook and updater is not None:
        operations.tasks.append(loop.create_task(attach_routes(updater, health, on_listener),
                                                 name="health-routes"))
    return operations

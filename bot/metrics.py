"""Prometheus metrics for operators: counts and latencies, never text or ids.

Every label is a small, fixed vocabulary (an update's kind, the decision the bot took, a
Bot API method name, a flood verdict, a danger tier), so a scrape can never carry what
someone wrote or who they are, and the number of series stays bounded. ``label()`` is the
gate: anything that is not a short lowercase word becomes ``other``.

The counters always count (it costs nanoseconds); they are only *exposed* when
``METRICS_PORT`` is set: on ``METRICS_LISTEN`` (127.0.0.1 by default) or, in webhook mode
with the same port as the webhook, at ``/metrics`` on the webhook listener.

Call sites are one line each: ``metrics.update(...)`` per handled update,
``metrics.flood(...)`` in the flood guard, ``metrics.danger(tier)`` from the safety path,
``metrics.api_call/api_error/api_retry`` from the Bot API transport and retry loop.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)

logger = logging.getLogger(__name__)

REGISTRY = CollectorRegistry(auto_describe=True)
"""Our own registry: only the bot's metrics, nothing the process collectors would add."""
CONTENT_TYPE = CONTENT_TYPE_LATEST

_LABEL = re.compile(r"[a-z][a-z0-9_:]{0,39}")
_METHOD = re.compile(r"[a-zA-Z]{1,40}")

UPDATES = Counter("rlsbot_updates", "Updates handled, by kind and by what the bot decided.",
                  ["kind", "decision"], registry=REGISTRY)
LATENCY = Histogram("rlsbot_update_seconds",
                    "Time from taking an update to having sent its reply, by kind.",
                    ["kind"], registry=REGISTRY,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
API_CALLS = Counter("rlsbot_bot_api_calls", "Bot API requests, by method and HTTP status "
                    "class (2xx, 4xx, rate_limited, 5xx, network).", ["method", "status"],
                    registry=REGISTRY)
API_ERRORS = Counter("rlsbot_bot_api_errors", "Bot API requests that failed, by method and "
                     "reason (4xx, rate_limited, 5xx, network).", ["method", "reason"],
                     registry=REGISTRY)
API_RETRIES = Counter("rlsbot_bot_api_retries", "Bot API calls tried again after failing "
                      "in transit, by method.", ["method"], registry=REGISTRY)
API_LAST_OK = Gauge("rlsbot_bot_api_last_ok_timestamp_seconds",
                    "Unix time the Bot API last answered.", registry=REGISTRY)
FLOOD = Counter("rlsbot_flood_refusals", "Updates the flood guard refused: warn (told "
                "once) or drop (silently).", ["verdict"], registry=REGISTRY)
DANGER = Counter("rlsbot_danger_replies", "Replies sent because a message said someone may "
                 "be in danger, by tier.", ["tier"], registry=REGISTRY)
KB_INTENTS = Gauge("rlsbot_knowledge_intents", "Intents in the knowledge base being served.",
                   registry=REGISTRY)


def label(value: object) -> str:
    """A label value from a fixed vocabulary, or ``other``: never free text."""
    text = str(value or "none")
    return text if _LABEL.fullmatch(text) else "other"


def method_label(name: str) -> str:
    return name if _METHOD.fullmatch(name) else "other"


def update(kind: str, decision: object, seconds: float) -> None:
    """One handled update (called once per update by the update processor)."""
    UPDATES.labels(label(kind), label(decision)).inc()
    LATENCY.labels(label(kind)).observe(seconds)


def api_call(method: str, status: int | None, wall_time: float) -> None:
    """One Bot API request and its HTTP status (None: it never got an answer)."""
    name = method_label(method)
    if status is None:
        klass = "network"
    elif status == 429:
        klass = "rate_limited"
    else:
        klass = f"{status // 100}xx"
    API_CALLS.labels(name, klass).inc()
    if klass != "2xx":
        API_ERRORS.labels(name, klass).inc()
    if status is not None and status < 500:
        API_LAST_OK.set(wall_time)


def api_retry(method: str) -> None:
    API_RETRIES.labels(method_label(method)).inc()


def flood(verdict: str) -> None:
    """The flood guard refused an update: ``warn`` (told once) or ``drop`` (silent)."""
    FLOOD.labels(label(verdict)).inc()


def danger(tier: str) -> None:
    """A danger reply was sent; ``tier`` is the safety rule's tier (e.g. ``urgent``)."""
    DANGER.labels(label(tier)).inc()


def knowledge(intents: int) -> None:
    KB_INTENTS.set(intents)


def exposition() -> bytes:
    """The current metrics in Prometheus' text format (what GET /metrics returns)."""
    return generate_latest(REGISTRY)


def serve(listen: str, port: int) -> Callable[[], None]:
    """Serve GET /metrics on ``listen:port`` in a thread; returns the function that stops it."""
    server, thread = start_http_server(port, addr=listen, registry=REGISTRY)
    logger.info("metrics on http://%s:%d/metrics", listen, port)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop

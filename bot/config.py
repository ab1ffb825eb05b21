"""Settings from the environment and ``.env``, checked before any network call.

A missing or malformed value must produce one line that says what to set, not a traceback
from deep inside the HTTP client ten seconds later.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypedDict

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_API_BASE_FILE_URL = "https://api.telegram.org/file/bot"
DEFAULT_STORE_PATH = Path("data/rls-bot.sqlite3")
DEFAULT_INBOX_PATH = Path("data/rls-bot.inbox.sqlite3")
STORE_OFF = {"off", "none", "no", "false", "0"}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one line for the person running it."""


@dataclass(frozen=True)
class Settings:
    token: str | None = None
    api_base_url: str = DEFAULT_API_BASE_URL
    api_base_file_url: str = DEFAULT_API_BASE_FILE_URL
    knowledge_dir: Path | None = None
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "telegram"
    webhook_secret: str | None = None
    admin_user_ids: frozenset[int] = field(default_factory=frozenset)
    flood_messages: int = 20
    flood_seconds: float = 60.0
    log_level: str = "INFO"
    store_path: Path | None = None  # None: count nothing (tests); load_settings sets a default
    suggestion_retention_days: int = 90
    inbox_path: Path | None = None  # None: no crash safety (tests); load_settings sets one
    retry_deadline_seconds: float = 60.0
    shutdown_grace_seconds: float = 20.0
    # Operations (bot/health.py, bot/metrics.py): liveness, readiness and metrics.
    heartbeat_file: Path | None = None  # polling: touched while the event loop is alive
    heartbeat_seconds: float = 10.0
    health_api_seconds: float = 300.0  # ready only if the Bot API answered this recently
    metrics_port: int | None = None  # None: no metrics endpoint (the default)
    metrics_listen: str = "127.0.0.1"

    @property
    def masked_token(self) -> str:
        """For messages and logs: enough to tell tokens apart, never enough to use one."""
        if not self.token:
            return "(none)"
        bot_id, _, secret = self.token.partition(":")
        return f"{bot_id}:{'*' * 6}{secret[-2:]}" if secret else "******"


def _int(env: Mapping[str, str], name: str, default: int, low: int = 1,
         high: int | None = None) -> int:
    """A whole number in [low, high]; every numeric setting is checked the same way."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < low or (high is not None and value > high):
        upper = f" to {high}" if high is not None else " or more"
        raise SettingsError(f"{name} must be {low}{upper}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, *, zero: bool = False) -> float:
    """A number above zero (or zero too, with ``zero``)."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not (value >= 0 if zero else value > 0) or value == float("inf"):
        lowest = "0 or more" if zero else "above 0"
        raise SettingsError(f"{name} must be a number {lowest}, got {raw!r}")
    return value


def load_settings(env: Mapping[str, str] | None = None,
                  dotenv_path: Path | str | None = ".env") -> Settings:
    """Build Settings from ``env`` (default: os.environ after reading ``.env``)."""
    if env is None:
        if dotenv_path is not None and Path(dotenv_path).is_file():
            from dotenv import load_dotenv

            load_dotenv(dotenv_path, override=False)
        env = os.environ
    token = _token(env)
    admins = _admin_ids(env)
    webhook_url, secret = _webhook(env)
    base_url, file_url = _api_urls(env)
    knowledge = env.get("KNOWLEDGE_DIR", "").strip()
    store = env.get("STORE_PATH", "").strip()
    store_path = None if store.lower() in STORE_OFF else Path(store or DEFAULT_STORE_PATH)
    retention = _int(env, "SUGGESTION_RETENTION_DAYS", 90)
    inbox_path = _inbox_path(env.get("INBOX_PATH", "").strip(), store_path)
    deadline = _float(env, "RETRY_DEADLINE_SECONDS", 60.0, zero=True)
    grace = _float(env, "SHUTDOWN_GRACE_SECONDS", 20.0, zero=True)
    level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise SettingsError(f"LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, got {level!r}")
    ops = _operations(env)
    return Settings(
        token=token,
        api_base_url=base_url,
        api_base_file_url=file_url,
        knowledge_dir=Path(knowledge) if knowledge else None,
        webhook_url=webhook_url,
        webhook_listen=env.get("WEBHOOK_LISTEN", "").strip() or "127.0.0.1",
        webhook_port=_int(env, "WEBHOOK_PORT", 8443, high=65535),
        webhook_path=env.get("WEBHOOK_PATH", "").strip().strip("/") or "telegram",
        webhook_secret=secret,
        admin_user_ids=frozenset(admins),
        flood_messages=_int(env, "FLOOD_MAX_MESSAGES", 20),
        flood_seconds=_float(env, "FLOOD_WINDOW_SECONDS", 60.0),
        log_level=level,
        store_path=store_path,
        suggestion_retention_days=retention,
        inbox_path=inbox_path,
        retry_deadline_seconds=deadline,
        shutdown_grace_seconds=grace,
        **ops,
    )


def _token(env: Mapping[str, str]) -> str | None:
    """A mistyped token fails here, at start-up, not deep inside the HTTP client later."""
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
    if token is not None and not TOKEN_PATTERN.match(token):
        raise SettingsError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token (expected '123456:ABC...', "
            "as @BotFather gives it)"
        )
    return token


def _admin_ids(env: Mapping[str, str]) -> set[int]:
    """Admin commands trust these ids, so one that is not a number stops start-up."""
    admins: set[int] = set()
    for part in re.split(r"[,\s]+", env.get("ADMIN_USER_IDS", "").strip()):
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise SettingsError(f"ADMIN_USER_IDS must be numeric Telegram user ids, got {part!r}")
        admins.add(int(part))
    return admins


def _webhook(env: Mapping[str, str]) -> tuple[str | None, str | None]:
    """URL and secret token as Telegram's setWebhook accepts them, or one line on what is off."""
    webhook_url = env.get("WEBHOOK_URL", "").strip() or None
    if webhook_url and not webhook_url.startswith("https://"):
        raise SettingsError("WEBHOOK_URL must start with https:// (Telegram requires TLS)")
    secret = env.get("WEBHOOK_SECRET_TOKEN", "").strip() or None
    if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
        raise SettingsError("WEBHOOK_SECRET_TOKEN may use only A-Z, a-z, 0-9, _ and - "
                            "(1-256 characters)")
    return webhook_url, secret


def _api_urls(env: Mapping[str, str]) -> tuple[str, str]:
    """Checked here: a stand-in Bot API's URL without http(s):// would fail only much later."""
    base_url = env.get("TELEGRAM_API_BASE_URL", "").strip() or DEFAULT_API_BASE_URL
    file_url = env.get("TELEGRAM_API_BASE_FILE_URL", "").strip() or DEFAULT_API_BASE_FILE_URL
    for name, url in (("TELEGRAM_API_BASE_URL", base_url),
                      ("TELEGRAM_API_BASE_FILE_URL", file_url)):
        if not url.startswith(("http://", "https://")):
            raise SettingsError(f"{name} must start with http:// or https://, got {url!r}")
    return base_url, file_url


def _inbox_path(inbox: str, store_path: Path | None) -> Path | None:
    """By default beside the store, so one folder holds the bot's state."""
    if inbox.lower() in STORE_OFF:
        return None
    if inbox:
        return Path(inbox)
    return (store_path.with_name(f"{store_path.stem}.inbox{store_path.suffix}")
            if store_path is not None else DEFAULT_INBOX_PATH)


class _Operations(TypedDict):
    heartbeat_file: Path | None
    heartbeat_seconds: float
    health_api_seconds: float
    metrics_port: int | None
    metrics_listen: str


def _operations(env: Mapping[str, str]) -> _Operations:
    """Health and metrics settings (see deploy/README.md, "Health and metrics")."""
    heartbeat = env.get("HEARTBEAT_FILE", "").strip()
    seconds = _float(env, "HEARTBEAT_SECONDS", 10.0)
    api_seconds = _float(env, "HEALTH_API_SECONDS", 300.0)
    port = env.get("METRICS_PORT", "").strip()
    metrics_port = _int(env, "METRICS_PORT", 0, high=65535) if port else None
    return {
        "heartbeat_file": Path(heartbeat) if heartbeat else None,
        "heartbeat_seconds": seconds,
        "health_api_seconds": api_seconds,
        "metrics_port": metrics_port,
        "metrics_listen": env.get("METRICS_LISTEN", "").strip() or "127.0.0.1",
    }

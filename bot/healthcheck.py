"""``rls-bot health``: is the running bot alive (and ready)? For Docker and systemd.

Standard library only and no Telegram import: a health check runs every few seconds and
must cost little. It reads what the bot publishes (bot/health.py):

* webhook mode (``WEBHOOK_URL`` set, or ``--url``): ``GET /healthz`` on the bot's own
  listener, with a timeout: a hung event loop cannot answer, so the check fails;
* otherwise the ``HEARTBEAT_FILE`` the bot rewrites every ``HEARTBEAT_SECONDS``: older than
  ``--max-age`` (default three beats) means the loop stopped beating.

Exit 0: healthy; 1: not, with one line saying why.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

MISSED_BEATS = 3


def check_file(path: Path, max_age: float, *, live_only: bool = False,
               now: float | None = None) -> tuple[bool, str]:
    try:
        status: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return False, f"no heartbeat file at {path} (is the bot running?)"
    except (OSError, ValueError) as exc:
        return False, f"cannot read the heartbeat file {path}: {exc}"
    age = (time.time() if now is None else now) - float(status.get("time", 0))
    if age > max_age:
        return False, (f"the last heartbeat is {age:.1f} s old (limit {max_age:.1f} s): "
                       "the bot's event loop is stuck or the bot stopped")
    return _verdict(status, live_only, f"heartbeat {age:.1f} s ago")


def check_url(url: str, timeout: float, *, live_only: bool = False) -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = json.loads(response.read())
    except urllib.error.HTTPError as exc:  # 503: alive but not ready
        try:
            status = json.loads(exc.read())
        except ValueError:
            return False, f"{url} answered {exc.code}"
    except (OSError, ValueError) as exc:  # refused, timed out (a hung loop), garbage
        return False, f"no answer from {url} within {timeout:g} s: {exc}"
    return _verdict(status, live_only, f"{url} answered")


def _verdict(status: dict[str, Any], live_only: bool, where: str) -> tuple[bool, str]:
    if live_only or status.get("ready"):
        return True, f"ok: {where}; {status.get('kb_intents')} intents"
    return False, f"alive but not ready: {'; '.join(status.get('problems') or ['?'])}"


def local_url(listen: str, port: int) -> str:
    host = "127.0.0.1" if listen in ("", "0.0.0.0", "127.0.0.1") else listen
    if host == "::":
        host = "::1"
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/healthz"

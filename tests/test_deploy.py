"""The deployment files say what the code does: same command, signals, settings and paths.

No Docker engine or systemd runs on the build machines, so these files are checked as text
against the code they drive; a renamed command or setting breaks this test, not production.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

from bot.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "rls-bot.service").read_text(encoding="utf-8"))
    return parser


def test_systemd_unit_runs_the_bot_and_reloads_with_sighup() -> None:
    service = unit()["Service"]
    assert service["ExecStart"].endswith("/.venv/bin/rls-bot run")
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["KillSignal"] == "SIGTERM"
    assert service["User"] != "root"
    assert "STORE_PATH=/var/lib/rls-bot/" in (DEPLOY / "rls-bot.service").read_text(
        encoding="utf-8")


def test_dockerfile_is_slim_non_root_and_runs_the_bot() -> None:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.findall(r"^FROM (\S+)", text, re.M)[-1] == "python:3.11-slim"
    assert re.search(r"^USER (?!root|0\b)\S+", text, re.M)
    assert 'CMD ["rls-bot", "run"]' in text
    assert "STOPSIGNAL SIGTERM" in text
    assert re.search(r"HEALTHCHECK[^\n]*\\\n\s+CMD rls-bot health", text)
    assert "HEARTBEAT_FILE=/tmp/" in text


def test_systemd_watchdog_and_heartbeat_are_wired() -> None:
    service = unit()["Service"]
    assert int(service["WatchdogSec"]) > 0
    assert service["NotifyAccess"] == "main"
    assert service["Restart"] == "on-failure"  # includes a watchdog timeout
    text = (DEPLOY / "rls-bot.service").read_text(encoding="utf-8")
    assert "HEARTBEAT_FILE=/run/rls-bot/" in text and "RuntimeDirectory=rls-bot" in text
    assert "AF_UNIX" in service["RestrictAddressFamilies"]  # sd_notify's socket


def test_settings_named_in_deploy_files_exist() -> None:
    known = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"),
                           re.M))
    for name in ("rls-bot.service", "Dockerfile"):
        text = (DEPLOY / name).read_text(encoding="utf-8")
        used = set(re.findall(r"\b(STORE_PATH|KNOWLEDGE_DIR|(?:WEBHOOK|TELEGRAM|HEARTBEAT|"
                              r"METRICS)_[A-Z_]+)=", text))
        assert used <= known, (name, used - known)


def test_commands_in_the_deploy_guide_exist() -> None:
    guide = (DEPLOY / "README.md").read_text(encoding="utf-8")
    commands = set(re.findall(r"rls-bot (run|ask|chat|eval|kb|report|health)\b", guide))
    parser = build_parser()
    subcommands = {name for action in parser._actions
                   for name in (getattr(action, "choices", None) or {})
                   if isinstance(name, str)}
    assert commands and commands <= subcommands

""".env.example documents every setting config.py reads, and its values load as defaults."""

from __future__ import annotations

import re
from pathlib import Path

from dotenv import dotenv_values

from bot.config import DEFAULT_INBOX_PATH, DEFAULT_STORE_PATH, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting_with_a_comment() -> None:
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    read = set(re.findall(r"""env(?:\.get\(|,\s*)"([A-Z][A-Z0-9_]+)\"""", source))
    assert "TELEGRAM_BOT_TOKEN" in read and "FLOOD_WINDOW_SECONDS" in read
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    listed = {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z_]+=", line)}
    assert listed == read
    for n, line in enumerate(lines):
        if re.match(r"^[A-Z_]+=", line):
            assert lines[n - 1].startswith("#") or re.match(r"^[A-Z_]+=", lines[n - 1]), line


def test_env_example_values_are_the_defaults() -> None:
    values = {k: v or "" for k, v in dotenv_values(ROOT / ".env.example").items()}
    # Settings() counts nothing (tests); a real run stores counts at the default path.
    assert load_settings(values, dotenv_path=None) == Settings(store_path=DEFAULT_STORE_PATH,
                                                         inbox_path=DEFAULT_INBOX_PATH)

"""Settings: read and checked in bot/config.py, the same way for every subcommand."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import SettingsError, load_settings


@pytest.mark.parametrize(("name", "value", "words"), [
    ("FLOOD_MAX_MESSAGES", "abc", "whole number"),
    ("FLOOD_MAX_MESSAGES", "0", "must be 1 or more"),
    ("FLOOD_MAX_MESSAGES", "-5", "must be 1 or more"),
    ("FLOOD_WINDOW_SECONDS", "0", "above 0"),
    ("FLOOD_WINDOW_SECONDS", "-1", "above 0"),
    ("FLOOD_WINDOW_SECONDS", "nan", "above 0"),
    ("WEBHOOK_PORT", "99999", "1 to 65535"),
    ("WEBHOOK_PORT", "0", "1 to 65535"),
    ("SUGGESTION_RETENTION_DAYS", "0", "1 or more"),
])
def test_out_of_range_values_are_one_line(name: str, value: str, words: str) -> None:
    with pytest.raises(SettingsError, match=words):
        load_settings({name: value})


@pytest.mark.parametrize("argv", [["ask", "hello"], ["chat"], ["kb", "check"],
                                  ["eval", "questions.yaml"]])
def test_every_subcommand_checks_settings_like_run(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, argv: list[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("FLOOD_MAX_MESSAGES", "abc")
    err = io.StringIO()
    code = main(argv, stdin=io.StringIO(""), stdout=io.StringIO(), stderr=err)
    assert code == 1
    assert err.getvalue().strip() == (
        "rls-bot: FLOOD_MAX_MESSAGES must be a whole number, got 'abc'")


def test_knowledge_dir_is_read_once_for_every_subcommand(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KNOWLEDGE_DIR", str(tmp_path / "nowhere"))
    for argv in (["ask", "hello"], ["kb", "check"]):
        err = io.StringIO()
        assert main(argv, stdin=io.StringIO(""), stdout=io.StringIO(), stderr=err) == 1
        assert "nowhere" in err.getvalue()

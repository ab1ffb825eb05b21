"""The curator's report over time: per-week view, one self-contained HTML page, and a
headless Chromium screenshot of it where Chromium is installed."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from bot import cli
from bot.store import Store, weekly

TODAY = dt.date(2025, 11, 26)  # a Wednesday, away from the real clock's week
HOSTILE = "<script>alert('x')</script> does gabapentin & iron mix?"


def seeded(path: Path) -> Path:
    """Four weeks of use: answers grow, fallbacks shrink, votes, confusions, suggestions."""
    day = [TODAY - dt.timedelta(days=21)]
    store = Store(path, today=lambda: day[0])
    for week in range(4):
        day[0] = TODAY - dt.timedelta(days=21 - 7 * week)
        store.count("answer", "gabapentin_efficacy", 10 + 5 * week)
        store.count("fallback", n=8 - 2 * week)
        store.count("feedback_up", "gabapentin_efficacy", 3 + week)
        store.count("feedback_down", "gabapentin_efficacy", 1)
        store.count("suggest_offer", "gabapentin_timing>gabapentin_dosage", week + 1)
        store.count("missing", "gabapentin_efficacy:vague")
        store.flush()
    store.add_suggestion(HOSTILE)
    store.close()
    return path


def test_weekly_rows_are_monday_weeks_oldest_first_with_the_counts(tmp_path: Path) -> None:
    path = seeded(tmp_path / "s.sqlite3")
    store = Store(path, today=lambda: TODAY)
    weeks = weekly(store, 4)
    store.close()
    assert [w.start.weekday() for w in weeks] == [0, 0, 0, 0]
    assert [w.answers for w in weeks] == [10, 15, 20, 25]
    assert [w.fallbacks for w in weeks] == [8, 6, 4, 2]
    assert weeks[-1].helpful_ratio == pytest.approx(6 / 7)
    assert weeks[-1].confusions == [("gabapentin_timing>gabapentin_dosage", 4)]
    assert weeks[-1].suggestions == 1


def test_report_weekly_in_the_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = seeded(tmp_path / "s.sqlite3")
    monkeypatch.setattr("bot.store._today", lambda: TODAY)
    out = io.StringIO()
    assert cli.main(["report", "--store", str(path), "--days", "28", "--weekly"],
                    stdout=out, stderr=io.StringIO()) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("week of")
    assert len(lines) == 5
    assert re.match(r"2025-11-24\s+25\s+86%\s+2\s+0\s+4\s+0\s+1\s+gabapentin_timing>", lines[-1])


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.external.append(value)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def write_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = seeded(tmp_path / "s.sqlite3")
    monkeypatch.setattr("bot.store._today", lambda: TODAY)
    page = tmp_path / "report.html"
    out = io.StringIO()
    assert cli.main(["report", "--store", str(path), "--days", "28", "--html", str(page)],
                    stdout=out, stderr=io.StringIO()) == 0
    return page


def test_html_page_is_self_contained_escaped_and_has_charts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = write_page(tmp_path, monkeypatch).read_text(encoding="utf-8")
    assert "2025-10-30 to 2025-11-26" in html  # the 28 days up to TODAY, not the clock's
    parser = _Page()
    parser.feed(html)
    assert parser.tags.count("svg") == 4 and parser.tags.count("rect") == 12
    assert "script" not in parser.tags  # the hostile suggestion is text, not a tag
    assert parser.external == []  # nothing fetched from anywhere
    assert "&lt;script&gt;" in html and HOSTILE in "".join(parser.text)
    assert "gabapentin_efficacy:vague" in html


def test_the_bot_does_not_load_jinja2() -> None:
    code = ("import sys, bot.app, bot.cli, bot.handlers.faq; "
            "print('jinja2' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "False"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install "
                    "chromium)")
def test_headless_chromium_renders_the_page(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    assert CHROMIUM is not None
    page = write_page(tmp_path, monkeypatch)
    shot = tmp_path / "report.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--window-size=1200,1400",
             f"--screenshot={shot}", page.as_uri()],
            capture_output=True, timeout=60, check=False)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 1400)
    assert len(data) > 20_000  # charts and tables drawn, not a blank page

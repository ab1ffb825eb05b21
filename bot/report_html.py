"""``rls-bot report --html FILE``: one self-contained page for curators, with small charts.

Jinja2 (the ``report`` extra, a dev dependency; the bot never imports this module) renders
``bot/templates/report.html.j2`` with autoescaping on: suggested questions are whatever
people typed, so every value is escaped. The charts are inline SVG drawn by the template
from numbers computed here: no script, no font, no link to anything outside the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from bot.store import CuratorReport, WeekRow

CHART_W, CHART_H, BAR_GAP = 560, 120, 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    label: str
    value: str


def bars(weeks: list[WeekRow], value: str) -> list[Bar]:
    """One bar per week for a count, scaled to the chart's height."""
    counts = [getattr(w, value) for w in weeks]
    top = max(counts, default=0) or 1
    width = CHART_W / max(len(weeks), 1)
    return [Bar(i * width + BAR_GAP / 2, CHART_H - n / top * (CHART_H - 14), width - BAR_GAP,
                n / top * (CHART_H - 14), w.start.strftime("%d %b"), str(n))
            for i, (w, n) in enumerate(zip(weeks, counts, strict=True))]


def ratio_points(weeks: list[WeekRow]) -> list[tuple[float, float, str]]:
    """Helpful ratio per week as (x, y, label) for the weeks that had votes."""
    width = CHART_W / max(len(weeks), 1)
    return [(i * width + width / 2, CHART_H - (w.helpful_ratio or 0) * (CHART_H - 14),
             f"{w.helpful_ratio:.0%}")
            for i, w in enumerate(weeks) if w.helpful_ratio is not None]


def render_html(report: CuratorReport, weeks: list[WeekRow],
                generated: dt.datetime | None = None) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    template = env.get_template("report.html.j2")
    points = ratio_points(weeks)
    return template.render(
        report=report, weeks=weeks, width=CHART_W, height=CHART_H,
        charts=[("Answers per week", bars(weeks, "answers"), "#2f6f9f"),
                ("Fallbacks per week (questions the bot could not answer)",
                 bars(weeks, "fallbacks"), "#b5562b"),
                ("Questions sent to the curators per week", bars(weeks, "suggestions"),
                 "#5b8a3c")],
        ratio_points=points,
        ratio_path=" ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}"
                            for i, (x, y, _) in enumerate(points)),
        generated=(generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
    )

"""Checks of how the medical text reads and how fresh it is, for ``rls-bot kb check``.

They are not part of loading: the bot answers with a knowledge base whatever its reading
grade, and /reload must stay fast, so these run where a curator looks (``kb check``, and the
test suite, which fails on them). Readability uses textstat's Flesch-Kincaid grade, a
well-kept implementation of the formula, imported only here and only when asked for (it is
a development tool; see README design notes).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.core.kb import KnowledgeBase

ANSWER_MAX_GRADE = 8.0
"""Short answers: a tired person on a phone at night reads them first."""
DETAILS_MAX_GRADE = 10.0
""""More detail" may be a little harder, never as hard as the guidelines themselves."""

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def reviewed_label(date: dt.date) -> str:
    """"Nov 2026": the review date as a person reads it under an answer (no locale)."""
    return f"{MONTHS[date.month - 1]} {date.year}"


def months_between(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (a day short does not count)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - 1 if later.day < earlier.day else months


def is_older_than(reviewed: dt.date, today: dt.date, months: int) -> bool:
    """More than ``months`` calendar months ago: 12 months after 2025-11-24 is 2026-11-24,
    so a review of that day is old from 2026-11-25 on."""
    index = reviewed.year * 12 + reviewed.month - 1 + months
    year, month = divmod(index, 12)
    day = reviewed.day
    while True:  # 31 January + 1 month: the last day of February
        try:
            deadline = dt.date(year, month + 1, day)
            break
        except ValueError:
            day -= 1
    return today > deadline


@dataclass(frozen=True)
class Grade:
    """The reading grade of one text the bot shows."""

    where: str  # intent id, or "selfcheck"
    field: str  # answer, details, question 1, result fits, ...
    grade: float
    limit: float

    @property
    def too_hard(self) -> bool:
        return self.grade > self.limit


def _texts(kb: KnowledgeBase) -> Iterator[tuple[str, str, str, float]]:
    """(where, field, text, limit) for every medical text a person reads."""
    for intent in kb.intents.values():
        if not intent.medical:
            continue
        yield intent.id, "answer", intent.answer, ANSWER_MAX_GRADE
        if intent.details:
            yield intent.id, "details", intent.details, DETAILS_MAX_GRADE
    check = kb.selfcheck
    if check is not None:
        yield "selfcheck", "intro", check.intro, ANSWER_MAX_GRADE
        for n, question in enumerate(check.questions, 1):
            yield "selfcheck", f"question {n}", question, ANSWER_MAX_GRADE
        for key, text in check.results.items():
            yield "selfcheck", f"result {key}", text, DETAILS_MAX_GRADE


def flesch_kincaid() -> Callable[[str], float] | None:
    """textstat's Flesch-Kincaid grade, or None when textstat is not installed."""
    try:
        import textstat
    except ImportError:
        return None
    grade: Callable[[str], float] = textstat.flesch_kincaid_grade
    return grade


def readability(kb: KnowledgeBase, grade: Callable[[str], float]) -> list[Grade]:
    return [Grade(where, field, float(grade(text)), limit)
            for where, field, text, limit in _texts(kb)]


def readability_summary(grades: list[Grade]) -> str:
    """One line per kind of text: median and worst grade against its limit."""
    lines = []
    for name, limit in (("short answers", ANSWER_MAX_GRADE), ("details", DETAILS_MAX_GRADE)):
        values = [g.grade for g in grades if g.limit == limit]
        if values:
            lines.append(f"{name}: median grade {statistics.median(values):.1f}, "
                         f"hardest {max(values):.1f} (limit {limit:g}, {len(values)} texts)")
    return "; ".join(lines)


@dataclass(frozen=True)
class Review:
    """A medical text whose review is older than the knowledge base allows, or missing."""

    where: str
    reviewed: dt.date | None
    months: int | None


def old_reviews(kb: KnowledgeBase, today: dt.date, max_months: int) -> list[Review]:
    """Medical intents (and the self-check) not reviewed within ``max_months``."""
    dated: list[tuple[str, dt.date | None]] = [
        (i.id, i.reviewed) for i in kb.intents.values() if i.medical]
    if kb.selfcheck is not None:
        dated.append(("selfcheck", kb.selfcheck.reviewed))
    found = []
    for where, reviewed in dated:
        if reviewed is None:
            found.append(Review(where, None, None))
        elif is_older_than(reviewed, today, max_months):
            found.append(Review(where, reviewed, months_between(reviewed, today)))
    return found

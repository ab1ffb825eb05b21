"""What curators learn from use, kept without any health data about a person.

People's questions about their medicine are health data, so the store holds only
*counts per day* (answers per intent, 👍/👎 per intent, fallbacks, did-you-mean offers and
picks) and, only when someone chooses to send one with /suggest, the text of a missing
question with its day, never a user id, a chat id or a name. Suggested questions are
deleted after ``retention_days``.

Counts are buffered in memory and written in one transaction by :meth:`Store.flush`
(every few seconds and at shutdown), so answering never waits on the disk. SQLite is the
embedded default; see README "Production" for several instances.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bot.inbox import create_private

SCHEMA = """
CREATE TABLE IF NOT EXISTS daily_counts (
    day   TEXT NOT NULL,            -- YYYY-MM-DD (UTC)
    kind  TEXT NOT NULL,            -- answer | fallback | suggest_offer | suggest_pick | ...
    key   TEXT NOT NULL DEFAULT '', -- an intent id, or 'a>b' for a did-you-mean confusion
    n     INTEGER NOT NULL,
    PRIMARY KEY (day, kind, key)
);
CREATE TABLE IF NOT EXISTS suggested_questions (
    id    INTEGER PRIMARY KEY,
    day   TEXT NOT NULL,
    text  TEXT NOT NULL
);
"""

KINDS = frozenset({
    "answer", "urgent", "fallback", "suggest_offer", "suggest_pick", "feedback_up",
    "feedback_down",
    "suggest_dismiss", "curator_send", "missing",  # one tap to help curators
})
MAX_SUGGESTION_CHARS = 500


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


@dataclass
class IntentRow:
    intent: str
    answers: int = 0
    up: int = 0
    down: int = 0

    @property
    def helpful_ratio(self) -> float | None:
        votes = self.up + self.down
        return self.up / votes if votes else None


@dataclass
class CuratorReport:
    since: dt.date
    until: dt.date
    intents: list[IntentRow] = field(default_factory=list)
    fallbacks_per_day: dict[str, int] = field(default_factory=dict)
    urgent: int = 0
    offers: int = 0
    picks: dict[str, int] = field(default_factory=dict)
    confusions: list[tuple[str, int]] = field(default_factory=list)
    suggestions: list[tuple[str, str]] = field(default_factory=list)
    dismissed: int = 0  # did-you-mean offers answered "None of these"
    sent: int = 0  # questions sent to the curators with one tap (also in suggestions)
    missing: dict[str, int] = field(default_factory=dict)  # "intent:reason" after a 👎


@dataclass
class WeekRow:
    """One ISO week (Monday to Sunday) of the curator's report."""

    start: dt.date
    answers: int = 0
    up: int = 0
    down: int = 0
    fallbacks: int = 0
    urgent: int = 0
    offers: int = 0
    dismissed: int = 0
    sent: int = 0
    suggestions: int = 0
    confusions: list[tuple[str, int]] = field(default_factory=list)

    @property
    def helpful_ratio(self) -> float | None:
        votes = self.up + self.down
        return self.up / votes if votes else None


_WEEK_FIELDS = {"answer": "answers", "feedback_up": "up", "feedback_down": "down",
                "fallback": "fallbacks", "urgent": "urgent", "suggest_offer": "offers",
                "suggest_dismiss": "dismissed", "curator_send": "sent"}


class Store:
    """Daily counters and opt-in suggestions in one SQLite file (created on first use)."""

    def __init__(self, path: Path | str, *, retention_days: int = 90,
                 today: Callable[[], dt.date] | None = None) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        # Looked up per call, not bound here, so tests may patch the module's _today.
        self._today = today or (lambda: _today())  # noqa: PLW0108
        self._pending: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()
        if str(path) != ":memory:":  # 0600 whatever the umask (suggested questions inside)
            create_private(self.path)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ------------------------------------------------------------------ writing

    def count(self, kind: str, key: str = "", n: int = 1) -> None:
        """Add to today's counter (in memory until the next flush)."""
        if kind not in KINDS:
            raise ValueError(f"unknown count kind {kind!r}")
        with self._lock:
            self._pending[(self._today().isoformat(), kind, key)] += n

    def flush(self) -> int:
        """Write buffered counts; returns how many counters were written."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
        if not pending:
            return 0
        with self._transaction() as db:
            db.executemany(
                "INSERT INTO daily_counts (day, kind, key, n) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (day, kind, key) DO UPDATE SET n = n + excluded.n",
                [(day, kind, key, n) for (day, kind, key), n in pending.items()],
            )
        return len(pending)

    def add_suggestion(self, text: str) -> None:
        """Keep a question someone chose to send, with its day only."""
        clean = " ".join(text.split())[:MAX_SUGGESTION_CHARS]
        if clean:
            with self._transaction() as db:
                db.execute("INSERT INTO suggested_questions (day, text) VALUES (?, ?)",
                           (self._today().isoformat(), clean))

    def purge(self) -> int:
        """Delete suggested questions older than the retention period."""
        cutoff = (self._today() - dt.timedelta(days=self.retention_days)).isoformat()
        with self._transaction() as db:
            cursor = db.execute("DELETE FROM suggested_questions WHERE day < ?", (cutoff,))
        return cursor.rowcount

    def close(self) -> None:
        self.flush()
        self._db.close()

    # ------------------------------------------------------------------ reading

    def report(self, days: int = 30) -> CuratorReport:
        self.flush()
        until = self._today()
        since = until - dt.timedelta(days=days - 1)
        report = CuratorReport(since, until)
        rows = self._db.execute(
            "SELECT day, kind, key, SUM(n) FROM daily_counts WHERE day >= ? "
            "GROUP BY day, kind, key ORDER BY day", (since.isoformat(),)).fetchall()
        intents: dict[str, IntentRow] = {}
        confusions: Counter[str] = Counter()
        picks: Counter[str] = Counter()
        for day, kind, key, n in rows:
            if kind in ("answer", "feedback_up", "feedback_down"):
                row = intents.setdefault(key, IntentRow(key))
                if kind == "answer":
                    row.answers += n
                elif kind == "feedback_up":
                    row.up += n
                else:
                    row.down += n
            elif kind == "fallback":
                report.fallbacks_per_day[day] = report.fallbacks_per_day.get(day, 0) + n
            elif kind == "urgent":
                report.urgent += n
            elif kind == "suggest_offer":
                report.offers += n
                confusions[key] += n
            elif kind == "suggest_pick":
                picks[key] += n
            elif kind == "suggest_dismiss":
                report.dismissed += n
            elif kind == "curator_send":
                report.sent += n
            elif kind == "missing":
                report.missing[key] = report.missing.get(key, 0) + n
        report.intents = sorted(intents.values(), key=lambda r: (-r.answers, r.intent))
        report.confusions = confusions.most_common(10)
        report.picks = dict(picks.most_common())
        report.suggestions = self._db.execute(
            "SELECT day, text FROM suggested_questions WHERE day >= ? ORDER BY day, id",
            (since.isoformat(),)).fetchall()
        return report


def weekly(store: Store, weeks: int = 12) -> list[WeekRow]:
    """The last ``weeks`` ISO weeks, oldest first, empty weeks included (for charts)."""
    store.flush()
    today = store._today()
    first = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))
    rows = {first + dt.timedelta(weeks=n): WeekRow(first + dt.timedelta(weeks=n))
            for n in range(weeks)}
    confusions: dict[dt.date, Counter[str]] = {}

    def week_of(day: str) -> dt.date:
        date = dt.date.fromisoformat(day)
        return date - dt.timedelta(days=date.weekday())

    for day, kind, key, n in store._db.execute(
            "SELECT day, kind, key, SUM(n) FROM daily_counts WHERE day >= ? "
            "GROUP BY day, kind, key", (first.isoformat(),)):
        row = rows.get(week_of(day))
        if row is None:
            continue
        name = _WEEK_FIELDS.get(kind)
        if name is not None:
            setattr(row, name, getattr(row, name) + n)
        if kind == "suggest_offer":
            confusions.setdefault(row.start, Counter())[key] += n
    for (day,) in store._db.execute(
            "SELECT day FROM suggested_questions WHERE day >= ?", (first.isoformat(),)):
        if (row := rows.get(week_of(day))) is not None:
            row.suggestions += 1
    for start, counter in confusions.items():
        rows[start].confusions = counter.most_common(3)
    return list(rows.values())


def format_weekly(weeks: list[WeekRow]) -> str:
    """Per-week view: is the bot getting better or worse?"""
    lines = [f"{'week of':<12}{'answers':>8}{'helpful':>9}{'fallbacks':>10}{'urgent':>7}"
             f"{'dym':>5}{'none':>5}{'sugg':>5}  top confusion"]
    for w in weeks:
        ratio = "-" if w.helpful_ratio is None else f"{w.helpful_ratio:.0%}"
        top = f"{w.confusions[0][0]} x{w.confusions[0][1]}" if w.confusions else ""
        lines.append(f"{w.start.isoformat():<12}{w.answers:>8}{ratio:>9}{w.fallbacks:>10}"
                     f"{w.urgent:>7}{w.offers:>5}{w.dismissed:>5}{w.suggestions:>5}  {top}")
    return "\n".join(lines)


def format_report(report: CuratorReport) -> str:
    """The curator's report as a terminal table."""
    lines = [f"rls-bot report {report.since} .. {report.until}", ""]
    lines.append(f"{'intent':<32}{'answers':>8}{'👍':>5}{'👎':>5}{'helpful':>9}")
    for row in report.intents:
        ratio = "-" if row.helpful_ratio is None else f"{row.helpful_ratio:.0%}"
        lines.append(f"{row.intent:<32}{row.answers:>8}{row.up:>5}{row.down:>5}{ratio:>9}")
    lines += ["", f"urgent replies: {report.urgent}",
              f"fallbacks: {sum(report.fallbacks_per_day.values())}"]
    lines += [f"  {day}: {n}" for day, n in sorted(report.fallbacks_per_day.items())]
    lines.append(f"did-you-mean offers: {report.offers}")
    lines += [f"  {key}: {n}" for key, n in report.confusions]
    if report.picks:
        lines.append("did-you-mean picks:")
        lines += [f"  {key}: {n}" for key, n in report.picks.items()]
    lines.append(f"did-you-mean dismissed (none of these): {report.dismissed}")
    if report.missing:
        lines.append("👎 what was missing (intent:reason):")
        lines += [f"  {key}: {n}" for key, n in sorted(report.missing.items(),
                                                       key=lambda kv: (-kv[1], kv[0]))]
    lines.append(f"suggested questions: {len(report.suggestions)} "
                 f"({report.sent} sent with one tap)")
    lines += [f"  {day}: {text}" for day, text in report.suggestions]
    return "\n".join(lines)


def report_csv(report: CuratorReport) -> str:
    """One row per figure: section,day,key,value (for a spreadsheet)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "day", "key", "value"])
    for row in report.intents:
        writer.writerow(["answers", "", row.intent, row.answers])
        writer.writerow(["helpful_up", "", row.intent, row.up])
        writer.writerow(["helpful_down", "", row.intent, row.down])
    for day, n in sorted(report.fallbacks_per_day.items()):
        writer.writerow(["fallbacks", day, "", n])
    writer.writerow(["urgent", "", "", report.urgent])
    for key, n in report.confusions:
        writer.writerow(["did_you_mean", "", key, n])
    for key, n in report.picks.items():
        writer.writerow(["did_you_mean_pick", "", key, n])
    writer.writerow(["did_you_mean_dismissed", "", "", report.dismissed])
    for key, n in sorted(report.missing.items()):
        writer.writerow(["missing", "", key, n])
    writer.writerow(["sent_with_one_tap", "", "", report.sent])
    for day, text in report.suggestions:
        writer.writerow(["suggested_question", day, text, 1])
    return out.getvalue()

"""The inbox: each update Telegram handed over, on disk only until it has been answered.

Why it exists: Telegram forgets an update once the bot has fetched it (the Bot API confirms
a batch at the next ``getUpdates``; some servers as soon as they send it), while the answer
may still be waiting behind Telegram's rate limits or an outage. Without a copy on disk a
``kill -9``, an OOM kill or a stop that overruns its timeout loses every update fetched
and not yet answered. So an update is written here *before* it is confirmed and deleted
as soon as its handling ends; at start-up whatever is left is handled first.

What it holds is people's messages, i.e. health questions, so it is kept as small and
short-lived as the guarantee allows: one row per unanswered update, deleted (with SQLite's
``secure_delete``, which overwrites the freed bytes) when it is answered; the write-ahead
log is truncated whenever the inbox is empty; the file is created 0600 whatever the umask.
Besides the rows it keeps the highest update id ever fetched, so that updates Telegram
sends again after a crash (fetched, but never confirmed) are not answered twice, and the
ids (only the ids) of the last ``SEEN_KEPT`` updates, for webhook re-sends that may come
out of order.

Durability: SQLite WAL with ``synchronous=NORMAL``, so a committed update survives the
process dying at any instant; a power cut or kernel crash may lose the last fetch (see the
README, "Delivery guarantees").
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox (
    update_id INTEGER PRIMARY KEY,
    body      TEXT NOT NULL             -- the update as Telegram sent it (JSON)
);
CREATE TABLE IF NOT EXISTS mark (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
    update_id INTEGER PRIMARY KEY     -- ids only: which updates we already have
);
"""
SEEN_KEPT = 10_000
"""Update ids remembered (no content) so a webhook re-send is recognised, in any order."""
FILE_MODE = 0o600
DIR_MODE = 0o700


def create_private(path: Path) -> None:
    """Create ``path`` (and its folder) readable by the owner only, whatever the umask.

    SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file, so making
    the database 0600 before SQLite first opens it covers all three.
    """
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=DIR_MODE, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)


class Inbox:
    """Unanswered updates in one SQLite file; thread-safe, every method short."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        create_private(self.path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), check_same_thread=False,
                                   isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.executescript(SCHEMA)
        self._count = self._db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]

    def __len__(self) -> int:
        return int(self._count)

    @property
    def high_water(self) -> int:
        """The highest update id ever fetched (0 before the first)."""
        row = self._db.execute("SELECT value FROM mark WHERE name = 'high_water'").fetchone()
        return int(row[0]) if row else 0

    def seen(self, update_id: int) -> bool:
        """Whether this update was kept before (answered since, or still waiting): a webhook
        delivers concurrently, so ids need not arrive in order and the high-water mark
        alone cannot tell a re-send from a late first delivery."""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM seen WHERE update_id = ?",
                                   (update_id,)).fetchone()
        return row is not None

    def add(self, updates: Iterable[dict[str, Any]]) -> None:
        """Keep ``updates`` (raw JSON dicts with an ``update_id``) in one transaction."""
        rows = [(int(u["update_id"]), json.dumps(u, ensure_ascii=False)) for u in updates]
        if not rows:
            return
        top = max(update_id for update_id, _ in rows)
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                before = self._db.total_changes
                self._db.executemany(
                    "INSERT OR IGNORE INTO inbox (update_id, body) VALUES (?, ?)", rows)
                added = self._db.total_changes - before
                self._db.execute(
                    "INSERT INTO mark (name, value) VALUES ('high_water', ?) ON CONFLICT "
                    "(name) DO UPDATE SET value = max(value, excluded.value)", (top,))
                self._db.executemany("INSERT OR IGNORE INTO seen (update_id) VALUES (?)",
                                     [(update_id,) for update_id, _ in rows])
                self._db.execute("DELETE FROM seen WHERE update_id <= ?", (top - SEEN_KEPT,))
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._count += added

    def done(self, update_id: int) -> None:
        """Forget an update: it was answered (or given up on). Empty: truncate the log too."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))
            self._count -= cursor.rowcount
            if self._count <= 0:
                self._count = 0
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def pending(self) -> list[dict[str, Any]]:
        """Every update still unanswered, oldest first (to handle at start-up)."""
        with self._lock:
            rows = self._db.execute("SELECT update_id, body FROM inbox ORDER BY update_id")
            found: list[dict[str, Any]] = []
            for update_id, body in rows.fetchall():
                try:
                    found.append(json.loads(body))
                except ValueError:  # cannot happen unless the file was edited: skip it
                    logger.warning("inbox: unreadable update=%s dropped", update_id)
                    self._db.execute("DELETE FROM inbox WHERE update_id = ?", (update_id,))
            return found

    def close(self) -> None:
        with self._lock:
            if self._count == 0:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

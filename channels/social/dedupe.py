"""Webhook message ids already taken, so a platform's re-delivery or an
attacker's replay of a signed call is handled once, even after a restart.

The ids are kept in a small SQLite database of their own (`WEBHOOK_DEDUPE_DB`,
default `var/webhook-messages.db`; not the cases database, which may be
PostgreSQL and belongs to the action server), one row per (channel, key) with
the time it was first seen. Rows older than `WEBHOOK_DEDUPE_HOURS` (default
24) are dropped, checked at most once a minute, so the table stays small.
Platforms re-deliver within minutes and never reuse an id (Messenger's `mid`,
Twilio's `MessageSid`, Telegram's `update_id`), so the only replay this lets
through is one of a signed call more than a day old.

One Rasa process is assumed (as for the in-memory lock store); several
processes on one machine may share the file (SQLite locks it).
"""
from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Callable

PRUNE_EVERY_SECONDS = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_messages (
    channel TEXT NOT NULL,
    message_key TEXT NOT NULL,
    seen_at REAL NOT NULL,
    PRIMARY KEY (channel, message_key)
);
CREATE INDEX IF NOT EXISTS webhook_messages_seen_at ON webhook_messages (seen_at);
"""


class SeenMessages:
    """A persistent, time-bounded set of (channel, message key)."""

    def __init__(self, path: Path, ttl_seconds: float, clock: Callable[[], float] = time.time) -> None:
        self._path = Path(path)
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._pruned_at = float("-inf")

    def _connect(self) -> sqlite3.Connection:
        """Open (and create) the database on first use: a channel that is off never makes the file."""
        if self._connection is None:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(self._path, os.O_CREAT | os.O_WRONLY, 0o600))
            connection = sqlite3.connect(self._path, timeout=5, isolation_level=None, check_same_thread=False)
            connection.executescript(_SCHEMA)
            self._connection = connection
        return self._connection

    def add_if_new(self, channel: str, key: str) -> bool:
        """Remember (channel, key); False if it was seen within the time limit (a re-delivery)."""
        now = self._clock()
        with self._lock:
            connection = self._connect()
            if now - self._pruned_at >= PRUNE_EVERY_SECONDS:
                connection.execute("DELETE FROM webhook_messages WHERE seen_at < ?", (now - self._ttl,))
                self._pruned_at = now
            row = connection.execute("SELECT seen_at FROM webhook_messages WHERE channel = ? AND message_key = ?",
                                     (channel, key)).fetchone()
            if row is not None and now - row[0] < self._ttl:
                return False
            connection.execute("INSERT OR REPLACE INTO webhook_messages (channel, message_key, seen_at) "
                               "VALUES (?, ?, ?)", (channel, key, now))
            return True

    def __len__(self) -> int:
        with self._lock:
            return self._connect().execute("SELECT COUNT(*) FROM webhook_messages").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

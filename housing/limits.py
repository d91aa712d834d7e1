"""Rate limits that a new conversation id or a restart does not reset.

What is limited, and the defaults (`BUDGETS`):

* failed case checks (status or escalation: a reference with a postcode,
  email or phone that does not match): at most 5 per reference and 5 per
  verification detail in 24 hours, whichever conversation they come from;
* case checks of any outcome: at most 10 per conversation in an hour;
* callback requests and hand-overs to a person: at most 3 per conversation
  in an hour, and at most 6 per client in an hour (`HANDOFFS_PER_CLIENT`;
  the client is the keyed hash of its address that the website chat puts in
  each message, `housing.client_key`, or the key a trusted REST relay
  passes), so opening new chat sessions does not reset it.

Each counted attempt is one row of `rate_limit_events` in the cases database
(`CASES_DATABASE_URL`), so the counts survive a restart and are shared by
every process. Keys are stored as SHA-256 digests, never as the postcode,
phone number or reference itself. `over_budget()` is the pure rule;
`LimitStore` counts and records.
"""
from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from housing.cases.schema import utc_text
from housing.cases.verify import normalise_phone

__all__ = ["Budget", "BUDGETS", "VERIFY_FAILURES_PER_REFERENCE", "VERIFY_FAILURES_PER_DETAIL",
           "CHECKS_PER_CONVERSATION", "HANDOFFS_PER_CONVERSATION", "HANDOFFS_PER_CLIENT", "over_budget", "detail_key", "LimitStore",
           "rate_limit_events"]


@dataclass(frozen=True)
class Budget:
    """At most `limit` events per key within `window`."""

    name: str
    limit: int
    window: timedelta


VERIFY_FAILURES_PER_REFERENCE = Budget("verify_failures_per_reference", 5, timedelta(hours=24))
VERIFY_FAILURES_PER_DETAIL = Budget("verify_failures_per_detail", 5, timedelta(hours=24))
CHECKS_PER_CONVERSATION = Budget("checks_per_conversation", 10, timedelta(hours=1))
HANDOFFS_PER_CONVERSATION = Budget("handoffs_per_conversation", 3, timedelta(hours=1))
HANDOFFS_PER_CLIENT = Budget("handoffs_per_client", 6, timedelta(hours=1))
BUDGETS = (VERIFY_FAILURES_PER_REFERENCE, VERIFY_FAILURES_PER_DETAIL, CHECKS_PER_CONVERSATION,
           HANDOFFS_PER_CONVERSATION, HANDOFFS_PER_CLIENT)
LONGEST_WINDOW = max(budget.window for budget in BUDGETS)

metadata = sa.MetaData()
rate_limit_events = sa.Table(
    "rate_limit_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("budget", sa.String(64), nullable=False),
    sa.Column("key_digest", sa.String(64), nullable=False),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Index("ix_rate_limit_events_lookup", "budget", "key_digest", "at"),
)


def over_budget(counts: Iterable[tuple[Budget, int]]) -> Optional[Budget]:
    """The first budget already used up (count of events in its window at or
    over its limit), or None when another attempt is allowed."""
    for budget, count in counts:
        if count >= budget.limit:
            return budget
    return None


def detail_key(detail: str) -> str:
    """A verification detail as the case check compares it: a postcode
    without spaces in capitals, an email in lower case, a phone number's
    digits with +44 as 0 ("LS1 4AP" and "ls14ap" are one key)."""
    text = (detail or "").strip()
    if "@" in text:
        return text.lower()
    digits = normalise_phone(text)
    if len(digits) >= 6 and not re.search(r"[A-Za-z]", text):
        return digits
    return re.sub(r"\s", "", text).upper()


def _digest(budget: Budget, key: str) -> str:
    return hashlib.sha256(f"{budget.name}\x1f{key}".encode("utf-8", "replace")).hexdigest()


class LimitStore:
    """Counts and records rate-limited events in the cases database.

    The table is created on first use. `clock` returns the current aware
    time (tests pass their own)."""

    def __init__(self, database_url: str, *, clock: Optional[Callable[[], datetime]] = None) -> None:
        self.database_url = database_url
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._engine_instance: Optional[Engine] = None
        self._lock = threading.Lock()
        self._ready = False

    @property
    def _engine(self) -> Engine:
        with self._lock:
            if self._engine_instance is None:
                url = sa.engine.make_url(self.database_url)
                if url.get_backend_name() == "sqlite":
                    if url.database not in (None, "", ":memory:"):
                        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                    self._engine_instance = sa.create_engine(url, future=True, connect_args={"timeout": 30})
                else:
                    self._engine_instance = sa.create_engine(url, future=True, pool_pre_ping=True)
            return self._engine_instance

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        engine = self._engine
        with self._lock:
            if not self._ready:
                with engine.begin() as conn:
                    if engine.dialect.name == "postgresql":
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7340031)"))
                    metadata.create_all(conn, checkfirst=True)
                self._ready = True

    def count(self, budget: Budget, key: str) -> int:
        """Events recorded for `key` under `budget` within its window."""
        self._ensure_ready()
        since = utc_text(self._clock() - budget.window)
        query = (sa.select(sa.func.count()).select_from(rate_limit_events)
                 .where(rate_limit_events.c.budget == budget.name,
                        rate_limit_events.c.key_digest == _digest(budget, key),
                        rate_limit_events.c.at > since))
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def exceeded(self, checks: Sequence[tuple[Budget, str]]) -> Optional[Budget]:
        """The first of these (budget, key) pairs whose budget is used up, or None."""
        return over_budget((budget, self.count(budget, key)) for budget, key in checks)

    def record(self, checks: Sequence[tuple[Budget, str]]) -> None:
        """Count one event against each (budget, key); events older than the
        longest window are removed at the same time."""
        self._ensure_ready()
        moment = self._clock()
        rows: list[dict[str, Any]] = [{"budget": budget.name, "key_digest": _digest(budget, key),
                                       "at": utc_text(moment)} for budget, key in checks]
        with self._engine.begin() as conn:
            conn.execute(rate_limit_events.delete().where(
                rate_limit_events.c.at <= utc_text(moment - LONGEST_WINDOW)))
            if rows:
                conn.execute(rate_limit_events.insert(), rows)

    def dispose(self) -> None:
        """Close pooled connections (tests and shutdown)."""
        if self._engine_instance is not None:
            self._engine_instance.dispose()

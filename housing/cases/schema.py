"""The case tables and the conversions between rows and `Case` records.

`metadata.create_all` makes missing tables; `upgrade()` adds the columns a
newer release added to an existing `cases` table (nullable, no default, so
`ALTER TABLE ... ADD COLUMN` works on SQLite and PostgreSQL alike).

Times are stored as fixed-format UTC ISO strings and dates as ISO dates, so
they sort and compare identically on SQLite and PostgreSQL. Untrusted text
is cleaned (no NULs, no lone surrogates) and capped by `clean_text`.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any, Optional

import sqlalchemy as sa

from housing.cases.models import Case, HistoryEntry, Representative, Resident

__all__ = [
    "TEXT_LIMITS", "IDEMPOTENCY_KEY_MAX", "metadata", "cases", "case_history",
    "reference_counters", "clean_text", "utc_text", "parse_time", "date_text",
    "parse_date", "row_to_case", "missing_columns", "upgrade", "ADDED_COLUMNS",
]

# Untrusted text is cut to these lengths (in characters) before it is stored.
TEXT_LIMITS: dict[str, int] = {
    "description": 10_000,
    "outcome_sought": 10_000,
    "vulnerability": 5_000,
    "possible_exclusion": 5_000,
    "outcome": 10_000,
    "history_detail": 100_000,  # a hand-over transcript can be long
    "sync_error": 2_000,
    "default": 500,
    "short": 100,
}
IDEMPOTENCY_KEY_MAX = 200
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f+00:00"

metadata = sa.MetaData()

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("reference", sa.String(32), nullable=False, unique=True),
    sa.Column("idempotency_key", sa.String(IDEMPOTENCY_KEY_MAX), nullable=False, unique=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("category", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("outcome_sought", sa.Text),
    sa.Column("resident_name", sa.Text, nullable=False),
    sa.Column("resident_email", sa.Text),
    sa.Column("resident_phone", sa.Text),
    sa.Column("resident_address", sa.Text),
    sa.Column("resident_postcode", sa.Text),
    sa.Column("resident_relationship", sa.Text),
    sa.Column("has_representative", sa.Boolean, nullable=False, default=False),
    sa.Column("representative_name", sa.Text),
    sa.Column("representative_relationship", sa.Text),
    sa.Column("representative_consent_status", sa.String(16)),
    sa.Column("reasonable_adjustments", sa.Text, nullable=False),  # JSON list of strings
    sa.Column("vulnerability", sa.Text),
    sa.Column("preferred_contact_method", sa.Text),
    sa.Column("preferred_contact_time", sa.Text),
    sa.Column("channel", sa.Text),
    sa.Column("conversation_id", sa.Text),
    sa.Column("received_at", sa.String(40), nullable=False),
    sa.Column("stage", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("acknowledged_at", sa.String(40)),
    sa.Column("acknowledgement_due", sa.String(10)),
    sa.Column("response_due", sa.String(10)),
    sa.Column("escalated_at", sa.String(40)),
    sa.Column("responded_at", sa.String(40)),
    sa.Column("closed_at", sa.String(40)),
    sa.Column("outcome", sa.Text),
    sa.Column("extension_working_days", sa.Integer, nullable=False, default=0),
    sa.Column("handed_to_staff_at", sa.String(40)),
    sa.Column("possible_exclusion", sa.Text),
    sa.Column("external_id", sa.Text),
    sa.Column("sync_status", sa.String(16), nullable=False),
    sa.Column("sync_error", sa.Text),
    sa.Column("sync_attempts", sa.Integer, nullable=False, default=0),
    # The sync lease: who is sending the case to the case system, and until when.
    sa.Column("claimed_by", sa.Text),
    sa.Column("claimed_until", sa.String(40)),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Index("ix_cases_status", "status"),
    sa.Index("ix_cases_received_at", "received_at"),
    sa.Index("ix_cases_sync_status", "sync_status"),
)

case_history = sa.Table(
    "case_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id"), nullable=False, index=True),
    sa.Column("at", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
)

reference_counters = sa.Table(
    "reference_counters",
    metadata,
    sa.Column("kind", sa.String(32), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_number", sa.Integer, nullable=False),
)


# Columns added after the first release; `upgrade()` adds them to old databases.
ADDED_COLUMNS: tuple[str, ...] = ("claimed_by", "claimed_until")


def missing_columns(conn: sa.engine.Connection) -> list[str]:
    """What `create_all` + `upgrade` would add: missing tables and added columns."""
    inspector = sa.inspect(conn)
    missing = [name for name in metadata.tables if not inspector.has_table(name)]
    if "cases" not in missing:
        present = {column["name"] for column in inspector.get_columns("cases")}
        missing += [f"cases.{name}" for name in ADDED_COLUMNS if name not in present]
    return missing


def upgrade(conn: sa.engine.Connection) -> None:
    """Add the columns in `ADDED_COLUMNS` that an existing `cases` table lacks."""
    present = {column["name"] for column in sa.inspect(conn).get_columns("cases")}
    for name in ADDED_COLUMNS:
        if name not in present:
            column_type = cases.c[name].type.compile(dialect=conn.dialect)
            conn.execute(sa.text(f"ALTER TABLE cases ADD COLUMN {name} {column_type}"))


def clean_text(value: Any, limit_name: str = "default") -> Optional[str]:
    """Untrusted text made safe to store: str, no NULs or lone surrogates, capped."""
    if value is None:
        return None
    text = str(value).replace("\x00", "")
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text[: TEXT_LIMITS.get(limit_name, TEXT_LIMITS["default"])]


def utc_text(moment: Optional[datetime]) -> Optional[str]:
    """An aware datetime as a fixed-format UTC string (naive datetimes are refused)."""
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware: {moment!r}")
    return moment.astimezone(timezone.utc).strftime(_TIME_FORMAT)


def parse_time(text: Optional[str]) -> Optional[datetime]:
    return None if text is None else datetime.fromisoformat(text)


def date_text(day: Optional[date]) -> Optional[str]:
    if day is None:
        return None
    if isinstance(day, datetime):
        raise ValueError("a due date must be a date, not a datetime")
    return day.isoformat()


def parse_date(text: Optional[str]) -> Optional[date]:
    return None if text is None else date.fromisoformat(text)


def row_to_case(row: Any, history: list[HistoryEntry]) -> Case:
    """A `cases` row and its history entries as a `Case`."""
    representative = None
    if row.has_representative:
        representative = Representative(
            name=row.representative_name or "",
            relationship=row.representative_relationship,
            consent_status=row.representative_consent_status,
        )
    return Case(
        reference=row.reference,
        kind=row.kind,
        category=row.category,
        description=row.description,
        outcome_sought=row.outcome_sought,
        resident=Resident(
            name=row.resident_name, email=row.resident_email, phone=row.resident_phone,
            address=row.resident_address, postcode=row.resident_postcode,
            relationship=row.resident_relationship,
        ),
        representative=representative,
        reasonable_adjustments=tuple(json.loads(row.reasonable_adjustments or "[]")),
        vulnerability=row.vulnerability,
        preferred_contact_method=row.preferred_contact_method,
        preferred_contact_time=row.preferred_contact_time,
        channel=row.channel,
        conversation_id=row.conversation_id,
        received_at=parse_time(row.received_at),
        stage=row.stage,
        status=row.status,
        acknowledged_at=parse_time(row.acknowledged_at),
        acknowledgement_due=parse_date(row.acknowledgement_due),
        response_due=parse_date(row.response_due),
        possible_exclusion=row.possible_exclusion,
        idempotency_key=row.idempotency_key,
        history=history,
        external_id=row.external_id,
        sync_status=row.sync_status,
        sync_error=row.sync_error,
        sync_attempts=row.sync_attempts,
        escalated_at=parse_time(row.escalated_at),
        responded_at=parse_time(row.responded_at),
        closed_at=parse_time(row.closed_at),
        outcome=row.outcome,
        extension_working_days=row.extension_working_days,
        handed_to_staff_at=parse_time(row.handed_to_staff_at),
        created_at=parse_time(row.created_at),
        updated_at=parse_time(row.updated_at),
    )

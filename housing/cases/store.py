"""The case store: complaints and service requests in SQLite or PostgreSQL.

SQLAlchemy Core only. The database (and for SQLite its parent directory) and
the tables are created on first use, never at import or construction.

* References are `CMP-YYYY-NNNNNN` / `SR-YYYY-NNNNNN`: YYYY is the year the
  case was received in the configured time zone (Europe/London), NNNNNN a
  sequence per kind per year taken from `reference_counters` inside the same
  transaction as the insert, so concurrent writers never share a number.
* `create()` is idempotent on `NewCase.idempotency_key`.
* `create_or_keep()` keeps a case in the spool (`housing.cases.spool`) when
  the database cannot be written, and stores every kept case, exactly once,
  on the next successful creation and on `drain_spool()` (the background
  retry calls it).
* Sending to the case system is claimed per case with a lease
  (`claim_for_sync`: a conditional UPDATE of `claimed_by`/`claimed_until`), so
  one process at a time sends a case; a synced case is never sent again and
  its external id is never overwritten.
* `case_history` is append-only: nothing here updates or deletes its rows.
* Every status change writes its history entry in the same transaction.
* Tables and row conversions: `housing.cases.schema`.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from hashlib import sha256
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from housing.cases.models import (
    CONSENT_STATUSES,
    HISTORY_KINDS,
    KINDS,
    REFERENCE_PREFIXES,
    STATUSES,
    Case,
    HistoryEntry,
    NewCase,
    Resident,
)
from housing.cases.schema import (
    TEXT_LIMITS,
    case_history,
    cases,
    clean_text,
    date_text,
    metadata,
    missing_columns,
    parse_time,
    reference_counters,
    row_to_case,
    upgrade,
    utc_text,
)
from housing.cases.spool import CaseSpool, KeptCase
from housing.cases.verify import details_match

__all__ = [
    "CaseStore", "CaseNotFoundError", "UPDATABLE_FIELDS", "normalise_reference", "ConversationReference",
    "StoreUnavailable",
]

log = logging.getLogger(__name__)

# What fails when the database cannot be written: sqlite3/psycopg2 errors
# (read-only, disk full, I/O error, unreachable) and the folder not creatable.
StoreUnavailable = (DBAPIError, OSError)

# Fields `update_case` may change, by how they are stored.
_TIME_FIELDS = {"acknowledged_at", "escalated_at", "responded_at", "closed_at", "handed_to_staff_at"}
_DATE_FIELDS = {"acknowledgement_due", "response_due"}
_TEXT_FIELDS = {
    "category", "outcome_sought", "vulnerability", "preferred_contact_method",
    "preferred_contact_time", "possible_exclusion", "outcome", "representative_name",
    "representative_relationship", "representative_consent_status", "status",
    # contact details a resident gives after the case was opened (a callback request)
    "resident_name", "resident_email", "resident_phone", "resident_postcode", "resident_address",
}
_INT_FIELDS = {"stage", "extension_working_days"}
UPDATABLE_FIELDS = frozenset(
    _TIME_FIELDS | _DATE_FIELDS | _TEXT_FIELDS | _INT_FIELDS | {"reasonable_adjustments"}
)


class CaseNotFoundError(LookupError):
    """No case has this reference."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"no case with reference {reference!r}")
        self.reference = reference


def normalise_reference(reference: str) -> str:
    """`" cmp-2024-000001 "` -> `"CMP-2024-000001"`."""
    return (reference or "").strip().upper()


@dataclass(frozen=True)
class ConversationReference:
    """A case logged in a conversation: `reference` is None while it is kept
    in the spool ("kept, not yet numbered")."""

    reference: Optional[str]
    kind: str
    received_at: datetime
    kept: bool = False

    @property
    def numbered(self) -> bool:
        return self.reference is not None


def _idempotency_key(key: Optional[str]) -> str:
    if not key:
        return "auto:" + uuid.uuid4().hex
    key = clean_text(key, "history_detail") or ""
    if len(key) > 128:
        return "sha256:" + sha256(key.encode("utf-8")).hexdigest()
    return key


# ---------------------------------------------------------------- the store

class CaseStore:
    """Complaints and service requests kept in one SQL database.

    `database_url` defaults to the `database_url` setting. `sync_enabled`
    (default: whether a case system URL is configured) decides whether new
    cases start as "pending" (to be sent) or "local". `clock` returns the
    current aware time (tests pass a fixed one). `spool_dir` is where cases
    are kept while the database cannot be written (default: the
    `case_spool_dir` setting when the database is the configured one too;
    otherwise no folder, so cases are kept in memory only).
    """

    def __init__(
        self,
        database_url: Optional[str] = None,
        *,
        sync_enabled: Optional[bool] = None,
        clock: Optional[Callable[[], datetime]] = None,
        timezone_name: Optional[str] = None,
        spool_dir: Optional[Path] = None,
    ) -> None:
        if database_url is None or sync_enabled is None or timezone_name is None:
            from housing.settings import get_settings

            settings = get_settings()
            if database_url is None and spool_dir is None:
                spool_dir = settings.case_spool_dir
            database_url = database_url or settings.database_url
            if sync_enabled is None:
                sync_enabled = settings.case_system_url is not None
            timezone_name = timezone_name or settings.timezone
        self.database_url = database_url
        self.spool = CaseSpool(spool_dir)
        self._draining = threading.Lock()
        self.sync_enabled = bool(sync_enabled)
        self._zone = ZoneInfo(timezone_name)
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._engine_instance: Optional[Engine] = None
        self._ready = False
        self._ready_lock = threading.Lock()

    # ------------------------------------------------------------ plumbing

    def _now(self) -> datetime:
        return self._clock()

    @property
    def _engine(self) -> Engine:
        with self._ready_lock:
            if self._engine_instance is None:
                self._engine_instance = self._make_engine()
            return self._engine_instance

    def _make_engine(self) -> Engine:
        url = sa.engine.make_url(self.database_url)
        if url.get_backend_name() != "sqlite":
            return sa.create_engine(url, pool_pre_ping=True, future=True)
        engine = sa.create_engine(
            url, future=True, connect_args={"timeout": 30, "check_same_thread": False}
        )

        # pysqlite's own transaction handling is off; we emit BEGIN ourselves so
        # that writers take the write lock at once (BEGIN IMMEDIATE) and queue
        # on the busy timeout instead of failing with "database is locked".
        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA foreign_keys = ON")

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            write = conn.get_execution_options().get("case_store_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    def _ensure_ready(self) -> None:
        if self._ready:
            return
        engine = self._engine
        with self._ready_lock:
            if self._ready:
                return
            url = engine.url
            if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
                Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            # Read first, so a database that cannot be written can still be read.
            with engine.begin() as conn:
                complete = not missing_columns(conn)
            if not complete:
                with engine.execution_options(case_store_write=True).begin() as conn:
                    if engine.dialect.name == "postgresql":
                        # Serialise table creation between processes.
                        conn.execute(sa.text("SELECT pg_advisory_xact_lock(7340021)"))
                    metadata.create_all(conn, checkfirst=True)
                    upgrade(conn)
            self._ready = True

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        self._ensure_ready()
        with self._engine.execution_options(case_store_write=True).begin() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        self._ensure_ready()
        with self._engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        """Close pooled connections (tests and shutdown)."""
        if self._engine_instance is not None:
            self._engine_instance.dispose()

    # ------------------------------------------------------------ creating

    def create(self, new: NewCase, notes: Sequence[str] = ()) -> Case:
        """Log a new case and return it; the same idempotency key returns the same case.

        `notes` are history notes written in the same transaction (so a case
        stored twice from the spool never gets them twice).
        """
        values = self._insert_values(new)
        try:
            with self._write() as conn:
                existing = self._row_by_key(conn, values["idempotency_key"])
                if existing is not None:
                    return self._load(conn, existing)
                values["reference"] = self._next_reference(conn, new.kind, new.received_at)
                case_id = conn.execute(cases.insert().values(**values)).inserted_primary_key[0]
                self._append(conn, case_id, "logged", f"{new.kind} logged at stage {new.stage}", "assistant")
                if new.acknowledged_at is not None:
                    self._append(conn, case_id, "acknowledged", "acknowledged when logged", "assistant")
                for note in notes:
                    self._append(conn, case_id, "note", note, "assistant")
                return self._load(conn, self._row_by_id(conn, case_id))
        except IntegrityError:
            # A concurrent writer inserted the same idempotency key first.
            with self._read() as conn:
                existing = self._row_by_key(conn, values["idempotency_key"])
                if existing is None:
                    raise
                return self._load(conn, existing)

    def create_or_keep(self, new: NewCase, notes: Sequence[str] = ()) -> Case | KeptCase:
        """`create()`, or, when the database cannot be written, keep the case in
        the spool and return it as a `KeptCase` (stored later, exactly once).

        After a successful creation, cases kept earlier are stored too.
        """
        if not new.idempotency_key:
            new = dataclasses.replace(new, idempotency_key="auto:" + uuid.uuid4().hex)
        self._insert_values(new)  # a bad case is refused now, never kept
        self.drain_spool()  # cases kept earlier are stored first, so they keep their order
        try:
            case = self.create(new, notes)
        except StoreUnavailable as exc:
            log.error("case store cannot be written (%s): keeping the %s in the spool", exc, new.kind)
            return self.spool.keep(new, tuple(notes))
        self.spool.remove(new.idempotency_key or "")  # kept by an earlier try of the same submission
        return case

    def drain_spool(self) -> list[Case]:
        """Store every kept case (oldest first) and forget it; returns those stored.

        Stops at the first case the database still refuses (they stay kept).
        Safe beside other processes draining the same spool: creation is
        idempotent on the case's key.
        """
        if self.spool.is_empty():
            return []
        stored: list[Case] = []
        with self._draining:
            for kept in self.spool.kept():
                try:
                    case = self.create(kept.new, kept.notes)
                except StoreUnavailable as exc:
                    log.warning("case store still cannot be written (%s): %d case(s) stay kept",
                                exc, len(self.spool.kept()))
                    break
                self.spool.remove(kept.key)
                log.info("kept case stored as %s", case.reference)
                stored.append(case)
        return stored

    def references_for_conversation(self, conversation_id: str) -> list[ConversationReference]:
        """The cases logged in this conversation, oldest first, including those
        still kept in the spool (reference None: "kept, not yet numbered").

        Cases already stored are read from the database (a read works while
        writes fail); raises the database's error if it cannot even be read.
        """
        query = (
            sa.select(cases.c.reference, cases.c.kind, cases.c.received_at, cases.c.idempotency_key)
            .where(cases.c.conversation_id == conversation_id)
            .order_by(cases.c.id)
        )
        with self._read() as conn:
            rows = conn.execute(query).all()
        found = [ConversationReference(row.reference, row.kind, parse_time(row.received_at)) for row in rows]
        stored_keys = {row.idempotency_key for row in rows}
        for kept in self.spool.kept():
            if kept.new.conversation_id == conversation_id and _idempotency_key(kept.key) not in stored_keys:
                found.append(ConversationReference(None, kept.new.kind, kept.new.received_at, kept=True))
        return found

    def _insert_values(self, new: NewCase) -> dict[str, Any]:
        if new.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {new.kind!r}")
        if new.stage not in (1, 2):
            raise ValueError("a case has stage 1 or stage 2, never more")
        resident = new.resident or Resident()
        rep = new.representative
        if rep is not None and rep.consent_status not in (None, *CONSENT_STATUSES):
            raise ValueError(f"consent_status must be one of {CONSENT_STATUSES} or None")
        now = utc_text(self._now())
        return {
            "idempotency_key": _idempotency_key(new.idempotency_key),
            "kind": new.kind,
            "category": clean_text(new.category) or "",
            "description": clean_text(new.description, "description") or "",
            "outcome_sought": clean_text(new.outcome_sought, "outcome_sought"),
            "resident_name": clean_text(resident.name) or "",
            "resident_email": clean_text(resident.email),
            "resident_phone": clean_text(resident.phone, "short"),
            "resident_address": clean_text(resident.address),
            "resident_postcode": clean_text(resident.postcode, "short"),
            "resident_relationship": clean_text(resident.relationship, "short"),
            "has_representative": rep is not None,
            "representative_name": clean_text(rep.name) if rep else None,
            "representative_relationship": clean_text(rep.relationship, "short") if rep else None,
            "representative_consent_status": rep.consent_status if rep else None,
            "reasonable_adjustments": self._adjustments_json(new.reasonable_adjustments),
            "vulnerability": clean_text(new.vulnerability, "vulnerability"),
            "preferred_contact_method": clean_text(new.preferred_contact_method),
            "preferred_contact_time": clean_text(new.preferred_contact_time),
            "channel": clean_text(new.channel, "short"),
            "conversation_id": clean_text(new.conversation_id),
            "received_at": utc_text(new.received_at),
            "stage": new.stage,
            "status": "acknowledged" if new.acknowledged_at else "open",
            "acknowledged_at": utc_text(new.acknowledged_at),
            "acknowledgement_due": date_text(new.acknowledgement_due),
            "response_due": date_text(new.response_due),
            "possible_exclusion": clean_text(new.possible_exclusion, "possible_exclusion"),
            "extension_working_days": 0,
            "sync_status": "pending" if self.sync_enabled else "local",
            "sync_attempts": 0,
            "created_at": now,
            "updated_at": now,
        }

    @staticmethod
    def _adjustments_json(items: Optional[Sequence[str]]) -> str:
        if isinstance(items, str):
            items = [items]
        cleaned = [clean_text(item) for item in (items or ())][:50]
        return json.dumps([item for item in cleaned if item], ensure_ascii=False)

    def _next_reference(self, conn: Connection, kind: str, received_at: datetime) -> str:
        year = received_at.astimezone(self._zone).year
        insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
        conn.execute(
            insert(reference_counters)
            .values(kind=kind, year=year, last_number=0)
            .on_conflict_do_nothing(index_elements=["kind", "year"])
        )
        where = (reference_counters.c.kind == kind) & (reference_counters.c.year == year)
        # The UPDATE takes the row lock (PostgreSQL) / the database write lock
        # (SQLite, already held by BEGIN IMMEDIATE) until this transaction ends.
        conn.execute(
            reference_counters.update().where(where)
            .values(last_number=reference_counters.c.last_number + 1)
        )
        number = conn.execute(sa.select(reference_counters.c.last_number).where(where)).scalar_one()
        return f"{REFERENCE_PREFIXES[kind]}-{year:04d}-{number:06d}"

    # ------------------------------------------------------------ reading

    def get(self, reference: str) -> Optional[Case]:
        """The case with this reference (any case, spaces ignored), or None."""
        with self._read() as conn:
            row = self._row_by_reference(conn, reference)
            return None if row is None else self._load(conn, row)

    def find_verified(self, reference: str, detail: str) -> Optional[Case]:
        """The case only if `detail` matches its postcode, email or phone; else None.

        Postcodes ignore case and spaces, emails ignore case, phones ignore
        spaces and treat +44 / 0044 like a leading 0. An unknown reference
        and a wrong detail look the same to the caller.
        """
        with self._read() as conn:
            row = self._row_by_reference(conn, reference)
            if row is None or not details_match(
                detail, postcode=row.resident_postcode, email=row.resident_email, phone=row.resident_phone
            ):
                return None
            return self._load(conn, row)

    def list(
        self, status: Optional[str] = None, kind: Optional[str] = None, limit: int = 100
    ) -> list[Case]:
        """Cases, newest received first, optionally filtered by status and kind."""
        query = sa.select(cases)
        if status is not None:
            query = query.where(cases.c.status == status)
        if kind is not None:
            query = query.where(cases.c.kind == kind)
        query = query.order_by(cases.c.received_at.desc(), cases.c.id.desc()).limit(max(0, int(limit)))
        with self._read() as conn:
            rows = conn.execute(query).all()
            return self._load_many(conn, rows)

    def history(self, reference: str) -> list[HistoryEntry]:
        """The case's history, oldest first."""
        case = self.get(reference)
        if case is None:
            raise CaseNotFoundError(reference)
        return case.history

    # ------------------------------------------------------------ history and updates

    def add_history(self, reference: str, kind: str, detail: str, actor: str = "assistant") -> HistoryEntry:
        """Append one history entry (there is no way to change or remove one)."""
        with self._write() as conn:
            row = self._locked_row(conn, reference)
            entry = self._append(conn, row.id, kind, detail, actor)
            conn.execute(cases.update().where(cases.c.id == row.id).values(updated_at=utc_text(self._now())))
            return entry

    def update_case(
        self,
        reference: str,
        /,
        *,
        history_kind: str = "note",
        history_detail: Optional[str] = None,
        actor: str = "assistant",
        **fields: Any,
    ) -> Case:
        """Change the named fields and append a history entry, in one transaction.

        Allowed fields: see `UPDATABLE_FIELDS` (status, stage, dates, times,
        representative details and consent, adjustments, ...).
        """
        unknown = set(fields) - UPDATABLE_FIELDS
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        values = {name: self._db_value(name, value) for name, value in fields.items()}
        if any(name.startswith("representative_") and value is not None for name, value in values.items()):
            values["has_representative"] = True
        if history_detail is None:
            history_detail = ", ".join(f"{name} = {fields[name]}" for name in sorted(fields)) or "updated"
        return self._apply(reference, history_kind, history_detail, actor, lambda row: values)

    def _apply(
        self,
        reference: str,
        history_kind: str,
        detail: str,
        actor: str,
        values_for: Callable[[Any], dict[str, Any]],
    ) -> Case:
        """Lock the case row, update it with `values_for(row)` and log, in one transaction."""
        with self._write() as conn:
            row = self._locked_row(conn, reference)
            values = dict(values_for(row))
            values["updated_at"] = utc_text(self._now())
            conn.execute(cases.update().where(cases.c.id == row.id).values(**values))
            self._append(conn, row.id, history_kind, detail, actor)
            return self._load(conn, self._row_by_id(conn, row.id))

    def _db_value(self, name: str, value: Any) -> Any:
        if name in _TIME_FIELDS:
            return utc_text(value)
        if name in _DATE_FIELDS:
            return date_text(value)
        if name in _INT_FIELDS:
            number = int(value)
            if name == "stage" and number not in (1, 2):
                raise ValueError("a case has stage 1 or stage 2, never more")
            return number
        if name == "status" and value not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}")
        if name == "representative_consent_status" and value not in (None, *CONSENT_STATUSES):
            raise ValueError(f"consent_status must be one of {CONSENT_STATUSES} or None")
        if name == "reasonable_adjustments":
            return self._adjustments_json(value)
        limit = name if name in TEXT_LIMITS else "default"
        return clean_text(value, limit)

    def acknowledge(self, reference: str, at: datetime, response_due: Optional[date] = None,
                    actor: str = "assistant") -> Case:
        """Record the acknowledgement (and the response date counted from it, if given)."""
        fields: dict[str, Any] = {"status": "acknowledged", "acknowledged_at": at}
        if response_due is not None:
            fields["response_due"] = response_due
        detail = "acknowledged" + (f"; response due {response_due.isoformat()}" if response_due else "")
        return self.update_case(reference, history_kind="acknowledged", history_detail=detail, actor=actor,
                                **fields)

    def escalate(self, reference: str, at: datetime, ack_due: Optional[date], response_due: Optional[date]) -> Case:
        """Move a stage 1 complaint to stage 2 (there is no stage 3)."""
        values = {
            "stage": 2, "status": "open", "escalated_at": utc_text(at), "acknowledged_at": None,
            "responded_at": None, "closed_at": None, "outcome": None, "extension_working_days": 0,
            "acknowledgement_due": date_text(ack_due), "response_due": date_text(response_due),
        }

        def values_for(row: Any) -> dict[str, Any]:
            if row.kind != "complaint":
                raise ValueError("only complaints are escalated; a service request becomes a new complaint")
            if row.stage >= 2:
                raise ValueError(f"{row.reference} is already at stage 2, the final stage")
            return values

        return self._apply(reference, "escalated", "escalated to stage 2", "assistant", values_for)

    def extend(self, reference: str, new_due: date, reason: str, working_days: int,
               actor: str = "assistant") -> Case:
        """Extend the current stage's response date; `reason` goes into the history."""
        if working_days <= 0:
            raise ValueError("an extension is a positive number of working days")
        detail = f"extended by {working_days} working days to {new_due.isoformat()}: {reason}"
        return self._apply(
            reference, "extended", detail, actor,
            lambda row: {
                "response_due": date_text(new_due),
                "extension_working_days": row.extension_working_days + working_days,
            },
        )

    def record_response(self, reference: str, at: datetime, actor: str = "assistant",
                        detail: str = "stage response sent") -> Case:
        """Record that the current stage's response was sent."""
        return self.update_case(
            reference, history_kind="responded", history_detail=detail, actor=actor,
            status="responded", responded_at=at,
        )

    def close(self, reference: str, outcome: str, actor: str = "assistant") -> Case:
        """Close the case with its outcome."""
        return self.update_case(
            reference, history_kind="closed", history_detail=outcome, actor=actor,
            status="closed", closed_at=self._now(), outcome=outcome,
        )

    def mark_handed_to_staff(self, reference: str, transcript: str) -> Case:
        """Record a hand-over to a person; the transcript is kept in the history."""
        return self.update_case(
            reference, history_kind="handed_to_staff", history_detail=transcript,
            handed_to_staff_at=self._now(),
        )

    def mark_handed_back(self, reference: str, note: str, actor: str = "staff") -> Case:
        """Record that staff handed the case back to the assistant."""
        return self.update_case(
            reference, history_kind="handed_back", history_detail=note, actor=actor,
            handed_to_staff_at=None,
        )

    # ------------------------------------------------------------ outbox

    def pending_sync(self, limit: int = 100) -> list[Case]:
        """Cases still to be sent to the case system (pending or failed, not
        claimed by a live lease), oldest first."""
        now = utc_text(self._now())
        query = (
            sa.select(cases)
            .where(cases.c.sync_status.in_(("pending", "failed")))
            .where(sa.or_(cases.c.claimed_until.is_(None), cases.c.claimed_until < now))
            .order_by(cases.c.received_at, cases.c.id)
            .limit(max(0, int(limit)))
        )
        with self._read() as conn:
            return self._load_many(conn, conn.execute(query).all())

    def claim_for_sync(self, reference: str, claimant: str, lease_seconds: float) -> Optional[Case]:
        """Claim the case for sending, for `lease_seconds`; None if it is synced,
        missing, or claimed by a lease that has not run out.

        One conditional UPDATE, so of two processes claiming at once exactly
        one wins (on SQLite and PostgreSQL alike). A claimant that crashes
        leaves a lease that simply runs out.
        """
        now = self._now()
        until = utc_text(now + timedelta(seconds=lease_seconds))
        ref = normalise_reference(reference)
        with self._write() as conn:
            claimed = conn.execute(
                cases.update()
                .where(cases.c.reference == ref)
                .where(cases.c.sync_status.in_(("pending", "failed")))
                .where(sa.or_(cases.c.claimed_until.is_(None), cases.c.claimed_until < utc_text(now)))
                .values(claimed_by=clean_text(claimant, "short"), claimed_until=until)
            ).rowcount
            if claimed != 1:
                return None
            return self._load(conn, self._row_by_reference(conn, ref))

    def mark_synced(self, reference: str, external_id: str, claimant: Optional[str] = None) -> Case:
        """Record that the case system accepted the case under `external_id`.

        A case already synced keeps its first external id (the case system
        deduplicated a repeated send); the claim is released.
        """
        with self._write() as conn:
            row = self._locked_row(conn, reference)
            if row.sync_status == "synced":
                if row.external_id != external_id:
                    log.warning("case %s already synced as %s; not overwritten with %s",
                                row.reference, row.external_id, external_id)
                return self._load(conn, row)
            conn.execute(
                cases.update().where(cases.c.id == row.id).where(cases.c.sync_status != "synced").values(
                    sync_status="synced", external_id=clean_text(external_id), sync_error=None,
                    sync_attempts=row.sync_attempts + 1, updated_at=utc_text(self._now()),
                    claimed_by=None, claimed_until=None,
                )
            )
            self._append(conn, row.id, "synced", f"sent to the case system as {external_id}", "assistant")
            return self._load(conn, self._row_by_id(conn, row.id))

    def mark_sync_failed(self, reference: str, error: str, claimant: Optional[str] = None,
                         *, keep_claim: bool = False) -> Case:
        """Record a failed send; the case stays here, flagged, for a retry.

        A history entry is written when the case first fails (not on every
        retry, so that a long outage does not flood the history). A synced
        case stays synced. With `claimant`, only its own claim is released;
        `keep_claim` leaves it to run out (the send may still be in flight at
        the case system, after a timeout, so nothing sends again until then).
        """
        with self._write() as conn:
            row = self._locked_row(conn, reference)
            if row.sync_status == "synced":
                return self._load(conn, row)
            values: dict[str, Any] = {
                "sync_status": "failed", "sync_error": clean_text(error, "sync_error"),
                "sync_attempts": row.sync_attempts + 1, "updated_at": utc_text(self._now()),
            }
            if not keep_claim and (claimant is None or row.claimed_by == clean_text(claimant, "short")):
                values.update(claimed_by=None, claimed_until=None)
            conn.execute(cases.update().where(cases.c.id == row.id).values(**values))
            if row.sync_status != "failed":
                self._append(conn, row.id, "sync_failed", clean_text(error, "sync_error") or "", "assistant")
            return self._load(conn, self._row_by_id(conn, row.id))

    # ------------------------------------------------------------ row helpers

    @staticmethod
    def _row_by_reference(conn: Connection, reference: str) -> Any:
        ref = normalise_reference(reference)
        return conn.execute(sa.select(cases).where(cases.c.reference == ref)).first()

    @staticmethod
    def _row_by_key(conn: Connection, key: str) -> Any:
        return conn.execute(sa.select(cases).where(cases.c.idempotency_key == key)).first()

    @staticmethod
    def _row_by_id(conn: Connection, case_id: int) -> Any:
        return conn.execute(sa.select(cases).where(cases.c.id == case_id)).one()

    @staticmethod
    def _locked_row(conn: Connection, reference: str) -> Any:
        ref = normalise_reference(reference)
        row = conn.execute(sa.select(cases).where(cases.c.reference == ref).with_for_update()).first()
        if row is None:
            raise CaseNotFoundError(reference)
        return row

    def _append(self, conn: Connection, case_id: int, kind: str, detail: str, actor: str) -> HistoryEntry:
        if kind not in HISTORY_KINDS:
            raise ValueError(f"history kind must be one of {HISTORY_KINDS}, not {kind!r}")
        at = self._now()
        values = {
            "case_id": case_id,
            "at": utc_text(at),
            "kind": kind,
            "detail": clean_text(detail, "history_detail") or "",
            "actor": clean_text(actor, "short") or "assistant",
        }
        conn.execute(case_history.insert().values(**values))
        return HistoryEntry(at=parse_time(values["at"]), kind=kind, detail=values["detail"], actor=values["actor"])

    def _load(self, conn: Connection, row: Any) -> Case:
        return self._load_many(conn, [row])[0]

    def _load_many(self, conn: Connection, rows: Sequence[Any]) -> list[Case]:
        if not rows:
            return []
        ids = [row.id for row in rows]
        history: dict[int, list[HistoryEntry]] = {case_id: [] for case_id in ids}
        query = (
            sa.select(case_history)
            .where(case_history.c.case_id.in_(ids))
            .order_by(case_history.c.case_id, case_history.c.id)
        )
        for entry in conn.execute(query):
            history[entry.case_id].append(
                HistoryEntry(at=parse_time(entry.at), kind=entry.kind, detail=entry.detail, actor=entry.actor)
            )
        return [row_to_case(row, history[row.id]) for row in rows]

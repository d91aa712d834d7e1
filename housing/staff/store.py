"""`StaffStore`: the case store plus staff accounts, sign-in sessions and
hand-overs, on the same database URL. The staff tables are created on first
use, never at import or construction (like the case tables).
"""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from housing.cases.schema import cases, clean_text, parse_time, utc_text
from housing.cases.store import CaseStore
from housing.staff.models import (
    HANDOFF_MODES,
    OPEN_STATUSES,
    Handoff,
    StaffAccount,
    StaffSession,
)
from housing.staff.schema import handoffs, staff_accounts, staff_metadata, staff_sessions
from housing.staff.security import (
    burn_time,
    check_password,
    check_username,
    hash_password,
    new_session_token,
    token_digest,
    verify_password,
)

__all__ = ["StaffStore", "AccountExistsError", "HandoffConflictError", "HandoffNotFoundError"]

DEFAULT_SESSION_HOURS = 8.0


class AccountExistsError(ValueError):
    """A staff account with this username already exists."""


class HandoffNotFoundError(LookupError):
    """No hand-over has this id."""


class HandoffConflictError(RuntimeError):
    """The hand-over is claimed by someone else, or already finished."""


class StaffStore(CaseStore):
    """Cases (everything `CaseStore` does) plus the staff tables.

    `session_hours`: how long a sign-in lasts (absolute, not sliding).
    """

    def __init__(self, database_url: Optional[str] = None, *, session_hours: float = DEFAULT_SESSION_HOURS,
                 **kwargs: Any) -> None:
        super().__init__(database_url, **kwargs)
        self.session_hours = float(session_hours)
        self._staff_ready = False
        self._staff_lock = threading.Lock()

    # ------------------------------------------------------------ plumbing

    def _ensure_ready(self) -> None:
        super()._ensure_ready()
        if self._staff_ready:
            return
        engine = self._engine
        with self._staff_lock:
            if self._staff_ready:
                return
            with engine.execution_options(case_store_write=True).begin() as conn:
                if engine.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(7340022)"))
                staff_metadata.create_all(conn, checkfirst=True)
            self._staff_ready = True

    def _utc_now(self) -> datetime:
        return self._now().astimezone(timezone.utc)

    # ------------------------------------------------------------ accounts

    def add_account(self, username: str, password: str, display_name: Optional[str] = None) -> StaffAccount:
        """Create an active account; ValueError for a bad username or password,
        AccountExistsError if the username is taken."""
        name = check_username(username)
        check_password(password)
        shown = (clean_text(display_name, "short") or "").strip() or name
        values = {"username": name, "display_name": shown, "password_hash": hash_password(password),
                  "created_at": utc_text(self._now()), "active": True}
        try:
            with self._write() as conn:
                conn.execute(staff_accounts.insert().values(**values))
        except IntegrityError:
            raise AccountExistsError(f"a staff account {name!r} already exists") from None
        return StaffAccount(name, shown, parse_time(values["created_at"]), True)

    def accounts(self) -> list[StaffAccount]:
        with self._read() as conn:
            rows = conn.execute(sa.select(staff_accounts).order_by(staff_accounts.c.username)).all()
        return [StaffAccount(r.username, r.display_name, parse_time(r.created_at), bool(r.active)) for r in rows]

    def disable_account(self, username: str) -> bool:
        """Disable the account and revoke its sessions; False if there is no such account."""
        name = (username or "").strip().lower()
        with self._write() as conn:
            done = conn.execute(staff_accounts.update().where(staff_accounts.c.username == name)
                                .values(active=False)).rowcount
            conn.execute(staff_sessions.update()
                         .where((staff_sessions.c.username == name) & staff_sessions.c.revoked_at.is_(None))
                         .values(revoked_at=utc_text(self._now())))
        return bool(done)

    def authenticate(self, username: str, password: str) -> Optional[StaffAccount]:
        """The active account if the password is right, else None (an unknown
        username takes as long as a wrong password)."""
        name = (username or "").strip().lower()
        with self._read() as conn:
            row = conn.execute(sa.select(staff_accounts).where(staff_accounts.c.username == name)).first()
        if row is None:
            burn_time(password)
            return None
        if not verify_password(password, row.password_hash) or not row.active:
            return None
        return StaffAccount(row.username, row.display_name, parse_time(row.created_at), True)

    # ------------------------------------------------------------ sessions

    def start_session(self, username: str) -> str:
        """A new session for an (already authenticated) account: returns the
        token for the cookie; only its SHA-256 is stored."""
        token = new_session_token()
        now = self._now()
        with self._write() as conn:
            conn.execute(staff_sessions.insert().values(
                token_hash=token_digest(token), username=username, created_at=utc_text(now),
                expires_at=utc_text(now + timedelta(hours=self.session_hours)), revoked_at=None))
        return token

    def session_for(self, token: Optional[str]) -> Optional[StaffSession]:
        """The session for a cookie's token, or None if it is unknown, revoked,
        expired, or its account is disabled."""
        if not token or len(token) > 200:
            return None
        query = (sa.select(staff_sessions, staff_accounts.c.display_name, staff_accounts.c.active)
                 .join(staff_accounts, staff_accounts.c.username == staff_sessions.c.username)
                 .where(staff_sessions.c.token_hash == token_digest(token)))
        with self._read() as conn:
            row = conn.execute(query).first()
        if row is None or row.revoked_at is not None or not row.active:
            return None
        expires = parse_time(row.expires_at)
        if expires <= self._utc_now():
            return None
        return StaffSession(row.username, row.display_name, parse_time(row.created_at), expires)

    def end_session(self, token: Optional[str]) -> None:
        """Revoke the session (signing out); it can never be used again."""
        if not token:
            return
        with self._write() as conn:
            conn.execute(staff_sessions.update()
                         .where((staff_sessions.c.token_hash == token_digest(token))
                                & staff_sessions.c.revoked_at.is_(None))
                         .values(revoked_at=utc_text(self._now())))

    # ------------------------------------------------------------ hand-overs

    @staticmethod
    def _handoff(row: Any) -> Handoff:
        return Handoff(
            id=row.id, conversation_id=row.conversation_id, channel=row.channel,
            case_reference=row.case_reference, reason=row.reason, mode=row.mode, status=row.status,
            requested_at=parse_time(row.requested_at), claimed_by=row.claimed_by,
            claimed_at=parse_time(row.claimed_at), ended_at=parse_time(row.ended_at))

    @staticmethod
    def _open_row(conn: Connection, conversation_id: str) -> Any:
        return conn.execute(
            sa.select(handoffs)
            .where((handoffs.c.conversation_id == conversation_id) & handoffs.c.status.in_(OPEN_STATUSES))
            .order_by(handoffs.c.id.desc())).first()

    def open_handoff(self, *, conversation_id: str, channel: str, case_reference: Optional[str], reason: str,
                     mode: str) -> Handoff:
        """Queue a conversation for a person. A conversation has at most one
        open hand-over: asking again updates it (the more urgent mode wins,
        live before callback before review; the case is filled in if it had
        none; a new reason is added)."""
        if mode not in HANDOFF_MODES:
            raise ValueError(f"mode must be one of {HANDOFF_MODES}")
        conversation = clean_text(conversation_id) or ""
        reason = clean_text(reason) or "resident asked for a person"
        with self._write() as conn:
            row = self._open_row(conn, conversation)
            if row is None:
                new_id = conn.execute(handoffs.insert().values(
                    conversation_id=conversation, channel=clean_text(channel, "short") or "unknown",
                    case_reference=case_reference, reason=reason, mode=mode, status="waiting",
                    requested_at=utc_text(self._now()))).inserted_primary_key[0]
            else:
                new_id = row.id
                values: dict[str, Any] = {}
                if HANDOFF_MODES.index(mode) < HANDOFF_MODES.index(row.mode):
                    values["mode"] = mode  # live before callback before review
                if case_reference and not row.case_reference:
                    values["case_reference"] = case_reference
                if reason not in row.reason:
                    values["reason"] = clean_text(f"{row.reason}; {reason}")
                if values:
                    conn.execute(handoffs.update().where(handoffs.c.id == row.id).values(**values))
            return self._handoff(conn.execute(sa.select(handoffs).where(handoffs.c.id == new_id)).one())

    def open_handoff_for(self, conversation_id: str) -> Optional[Handoff]:
        """The conversation's open (waiting or claimed) hand-over, if any."""
        with self._read() as conn:
            row = self._open_row(conn, conversation_id)
        return None if row is None else self._handoff(row)

    def handoff(self, handoff_id: int) -> Handoff:
        with self._read() as conn:
            row = conn.execute(sa.select(handoffs).where(handoffs.c.id == int(handoff_id))).first()
        if row is None:
            raise HandoffNotFoundError(handoff_id)
        return self._handoff(row)

    def queue(self, limit: int = 200) -> list[Handoff]:
        """Open hand-overs, live ones first, then the longest waiting."""
        live_first = sa.case((handoffs.c.mode == "live", 0), else_=1)
        with self._read() as conn:
            rows = conn.execute(sa.select(handoffs).where(handoffs.c.status.in_(OPEN_STATUSES))
                                .order_by(live_first, handoffs.c.requested_at, handoffs.c.id)
                                .limit(max(0, int(limit)))).all()
        return [self._handoff(row) for row in rows]

    def _change(self, handoff_id: int, check: Any, values: dict[str, Any]) -> Handoff:
        with self._write() as conn:
            row = conn.execute(sa.select(handoffs).where(handoffs.c.id == int(handoff_id))
                               .with_for_update()).first()
            if row is None:
                raise HandoffNotFoundError(handoff_id)
            check(row)
            conn.execute(handoffs.update().where(handoffs.c.id == row.id).values(**values))
            return self._handoff(conn.execute(sa.select(handoffs).where(handoffs.c.id == row.id)).one())

    def claim(self, handoff_id: int, username: str) -> Handoff:
        """Take the conversation; HandoffConflictError if someone else has it or it is over."""
        def check(row: Any) -> None:
            if row.status not in OPEN_STATUSES:
                raise HandoffConflictError("this conversation has already been finished")
            if row.status == "claimed" and row.claimed_by != username:
                raise HandoffConflictError(f"{row.claimed_by} is already handling this conversation")

        return self._change(handoff_id, check, {"status": "claimed", "claimed_by": username,
                                                "claimed_at": utc_text(self._now())})

    def make_live(self, handoff_id: int) -> Handoff:
        """Mark the hand-over live (staff are talking to the resident in the chat)."""
        return self._change(handoff_id, lambda row: None, {"mode": "live"})

    def finish(self, handoff_id: int, status: str, username: str) -> Handoff:
        """End the hand-over ("handed_back" or "ended") by the staff member who claimed it."""
        if status not in ("handed_back", "ended"):
            raise ValueError("a hand-over finishes as handed_back or ended")

        def check(row: Any) -> None:
            if row.status not in OPEN_STATUSES:
                raise HandoffConflictError("this conversation has already been finished")
            if row.claimed_by not in (None, username):
                raise HandoffConflictError(f"{row.claimed_by} is handling this conversation")

        return self._change(handoff_id, check, {"status": status, "ended_at": utc_text(self._now())})

    def latest_case_for_conversation(self, conversation_id: str) -> Optional[str]:
        """The reference of the newest case logged in this conversation, if any."""
        with self._read() as conn:
            return conn.execute(sa.select(cases.c.reference).where(cases.c.conversation_id == conversation_id)
                                .order_by(cases.c.id.desc()).limit(1)).scalar()

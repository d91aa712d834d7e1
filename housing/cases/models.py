"""The case records: what the assistant hands to the store, and what it gets back.

Pure data, no I/O. `NewCase` is what a conversation produces; `Case` is a
stored case with its reference, status, history and sync state. Deadlines
(`acknowledgement_due`, `response_due`) are worked out by the caller with
`housing.deadlines`; the store only keeps them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Optional

__all__ = [
    "KINDS",
    "STATUSES",
    "HISTORY_KINDS",
    "CONSENT_STATUSES",
    "SYNC_STATUSES",
    "REFERENCE_PREFIXES",
    "Kind",
    "Resident",
    "Representative",
    "NewCase",
    "HistoryEntry",
    "Case",
    "case_to_dict",
]

Kind = Literal["complaint", "service_request"]

KINDS: tuple[str, ...] = ("complaint", "service_request")
REFERENCE_PREFIXES: dict[str, str] = {"complaint": "CMP", "service_request": "SR"}
# Where the case is in its current stage; the stage number is kept separately.
STATUSES: tuple[str, ...] = ("open", "acknowledged", "responded", "closed")
HISTORY_KINDS: tuple[str, ...] = (
    "logged", "acknowledged", "escalated", "extended", "responded", "handed_to_staff",
    "handed_back", "closed", "note", "sync_failed", "synced",
)
CONSENT_STATUSES: tuple[str, ...] = ("given", "pending", "not_needed")
# "local": no case system configured; "pending": not sent yet; "failed": a send failed.
SYNC_STATUSES: tuple[str, ...] = ("local", "pending", "synced", "failed")


@dataclass(frozen=True)
class Resident:
    """The person the case is about (tenant, leaseholder, shared owner, ...)."""

    name: str = ""
    email: Optional[str] = None
    phone: Optional[str] = None
    address: Optional[str] = None
    postcode: Optional[str] = None
    relationship: Optional[str] = None  # tenant / leaseholder / shared_owner / ...


@dataclass(frozen=True)
class Representative:
    """Someone acting for the resident, and whether the resident has consented."""

    name: str = ""
    relationship: Optional[str] = None  # family / friend / advocate / solicitor / MP ...
    consent_status: Optional[str] = None  # "given" | "pending" | "not_needed" | None


@dataclass(frozen=True, kw_only=True)
class NewCase:
    """A complaint or service request ready to be logged (keyword arguments only)."""

    kind: str  # "complaint" | "service_request"
    category: str
    description: str
    received_at: datetime  # timezone-aware
    resident: Resident = field(default_factory=Resident)
    outcome_sought: Optional[str] = None
    representative: Optional[Representative] = None
    reasonable_adjustments: tuple[str, ...] = ()
    vulnerability: Optional[str] = None
    preferred_contact_method: Optional[str] = None
    preferred_contact_time: Optional[str] = None
    channel: Optional[str] = None
    conversation_id: Optional[str] = None
    stage: int = 1
    acknowledged_at: Optional[datetime] = None
    acknowledgement_due: Optional[date] = None
    response_due: Optional[date] = None
    possible_exclusion: Optional[str] = None  # reason a person must decide on, or None
    idempotency_key: Optional[str] = None  # same key twice -> same case


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a case's append-only history."""

    at: datetime  # UTC
    kind: str
    detail: str
    actor: str


@dataclass(frozen=True, kw_only=True)
class Case(NewCase):
    """A stored case: everything in `NewCase` plus what the store keeps."""

    reference: str
    status: str
    history: list[HistoryEntry] = field(default_factory=list)
    external_id: Optional[str] = None
    sync_status: str = "pending"
    sync_error: Optional[str] = None
    sync_attempts: int = 0
    escalated_at: Optional[datetime] = None
    responded_at: Optional[datetime] = None
    closed_at: Optional[datetime] = None
    outcome: Optional[str] = None
    extension_working_days: int = 0  # extensions granted in the current stage
    handed_to_staff_at: Optional[datetime] = None
    created_at: Optional[datetime] = None
    updated_at: Optional[datetime] = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {name: _jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    return value


def case_to_dict(case: Case, *, include_history: bool = True) -> dict[str, Any]:
    """A JSON-ready dict of the case (dates and times as ISO 8601 strings)."""
    data = _jsonable(case)
    if not include_history:
        data.pop("history", None)
    return data

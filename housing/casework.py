"""Casework: log complaints and service requests with their dates, escalate
to stage 2, look a case up for a resident. Joins the policy, the working-day
engine and the case store; the conversation layer only calls these.

Logging never loses a case: when the store cannot be written, `log_*` return
a `KeptCase` (kept in the spool, stored exactly once when the store is back)
instead of a `Case`; the caller tells the resident (`messages.case_kept`).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from housing.cases.models import Case, NewCase, Representative, Resident
from housing.cases.spool import KeptCase
from housing.cases.store import CaseStore
from housing.deadlines import stage_dates
from housing.policy import Policy


def idempotency_key(conversation_id: str, *parts: str | None) -> str:
    """The same submission from the same conversation always gives the same key."""
    digest = hashlib.sha256("\x1f".join([conversation_id, *[p or "" for p in parts]]).encode()).hexdigest()
    return digest[:40]


@dataclass(frozen=True)
class ComplaintDetails:
    description: str
    category: str
    outcome_sought: str
    resident: Resident
    representative: Representative | None
    reasonable_adjustments: tuple[str, ...]
    vulnerability: str | None
    preferred_contact: str | None
    possible_exclusion: str | None
    channel: str
    conversation_id: str
    related_reference: str | None = None


def log_complaint(policy: Policy, store: CaseStore, details: ComplaintDetails, received_at: datetime,
                  notes: tuple[str, ...] = ()) -> Case | KeptCase:
    """Log a stage 1 complaint with its acknowledgement and response dates, and
    `notes` for its history in the same transaction; a `KeptCase` if the store
    cannot be written now."""
    acknowledged_at = received_at if policy.bot_confirmation_is_acknowledgement else None
    dates = stage_dates(policy, 1, received_at, acknowledged_at)
    description = details.description
    if details.related_reference:
        description = f"{description}\n(Related service request {details.related_reference} carries on.)"
    new = NewCase(
        kind="complaint", category=details.category, description=description, received_at=received_at,
        resident=details.resident, outcome_sought=details.outcome_sought, representative=details.representative,
        reasonable_adjustments=details.reasonable_adjustments, vulnerability=details.vulnerability,
        preferred_contact_method=details.preferred_contact, preferred_contact_time=details.preferred_contact,
        channel=details.channel, conversation_id=details.conversation_id, stage=1,
        acknowledged_at=acknowledged_at, acknowledgement_due=dates.acknowledgement_due,
        response_due=dates.response_due, possible_exclusion=details.possible_exclusion,
        idempotency_key=idempotency_key(details.conversation_id, "complaint", details.description,
                                        details.outcome_sought, details.resident.name),
    )
    return store.create_or_keep(new, notes)


def log_service_request(store: CaseStore, *, category: str, description: str, resident: Resident, channel: str,
                        conversation_id: str, received_at: datetime, note: str | None = None) -> Case | KeptCase:
    """Log a service request (not a complaint): recorded and monitored; a
    `KeptCase` if the store cannot be written now."""
    new = NewCase(
        kind="service_request", category=category, description=description, received_at=received_at,
        resident=resident, channel=channel, conversation_id=conversation_id,
        idempotency_key=idempotency_key(conversation_id, "service_request", category, description, resident.name),
    )
    return store.create_or_keep(new, (note,) if note else ())


@dataclass(frozen=True)
class EscalationOutcome:
    escalated: bool
    case: Case
    reason: str  # escalated | awaiting_stage1_response | already_stage2 | closed


def can_escalate(policy: Policy, case: Case) -> str:
    """"escalated" when the case can go to the next stage, else the reason not."""
    if case.stage >= policy.stages[-1].number:
        return "already_final_stage"
    if case.status == "closed" and case.responded_at is None:
        return "closed"
    if case.responded_at is None:
        return "awaiting_stage1_response"
    return "escalated"


def escalate(policy: Policy, store: CaseStore, case: Case, requested_at: datetime,
             reason_given: str | None = None) -> EscalationOutcome:
    """Move a complaint to stage 2, only once its stage 1 response is recorded.

    The resident is never asked to justify it (Code 6.12); comments they
    choose to give are kept in the history."""
    verdict = can_escalate(policy, case)
    if verdict != "escalated":
        return EscalationOutcome(False, case, verdict)
    dates = stage_dates(policy, case.stage + 1, requested_at)
    updated = store.escalate(case.reference, requested_at, dates.acknowledgement_due, dates.response_due)
    if reason_given:
        store.add_history(case.reference, "note", f"Resident's comments on escalation: {reason_given}", "resident")
    return EscalationOutcome(True, updated, "escalated")


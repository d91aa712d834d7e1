"""What staff do to a case from the console: acknowledge it, extend the
response date (with a reason, within the policy's cap), record the stage
response, close it. Dates come from `housing.deadlines` only; what the
resident is told comes from `housing.messages`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from housing import messages
from housing.cases.models import Case
from housing.cases.store import CaseStore
from housing.deadlines import extended_response_due, response_due
from housing.policy import Policy

__all__ = ["CaseworkError", "Extension", "acknowledge", "extend", "record_response", "close", "extension_left"]


class CaseworkError(ValueError):
    """The action does not apply to this case (the message says why)."""


@dataclass(frozen=True)
class Extension:
    case: Case
    notice: str  # what the resident is sent


def _complaint(store: CaseStore, reference: str) -> Case:
    case = store.get(reference)
    if case is None:
        raise CaseworkError(f"there is no case {reference}")
    if case.kind != "complaint":
        raise CaseworkError(f"{reference} is a service request: only complaints have complaint stages and dates")
    return case


def _open_complaint(store: CaseStore, reference: str) -> Case:
    case = _complaint(store, reference)
    if case.status in ("responded", "closed"):
        raise CaseworkError(f"{reference} is already {case.status}")
    return case


def extension_left(policy: Policy, case: Case) -> int:
    """Working days of extension still allowed in the case's current stage."""
    return max(0, policy.stage(case.stage).max_extension_working_days - case.extension_working_days)


def acknowledge(policy: Policy, store: CaseStore, reference: str, at: datetime, actor: str) -> Case:
    """Acknowledge a complaint; the response date is counted again from today
    when the policy counts it from acknowledgement."""
    case = _open_complaint(store, reference)
    if case.acknowledged_at is not None:
        raise CaseworkError(f"{reference} was already acknowledged")
    due = response_due(policy, case.stage, case.received_at, at)
    return store.acknowledge(reference, at, due, actor=actor)


def extend(policy: Policy, store: CaseStore, reference: str, working_days: int, reason: str,
           actor: str) -> Extension:
    """Extend the current stage's response date by `working_days` (the total
    in a stage never exceeds the policy's cap); returns the resident's notice."""
    case = _open_complaint(store, reference)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise CaseworkError("give the reason for the extension: the resident is told it")
    if case.response_due is None:
        raise CaseworkError(f"{reference} has no response date to extend")
    left = extension_left(policy, case)
    if working_days < 1 or working_days > left:
        raise CaseworkError(f"an extension must be between 1 and {left} working days for {reference} "
                            f"(the policy allows {policy.stage(case.stage).max_extension_working_days} in "
                            f"stage {case.stage}, {case.extension_working_days} already used)")
    new_due = extended_response_due(policy, case.stage, case.response_due, working_days)
    updated = store.extend(reference, new_due, reason[:2000], working_days, actor=actor)
    return Extension(updated, messages.extension_notice(policy, reference, reason[:2000], new_due))


def record_response(store: CaseStore, reference: str, at: datetime, actor: str, summary: str = "") -> Case:
    """Record that the current stage's response was sent."""
    case = _open_complaint(store, reference)
    detail = f"stage {case.stage} response sent" + (f": {summary.strip()}" if summary.strip() else "")
    return store.record_response(reference, at, actor=actor, detail=detail)


def close(store: CaseStore, reference: str, outcome: str, actor: str) -> Case:
    """Close any case with its outcome."""
    case = store.get(reference)
    if case is None:
        raise CaseworkError(f"there is no case {reference}")
    if case.status == "closed":
        raise CaseworkError(f"{reference} is already closed")
    outcome = (outcome or "").strip()
    if not outcome:
        raise CaseworkError("give the outcome to close the case")
    return store.close(reference, outcome, actor=actor)

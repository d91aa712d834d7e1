"""What staff do to a case from the console: dates from the working-day
engine, the policy's extension cap, and the resident's extension notice."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from housing.cases.models import NewCase, Resident
from housing.deadlines import extended_response_due, format_date, response_due, stage_dates
from housing.messages import ombudsman_details
from housing.policy_loader import load_policy
from housing.staff import casework
from housing.staff.store import StaffStore

ROOT = Path(__file__).resolve().parent.parent
POLICY, _ = load_policy(ROOT / "policies" / "default.yml")
RECEIVED = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)  # a Monday


@pytest.fixture
def store(tmp_path):
    made = StaffStore(f"sqlite:///{tmp_path / 'cases.db'}", sync_enabled=False, timezone_name="Europe/London")
    yield made
    made.dispose()


def complaint(store: StaffStore, **overrides) -> str:
    dates = stage_dates(POLICY, 1, RECEIVED)
    values = dict(kind="complaint", category="repair", description="the damp is still not fixed",
                  received_at=RECEIVED, resident=Resident(name="Jo Bloggs"), acknowledgement_due=dates.acknowledgement_due,
                  response_due=dates.response_due, conversation_id="conv")
    values.update(overrides)
    return store.create(NewCase(**values)).reference


def test_acknowledging_counts_the_response_from_that_day(store):
    reference = complaint(store)
    at = datetime(2026, 11, 24, 15, 0, tzinfo=timezone.utc)
    case = casework.acknowledge(POLICY, store, reference, at, "sam")
    assert case.status == "acknowledged" and case.acknowledged_at == at
    assert case.response_due == response_due(POLICY, 1, RECEIVED, at)
    assert case.history[-1].kind == "acknowledged" and case.history[-1].actor == "sam"
    with pytest.raises(casework.CaseworkError, match="already acknowledged"):
        casework.acknowledge(POLICY, store, reference, at, "sam")


def test_an_extension_gives_the_engine_date_and_tells_the_resident_why_and_the_ombudsman(store):
    reference = complaint(store)
    before = store.get(reference).response_due
    extension = casework.extend(POLICY, store, reference, 5, "We are waiting for a damp survey report.", "sam")
    new_due = extended_response_due(POLICY, 1, before, 5)
    assert extension.case.response_due == new_due
    assert extension.case.extension_working_days == 5
    assert extension.case.history[-1].kind == "extended" and extension.case.history[-1].actor == "sam"
    assert "waiting for a damp survey report" in extension.case.history[-1].detail
    notice = extension.notice
    assert reference in notice and format_date(new_due) in notice
    assert "The reason: We are waiting for a damp survey report." in notice
    assert ombudsman_details(POLICY) in notice


def test_extensions_never_exceed_the_policy_cap_in_total(store):
    reference = complaint(store)
    cap = POLICY.stage(1).max_extension_working_days
    casework.extend(POLICY, store, reference, cap - 2, "the contractor needs more time", "sam")
    with pytest.raises(casework.CaseworkError, match="between 1 and 2 working days"):
        casework.extend(POLICY, store, reference, 3, "and a bit more time", "sam")
    casework.extend(POLICY, store, reference, 2, "the last of the allowance", "sam")
    assert casework.extension_left(POLICY, store.get(reference)) == 0
    with pytest.raises(casework.CaseworkError):
        casework.extend(POLICY, store, reference, 1, "one more day please", "sam")


@pytest.mark.parametrize("days, reason", [(0, "a fine reason"), (-1, "a fine reason"), (3, ""), (3, "  ok ")])
def test_an_extension_needs_days_and_a_reason(store, days, reason):
    reference = complaint(store)
    with pytest.raises(casework.CaseworkError):
        casework.extend(POLICY, store, reference, days, reason, "sam")
    assert store.get(reference).extension_working_days == 0


def test_service_requests_have_no_complaint_dates_to_extend(store):
    reference = store.create(NewCase(kind="service_request", category="callback request", description="call me",
                                     received_at=RECEIVED)).reference
    with pytest.raises(casework.CaseworkError, match="service request"):
        casework.extend(POLICY, store, reference, 3, "a good reason", "sam")
    with pytest.raises(casework.CaseworkError, match="service request"):
        casework.acknowledge(POLICY, store, reference, RECEIVED, "sam")


def test_record_the_stage_response_then_close(store):
    reference = complaint(store)
    at = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
    case = casework.record_response(store, reference, at, "sam", "upheld; damp treatment booked")
    assert case.status == "responded" and case.responded_at == at
    assert case.history[-1].detail == "stage 1 response sent: upheld; damp treatment booked"
    with pytest.raises(casework.CaseworkError, match="already responded"):
        casework.extend(POLICY, store, reference, 2, "too late for this", "sam")
    with pytest.raises(casework.CaseworkError, match="outcome"):
        casework.close(store, reference, " ", "sam")
    closed = casework.close(store, reference, "resolved", "sam")
    assert closed.status == "closed" and closed.outcome == "resolved" and closed.history[-1].actor == "sam"
    with pytest.raises(casework.CaseworkError, match="already closed"):
        casework.close(store, reference, "again", "sam")


def test_unknown_case(store):
    with pytest.raises(casework.CaseworkError, match="no case"):
        casework.close(store, "CMP-2026-999999", "x", "sam")

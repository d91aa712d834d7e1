"""Casework against a real database: logging complaints with the engine's
dates, idempotency, and escalation to stage 2 only after the stage 1
response."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from housing.cases import CaseStore, Representative, Resident
from housing.casework import ComplaintDetails, escalate, idempotency_key, log_complaint, log_service_request
from housing.deadlines import stage_dates
from housing.policy_loader import load_policy
from tests.policy_factory import code_2024_stages, make_policy

LONDON = ZoneInfo("Europe/London")
POLICIES = Path(__file__).resolve().parent.parent / "policies"
RECEIVED = datetime(2026, 11, 20, 14, 5, tzinfo=LONDON)  # a Friday afternoon


@pytest.fixture
def store(database_url: str):
    store = CaseStore(database_url, sync_enabled=False, timezone_name="Europe/London")
    yield store
    store.dispose()


def details(**overrides) -> ComplaintDetails:
    values = dict(
        description="The kitchen tap still leaks after four visits by the plumber.",
        category="repair",
        outcome_sought="Fix the tap properly",
        resident=Resident(name="Jane Smith", email="jane@example.org", postcode="LS1 4AP", relationship="tenant"),
        representative=None,
        reasonable_adjustments=("large print",),
        vulnerability=None,
        preferred_contact="email, mornings",
        possible_exclusion=None,
        channel="rest",
        conversation_id="conv-1",
    )
    values.update(overrides)
    return ComplaintDetails(**values)


# ---------------------------------------------------------------- logging


def test_log_complaint_stores_the_engine_dates(store):
    policy = make_policy()
    case = log_complaint(policy, store, details(), RECEIVED)
    expected = stage_dates(policy, 1, RECEIVED)
    assert case.kind == "complaint"
    assert case.stage == 1
    assert case.status == "open"
    assert case.acknowledged_at is None
    assert case.acknowledgement_due == expected.acknowledgement_due == date(2026, 11, 27)
    # 10 working days from the acknowledgement due date (not yet acknowledged)
    assert case.response_due == expected.response_due == date(2026, 12, 11)
    stored = store.get(case.reference)
    assert stored.acknowledgement_due == expected.acknowledgement_due
    assert stored.response_due == expected.response_due
    assert stored.reference.startswith("CMP-2026-")
    assert stored.outcome_sought == "Fix the tap properly"
    assert stored.reasonable_adjustments == ("large print",)
    assert stored.resident.postcode == "LS1 4AP"


@pytest.mark.parametrize("name", ["default.yml", "seed-001.yml", "seed-003.yml", "seed-004.yml",
                                  "example-scotland.yml", "example-wales.yml"])
def test_log_complaint_dates_follow_each_policy(store, name):
    policy, _ = load_policy(POLICIES / name)
    case = log_complaint(policy, store, details(conversation_id=f"conv-{name}"), RECEIVED)
    expected = stage_dates(policy, 1, RECEIVED)
    assert (case.acknowledgement_due, case.response_due) == (expected.acknowledgement_due, expected.response_due)


def test_seed_001_counts_from_receipt(store):
    policy, _ = load_policy(POLICIES / "seed-001.yml")
    case = log_complaint(policy, store, details(), RECEIVED)
    assert case.acknowledgement_due == date(2026, 11, 23)  # end of the next working day
    assert case.response_due == date(2026, 12, 4)  # 10 working days from receipt


def test_bot_confirmation_as_acknowledgement_counts_the_response_from_it(store):
    policy = make_policy(bot_confirmation_is_acknowledgement=True)
    case = log_complaint(policy, store, details(), RECEIVED)
    assert case.acknowledged_at == RECEIVED
    assert case.status == "acknowledged"
    # 10 working days from Friday 20 November, not from the acknowledgement due date
    assert case.response_due == stage_dates(policy, 1, RECEIVED, RECEIVED).response_due == date(2026, 12, 4)
    assert case.response_due < stage_dates(policy, 1, RECEIVED).response_due
    assert [h.kind for h in store.history(case.reference)][:2] == ["logged", "acknowledged"]


def test_same_details_twice_give_the_same_case(store):
    policy = make_policy()
    first = log_complaint(policy, store, details(), RECEIVED)
    again = log_complaint(policy, store, details(), RECEIVED)
    assert again.reference == first.reference
    assert len(store.list(kind="complaint")) == 1


def test_a_different_complaint_gets_a_new_reference(store):
    policy = make_policy()
    first = log_complaint(policy, store, details(), RECEIVED)
    other = log_complaint(policy, store, details(description="The heating has not worked for a month."), RECEIVED)
    assert other.reference != first.reference
    assert int(other.reference[-6:]) == int(first.reference[-6:]) + 1


def test_idempotency_key_is_stable_and_distinguishes():
    assert idempotency_key("c", "a", "b") == idempotency_key("c", "a", "b")
    assert idempotency_key("c", "a", "b") != idempotency_key("c", "ab", "")
    assert idempotency_key("c", None) == idempotency_key("c", "")
    assert len(idempotency_key("c")) == 40


def test_related_service_request_is_noted(store):
    case = log_complaint(make_policy(), store, details(related_reference="SR-2026-000007"), RECEIVED)
    assert "SR-2026-000007" in case.description
    assert "carries on" in case.description


def test_representative_and_consent_are_recorded(store):
    rep = Representative(name="Sam Smith", relationship="son", consent_status="pending")
    case = log_complaint(make_policy(), store, details(representative=rep), RECEIVED)
    stored = store.get(case.reference)
    assert stored.representative == rep


def test_log_service_request(store):
    case = log_service_request(
        store, category="repair", description="kitchen tap dripping", resident=Resident(name="Jane Smith"),
        channel="rest", conversation_id="conv-9", received_at=RECEIVED,
        note="Resident was offered a complaint and chose a service request.")
    assert case.kind == "service_request"
    assert case.reference.startswith("SR-2026-")
    assert case.response_due is None
    notes = [h.detail for h in store.history(case.reference) if h.kind == "note"]
    assert notes == ["Resident was offered a complaint and chose a service request."]
    again = log_service_request(store, category="repair", description="kitchen tap dripping",
                                resident=Resident(name="Jane Smith"), channel="rest", conversation_id="conv-9",
                                received_at=RECEIVED)
    assert again.reference == case.reference


# ---------------------------------------------------------------- escalation


def test_escalation_is_refused_before_the_stage_1_response(store):
    policy = make_policy()
    case = log_complaint(policy, store, details(), RECEIVED)
    outcome = escalate(policy, store, case, datetime(2026, 11, 25, 10, 0, tzinfo=LONDON))
    assert outcome.escalated is False
    assert outcome.reason == "awaiting_stage1_response"
    stored = store.get(case.reference)
    assert stored.stage == 1
    assert stored.escalated_at is None
    assert "escalated" not in [h.kind for h in store.history(case.reference)]


def test_escalation_after_the_stage_1_response_uses_stage_2_dates(store):
    policy = make_policy()
    case = log_complaint(policy, store, details(), RECEIVED)
    store.record_response(case.reference, datetime(2026, 12, 3, 15, 0, tzinfo=LONDON))
    responded = store.get(case.reference)
    requested = datetime(2026, 12, 7, 11, 0, tzinfo=LONDON)  # a Monday
    outcome = escalate(policy, store, responded, requested, "The plumber never came back.")
    assert outcome.escalated is True
    assert outcome.reason == "escalated"
    expected = stage_dates(policy, 2, requested)
    escalated = store.get(case.reference)
    assert escalated.stage == 2
    assert escalated.status == "open"
    assert escalated.responded_at is None
    assert escalated.acknowledgement_due == expected.acknowledgement_due == date(2026, 12, 14)
    assert escalated.response_due == expected.response_due == date(2027, 1, 14)
    assert outcome.case.response_due == expected.response_due
    history = store.history(case.reference)
    assert "escalated" in [h.kind for h in history]
    assert any("The plumber never came back." in h.detail for h in history if h.kind == "note")


def test_escalation_without_comments_adds_no_note(store):
    policy = make_policy()
    case = log_complaint(policy, store, details(), RECEIVED)
    store.record_response(case.reference, datetime(2026, 12, 3, 15, 0, tzinfo=LONDON))
    outcome = escalate(policy, store, store.get(case.reference), datetime(2026, 12, 7, 11, 0, tzinfo=LONDON))
    assert outcome.escalated is True
    assert not [h for h in store.history(case.reference) if h.kind == "note"]


def test_escalation_at_the_final_stage_is_refused(store):
    policy = make_policy()
    case = log_complaint(policy, store, details(), RECEIVED)
    store.record_response(case.reference, datetime(2026, 12, 3, 15, 0, tzinfo=LONDON))
    escalate(policy, store, store.get(case.reference), datetime(2026, 12, 7, 11, 0, tzinfo=LONDON))
    store.record_response(case.reference, datetime(2027, 1, 10, 11, 0, tzinfo=LONDON))
    final = store.get(case.reference)
    outcome = escalate(policy, store, final, datetime(2027, 1, 12, 11, 0, tzinfo=LONDON))
    assert outcome.escalated is False
    assert outcome.reason == "already_final_stage"
    assert store.get(case.reference).stage == 2


def test_a_one_stage_policy_has_no_escalation(store):
    policy = make_policy(stages=code_2024_stages()[:1])
    case = log_complaint(policy, store, details(), RECEIVED)
    store.record_response(case.reference, datetime(2026, 12, 3, 15, 0, tzinfo=LONDON))
    outcome = escalate(policy, store, store.get(case.reference), datetime(2026, 12, 7, 11, 0, tzinfo=LONDON))
    assert (outcome.escalated, outcome.reason) == (False, "already_final_stage")


def test_a_closed_unanswered_complaint_is_not_escalated(store):
    policy = make_policy()
    case = log_complaint(policy, store, details(), RECEIVED)
    store.close(case.reference, "withdrawn by the resident")
    outcome = escalate(policy, store, store.get(case.reference), datetime(2026, 12, 7, 11, 0, tzinfo=LONDON))
    assert (outcome.escalated, outcome.reason) == (False, "closed")


def test_stage_2_dates_follow_the_policy_not_the_code(store):
    policy, _ = load_policy(POLICIES / "example-scotland.yml")
    case = log_complaint(policy, store, details(), RECEIVED)
    store.record_response(case.reference, datetime(2026, 11, 26, 15, 0, tzinfo=LONDON))
    requested = datetime(2026, 11, 27, 9, 0, tzinfo=LONDON)
    outcome = escalate(policy, store, store.get(case.reference), requested)
    expected = stage_dates(policy, 2, requested)
    # SPSO: acknowledge in 3 working days, respond within 20 of receipt; St Andrew's Day (Mon 30 Nov) is a holiday
    assert outcome.case.acknowledgement_due == expected.acknowledgement_due == date(2026, 12, 3)
    assert outcome.case.response_due == expected.response_due
    assert outcome.case.stage == 2

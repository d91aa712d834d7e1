"""The real rasa-sdk actions, run with `rasa_sdk.Tracker` objects the way the
action server runs them, against the default policy and a fresh SQLite case
database per test (no mocks of our own components)."""
from __future__ import annotations

from tests import aio
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from housing.deadlines import format_date, stage_dates

ROOT = Path(__file__).resolve().parent.parent
DOMAIN: dict[str, Any] = yaml.safe_load((ROOT / "domain.yml").read_text())
SLOT_NAMES = list(DOMAIN["slots"])


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Settings for the action server, set before `actions` is imported (its
    import loads the policy), with every cached object rebuilt."""
    monkeypatch.setenv("LANDLORD_POLICY", str(ROOT / "policies" / "default.yml"))
    monkeypatch.setenv("CASES_DATABASE_URL", f"sqlite:///{tmp_path / 'cases.db'}")
    monkeypatch.setenv("CASE_SPOOL_DIR", str(tmp_path / "case-spool"))
    monkeypatch.delenv("CASE_SYSTEM_URL", raising=False)
    monkeypatch.delenv("CASE_SYSTEM_TOKEN", raising=False)
    from housing.settings import get_settings

    get_settings.cache_clear()
    import actions.runtime as runtime

    def clear() -> None:
        runtime.get_policy.cache_clear()
        runtime.get_store.cache_clear()
        runtime.get_staff_store.cache_clear()
        runtime.get_sync.cache_clear()
        runtime.get_limits.cache_clear()
        get_settings.cache_clear()

    clear()
    # Outside opening hours unless a test says otherwise (tests/test_handoff_actions.py):
    # "talk to a person" then takes callback details, whatever the time the tests run.
    monkeypatch.setattr(runtime, "live_chat_open", lambda: False)
    yield runtime
    for cached in (runtime.get_store, runtime.get_staff_store, runtime.get_limits):
        if cached.cache_info().currsize:
            cached().dispose()
    clear()


# ---------------------------------------------------------------- helpers


def tracker(*, text: str = "", intent: str | None = None, confidence: float = 0.9, slots: dict | None = None,
            form: str | None = None, fill: str | None = None, sender: str = "conv-1") -> Tracker:
    """A tracker at the start of an action run after the resident's message.

    `fill` names the slot the message was mapped to in this turn (as a
    `from_text` mapping does while the form asks for it)."""
    values: dict[str, Any] = {name: None for name in SLOT_NAMES}
    values.update(slots or {})
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence} if intent else {},
              "entities": []}
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": latest, "input_channel": "rest"},
    ]
    if form:
        events.insert(0, {"event": "active_loop", "name": form})
    if fill:
        values[fill] = text
        events.append({"event": "slot", "name": fill, "value": text})
    return Tracker(sender, values, latest, events, False, None, {"name": form} if form else {}, "action_listen")


def run(action, t: Tracker) -> tuple[list[dict], CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = aio.run(action.run(dispatcher, t, DOMAIN))
    return events, dispatcher


def slot_sets(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [m.get("text") or "" for m in dispatcher.messages]


def buttons(dispatcher: CollectingDispatcher) -> list[str]:
    return [b["title"] for m in dispatcher.messages for b in m.get("buttons") or []]


COMPLETE = {
    "complaint_description": "The kitchen tap still leaks after four visits and the cupboard is ruined.",
    "complaint_when": "3 weeks ago",
    "outcome_sought": "Replace the tap and the cupboard",
    "relationship": "tenant",
    "resident_name": "Jane Smith",
    "contact_detail": "jane@example.org",
    "postcode": "LS1 4AP",
    "adjustments": "large print",
    "contact_preference": "email, mornings",
    "issue_category": "repair",
}


# The complaint form's questions in order (actions.forms.complaint.COMPLAINT_SLOTS).
FORM_ORDER = ["complaint_description", "complaint_when", "outcome_sought", "relationship", "resident_name",
              "contact_detail", "postcode", "adjustments", "contact_preference", "complaint_confirmed"]


def complaint_form_turn(requested: str, text: str, intent: str = "inform", slots: dict | None = None,
                        confidence: float = 0.9) -> Tracker:
    values = {name: value for name, value in COMPLETE.items()
              if name == "issue_category" or FORM_ORDER.index(name) < FORM_ORDER.index(requested)}
    values.update(slots or {})
    values["requested_slot"] = requested
    return tracker(text=text, intent=intent, confidence=confidence, slots=values, form="complaint_form",
                   fill=requested)


def log_a_complaint(runtime, *, sender: str = "conv-log", **slots: Any):
    """Log a complaint through the real after-form action; returns the stored case."""
    from actions.logging_actions import ActionAfterComplaintForm

    values = {**COMPLETE, "complaint_confirmed": True, **slots}
    events, dispatcher = run(ActionAfterComplaintForm(), tracker(text="yes", intent="affirm", slots=values,
                                                                 sender=sender))
    reference = slot_sets(events)["last_case_reference"]
    return runtime.get_store().get(reference), events, dispatcher


# ---------------------------------------------------------------- complaint form: digressions


def test_question_mid_form_is_answered_and_the_slot_asked_again(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(),
                             complaint_form_turn("complaint_when", "how long will this take", "ask_timescales"))
    said = texts(dispatcher)
    assert said[0].startswith("Stage 1: we acknowledge within 5 working days")
    assert said[-1] == "Now, back to where we were."
    # the question is not taken as the answer, nothing else changes
    assert slot_sets(events) == {"complaint_when": None, "requested_slot": "complaint_when"}


def test_question_about_compensation_while_asked_the_outcome_is_an_answer(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(),
                             complaint_form_turn("outcome_sought", "compensation for the damage", "ask_compensation"))
    assert slot_sets(events)["outcome_sought"] == "compensation for the damage"
    assert slot_sets(events)["requested_slot"] == "relationship"
    assert "back to where we were" not in " ".join(texts(dispatcher))


def test_low_confidence_question_is_taken_as_an_answer(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, _ = run(ValidateComplaintForm(),
                    complaint_form_turn("complaint_when", "about 3 weeks ago", "ask_timescales", confidence=0.3))
    assert slot_sets(events)["complaint_when"] == "about 3 weeks ago"
    assert slot_sets(events)["requested_slot"] == "outcome_sought"


def test_stop_ends_the_form_and_logs_nothing(env):
    from actions.forms.complaint import ValidateComplaintForm
    from actions.logging_actions import ActionAfterComplaintForm

    events, _ = run(ValidateComplaintForm(), complaint_form_turn("outcome_sought", "stop", "stop"))
    assert slot_sets(events) == {"outcome_sought": None, "form_interrupted": "stop", "requested_slot": None}

    after_events, dispatcher = run(ActionAfterComplaintForm(), tracker(
        text="stop", intent="stop", slots={**COMPLETE, "form_interrupted": "stop"}))
    assert "Nothing has been logged" in texts(dispatcher)[0]
    assert slot_sets(after_events) == {"form_interrupted": None}
    assert env.get_store().list() == []


def test_talk_to_a_person_switches_to_the_callback_slots(env):
    from actions.forms.base import HANDOFF_MESSAGE
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(),
                             complaint_form_turn("outcome_sought", "can i talk to a real person", "request_human"))
    assert texts(dispatcher)[0] == HANDOFF_MESSAGE
    assert "isn't logged yet" in texts(dispatcher)[1]
    assert slot_sets(events) == {"outcome_sought": None, "form_interrupted": "human",
                                 "requested_slot": "resident_name"}


def test_talk_to_a_person_skips_callback_details_already_given(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, _ = run(ValidateComplaintForm(),
                    complaint_form_turn("adjustments", "speak to someone please", "request_human"))
    # name and contact detail were given earlier in the form: only the preference is left
    assert slot_sets(events)["requested_slot"] == "contact_preference"
    assert slot_sets(events)["form_interrupted"] == "human"


def test_in_callback_mode_the_form_asks_only_callback_slots(env):
    from actions.forms.complaint import ValidateComplaintForm

    slots = {"form_interrupted": "human", "resident_name": "Jane Smith", "complaint_description": None}
    events, _ = run(ValidateComplaintForm(),
                    complaint_form_turn("contact_detail", "07700 900123", slots=slots))
    assert slot_sets(events)["contact_detail"] == "07700900123"
    assert slot_sets(events)["requested_slot"] == "contact_preference"


def test_after_a_switch_to_a_person_the_callback_is_logged_with_the_transcript(env):
    from actions.logging_actions import ActionAfterComplaintForm

    slots = {**COMPLETE, "form_interrupted": "human", "contact_detail": "07700900123",
             "contact_preference": "phone after 5pm"}
    events, dispatcher = run(ActionAfterComplaintForm(), tracker(text="phone after 5pm", intent="inform",
                                                                 slots=slots, sender="conv-cb"))
    reference = slot_sets(events)["last_case_reference"]
    assert slot_sets(events)["form_interrupted"] is None
    case = env.get_store().get(reference)
    assert case.kind == "service_request" and case.category == "callback request"
    assert case.resident.phone == "07700900123" and case.resident.postcode == "LS1 4AP"
    assert case.handed_to_staff_at is not None
    handed = [h.detail for h in env.get_store().history(reference) if h.kind == "handed_to_staff"]
    assert handed and "Resident: phone after 5pm" in handed[0]
    said = texts(dispatcher)[0]
    # closed now: the emergency repairs line and 999, not the office line that is closed
    assert reference in said and env.get_policy().emergency_repairs_phone in said and "999" in said
    assert env.get_policy().phone not in said
    assert env.get_store().list(kind="complaint") == []


def test_emergency_mid_form_comes_first(env):
    from actions.forms.complaint import ValidateComplaintForm

    _, dispatcher = run(ValidateComplaintForm(),
                        complaint_form_turn("outcome_sought", "i can smell gas in the kitchen now"))
    said = texts(dispatcher)
    assert said[0].startswith("This sounds like an emergency.")
    assert "0800 111 999" in said[0]


# ---------------------------------------------------------------- complaint form: contact details


def test_bad_contact_detail_is_asked_again(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn("contact_detail", "my number is 12345"))
    assert slot_sets(events) == {"contact_detail": None, "requested_slot": "contact_detail"}
    assert "doesn't look like an email address or a UK phone number" in texts(dispatcher)[0]


@pytest.mark.parametrize(("typed", "stored"), [
    ("07700 900123", "07700900123"),
    ("+44 7700 900123", "07700900123"),
    ("you can email me on Jane.Smith@Example.org", "jane.smith@example.org"),
])
def test_good_contact_detail_is_normalised_and_the_form_moves_on(env, typed, stored):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn("contact_detail", typed))
    assert slot_sets(events) == {"contact_detail": stored, "requested_slot": "postcode"}
    assert texts(dispatcher) == []


def test_unreadable_postcode_is_asked_again(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn("postcode", "email"))
    assert slot_sets(events) == {"postcode": None, "requested_slot": "postcode"}
    assert "couldn't read that postcode" in texts(dispatcher)[0] and "don't know" in texts(dispatcher)[0]


@pytest.mark.parametrize("typed", ["dunno", "none", "i don't know it", "there isn't one postcode for the block",
                                   "we don't have an address"])
def test_no_postcode_is_fine_and_a_person_checks_the_address(env, typed):
    from actions.forms.complaint import ValidateComplaintForm
    from actions.forms.contact import ADDRESS_TO_CHECK, postcode_and_address

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn("postcode", typed))
    stored = slot_sets(events)
    assert (stored["postcode"], stored["requested_slot"]) == (f"{ADDRESS_TO_CHECK}: {typed}", "adjustments")
    assert "check the address with you" in texts(dispatcher)[0]
    assert postcode_and_address(stored["postcode"]) == (None, stored["postcode"])


@pytest.mark.parametrize(("typed", "stored"), [
    ("LS1 4AP", "LS1 4AP"),
    ("my postcode is ls14ap", "LS1 4AP"),
    ("its m1 2ab thanks", "M1 2AB"),
    ("12 High Street, Leeds LS1 4AP", "12 High Street, Leeds LS1 4AP"),
    ("Flat 3, 12 High Street, Leeds", "Flat 3, 12 High Street, Leeds"),
    ("Jubilee Court, Riverside Road", "Jubilee Court, Riverside Road"),
    ("the Riverside estate", "the Riverside estate"),
    ("don't know the postcode, it's 12 Oak Road", "don't know the postcode, it's 12 Oak Road"),
])
def test_postcode_or_address(env, typed, stored):
    from actions.forms.complaint import ValidateComplaintForm

    events, _ = run(ValidateComplaintForm(), complaint_form_turn("postcode", typed))
    assert (slot_sets(events)["postcode"], slot_sets(events)["requested_slot"]) == (stored, "adjustments")


def test_complaint_when_flags_an_old_complaint_without_refusing(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn("complaint_when", "over 2 years ago"))
    values = slot_sets(events)
    assert values["complaint_when"] == "over 2 years ago"
    assert values["possible_exclusion"] == "it may be more than 12 months old"
    assert values["requested_slot"] == "outcome_sought"
    assert "I'll still log your complaint" in texts(dispatcher)[0]


def test_complaint_when_a_month_is_recorded_as_the_month_and_not_flagged_while_any_of_it_is_in_time(env):
    """"November 2025" a year on: its 1st is just over 12 months ago, but the
    resident may mean the end of the month, so it is not flagged as old."""
    from actions.forms.complaint import ValidateComplaintForm
    from housing.answers import When

    today = env.now().date()
    a_year_ago = When.month(today.year - 1, today.month)
    typed = a_year_ago.earliest.strftime("%B %Y")
    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn("complaint_when", typed))
    values = slot_sets(events)
    assert values["happened_on"] == a_year_ago.isoformat()  # e.g. "2025-11", not "2025-11-01"
    assert values["possible_exclusion"] is None
    assert dispatcher.messages == []

    two_years_ago = a_year_ago.earliest.replace(year=today.year - 2).strftime("%B %Y")
    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn("complaint_when", two_years_ago))
    assert slot_sets(events)["possible_exclusion"] == "it may be more than 12 months old"


# ---------------------------------------------------------------- complaint form: read-back


def test_read_back_correction_path(env):
    from actions.forms.complaint import ActionAskComplaintConfirmed, ValidateComplaintForm

    form = ValidateComplaintForm()
    # 1. the read-back lists what was given
    _, dispatcher = run(ActionAskComplaintConfirmed(), tracker(slots={**COMPLETE, "requested_slot":
                                                                       "complaint_confirmed"}))
    readback = texts(dispatcher)[0]
    for value in ("The kitchen tap still leaks", "3 weeks ago", "jane@example.org", "LS1 4AP", "Is this right?"):
        assert value in readback
    assert buttons(dispatcher) == ["Yes, log it", "Change something"]

    # 2. "no": which part?
    events, _ = run(form, complaint_form_turn("complaint_confirmed", "no thats not right", "deny"))
    assert slot_sets(events) == {"complaint_confirmed": None, "change_pending": True,
                                 "requested_slot": "complaint_confirmed"}
    _, dispatcher = run(ActionAskComplaintConfirmed(), tracker(slots={**COMPLETE, "change_pending": True}))
    assert texts(dispatcher) == ["Which part would you like to change?"]
    assert "Postcode" in buttons(dispatcher)

    # 3. "the postcode": that slot is cleared and asked again
    events, _ = run(form, complaint_form_turn("complaint_confirmed", "the postcode", slots={"change_pending": True}))
    assert slot_sets(events) == {"postcode": None, "complaint_confirmed": None, "change_pending": False,
                                 "requested_slot": "postcode"}

    # 4. the new postcode, then back to the read-back
    events, _ = run(form, complaint_form_turn("postcode", "m1 2ab", slots={**COMPLETE, "complaint_confirmed": None}))
    assert slot_sets(events) == {"postcode": "M1 2AB", "requested_slot": "complaint_confirmed", "fallback_count": 0}

    # 5. "yes": confirmed, the form ends
    events, _ = run(form, complaint_form_turn("complaint_confirmed", "yes thats right", "affirm",
                                              slots={"postcode": "M1 2AB"}))
    assert slot_sets(events) == {"complaint_confirmed": True, "requested_slot": None}


def test_read_back_direct_change_names_the_field(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, _ = run(ValidateComplaintForm(), complaint_form_turn("complaint_confirmed", "change my email"))
    assert slot_sets(events) == {"contact_detail": None, "complaint_confirmed": None,
                                 "requested_slot": "contact_detail"}


def test_read_back_unclear_part_is_asked_again(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn(
        "complaint_confirmed", "hmm the thing", slots={"change_pending": True}))
    assert slot_sets(events) == {"complaint_confirmed": None, "requested_slot": "complaint_confirmed"}
    assert texts(dispatcher) == ["Sorry, which part would you like to change?"]


# ---------------------------------------------------------------- logging the complaint


def test_after_complaint_form_logs_a_case_with_engine_dates(env):
    case, events, dispatcher = log_a_complaint(env)
    policy = env.get_policy()
    expected = stage_dates(policy, 1, case.received_at)
    assert case.kind == "complaint" and case.stage == 1
    assert case.acknowledgement_due == expected.acknowledgement_due
    assert case.response_due == expected.response_due
    assert case.description == COMPLETE["complaint_description"]
    assert case.outcome_sought == COMPLETE["outcome_sought"]
    assert case.resident.email == "jane@example.org" and case.resident.postcode == "LS1 4AP"
    assert case.reasonable_adjustments == ("large print",)
    assert case.channel == "rest" and case.conversation_id == "conv-log"

    ack = texts(dispatcher)[0]
    assert case.reference in ack
    assert format_date(expected.acknowledgement_due) in ack
    assert format_date(expected.response_due) in ack
    assert COMPLETE["complaint_description"] in ack and COMPLETE["outcome_sought"] in ack
    assert "Advocacy:" in ack and "Housing Ombudsman Service" in ack

    values = slot_sets(events)
    assert values["last_case_reference"] == case.reference
    for cleared in ("complaint_description", "contact_detail", "complaint_confirmed", "change_pending"):
        assert values[cleared] is None
    notes = [h.detail for h in env.get_store().history(case.reference) if h.kind == "note"]
    assert "Logged as a complaint in the chat (the resident was told they could choose a service request instead)." in notes


def test_vulnerability_said_anywhere_in_the_conversation_is_recorded(env):
    from actions.logging_actions import ActionAfterComplaintForm

    conversation = tracker(text="yes", intent="affirm", slots={**COMPLETE, "complaint_confirmed": True,
                                                              "adjustments": "none"}, sender="conv-vuln")
    conversation.events[:0] = [{"event": "user", "text": "I'm complaining for my mum, she's 84 and has dementia"},
                               {"event": "user", "text": "yes"}]
    run(ActionAfterComplaintForm(), conversation)
    case = env.get_store().list(kind="complaint")[0]
    assert case.vulnerability and "dementia" in case.vulnerability and "84" in case.vulnerability


def test_after_complaint_form_twice_logs_one_case(env):
    first, _, _ = log_a_complaint(env)
    again, _, _ = log_a_complaint(env)
    assert again.reference == first.reference
    assert len(env.get_store().list(kind="complaint")) == 1


def test_representative_complaint_records_the_resident_and_consent(env):
    case, _, _ = log_a_complaint(env, relationship="representative", resident_name="Sam Smith",
                                 represented_resident_name="Joan Smith", representative_relationship="son",
                                 representative_consent="pending")
    assert case.resident.name == "Joan Smith"
    assert case.representative.name == "Sam Smith"
    assert case.representative.relationship == "son"
    assert case.representative.consent_status == "pending"


def test_unconfirmed_complaint_is_not_logged(env):
    from actions.logging_actions import ActionAfterComplaintForm

    events, dispatcher = run(ActionAfterComplaintForm(), tracker(slots={**COMPLETE, "complaint_confirmed": None}))
    assert events == [] and dispatcher.messages == []
    assert env.get_store().list() == []


# ---------------------------------------------------------------- status and escalation


def lookup_tracker(reference: str, detail: str, **slots: Any) -> Tracker:
    return tracker(text=detail, intent="inform",
                   slots={"case_reference": reference, "verification_detail": detail, **slots})


def test_status_is_never_revealed_with_a_wrong_detail(env):
    from actions.case_lookup import NOT_MATCHED, ActionAfterStatusForm

    case, _, _ = log_a_complaint(env)
    wrong, dispatcher = run(ActionAfterStatusForm(), lookup_tracker(case.reference, "M1 2AB"))
    said = " ".join(texts(dispatcher))
    assert texts(dispatcher) == [NOT_MATCHED]
    assert case.reference not in said and "stage" not in said.lower() and "due" not in said
    assert "last_case_reference" not in slot_sets(wrong)
    assert slot_sets(wrong)["case_reference"] is None and slot_sets(wrong)["verification_detail"] is None

    # an unknown reference looks exactly the same
    _, unknown = run(ActionAfterStatusForm(), lookup_tracker("CMP-2026-999999", "LS1 4AP"))
    assert texts(unknown) == texts(dispatcher)


def status_form_turn(reference: str, text: str, **slots: Any) -> Tracker:
    return tracker(text=text, intent="inform", form="status_form", fill="verification_detail",
                   slots={"case_reference": reference, "requested_slot": "verification_detail", **slots})


def test_a_wrong_detail_gets_one_more_try_that_reveals_nothing(env):
    from actions.case_lookup import ValidateStatusForm

    case, _, _ = log_a_complaint(env)
    events, dispatcher = run(ValidateStatusForm(), status_form_turn(case.reference, "M1 2AB"))
    assert slot_sets(events)["verification_detail"] is None and slot_sets(events)["fallback_count"] == 1
    said = texts(dispatcher)
    _, unknown = run(ValidateStatusForm(), status_form_turn("CMP-2026-999999", "M1 2AB"))
    assert texts(unknown) == said  # an unknown reference looks exactly the same
    # the right detail the second time is accepted
    events, _ = run(ValidateStatusForm(), status_form_turn(case.reference, "jane@example.org", fallback_count=1))
    assert slot_sets(events)["verification_detail"] == "jane@example.org"
    # a second wrong one is taken, and the after-form action says it could not match
    events, _ = run(ValidateStatusForm(), status_form_turn(case.reference, "M1 2AB", fallback_count=1))
    assert slot_sets(events)["verification_detail"] == "M1 2AB"


def test_a_reference_typed_at_the_detail_question_is_looked_up_instead(env):
    from actions.case_lookup import ValidateStatusForm

    events, dispatcher = run(ValidateStatusForm(), status_form_turn("CMP-2026-000001", "sorry its cmp 2026 7"))
    assert slot_sets(events)["case_reference"] == "CMP-2026-000007"
    assert slot_sets(events)["verification_detail"] is None


@pytest.mark.parametrize("detail", ["ls1 4ap", "LS14AP", "JANE@example.org"])
def test_status_with_a_matching_detail(env, detail):
    from actions.case_lookup import ActionAfterStatusForm

    case, _, _ = log_a_complaint(env)
    events, dispatcher = run(ActionAfterStatusForm(), lookup_tracker(case.reference, detail))
    said = texts(dispatcher)[0]
    assert said.startswith(f"{case.reference} is a complaint (stage 1), status: open.")
    assert format_date(case.response_due) in said
    assert slot_sets(events)["last_case_reference"] == case.reference


@pytest.mark.parametrize("postcode_slot", ["LS1 4AP", "12 High Street, Leeds LS1 4AP"])
def test_a_resident_who_gave_an_address_can_still_check_by_postcode(env, postcode_slot):
    from actions.case_lookup import ActionAfterStatusForm

    case, _, _ = log_a_complaint(env, postcode=postcode_slot)
    assert case.resident.postcode == "LS1 4AP"
    assert case.resident.address == (postcode_slot if len(postcode_slot) > 8 else None)
    events, dispatcher = run(ActionAfterStatusForm(), lookup_tracker(case.reference, "ls1 4ap"))
    assert texts(dispatcher)[0].startswith(case.reference)


def test_escalation_refused_before_stage_1_response_then_escalated(env):
    from actions.case_lookup import ActionAfterEscalationForm

    case, _, _ = log_a_complaint(env)
    store = env.get_store()

    events, dispatcher = run(ActionAfterEscalationForm(), lookup_tracker(case.reference, "jane@example.org"))
    said = texts(dispatcher)[0]
    assert "once you've had our stage 1 response" in said
    assert format_date(case.response_due) in said
    assert store.get(case.reference).stage == 1
    assert store.get(case.reference).escalated_at is None

    store.record_response(case.reference, case.received_at)
    events, dispatcher = run(ActionAfterEscalationForm(), lookup_tracker(
        case.reference, "jane@example.org", escalation_reason="The tap still leaks."))
    escalated = store.get(case.reference)
    assert escalated.stage == 2
    expected = stage_dates(env.get_policy(), 2, escalated.escalated_at)
    assert (escalated.acknowledgement_due, escalated.response_due) == (expected.acknowledgement_due,
                                                                       expected.response_due)
    said = texts(dispatcher)[0]
    assert f"{case.reference} has been escalated to Stage 2" in said
    assert format_date(expected.acknowledgement_due) in said
    assert format_date(expected.response_due) in said
    assert "at most 20 more working days" in said
    assert slot_sets(events)["last_case_reference"] == case.reference
    assert any("The tap still leaks." in h.detail for h in store.history(case.reference))

    # and once at stage 2 there is nowhere further inside the landlord
    store.record_response(case.reference, escalated.escalated_at)
    _, dispatcher = run(ActionAfterEscalationForm(), lookup_tracker(case.reference, "jane@example.org"))
    assert "already at our final stage" in texts(dispatcher)[0]


def test_escalation_with_a_wrong_detail_changes_nothing(env):
    from actions.case_lookup import NOT_MATCHED, ActionAfterEscalationForm

    case, _, _ = log_a_complaint(env)
    env.get_store().record_response(case.reference, case.received_at)
    _, dispatcher = run(ActionAfterEscalationForm(), lookup_tracker(case.reference, "someone@else.org"))
    assert texts(dispatcher) == [NOT_MATCHED]
    assert env.get_store().get(case.reference).stage == 1


# ---------------------------------------------------------------- triage and fallback


def test_triage_gives_the_emergency_route_first(env):
    from actions.triage import ActionTriage
    from housing.messages import emergency_answer

    events, dispatcher = run(ActionTriage(), tracker(text="water pouring through my light fitting",
                                                     intent="report_repair"))
    said = texts(dispatcher)
    assert said[0] == emergency_answer(env.get_policy(), "flooding")
    assert "stopcock" in said[0] and "0306 999 0199" in said[0]
    assert len(said) == 2  # then what happens to the repair
    values = slot_sets(events)
    assert values["issue_category"] == "repair"
    assert values["route"] == "service_request"


def test_triage_first_report_is_a_service_request_with_the_offer_to_complain(env):
    from actions.triage import ActionTriage

    events, dispatcher = run(ActionTriage(), tracker(text="my kitchen tap is leaking", intent="report_repair"))
    said = texts(dispatcher)
    assert len(said) == 1
    assert said[0].startswith("Reporting a repair for the first time is a service request")
    assert "you can make a complaint instead" in said[0]
    values = slot_sets(events)
    assert values["route"] == "service_request"
    assert values["complaint_offered"] is True
    assert values["issue_text"] == "my kitchen tap is leaking"


def test_triage_repeated_failure_is_a_complaint(env):
    from actions.triage import ActionTriage

    events, dispatcher = run(ActionTriage(), tracker(text="my tap is still leaking after 4 visits",
                                                     intent="report_repair"))
    assert slot_sets(events)["route"] == "complaint"
    assert "Because it has gone wrong more than once, I'll take this as a complaint" in texts(dispatcher)[0]
    assert "This sounds like an emergency" not in " ".join(texts(dispatcher))


def test_fallback_offers_a_person_on_the_second_miss(env):
    from actions.session import ActionDefaultFallback

    events, dispatcher = run(ActionDefaultFallback(), tracker(text="blorp", intent="nlu_fallback",
                                                              slots={"fallback_count": 0}))
    assert slot_sets(events) == {"fallback_count": 1}
    assert "Talk to a person" not in buttons(dispatcher)
    assert texts(dispatcher)[0].startswith("Sorry, I didn't understand that.")

    events, dispatcher = run(ActionDefaultFallback(), tracker(text="blorp again", intent="nlu_fallback",
                                                              slots={"fallback_count": 1}))
    assert slot_sets(events) == {"fallback_count": 2}
    assert "Talk to a person" in buttons(dispatcher)
    assert "talk to a member of staff" in texts(dispatcher)[0]


# ---------------------------------------------------------------- regressions found by the story replay


def test_a_question_at_the_name_question_asks_for_the_name_again_not_a_representative_slot(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, _ = run(ValidateComplaintForm(),
                    complaint_form_turn("resident_name", "who can I complain to if you don't sort it",
                                        "ask_ombudsman"))
    assert slot_sets(events)["requested_slot"] == "resident_name"


def test_an_emergency_typed_mid_form_is_not_taken_as_the_answer(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(),
                             complaint_form_turn("complaint_when", "hang on I can smell gas in the kitchen",
                                                 "report_emergency"))
    assert "0800 111 999" in texts(dispatcher)[0]
    assert slot_sets(events) == {"complaint_when": None, "requested_slot": "complaint_when"}


@pytest.mark.parametrize(("requested", "text"), [
    ("complaint_when", "a pipe has burst and water is everywhere"),
    ("outcome_sought", "oh god the water is now pouring through the ceiling onto the electrics"),
    ("relationship", "the kitchen ceiling just fell down"),
    ("contact_detail", "water is getting into the plug sockets"),
    ("adjustments", "i got a shock off the light switch"),
])
def test_danger_typed_mid_form_in_residents_words_comes_first_and_is_not_the_answer(env, requested, text):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn(requested, text))
    assert texts(dispatcher)[0].startswith("This sounds like an emergency.")
    assert slot_sets(events) == {requested: None, "requested_slot": requested}


def consent_turn(text: str, **slots: Any) -> Tracker:
    """The complaint form asking a son complaining for his dad about permission."""
    values = {name: COMPLETE[name] for name in FORM_ORDER[:3]}
    values.update(relationship="representative", represented_resident_name="Ted Jones",
                  representative_relationship="son", requested_slot="representative_consent", **slots)
    return tracker(text=text, intent="inform", slots=values, form="complaint_form", fill="representative_consent")


def test_consent_never_loops_the_second_unclear_answer_leaves_it_for_a_person(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), consent_turn("please ring me not my dad about it"))
    assert slot_sets(events)["representative_consent"] is None
    assert "written permission" in texts(dispatcher)[0]
    events, dispatcher = run(ValidateComplaintForm(), consent_turn("whatever you think", fallback_count=1))
    assert slot_sets(events)["representative_consent"] == "pending"
    assert slot_sets(events).get("requested_slot") != "representative_consent"
    assert "check it with you" in texts(dispatcher)[0]


def test_verbal_agreement_is_permission_to_follow_under_a_written_policy(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), consent_turn("my dad said it's fine for me to do it"))
    assert slot_sets(events)["representative_consent"] == "pending"
    assert "written permission when you can" in texts(dispatcher)[0]


@pytest.mark.parametrize(("requested", "text", "field"), [
    ("outcome_sought", "wait, can I change the date? it was actually 6 weeks ago", "complaint_when"),
    ("contact_detail", "sorry can i go back to my name, I spelt it wrong", "resident_name"),
    ("adjustments", "i made a mistake in the postcode", "postcode"),
])
def test_asking_to_change_an_earlier_answer_mid_form_goes_back_to_it(env, requested, text, field):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn(requested, text))
    assert slot_sets(events) == {requested: None, field: None, "requested_slot": field}
    assert "change that" in texts(dispatcher)[0]


@pytest.mark.parametrize("text", ["fix the boiler and change the contractor you use",
                                  "change how you handle complaints", "an apology and the date of the repair"])
def test_an_outcome_that_mentions_change_is_an_answer(env, text):
    from actions.forms.complaint import ValidateComplaintForm

    events, _ = run(ValidateComplaintForm(), complaint_form_turn("outcome_sought", text))
    assert slot_sets(events)["outcome_sought"] == text


def test_the_read_back_shows_the_connection_to_the_landlord(env):
    from actions.forms.complaint import readback

    text = readback(complaint_form_turn("complaint_confirmed", "yes"))
    assert "9. Your connection to us: tenant" in text


def test_changing_the_phone_number_at_the_read_back_clears_the_contact_not_the_outcome(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, _ = run(ValidateComplaintForm(),
                    complaint_form_turn("complaint_confirmed", "i want to change my phone number", "change_answer"))
    changed = slot_sets(events)
    assert changed.get("contact_detail", "kept") is None
    assert "outcome_sought" not in changed


@pytest.mark.parametrize("text", ["nothing needed", "no thanks", "not needed", "none"])
def test_no_adjustments_in_the_residents_words(env, text):
    from actions.forms.complaint import ValidateComplaintForm

    events, _ = run(ValidateComplaintForm(), complaint_form_turn("adjustments", text))
    assert slot_sets(events)["adjustments"] == "none"


def test_callback_details_are_checked_in_every_form(env):
    from actions.triage import ValidateRouteForm

    t = tracker(text="0121 496 0555", intent="inform", slots={"requested_slot": "contact_detail",
                                                              "form_interrupted": "human"},
                form="route_form", fill="contact_detail")
    events, _ = run(ValidateRouteForm(), t)
    assert slot_sets(events)["contact_detail"] == "01214960555"


def test_the_route_question_never_traps_the_resident(env):
    from actions.triage import ValidateRouteForm

    def answer(text: str, misses: int):
        t = tracker(text=text, intent="inform", slots={"requested_slot": "route_choice", "fallback_count": misses},
                    form="route_form", fill="route_choice")
        return run(ValidateRouteForm(), t)

    events, _ = answer("log it as a repair", 0)
    assert slot_sets(events)["route_choice"] == "service_request"
    events, dispatcher = answer("Jane Smith", 0)
    assert slot_sets(events)["route_choice"] is None
    assert "talk to a person" in texts(dispatcher)[0]
    events, dispatcher = answer("jane@example.com", 1)
    assert slot_sets(events)["route_choice"] == "service_request"
    assert "make a complaint" in texts(dispatcher)[0]


@pytest.mark.parametrize("text, accepted", [("phone after 5pm", False), ("Flat 3, 12 Park Road, Leeds", True),
                                            ("ls1 4ap", True)])
def test_postcode_question_rejects_what_is_not_an_address(env, text, accepted):
    from actions.logging_actions import ValidateServiceRequestForm

    t = tracker(text=text, intent="inform", slots={"requested_slot": "postcode"}, form="service_request_form",
                fill="postcode")
    events, _ = run(ValidateServiceRequestForm(), t)
    assert (slot_sets(events)["postcode"] is not None) == accepted


# ---------------------------------------------------------------- found by exploratory testing


@pytest.mark.parametrize("text", ["yes the details are correct", "yep all good, thats my number", "yes thats right"])
def test_a_clean_yes_at_the_read_back_logs_without_wiping_anything(env, text):
    from actions.forms.complaint import ValidateComplaintForm

    events, _ = run(ValidateComplaintForm(), complaint_form_turn("complaint_confirmed", text, "affirm"))
    changed = slot_sets(events)
    assert changed.pop("complaint_confirmed") is True
    assert changed in ({}, {"requested_slot": None})  # nothing wiped; the form is done


def test_an_answer_mentioning_a_call_back_is_an_answer_not_a_request_for_a_person(env):
    from actions.forms.complaint import ValidateComplaintForm

    text = "for someone to actually deal with it and ring me back"
    events, _ = run(ValidateComplaintForm(), complaint_form_turn("outcome_sought", text, "request_human"))
    assert slot_sets(events)["outcome_sought"] == text
    assert "form_interrupted" not in slot_sets(events)


@pytest.mark.parametrize("text", ["I havent got a phone or email", "no email, write to me", "none"])
def test_a_resident_without_phone_or_email_can_carry_on(env, text):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn("contact_detail", text))
    assert slot_sets(events)["contact_detail"].startswith("none")
    assert "write to you" in texts(dispatcher)[0]


@pytest.mark.parametrize("text", ["i dont want to complain i just want it fixed", "no not a complaint",
                                  "just log it as a repair"])
def test_changing_your_mind_about_complaining_ends_the_complaint_form(env, text):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn("outcome_sought", text))
    assert slot_sets(events)["form_interrupted"] == "stop"
    assert "won't log a complaint" in texts(dispatcher)[0]


@pytest.mark.parametrize("text", ["07700 900456", "why", "hello?", "why do you need my name?", "sorry"])
def test_the_name_question_does_not_take_what_is_not_a_name(env, text):
    from actions.forms.complaint import ValidateComplaintForm

    events, _ = run(ValidateComplaintForm(), complaint_form_turn("resident_name", text))
    assert slot_sets(events)["resident_name"] is None


def test_a_resident_without_a_reference_is_not_trapped_in_the_status_question(env):
    from actions.case_lookup import ValidateStatusForm

    t = tracker(text="i dont have it, its on a letter somewhere", intent="inform",
                slots={"requested_slot": "case_reference"}, form="status_form", fill="case_reference")
    events, dispatcher = run(ValidateStatusForm(), t)
    changed = slot_sets(events)
    assert changed["requested_slot"] is None and changed["form_interrupted"] == "quiet"
    assert "Talk to a person" in buttons(dispatcher)


def test_a_representatives_complaint_can_be_checked_with_the_contact_they_gave(env):
    import actions.runtime as runtime

    case, _, _ = log_a_complaint(runtime, sender="conv-rep", relationship="representative",
                                 represented_resident_name="Ada Lovelace", representative_relationship="son",
                                 representative_consent="not_needed", contact_detail="07700900456")
    assert runtime.get_store().find_verified(case.reference, "07700 900456") is not None


@pytest.mark.parametrize("text", ["do you have interpreter? i speak polish", "you speak arabic?",
                                  "my english no good"])
def test_an_interpreter_request_is_offered_help_not_goodbye(env, text):
    from actions.session import ActionGoodbye

    events, dispatcher = run(ActionGoodbye(), tracker(text=text, intent="goodbye"))
    said = " ".join(texts(dispatcher))
    assert "interpreter" in said and "Goodbye" not in said
    assert "Talk to a person" in buttons(dispatcher)


@pytest.mark.parametrize(("action", "intent", "text"), [
    ("ActionDefaultFallback", "nlu_fallback", "Dzień dobry, mam problem z ogrzewaniem w mieszkaniu"),
    ("ActionDefaultFallback", "nlu_fallback", "Bună ziua, nu am apă caldă în apartament"),
    ("ActionAnswerQuestion", "inform", "Polish please"),
    ("ActionAnswerQuestion", "inform", "مرحبا عندي مشكلة في الشقة"),
])
def test_a_message_in_another_language_gets_the_interpreter_offer(env, action, intent, text):
    import actions.answers
    import actions.session

    module = actions.session if action == "ActionDefaultFallback" else actions.answers
    events, dispatcher = run(getattr(module, action)(), tracker(text=text, intent=intent))
    assert texts(dispatcher)[0].startswith("Yes, we can arrange an interpreter")
    assert env.get_policy().phone in texts(dispatcher)[0]
    assert "Talk to a person" in buttons(dispatcher)


@pytest.mark.parametrize(("intent", "text", "offered"), [
    ("ask_ombudsman", "can I go to the ombudsman now? I'm not happy", True),
    ("ask_compensation", "this is the third time they let me down, what compensation do I get", True),
    ("ask_ombudsman", "who is the ombudsman?", False),
    ("ask_timescales", "how long do you have to reply to a complaint?", False),
])
def test_an_unhappy_question_is_answered_and_a_complaint_offered(env, intent, text, offered):
    from actions.answers import ActionAnswerQuestion

    events, dispatcher = run(ActionAnswerQuestion(), tracker(text=text, intent=intent))
    said = texts(dispatcher)
    assert said[0]  # the question is answered first
    assert ("Make a complaint" in buttons(dispatcher)) is offered
    assert ("complaint_offered" in slot_sets(events)) is offered


def test_an_unreadable_when_is_asked_once_more_then_kept(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn("complaint_when", "yes i want to complain"))
    assert slot_sets(events)["complaint_when"] is None
    assert "didn't catch when" in texts(dispatcher)[0]
    events, _ = run(ValidateComplaintForm(), complaint_form_turn("complaint_when", "whenever it was",
                                                                 slots={"fallback_count": 1}))
    assert slot_sets(events)["complaint_when"] == "whenever it was"


@pytest.mark.parametrize("text", ["not sure", "ages ago", "since the summer"])
def test_an_unsure_when_is_accepted_first_time(env, text):
    from actions.forms.complaint import ValidateComplaintForm

    events, _ = run(ValidateComplaintForm(), complaint_form_turn("complaint_when", text))
    assert slot_sets(events)["complaint_when"] == text


def test_escalating_a_service_request_offers_a_complaint_instead(env):
    from datetime import datetime, timezone

    from actions.case_lookup import ActionAfterEscalationForm
    from housing.cases.models import Resident
    from housing.casework import log_service_request

    request = log_service_request(env.get_store(), category="repair", description="tap dripping",
                                  resident=Resident(name="Jo", email="jo@example.org"), channel="rest",
                                  conversation_id="conv-sr", received_at=datetime.now(timezone.utc))
    _, dispatcher = run(ActionAfterEscalationForm(), lookup_tracker(request.reference, "jo@example.org"))
    assert "is a service request, not a complaint" in texts(dispatcher)[0]
    assert "Make a complaint" in buttons(dispatcher)
    assert env.get_store().get(request.reference).stage == 1

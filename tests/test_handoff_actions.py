"""Handing a conversation to a person, in the real rasa-sdk actions against a
fresh SQLite store: in opening hours the bot pauses and the staff queue gets a
live hand-over with the transcript on the case; outside them a callback is
taken; risk words give the crisis route first; a possible exclusion queues the
case for a decision without pausing; a new session keeps the pause."""
from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from tests.test_actions import (  # noqa: F401 - `env` is a fixture
    COMPLETE,
    buttons,
    complaint_form_turn,
    env,
    log_a_complaint,
    run,
    slot_sets,
    texts,
    tracker,
)

@pytest.fixture
def open_now(env, monkeypatch):
    monkeypatch.setattr(env, "live_chat_open", lambda: True)
    return env


def paused(events: list[dict]) -> bool:
    return any(event.get("event") == "pause" for event in events)


def handoff(runtime, sender: str):
    return runtime.get_staff_store().open_handoff_for(sender)


# ---------------------------------------------------------------- asking for a person


def test_in_opening_hours_the_chat_is_queued_for_a_person_and_the_bot_pauses(open_now):
    from actions.handoff import ActionRequestHuman

    events, dispatcher = run(ActionRequestHuman(), tracker(text="talk to a person", intent="request_human",
                                                          sender="conv-live"))
    assert paused(events)
    said = texts(dispatcher)[0]
    assert "A member of our team will join this chat, usually within 10 minutes" in said
    assert "they will see your messages" in said
    queued = handoff(open_now, "conv-live")
    assert (queued.mode, queued.status, queued.channel) == ("live", "waiting", "rest")
    assert queued.reason == "resident asked for a person"
    case = open_now.get_store().get(queued.case_reference)
    assert case.category == "callback request" and case.handed_to_staff_at is not None
    assert any(h.kind == "handed_to_staff" and "Resident: talk to a person" in h.detail for h in case.history)
    assert slot_sets(events)["last_case_reference"] == case.reference


def test_the_handoff_goes_on_the_conversations_latest_case(open_now):
    from actions.handoff import ActionRequestHuman

    case, _, _ = log_a_complaint(open_now, sender="conv-cmp")
    events, _ = run(ActionRequestHuman(), tracker(text="can I speak to someone", intent="request_human",
                                                  sender="conv-cmp"))
    assert handoff(open_now, "conv-cmp").case_reference == case.reference
    assert open_now.get_store().list(kind="service_request") == []
    assert paused(events)


def test_after_two_misunderstandings_the_reason_says_so(open_now):
    from actions.handoff import ActionRequestHuman

    run(ActionRequestHuman(), tracker(text="Talk to a person", intent="request_human", sender="conv-fb",
                                      slots={"fallback_count": 2}))
    assert handoff(open_now, "conv-fb").reason.startswith("the assistant misunderstood twice")


def test_outside_opening_hours_the_callback_details_are_taken(env):
    from actions.forms.base import HANDOFF_MESSAGE
    from actions.handoff import ActionAfterCallbackForm, ActionRequestHuman

    events, dispatcher = run(ActionRequestHuman(), tracker(text="talk to a person", intent="request_human",
                                                          sender="conv-cb"))
    assert not paused(events) and texts(dispatcher) == [HANDOFF_MESSAGE]
    assert handoff(env, "conv-cb") is None
    slots = {"resident_name": "Jo Bloggs", "contact_detail": "07700900123", "contact_preference": "after 5pm"}
    events, dispatcher = run(ActionAfterCallbackForm(), tracker(text="after 5pm", slots=slots, sender="conv-cb"))
    assert not paused(events)
    said = texts(dispatcher)[0]
    assert "callback request is logged" in said and "the team is back" in said
    queued = handoff(env, "conv-cb")
    assert (queued.mode, queued.status) == ("callback", "waiting")
    assert queued.case_reference == slot_sets(events)["last_case_reference"]


def test_mid_form_in_opening_hours_the_form_ends_and_a_person_takes_over(open_now):
    from actions.forms.complaint import ValidateComplaintForm
    from actions.logging_actions import ActionAfterComplaintForm

    events, dispatcher = run(ValidateComplaintForm(),
                             complaint_form_turn("outcome_sought", "can i talk to a real person", "request_human"))
    assert texts(dispatcher) == []
    assert slot_sets(events) == {"outcome_sought": None, "form_interrupted": "human", "handoff_reason": None,
                                 "requested_slot": None}
    slots = {name: value for name, value in COMPLETE.items() if name not in ("outcome_sought",)}
    events, dispatcher = run(ActionAfterComplaintForm(), tracker(
        text="can i talk to a real person", intent="request_human", sender="conv-form",
        slots={**slots, "form_interrupted": "human"}))
    assert paused(events)
    assert "will join this chat" in texts(dispatcher)[0]
    assert slot_sets(events)["form_interrupted"] is None
    assert handoff(open_now, "conv-form").mode == "live"
    assert open_now.get_store().list(kind="complaint") == []


# ---------------------------------------------------------------- risk and vulnerability


def test_risk_words_give_the_crisis_route_first_then_a_person(open_now):
    from actions.session import ActionDefaultFallback

    events, dispatcher = run(ActionDefaultFallback(), tracker(text="i just want to end my life", intent="nlu_fallback",
                                                             sender="conv-risk"))
    said = texts(dispatcher)
    assert "999" in said[0] and "116 123" in said[0]
    assert "will join this chat" in said[1]
    assert paused(events)
    assert handoff(open_now, "conv-risk").reason.startswith("possible risk to life")


def test_risk_outside_opening_hours_is_flagged_at_once_and_the_callback_details_asked(env):
    from actions.session import ActionGoodbye

    events, dispatcher = run(ActionGoodbye(), tracker(text="nobody cares, I'd be better off dead", intent="goodbye",
                                                      sender="conv-night"))
    said = texts(dispatcher)
    assert "116 123" in said[0] and "flagged this conversation to them as urgent" in said[1]
    assert not paused(events)
    assert {"event": "followup", "timestamp": None, "name": "callback_form"} in events
    queued = handoff(env, "conv-night")
    assert (queued.mode, queued.reason) == ("callback", "possible risk to life: the resident mentioned better off dead")
    case = env.get_store().get(queued.case_reference)
    assert case.handed_to_staff_at is not None

    # the callback details later go on the same case, not a new one
    from actions.handoff import ActionAfterCallbackForm

    slots = {"resident_name": "Jo", "contact_detail": "07700900123", "contact_preference": "any time",
             "handoff_reason": slot_sets(events)["handoff_reason"]}
    events, dispatcher = run(ActionAfterCallbackForm(), tracker(text="any time", slots=slots, sender="conv-night"))
    assert slot_sets(events)["last_case_reference"] == case.reference
    assert len(env.get_store().list(kind="service_request")) == 1
    assert any("Callback details: name Jo" in h.detail for h in env.get_store().history(case.reference))
    # on the case itself, where the team and the case system look for them
    case = env.get_store().get(case.reference)
    assert (case.resident.name, case.resident.phone, case.preferred_contact_time) == ("Jo", "07700900123", "any time")
    # the last word out of hours is the crisis route again, never only a closed office line
    last = texts(dispatcher)[-1]
    assert "999" in last and "116 123" in last


def test_risk_mid_form_outside_hours_keeps_the_form_going(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(),
                             complaint_form_turn("outcome_sought", "i keep thinking about suicide"))
    said = texts(dispatcher)
    assert "116 123" in said[0]
    assert slot_sets(events) == {"outcome_sought": None, "requested_slot": "outcome_sought"}
    assert handoff(env, "conv-1").mode == "callback"


def test_risk_mid_form_in_opening_hours_hands_over(open_now):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(),
                             complaint_form_turn("outcome_sought", "I've been self-harming because of this"))
    assert "116 123" in texts(dispatcher)[0]
    sets = slot_sets(events)
    assert sets["form_interrupted"] == "human" and sets["requested_slot"] is None
    assert sets["handoff_reason"].startswith("possible risk to life")


def test_vulnerability_offers_a_person_once(env):
    from actions.triage import ActionTriage

    text = "my boiler is broken and I have a newborn baby"
    events, dispatcher = run(ActionTriage(), tracker(text=text, intent="report_repair"))
    assert "Talk to a person" in buttons(dispatcher)
    assert slot_sets(events)["person_offered"] is True
    events, dispatcher = run(ActionTriage(), tracker(text=text, intent="report_repair",
                                                     slots={"person_offered": True}))
    assert "Talk to a person" not in buttons(dispatcher)


# ---------------------------------------------------------------- a possible exclusion


def test_a_possible_exclusion_is_queued_for_a_decision_without_pausing(env):
    case, events, _ = log_a_complaint(env, sender="conv-excl", possible_exclusion="it happened over 12 months ago")
    assert not paused(events)
    queued = handoff(env, "conv-excl")
    assert (queued.mode, queued.status, queued.case_reference) == ("review", "waiting", case.reference)
    assert queued.reason == "possible exclusion needs a decision: it happened over 12 months ago"
    assert env.get_store().get(case.reference).handed_to_staff_at is not None


def test_no_exclusion_no_queue(env):
    log_a_complaint(env, sender="conv-plain")
    assert handoff(env, "conv-plain") is None


# ---------------------------------------------------------------- a new session keeps the pause


def session_tracker(sender: str, is_paused: bool = False) -> Tracker:
    return Tracker(sender, {}, {}, [], is_paused, None, {}, "action_listen")


def test_a_new_session_pauses_again_while_a_person_has_the_chat(open_now):
    from actions.handoff import ActionRequestHuman
    from actions.session import ActionSessionStart

    events, _ = run(ActionSessionStart(), session_tracker("conv-s"))
    assert not paused(events)
    run(ActionRequestHuman(), tracker(text="talk to a person", intent="request_human", sender="conv-s"))
    events, _ = run(ActionSessionStart(), session_tracker("conv-s"))
    assert [e["event"] for e in events] == ["session_started", "slot", "pause", "action"]

    queued = handoff(open_now, "conv-s")
    store = open_now.get_staff_store()
    store.claim(queued.id, "sam")
    events, _ = run(ActionSessionStart(), session_tracker("conv-s"))
    assert paused(events)
    store.finish(queued.id, "handed_back", "sam")
    events, _ = run(ActionSessionStart(), session_tracker("conv-s", is_paused=True))
    assert not paused(events)


def test_a_review_item_does_not_pause_a_new_session(env):
    from actions.session import ActionSessionStart

    log_a_complaint(env, sender="conv-r", possible_exclusion="legal proceedings have started")
    events, _ = run(ActionSessionStart(), session_tracker("conv-r"))
    assert not paused(events)




def test_domestic_abuse_outside_hours_is_flagged_in_confidence_and_callback_details_asked(env):
    from actions.answers import ActionEmergency
    from actions.handoff import ActionAfterCallbackForm

    events, dispatcher = run(ActionEmergency(), tracker(text="my partner hits me and I need to move",
                                                        intent="report_emergency", sender="conv-abuse"))
    said = texts(dispatcher)
    assert "0808 2000 247" in said[0] and "flagged this conversation to them as urgent" in said[1]
    assert {"event": "followup", "timestamp": None, "name": "callback_form"} in events
    queued = handoff(env, "conv-abuse")
    assert queued.mode == "callback" and queued.reason.startswith("domestic abuse disclosed")

    slots = {"resident_name": "Sam", "contact_detail": "sam@example.org", "contact_preference": "email only",
             "handoff_reason": slot_sets(events)["handoff_reason"]}
    _, dispatcher = run(ActionAfterCallbackForm(), tracker(text="email only", slots=slots, sender="conv-abuse"))
    assert "0808 2000 247" in texts(dispatcher)[-1] and "999" in texts(dispatcher)[-1]


def test_domestic_abuse_in_opening_hours_hands_over_now(open_now):
    from actions.answers import ActionEmergency

    events, _ = run(ActionEmergency(), tracker(text="my husband beats me", intent="report_emergency",
                                               sender="conv-abuse-open"))
    assert paused(events)
    assert handoff(open_now, "conv-abuse-open").mode == "live"

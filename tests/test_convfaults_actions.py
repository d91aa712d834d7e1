"""What was logged is given back, and case checks and callback requests are
rate-limited: the real rasa-sdk actions against a fresh SQLite store
(`tests.test_actions.env`).

* "What's my reference?" outside a form, and at a form question (answered,
  the form asks again, nothing saved as the answer), from the case store by
  conversation id, not from a slot.
* The confirmation sent again just after a case was logged gives the same
  acknowledgement, never the menu.
* Past the case-check budget, even the right detail from a new conversation
  gets only the phone number; past the callback budget, no new request.
"""
from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from housing import messages
from housing.limits import VERIFY_FAILURES_PER_REFERENCE
from tests.test_actions import (  # noqa: F401 - `env` is a fixture
    COMPLETE,
    SLOT_NAMES,
    buttons,
    complaint_form_turn,
    env,
    log_a_complaint,
    run,
    slot_sets,
    texts,
    tracker,
)


def log_a_service_request(runtime, sender: str, description: str = "the kitchen tap is dripping"):
    from actions.logging_actions import ActionAfterServiceRequestForm

    slots = {"sr_description": description, "resident_name": "Jo Bloggs", "contact_detail": "07700900123",
             "postcode": "LS1 4AP", "issue_category": "repair"}
    events, dispatcher = run(ActionAfterServiceRequestForm(), tracker(text="LS1 4AP", slots=slots, sender=sender))
    return slot_sets(events)["last_case_reference"], texts(dispatcher)


def after_a_logged_turn(sender: str, previous: str, reference: str, said: list[str], text: str,
                        intent: str = "affirm", action: str = "action_after_complaint_form") -> Tracker:
    """A tracker whose last turn logged `reference` and said `said`, then the
    resident's new message `text` (no slots: they may have been cleared)."""
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": previous, "parse_data": {"intent": {"name": "affirm", "confidence": 0.9}}},
        {"event": "action", "name": action},
        *[{"event": "bot", "text": line, "data": {}} for line in said],
        {"event": "slot", "name": "last_case_reference", "value": reference},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent, "confidence": 0.9}},
         "input_channel": "rest"},
    ]
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    values = {name: None for name in SLOT_NAMES}
    return Tracker(sender, values, latest, events, False, None, {}, "action_listen")


# ---------------------------------------------------------------- "what's my reference?"


def test_the_reference_comes_from_the_case_store_not_a_slot(env):
    from actions.references import ActionGiveReference

    case, _, _ = log_a_complaint(env, sender="conv-ref")
    # the slot holding the reference was lost with the turn: the store still knows
    events, dispatcher = run(ActionGiveReference(), tracker(text="what's my reference?", intent="ask_reference",
                                                           sender="conv-ref"))
    said = " ".join(texts(dispatcher))
    assert case.reference in said and "a complaint" in said
    assert slot_sets(events)["last_case_reference"] == case.reference


def test_every_reference_logged_in_the_conversation_is_given_and_no_other(env):
    from actions.references import ActionGiveReference

    complaint, _, _ = log_a_complaint(env, sender="conv-two")
    request, _ = log_a_service_request(env, "conv-two")
    other, _, _ = log_a_complaint(env, sender="conv-someone-else", complaint_description="Another resident's "
                                                                                         "complaint about noise.")
    _, dispatcher = run(ActionGiveReference(), tracker(text="I didn't get a number", intent="ask_reference",
                                                      sender="conv-two"))
    said = " ".join(texts(dispatcher))
    assert complaint.reference in said and request in said
    assert other.reference not in said


def test_nothing_logged_yet_is_said_plainly_with_a_way_to_start(env):
    from actions.references import ActionGiveReference

    events, dispatcher = run(ActionGiveReference(), tracker(text="did you log it?", intent="ask_reference",
                                                           sender="conv-empty"))
    assert texts(dispatcher) == [messages.nothing_logged_yet()]
    assert "Report a problem" in buttons(dispatcher) and "Check my complaint" in buttons(dispatcher)
    assert env.get_store().list() == []


@pytest.mark.parametrize(("text", "intent"), [
    ("I didn't get my reference number", "make_complaint"),  # the NLU got it wrong: the words still say it
    ("What is my reference number?", "report_repair"),
    ("have you got my complaint?", "ask_reference"),
])
def test_a_reference_question_at_the_top_level_never_starts_a_new_case(env, text, intent):
    from actions.triage import ActionTriage

    case, _, _ = log_a_complaint(env, sender="conv-top")
    events, dispatcher = run(ActionTriage(), tracker(text=text, intent=intent, sender="conv-top"))
    assert case.reference in " ".join(texts(dispatcher))
    assert slot_sets(events)["route"] is None  # no form starts
    assert len(env.get_store().list()) == 1


@pytest.mark.parametrize("requested", ["complaint_description", "complaint_when", "outcome_sought",
                                       "resident_name", "contact_detail", "postcode"])
def test_a_reference_question_at_a_form_question_is_answered_not_saved(env, requested):
    from actions.forms.complaint import ValidateComplaintForm

    earlier, _ = log_a_service_request(env, "conv-1")
    events, dispatcher = run(ValidateComplaintForm(),
                             complaint_form_turn(requested, "what's my reference?", "ask_reference"))
    said = texts(dispatcher)
    assert earlier in said[0]
    assert said[-1] == "Now, back to where we were."
    assert slot_sets(events) == {requested: None, "requested_slot": requested}


def test_a_reference_question_before_anything_is_logged_says_so_in_the_form(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(),
                             complaint_form_turn("postcode", "did u log it", "inform", confidence=0.2))
    assert texts(dispatcher) == [messages.nothing_logged_yet_in_form(), "Now, back to where we were."]
    assert slot_sets(events) == {"postcode": None, "requested_slot": "postcode"}


@pytest.mark.parametrize("logged_already", [True, False])
def test_at_the_readback_a_reference_question_completes_the_form(env, logged_already):
    """The confirming "yes" was lost with its turn (before or after it logged
    the case): asking for the reference at the read-back finishes the form,
    so the complaint is logged (once) and the acknowledgement given."""
    from actions.forms.complaint import ValidateComplaintForm

    if logged_already:
        log_a_complaint(env, sender="conv-1")
    events, _ = run(ValidateComplaintForm(), complaint_form_turn("complaint_confirmed", "did you log it?",
                                                                 "ask_reference"))
    assert slot_sets(events) == {"complaint_confirmed": True, "requested_slot": None}


def test_at_the_readback_while_changing_a_part_the_question_is_only_answered(env):
    from actions.forms.complaint import ValidateComplaintForm

    events, dispatcher = run(ValidateComplaintForm(), complaint_form_turn(
        "complaint_confirmed", "what's my reference?", "ask_reference", slots={"change_pending": True}))
    assert texts(dispatcher)[0] == messages.nothing_logged_yet_in_form()
    assert slot_sets(events) == {"complaint_confirmed": None, "requested_slot": "complaint_confirmed"}


def test_a_status_check_question_without_a_reference_still_offers_a_person(env):
    from actions.case_lookup import ValidateStatusForm

    t = tracker(text="i lost my reference", intent="ask_reference", slots={"requested_slot": "case_reference"},
                form="status_form", fill="case_reference", sender="conv-lost")
    events, dispatcher = run(ValidateStatusForm(), t)
    assert slot_sets(events)["form_interrupted"] == "quiet"
    assert "Talk to a person" in buttons(dispatcher)


# ---------------------------------------------------------------- a confirmation sent again


def test_yes_again_after_the_complaint_was_logged_gives_the_same_acknowledgement(env):
    from actions.answers import ActionAnswerQuestion

    case, _, first = log_a_complaint(env, sender="conv-again")
    acknowledgement = texts(first)
    events, dispatcher = run(ActionAnswerQuestion(), after_a_logged_turn(
        "conv-again", "yes", case.reference, acknowledgement, "yes"))
    assert texts(dispatcher) == [line for line in acknowledgement if case.reference in line]
    assert "What would you like to do?" not in " ".join(texts(dispatcher))
    assert slot_sets(events) == {"last_case_reference": case.reference}
    assert len(env.get_store().list()) == 1


def test_the_same_last_answer_sent_again_after_a_service_request_gives_the_same_reference(env):
    from actions.answers import ActionAnswerQuestion

    reference, said = log_a_service_request(env, "conv-sr-again")
    _, dispatcher = run(ActionAnswerQuestion(), after_a_logged_turn(
        "conv-sr-again", "LS1 4AP", reference, said, "LS1 4AP", intent="inform",
        action="action_after_service_request_form"))
    assert texts(dispatcher) == said


def test_something_else_after_a_case_was_logged_is_not_a_repeat(env):
    from actions.answers import ActionAnswerQuestion

    case, _, first = log_a_complaint(env, sender="conv-new")
    _, dispatcher = run(ActionAnswerQuestion(), after_a_logged_turn(
        "conv-new", "yes", case.reference, texts(first), "how long will it take?", intent="ask_timescales"))
    assert texts(dispatcher)[0].startswith("Stage 1: we acknowledge")


# ---------------------------------------------------------------- limits


RISK_WORDS = ["i want to end it all", "i want to kill myself", "i feel suicidal", "i want to end my life",
              "i am going to hurt myself", "i cant do this anymore"]


def status_detail_turn(reference: str, text: str, sender: str) -> Tracker:
    return tracker(text=text, intent="inform", form="status_form", fill="verification_detail", sender=sender,
                   slots={"case_reference": reference, "requested_slot": "verification_detail"})


def test_past_the_budget_even_the_right_detail_from_a_new_conversation_gets_the_phone_number(env):
    from actions.case_lookup import ValidateStatusForm

    case, _, _ = log_a_complaint(env)
    for guess in range(VERIFY_FAILURES_PER_REFERENCE.limit):
        events, _ = run(ValidateStatusForm(), status_detail_turn(case.reference, f"LS{guess} 9ZZ", f"guess-{guess}"))
        assert slot_sets(events).get("form_interrupted") is None
    events, dispatcher = run(ValidateStatusForm(), status_detail_turn(case.reference, "LS1 4AP", "new-sender"))
    assert texts(dispatcher) == [messages.too_many_checks(env.get_policy())]
    assert slot_sets(events)["form_interrupted"] == "quiet" and slot_sets(events)["verification_detail"] is None
    # an unknown reference past its budget looks exactly the same
    for guess in range(VERIFY_FAILURES_PER_REFERENCE.limit):
        run(ValidateStatusForm(), status_detail_turn("CMP-2026-999999", f"M{guess} 1AA", f"other-{guess}"))
    _, unknown = run(ValidateStatusForm(), status_detail_turn("CMP-2026-999999", "M1 1AA", "new-sender-2"))
    assert texts(unknown) == texts(dispatcher)


def test_one_detail_tried_against_many_references_is_stopped(env):
    from actions.case_lookup import ValidateStatusForm

    case, _, _ = log_a_complaint(env)
    for number in range(2, 7):
        run(ValidateStatusForm(), status_detail_turn(f"CMP-2026-{number:06d}", "LS1 4AP", f"walk-{number}"))
    _, dispatcher = run(ValidateStatusForm(), status_detail_turn(case.reference, "ls1 4ap", "walk-last"))
    assert texts(dispatcher) == [messages.too_many_checks(env.get_policy())]


def test_a_resident_who_checks_correctly_is_not_limited(env):
    from actions.case_lookup import ValidateStatusForm

    case, _, _ = log_a_complaint(env)
    for _ in range(3):
        events, _ = run(ValidateStatusForm(), status_detail_turn(case.reference, "LS1 4AP", "conv-owner"))
        assert slot_sets(events)["verification_detail"] == "LS1 4AP"


def test_risk_words_again_and_again_do_not_flood_the_team_with_callback_requests(env):
    from actions.handoff import ActionRequestHuman

    for text in RISK_WORDS:  # each a new request (the same words again are the same request)
        _, dispatcher = run(ActionRequestHuman(), tracker(text=text, intent="request_human", sender="conv-flood"))
        assert "116 123" in " ".join(texts(dispatcher))  # the crisis route, every time
    callbacks = [c for c in env.get_store().list() if c.category == "callback request"]
    assert len(callbacks) == 3


def test_past_the_callback_budget_a_request_is_already_open(env):
    from actions.handoff import ActionRequestHuman

    for text in RISK_WORDS[:3]:  # three callback requests
        run(ActionRequestHuman(), tracker(text=text, intent="request_human", sender="conv-cb"))
    events, dispatcher = run(ActionRequestHuman(), tracker(text="talk to a person", intent="request_human",
                                                          sender="conv-cb"))
    said = texts(dispatcher)[0]
    assert "already have a request open" in said and env.get_policy().phone in said
    assert {"event": "followup", "timestamp": None, "name": "action_listen"} in events  # no callback form
    assert len([c for c in env.get_store().list() if c.category == "callback request"]) == 3

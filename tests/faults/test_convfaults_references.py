"""The resident's connection drops during the confirmation turn, and they
try again or ask for their reference: they get the reference of the case
just logged, and the case is stored exactly once. Against the real action
server and Rasa server; a dropped connection is a REST call abandoned after
a few milliseconds (`Assistant.say(..., timeout=...)`), so the server's turn
is cut off or finishes unseen, whichever comes first.

Also: "what's my reference?" at several points of a conversation, and a
question typed at a form question is never saved as the answer.
"""
from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests

from housing.cases.store import CaseStore
from tests.servers import Assistant, rest_id, running_assistant

REFERENCE = re.compile(r"\b(?:CMP|SR)-\d{4}-\d{6}\b")
COMPLAINT = ["my tap is STILL leaking despite numerous visits from your plumber, I'm sick of it",
             "since about 2 months ago", "fix the tap properly and say sorry", "I'm the tenant", "Maria Lopez",
             "maria.lopez@example.com", "LS1 4AP", "large print please", "email"]
SERVICE_REQUEST = ["my kitchen tap is dripping", "service request", "Kayleigh Brown", "07700 900456"]
SR_LAST = "LS1 1AA"
# From a few milliseconds (the turn is cut off) to seconds (it finishes, unseen).
DROP_AFTER = [0.005, 0.05, 0.3, 3.0]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with running_assistant(tmp_path_factory.mktemp("convfaults-references")) as running:
        yield running


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def new_sender() -> str:
    return f"convfaults-{uuid.uuid4().hex[:10]}"


def drop(assistant: Assistant, sender: str, text: str, after: float) -> None:
    """Send `text` and abandon the call after `after` seconds; the reply, if
    any, is never seen (as when the resident's connection drops)."""
    try:
        assistant.say(sender, text, timeout=after)
    except requests.Timeout:
        pass


def cases_of(assistant: Assistant, sender: str) -> list:
    store = CaseStore(assistant.cases_url)
    try:
        return [case for case in store.list(limit=1000) if case.conversation_id == rest_id(sender)]
    finally:
        store.dispose()


def up_to_the_readback(assistant: Assistant, sender: str) -> None:
    for message in COMPLAINT:
        reply = texts(assistant.say(sender, message))
    assert "Is this right?" in reply, reply


@pytest.mark.parametrize("after", DROP_AFTER)
def test_confirmation_dropped_then_yes_again_gives_the_same_reference_once(assistant: Assistant, after: float):
    """Fault: the connection drops during the "yes" that logs the complaint; the resident sends "yes" again."""
    sender = new_sender()
    up_to_the_readback(assistant, sender)
    drop(assistant, sender, "yes", after)
    reply = texts(assistant.say(sender, "yes"))
    stored = cases_of(assistant, sender)
    assert len(stored) == 1
    assert REFERENCE.findall(reply) == [stored[0].reference], reply
    assert "Your complaint is logged" in reply and "What would you like to do?" not in reply


@pytest.mark.parametrize("after", DROP_AFTER)
def test_confirmation_dropped_then_whats_my_reference_gives_it(assistant: Assistant, after: float):
    """Fault: the connection drops during the confirming turn; the resident asks for their reference."""
    sender = new_sender()
    up_to_the_readback(assistant, sender)
    drop(assistant, sender, "yes", after)
    reply = texts(assistant.say(sender, "What is my reference number?"))
    stored = cases_of(assistant, sender)
    assert len(stored) == 1
    assert stored[0].reference in reply, reply
    # ... and asking again, or saying "I didn't get my reference number", never logs anything new
    assert stored[0].reference in texts(assistant.say(sender, "I didn't get my reference number"))
    assert len(cases_of(assistant, sender)) == 1


@pytest.mark.parametrize("after", [0.005, 3.0])
def test_service_request_last_answer_dropped_and_sent_again_gives_the_same_reference(assistant: Assistant,
                                                                                     after: float):
    """Fault: the connection drops during the last answer that logs a service request; it is sent again."""
    sender = new_sender()
    for message in SERVICE_REQUEST:
        assistant.say(sender, message)
    drop(assistant, sender, SR_LAST, after)
    reply = texts(assistant.say(sender, SR_LAST))
    stored = cases_of(assistant, sender)
    assert len(stored) == 1 and stored[0].kind == "service_request"
    assert REFERENCE.findall(reply) == [stored[0].reference], reply
    assert "did you log it" not in reply
    assert stored[0].reference in texts(assistant.say(sender, "did you log it?"))
    assert len(cases_of(assistant, sender)) == 1


def test_whats_my_reference_at_several_points_of_a_conversation(assistant: Assistant):
    """Asked before anything is logged, in the middle of a form, after logging and in a second form."""
    sender = new_sender()
    first = texts(assistant.say(sender, "what's my reference?"))
    assert "haven't logged anything" in first and not REFERENCE.search(first)

    assistant.say(sender, COMPLAINT[0])
    mid_form = texts(assistant.say(sender, "did you log it?"))  # asked at "when did this happen?"
    assert "Nothing is logged yet" in mid_form and "When did this happen" in mid_form
    for message in COMPLAINT[1:]:
        assistant.say(sender, message)
    ack = texts(assistant.say(sender, "yes"))
    (reference,) = set(REFERENCE.findall(ack))

    assert reference in texts(assistant.say(sender, "whats my ref"))
    # in a second form (a service request), the question is answered and the form asks again
    assistant.say(sender, SERVICE_REQUEST[0])
    assistant.say(sender, SERVICE_REQUEST[1])
    at_the_name = texts(assistant.say(sender, "what was my reference number"))
    assert reference in at_the_name and "What is your full name?" in at_the_name
    for message in SERVICE_REQUEST[2:] + [SR_LAST]:
        reply = texts(assistant.say(sender, message))
    stored = cases_of(assistant, sender)
    assert sorted(case.kind for case in stored) == ["complaint", "service_request"]
    both = texts(assistant.say(sender, "I didn't get a number"))
    assert all(case.reference in both for case in stored), both
    assert next(c for c in stored if c.kind == "service_request").resident.name == "Kayleigh Brown"
    assert "SR-" in reply


def test_a_reference_question_at_a_form_question_is_not_saved_as_the_answer(assistant: Assistant):
    """The question typed at "what would you like us to do?" is answered, and the next message is the answer."""
    sender = new_sender()
    for message in COMPLAINT[:2]:
        assistant.say(sender, message)
    reply = texts(assistant.say(sender, "I didn't get my reference number"))
    assert "Nothing is logged yet" in reply and "put things right" in reply
    for message in COMPLAINT[2:]:
        assistant.say(sender, message)
    assistant.say(sender, "yes")
    (case,) = cases_of(assistant, sender)
    assert case.outcome_sought == "fix the tap properly and say sorry"
    assert "reference number" not in case.description and "reference number" not in (case.outcome_sought or "")

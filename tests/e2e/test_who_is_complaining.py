"""End to end over the REST channel: a solicitor's letter, a group of
residents, an MP or councillor, and survey feedback."""
from __future__ import annotations

import uuid

import requests

from housing.cases.store import CaseStore
from tests.servers import Assistant, rest_id

LETTER = ("I am writing on behalf of my client Mrs Amina Patel, tenant at 4 Elm Court, who has reported damp and "
          "mould repeatedly since January without any repair; we wish to make a formal complaint about the "
          "condition of the property and the lack of response from your repairs team.")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def conversation(assistant: Assistant, turns: list[tuple[str, str]]) -> str:
    """Say each message; each reply must contain the words given with it. The last reply."""
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    reply = ""
    for said, expected in turns:
        reply = texts(assistant.say(sender, said))
        assert expected in reply, f"after {said!r} expected {expected!r} in:\n{reply}"
    return sender


def case_for(assistant: Assistant, sender: str):
    return next(c for c in CaseStore(assistant.cases_url).list(kind="complaint") if c.conversation_id == rest_id(sender))


def test_a_solicitors_letter_is_a_complaint_for_their_client(assistant: Assistant):
    sender = conversation(assistant, [
        (LETTER, "When did this happen"),  # the letter is what happened: not asked again
        ("since January", "What would you like us to do"),
        ("a full damp and mould repair and compensation", "How are you connected to them"),  # the client's name is known
        ("her solicitor", "Has permission been given"),
        ("Permission given", "What is your full name"),
        ("Sam Lawyer", "email address"),
        ("sam.lawyer@example.com", "postcode"),
        ("B1 1AA", "easier for you"),
        ("none", "How and when"),
        ("email", "Complaining for: Mrs Amina Patel (her solicitor), permission: given"),
        ("yes", "CMP-"),
    ])
    case = case_for(assistant, sender)
    assert case.description.startswith(LETTER)
    assert case.resident.name == "Mrs Amina Patel"
    assert (case.representative.name, case.representative.consent_status) == ("Sam Lawyer", "given")


def test_a_group_of_residents_complains_through_one_lead_contact(assistant: Assistant):
    sender = conversation(assistant, [
        ("several of us neighbours want to make a joint complaint about the lift being out of order for weeks",
         "one lead contact"),
        ("three weeks ago", "What would you like us to do"),
        ("fix the lift", "lead contact's full name"),  # no "connection" question: it is a group
        ("Pat Lead", "reach the lead contact"),
        ("07700 900123", "postcode"),
        ("Flat 1, Oak House, 2 Park Road, Leeds LS1 4AP", "easier for you"),
        ("none", "How and when"),
        ("phone", "Complaint from: a group of residents"),
        ("yes", "CMP-"),
    ])
    case = case_for(assistant, sender)
    assert case.category == "repair"
    assert case.resident.relationship == "group"
    assert any("Lead contact: Pat Lead" in h.detail for h in case.history)


def test_a_councillor_is_asked_for_the_constituents_name_and_permission(assistant: Assistant):
    sender = conversation(assistant, [
        ("I'm a local councillor writing on behalf of a resident", "new complaint"),
        ("A new matter", "what happened"),
        ("my constituent has had no heating for six weeks despite several calls", "When did this happen"),
        ("early february", "What would you like us to do"),
        ("repair the heating", "name of your constituent"),
        ("Mrs Joan Baker", "your constituent's written permission"),
        ("Permission given", "What is your full name"),
        ("Councillor Anne Smith", "email address"),
        ("anne.smith@example.gov.uk", "postcode"),
        ("LS6 3QT", "easier for you"),
        ("none", "How and when"),
        ("email", "Complaining for: Mrs Joan Baker (councillor), permission: given"),
        ("yes", "CMP-"),
    ])
    case = case_for(assistant, sender)
    assert case.resident.name == "Mrs Joan Baker"
    assert (case.representative.name, case.representative.relationship,
            case.representative.consent_status) == ("Councillor Anne Smith", "councillor", "given")


def test_survey_feedback_is_not_logged_as_a_complaint_but_one_is_offered(assistant: Assistant):
    feedback = "I filled in the survey you sent and said the repair was poor because the tap is still dripping"
    sender = conversation(assistant, [(feedback, "isn't handled as a complaint")])
    tracker = requests.get(f"{assistant.url}/conversations/{rest_id(sender)}/tracker", params={"token": assistant.token},
                           timeout=10).json()
    assert tracker["active_loop"] in ({}, None) or not tracker["active_loop"].get("name")
    assert not [c for c in CaseStore(assistant.cases_url).list() if c.conversation_id == rest_id(sender)]
    # Choosing to complain keeps the feedback as what happened.
    reply = texts(assistant.say(sender, "Make a complaint"))
    assert "When did this happen" in reply and "Please tell me what happened" not in reply

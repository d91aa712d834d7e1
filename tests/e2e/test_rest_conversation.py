"""End to end over the REST channel with the real servers: a complaint is
logged, the stored case matches the engine's dates, and the resident is told
those dates."""
from __future__ import annotations

import uuid


import requests

from housing.cases.store import CaseStore
from housing.deadlines import format_date, stage_dates
from housing.policy_loader import load_policy
from housing.settings import ROOT
from tests.servers import Assistant, rest_id


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def test_complaint_is_logged_with_engine_dates(assistant: Assistant) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    assert "automated assistant" in texts(assistant.say(sender, "hello"))
    reply = texts(assistant.say(sender, "my tap is STILL leaking despite numerous visits from your plumber, "
                                        "I'm sick of it"))
    assert "complaint" in reply.lower()
    assistant.say(sender, "since about 2 months ago")
    assistant.say(sender, "fix the tap properly and say sorry")
    assistant.say(sender, "I'm the tenant")
    assistant.say(sender, "Maria Lopez")
    assistant.say(sender, "maria.lopez@example.com")
    assistant.say(sender, "LS1 4AP")
    assistant.say(sender, "large print please")
    readback = texts(assistant.say(sender, "email"))
    assert "fix the tap properly and say sorry" in readback
    ack = texts(assistant.say(sender, "yes"))
    assert "CMP-" in ack

    store = CaseStore(assistant.cases_url)
    cases = store.list(kind="complaint")
    assert len(cases) == 1
    case = cases[0]
    assert case.reference in ack
    assert case.resident.email == "maria.lopez@example.com"
    assert case.resident.postcode == "LS1 4AP"
    assert case.outcome_sought == "fix the tap properly and say sorry"
    assert case.reasonable_adjustments == ("large print please",)
    assert case.conversation_id == rest_id(sender)
    policy, _ = load_policy(ROOT / "policies" / "default.yml")
    expected = stage_dates(policy, 1, case.received_at)
    assert (case.acknowledgement_due, case.response_due) == (expected.acknowledgement_due, expected.response_due)
    assert format_date(case.response_due) in ack
    assert format_date(case.acknowledgement_due) in ack
    assert [h.kind for h in case.history][0] == "logged"

    # Submitting again in the same conversation cannot create a duplicate: it gives the same acknowledgement.
    assert texts(assistant.say(sender, "yes")) == ack
    assert len(store.list(kind="complaint")) == 1


def test_conversation_survives_in_the_sqlite_tracker_store(assistant: Assistant) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "I want to make a complaint")
    tracker = requests.get(f"{assistant.url}/conversations/{rest_id(sender)}/tracker",
                           params={"token": assistant.token}, timeout=10).json()
    assert tracker["active_loop"]["name"] == "complaint_form"
    assert (assistant.log_dir / "conversations.db").exists()


def test_http_api_needs_the_token(assistant: Assistant) -> None:
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    response = requests.get(f"{assistant.url}/conversations/{sender}/tracker", timeout=10)
    assert response.status_code == 401

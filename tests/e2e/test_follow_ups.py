"""End to end over the REST channel: "and stage 2?" straight after the
timescales answer is answered as a question; asking to escalate escalates."""
from __future__ import annotations

import uuid

import pytest
import requests

from tests.servers import Assistant, rest_id


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def active_loop(assistant: Assistant, sender: str) -> str | None:
    tracker = requests.get(f"{assistant.url}/conversations/{rest_id(sender)}/tracker", params={"token": assistant.token},
                           timeout=10).json()
    return (tracker.get("active_loop") or {}).get("name")


@pytest.mark.parametrize("follow_up", ["and stage 2?", "what about stage two", "and for stage 2?"])
def test_a_stage_2_follow_up_after_the_timescales_is_answered_not_escalated(assistant: Assistant, follow_up: str):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    first = texts(assistant.say(sender, "how long do you have to reply to a complaint?"))
    assert "Stage 1:" in first
    reply = texts(assistant.say(sender, follow_up))
    assert reply.startswith("Stage 2: we acknowledge within 5 working days")
    assert "case reference" not in reply
    assert active_loop(assistant, sender) is None
    # ... and the conversation carries on normally
    assert "Stage 1: we acknowledge" in texts(assistant.say(sender, "and stage 1?"))


def test_asking_to_escalate_after_the_timescales_starts_the_escalation(assistant: Assistant):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "how long do you have to reply to a complaint?")
    reply = texts(assistant.say(sender, "I want to take my complaint to stage 2"))
    assert "case reference" in reply
    assert active_loop(assistant, sender) == "escalation_form"

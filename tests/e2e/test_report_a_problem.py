"""End to end over the REST channel: "Report a problem", then the problem in
the resident's own words, however they are typed, is triaged and logged."""
from __future__ import annotations

import uuid

import pytest

from housing.cases.store import CaseStore
from tests.servers import Assistant, rest_id


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


@pytest.mark.parametrize("problem", ["sink leekin evrywere can sum1 cum fix it pls", "the bath panel has come off and the pipes are showing"])
def test_the_answer_to_whats_the_problem_is_never_thrown_away(assistant: Assistant, problem: str):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    assert "What's the problem?" in texts(assistant.say(sender, "Report a problem"))
    reply = texts(assistant.say(sender, problem))
    assert "How would you like me to log it?" in reply, reply
    assert "What would you like to do?" not in reply
    for answer in ("service request", "Kayleigh Brown", "07700 900456", "LS1 1AA"):
        reply = texts(assistant.say(sender, answer))
    assert "SR-" in reply, reply
    case = next(c for c in CaseStore(assistant.cases_url).list(kind="service_request") if c.conversation_id == rest_id(sender))
    assert case.description == problem


def test_stop_at_whats_the_problem_logs_nothing(assistant: Assistant):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "I want to report a problem")
    assert "Nothing new has been logged" in texts(assistant.say(sender, "stop"))
    # and the assistant is ready for something else
    assert "How would you like me to log it?" in texts(assistant.say(sender, "my boiler is broken"))

"""End to end over the REST channel: a resident who types their story at the
"service request or complaint?" question is not asked what happened again."""
from __future__ import annotations

import uuid

from housing.cases.store import CaseStore
from tests.servers import Assistant, rest_id

STORY = ("I reported it in March and again in May, the plumber came twice and it still leaks, "
         "the cupboard underneath is ruined")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def test_the_story_typed_at_the_route_question_is_the_complaint_description(assistant: Assistant):
    sender = f"e2e-{uuid.uuid4().hex[:8]}"
    assert "How would you like me to log it?" in texts(assistant.say(sender, "my kitchen tap is leaking"))
    reply = texts(assistant.say(sender, STORY))
    assert "I'll take this as a complaint" in reply
    assert "Please tell me what happened" not in reply
    assert "When did this happen" in reply
    for answer in ("since March", "fix it properly", "tenant", "Ann Other", "ann.other@example.com", "LS1 4AP",
                   "none"):
        assistant.say(sender, answer)
    readback = texts(assistant.say(sender, "email"))
    assert f"1. What happened: my kitchen tap is leaking. {STORY}" in readback
    ack = texts(assistant.say(sender, "yes"))
    assert "CMP-" in ack
    case = next(c for c in CaseStore(assistant.cases_url).list(kind="complaint") if c.conversation_id == rest_id(sender))
    assert case.description.startswith(f"my kitchen tap is leaking. {STORY}")

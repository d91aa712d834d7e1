"""Follow-up questions after the timescales answer: "and stage 2?" asks about
stage 2's timescales; a clear request to escalate still escalates."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from rasa_sdk import Tracker

from housing.deadlines import format_date, stage_dates
from housing.follow_ups import stage_asked_about
from housing.messages import stage_timescales_answer
from tests.policy_factory import make_policy
from tests.test_actions import SLOT_NAMES, env, run, slot_sets, texts  # noqa: F401 (env is a fixture)


@pytest.mark.parametrize(("text", "stage"), [
    ("and stage 2?", 2),
    ("what about stage two", 2),
    ("What about stage 2?", 2),
    ("and for stage 2?", 2),
    ("how about the second stage?", 2),
    ("stage 2?", 2),
    ("and the final stage?", 2),
    ("and stage ii", 2),
    ("what about stage 1", 1),
    ("same for stage two?", 2),
])
def test_a_short_question_naming_a_stage_is_a_follow_up(text, stage):
    assert stage_asked_about(text) == stage


@pytest.mark.parametrize("text", [
    "I want to take my complaint to stage 2",
    "escalate my complaint",
    "stage 2 please",
    "can I go to stage 2?",
    "I'd like a stage two review",
    "I'm not happy with the stage 1 response, what about stage 2",
    "move it to stage 2",
    "how long will it take",
    "and stage 3?",  # there is no stage 3 in a two-stage policy
    "",
])
def test_a_request_to_escalate_or_another_message_is_not(text):
    assert stage_asked_about(text) is None


def test_stage_2_answer_gives_its_own_timescales_and_engine_dates():
    policy = make_policy()
    now = datetime(2026, 11, 23, 10, 0)
    answer = stage_timescales_answer(policy, 2, now)
    stage = policy.stage(2)
    dates = stage_dates(policy, 2, now)
    assert answer.startswith(f"{stage.name}: we acknowledge within {stage.acknowledge.working_days} working days")
    assert f"within {stage.respond.working_days} working days" in answer
    assert format_date(dates.acknowledgement_due) in answer and format_date(dates.response_due) in answer
    assert "escalate my complaint" in answer
    assert "Stage 1:" not in answer


def after_timescales(text: str, intent: str, confidence: float = 0.9, answered: str = "ask_timescales") -> Tracker:
    """A tracker where the previous turn answered `answered` and the resident now types `text`."""
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": []}
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "how long do you have to reply to a complaint?",
         "parse_data": {"intent": {"name": "ask_timescales", "confidence": 1.0}}},
        {"event": "action", "name": "action_answer_question"},
        {"event": "slot", "name": "last_answer_topic", "value": answered},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": latest, "input_channel": "rest"},
    ]
    values = {name: None for name in SLOT_NAMES}
    values["last_answer_topic"] = answered
    return Tracker("follow-up", values, latest, events, False, None, {}, "action_listen")


def test_and_stage_2_after_timescales_is_answered_not_escalated(env):
    from actions.case_lookup import ActionStartCaseLookup

    events, dispatcher = run(ActionStartCaseLookup(), after_timescales("and stage 2?", "escalate_complaint"))
    # the escalation form never starts: the bot listens again
    assert [e["name"] for e in events if e["event"] == "followup"] == ["action_listen"]
    assert texts(dispatcher)[0].startswith("Stage 2: we acknowledge within 5 working days")
    assert slot_sets(events)["last_answer_topic"] == "ask_timescales"


@pytest.mark.parametrize("action_name", ["ActionAnswerQuestion", "ActionDefaultFallback"])
def test_the_follow_up_is_answered_whatever_the_nlu_made_of_it(env, action_name):
    import actions.answers
    import actions.session

    action = getattr(actions.answers, action_name, None) or getattr(actions.session, action_name)
    events, dispatcher = run(action(), after_timescales("what about stage two", "help", 0.42))
    assert texts(dispatcher)[0].startswith("Stage 2: we acknowledge")
    assert "fallback_count" not in slot_sets(events)


def test_a_clear_request_to_escalate_after_timescales_still_escalates(env):
    from actions.case_lookup import ActionStartCaseLookup

    events, dispatcher = run(ActionStartCaseLookup(),
                             after_timescales("I want to take my complaint to stage 2", "escalate_complaint"))
    assert not any(e.get("event") == "followup" for e in events)
    assert dispatcher.messages == []


def test_stage_2_without_the_timescales_just_before_is_an_escalation(env):
    from actions.case_lookup import ActionStartCaseLookup

    events, dispatcher = run(ActionStartCaseLookup(),
                             after_timescales("and stage 2?", "escalate_complaint", answered="ask_ombudsman"))
    assert not any(e.get("event") == "followup" for e in events)
    assert dispatcher.messages == []

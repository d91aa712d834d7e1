"""At the route question (service request or complaint), a resident who types
their story instead of choosing keeps it as the description: they are never
asked "what happened" again."""
from __future__ import annotations

import pytest

from tests.test_actions import env, run, slot_sets, texts, tracker  # noqa: F401 (env is a fixture)

FIRST = "my kitchen tap is leaking"


def at_route_question(text: str, intent: str = "inform", **slots):
    values = {"requested_slot": "route_choice", "issue_text": FIRST, "issue_category": "repair",
              "route": "service_request", "fallback_count": 0, **slots}
    return tracker(text=text, intent=intent, slots=values, form="route_form", fill="route_choice")


@pytest.mark.parametrize("story", [
    "I reported it in March and again in May, the plumber came twice and it still leaks all over the cupboard",
    "this is the third time I've reported it and nobody has come out, the cupboard underneath is ruined",
    "your contractor was rude to me and left a mess everywhere when he came round last week",
])
def test_a_story_showing_a_complaint_is_kept_and_taken_as_a_complaint(env, story):
    from actions.triage import ActionStartComplaint, ValidateRouteForm

    events, dispatcher = run(ValidateRouteForm(), at_route_question(story))
    values = slot_sets(events)
    assert values["route_choice"] == "complaint" and values["route"] == "complaint"
    assert values["issue_text"] == f"{FIRST}. {story}"
    assert "I'll take this as a complaint" in texts(dispatcher)[0]

    events, _ = run(ActionStartComplaint(), tracker(text=story, intent="inform", slots={"issue_text": values["issue_text"]}))
    assert slot_sets(events)["complaint_description"] == f"{FIRST}. {story}"


def test_a_story_asking_for_a_complaint_is_kept(env):
    from actions.triage import ValidateRouteForm

    story = "I want to make a formal complaint because the leak has soaked through to the flat below"
    events, _ = run(ValidateRouteForm(), at_route_question(story))
    values = slot_sets(events)
    assert values["route_choice"] == "complaint"
    assert values["issue_text"] == f"{FIRST}. {story}"


def test_more_detail_without_a_choice_is_kept_and_the_choice_asked_again(env):
    from actions.logging_actions import ActionStartServiceRequest
    from actions.triage import ValidateRouteForm

    detail = "it's the cold tap in the kitchen and it has been dripping constantly since Monday"
    events, dispatcher = run(ValidateRouteForm(), at_route_question(detail))
    values = slot_sets(events)
    assert values["route_choice"] is None
    assert values["issue_text"] == f"{FIRST}. {detail}"
    assert values["fallback_count"] == 0  # not a misunderstanding
    assert texts(dispatcher) == ["Thank you, I've added that to what you told me."]

    events, _ = run(ValidateRouteForm(), at_route_question("service request", issue_text=values["issue_text"]))
    assert slot_sets(events)["route_choice"] == "service_request"
    events, _ = run(ActionStartServiceRequest(), tracker(text="service request", intent="inform",
                                                         slots={"issue_text": values["issue_text"]}))
    assert slot_sets(events)["sr_description"] == f"{FIRST}. {detail}"


def test_a_story_that_asks_only_for_a_repair_is_a_service_request(env):
    from actions.triage import ValidateRouteForm

    story = "I don't want to complain, the washer has gone and I just want it fixed this week"
    events, _ = run(ValidateRouteForm(), at_route_question(story))
    values = slot_sets(events)
    assert values["route_choice"] == "service_request"
    assert values["issue_text"] == f"{FIRST}. {story}"


@pytest.mark.parametrize(("answer", "choice"), [("Make a complaint", "complaint"), ("2", "complaint"),
                                                ("Log a service request", "service_request"),
                                                ("just log it as a repair please", "service_request")])
def test_a_plain_choice_is_not_added_to_the_description(env, answer, choice):
    from actions.triage import ValidateRouteForm

    events, _ = run(ValidateRouteForm(), at_route_question(answer))
    values = slot_sets(events)
    assert values["route_choice"] == choice
    assert "issue_text" not in values

"""Words showing a risk to life, found by keyword whatever the NLU model says
(the messages below are ones the model classified as goodbye, stop, nlu_fallback
or report_repair)."""
from __future__ import annotations

import pytest

from housing.messages import crisis_answer
from housing.safety import detect_risk
from tests.policy_factory import make_policy


@pytest.mark.parametrize("text", [
    "I want to kill myself", "i've been self harming", "I feel suicidal because of the damp",
    "I don't want to live anymore", "thinking of ending my life", "I can't go on, I want to die",
    "my son has been self-harming since the mould got bad", "I'm going to hurt myself", "i have taken an overdose",
    "nobody cares, I'd be better off dead", "SUICIDE", "I might end it all",
    "thinking of ending it all, nobody at the council listens about my leak",
    "I keep thinking about ending it all to be honest",
    "i cant do this anymore, id be better off not waking up, the flat is freezing",
    "some days I don't want to wake up", "there's no point in living like this",
])
def test_risk_is_found(text):
    assert detect_risk(text)


@pytest.mark.parametrize("text", [
    "my boiler is broken", "the extractor fan is dead", "I'm dying to know when the repair is",
    "the plant in the hallway died", "I want to make a complaint", "kill the power to the socket", "",
    "I can't do this form on my phone", "you'd be better off sending a plumber", "ending the tenancy",
])
def test_everyday_words_are_not_risk(text):
    assert detect_risk(text) is None


def test_the_crisis_answer_gives_999_and_samaritans():
    text = crisis_answer(make_policy())
    assert "999" in text and "Samaritans" in text and "116 123" in text

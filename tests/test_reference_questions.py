"""housing/reference_questions.py: short questions about the reference, in
residents' own spelling, and the answers and other questions it must leave
alone (a phone number, a reference typed in, a long description)."""
from __future__ import annotations

import pytest

from housing.reference_questions import asks_for_a_reference


@pytest.mark.parametrize("text", [
    "What's my reference?", "did you log it?", "I didn't get a number", "what was my reference number",
    "have you got my complaint?", "I didn't get my reference number", "whats my ref", "wats my ref numbr",
    "has it been logged", "did it go through?", "has my repair been logged", "i never got a ref",
    "can i have the reference again", "no reference came through", "did u log it", "is my complaint logged now",
])
def test_questions_about_the_reference(text):
    assert asks_for_a_reference(text)


@pytest.mark.parametrize("text", [
    "my boiler is broken", "what's the number to call you?", "what is your phone number",
    "my number is 07700 900123", "my reference is CMP-2026-000001", "I don't know", "yes", "tenant", "email",
    "I want to complain", "what's my flat number", "the engineer didn't get the parts", "get it logged",
    "they never gave me a proper date for the repair and the number of visits was ridiculous and nobody listened",
])
def test_answers_and_other_questions_are_left_alone(text):
    assert not asks_for_a_reference(text)

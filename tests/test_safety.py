"""Danger first: the emergency route for gas, fire, flooding, electrics and
people in danger, and no false alarm for everyday repairs or past events."""
from __future__ import annotations

import pytest

from housing.safety import Emergency, detect_emergency, detect_vulnerability


@pytest.mark.parametrize(("text", "kind"), [
    # gas (always an emergency, even if the resident mentions the past)
    ("i can smell gas in my kitchen", "gas"),
    ("theres a strong gas smell on the landing", "gas"),
    ("smells of gas in the hallway", "gas"),
    ("my co alarm is going off", "gas"),
    ("carbon monoxide alarm beeping", "gas"),
    ("i smelt gas last week and i can smell gas again now", "gas"),
    # fire
    ("there's a fire in the flat below", "fire"),
    ("my house is on fire", "fire"),
    ("smoke is coming from the socket", "fire"),
    ("i smell burning from the boiler", "fire"),
    ("the fire alarm is going off and theres smoke", "fire"),
    # flooding: water through the ceiling or a light fitting
    ("water pouring through the ceiling", "flooding"),
    ("water is pouring through my light fitting", "flooding"),
    ("water's coming through the ceiling in the bedroom", "flooding"),
    ("the kitchen is flooding", "flooding"),
    ("burst pipe under the sink", "flooding"),
    ("the bathroom ceiling has collapsed", "flooding"),
    ("a pipe has burst and water is everywhere", "flooding"),
    ("water is now pouring through the ceiling", "flooding"),
    ("the ceiling fell down", "flooding"),
    ("water leaking through the ceiling into the bedroom", "flooding"),
    ("water getting into the plug sockets", "electrics"),
    # electrics
    ("the socket is sparking", "electrics"),
    ("sparks coming out of the plug socket", "electrics"),
    ("exposed wires hanging from the ceiling", "electrics"),
    ("water dripping from the light fitting", "electrics"),
    ("i got a shock off the switch", "electrics"),
    ("my son got a little shock from the cooker", "electrics"),
    ("the shower keeps giving me shocks", "electrics"),
    ("electrical shock when i touched the socket", "electrics"),
    # a home that can't be secured
    ("front door lock is broken and I can't lock it", "insecure"),
    ("my front door won't lock", "insecure"),
    ("we've been broken into and the back door is smashed", "insecure"),
    # someone in danger
    ("someone is in danger", "danger"),
    ("my neighbour is threatening to kill me", "danger"),
    ("my child is locked in the bathroom", "danger"),
    ("my dad is unconscious on the floor", "danger"),
    # a present danger is not hidden by mentioning an earlier report
    ("water pouring through my ceiling, i reported it last week and nobody came", "flooding"),
    ("water was pouring through my ceiling a few weeks ago and it's still leaking", "flooding"),
])
def test_detects_a_present_danger(text, kind):
    assert detect_emergency(text) == Emergency(kind)


@pytest.mark.parametrize("text", [
    "the gas engineer missed my appointment",
    "gas engineer didnt turn up for the boiler service",
    "my gas boiler is broken",
    "gas safety check was missed",
    "I had a leak last month that's fixed",
    "we had water pouring through the ceiling last month, its fixed now",
    "i reported a flood last year and want compensation",
    "there was a fire last week",
    "the socket sparked months ago, an electrician fixed it",
    # a fire door or a fire alarm's battery is a repair, not a fire
    "my fire door closer is broken",
    "fire door wont close properly",
    "the fire alarm keeps beeping, battery low",
    "i need a fire risk assessment for my block",
    "leaking tap in the kitchen, the light in the bathroom is broken too",
    "my kitchen tap is dripping",
    "i was in shock when i saw the bill",
    "water running down the wall from the window when it rains",
    "the toilet is leaking onto the floor",
    "shocking service from the repairs team",
    "got a shock last month off the plug, an electrician fixed it",
    "",
])
def test_no_emergency(text):
    assert detect_emergency(text) is None


def test_none_text_is_safe():
    assert detect_emergency(None) is None  # type: ignore[arg-type]
    assert detect_vulnerability(None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "found"), [
    ("my husband passed away last month", "passed away"),
    ("i'm disabled and use a wheelchair", "disabled, wheelchair"),
    ("I have anxiety and depression", "anxiety, depression"),
    ("struggling to pay the rent, using the food bank", "food bank, struggling"),
    ("I'm pregnant and the damp is making me ill", "pregnant"),
    ("my mum has dementia", "dementia"),
    ("she is blind", "blind"),
    ("I'm just out of hospital after chemo", "chemo, hospital"),
])
def test_detect_vulnerability(text, found):
    assert detect_vulnerability(text) == found


@pytest.mark.parametrize("text", ["my tap is leaking", "the neighbours are noisy", "flat 84 is noisy",
                                  "it's been 80 days", ""])
def test_no_vulnerability(text):
    assert detect_vulnerability(text) is None


# Found by exploratory testing: ways residents really describe gas, risk and vulnerability.
@pytest.mark.parametrize("text", ["gas leak", "it smells like gas in my flat", "gas smells really strong in my hallway",
                                  "whiff of gas near the cooker", "the gas is leaking", "smelling gas upstairs"])
def test_gas_in_residents_words(text):
    found = detect_emergency(text)
    assert found is not None and found.kind == "gas"


def test_domestic_abuse_is_danger_with_its_own_route():
    found = detect_emergency("my partner hits me and i need to move")
    assert found is not None and found.kind == "abuse"


@pytest.mark.parametrize("text", ["honestly i cant take this anymore i might as well end it",
                                  "whats the point of living in this dump"])
def test_risk_to_life_in_residents_words(text):
    from housing.safety import detect_risk

    assert detect_risk(text)


@pytest.mark.parametrize("text", ["i want to end my tenancy", "please end it now and cancel the complaint"])
def test_ending_a_tenancy_or_a_complaint_is_not_a_risk(text):
    from housing.safety import detect_risk

    assert detect_risk(text) is None


@pytest.mark.parametrize("text", ["i lost my wife 2 weeks ago", "im 79 and freezing", "im really ill",
                                  "my mum is 84", "she's 91 and lives alone", "he is 80 years old",
                                  "my son has asthma from the mould", "do you have interpreter? i speak polish"])
def test_vulnerability_in_residents_words(text):
    assert detect_vulnerability(text)


@pytest.mark.parametrize("text", ["my mum who is 84 lives alone", "she's hard of hearing",
                                  "it's very cold for my children"])
def test_more_vulnerability_in_residents_words(text):
    assert detect_vulnerability(text)

"""Service request or complaint (Complaint Handling Code 1.2-1.5), from the
words residents actually type: the four worked examples of seeds 000 and 001
(leaky tap, noisy neighbour, missed appointment, service charge query) as
first reports, and their "becomes a complaint" versions."""
from __future__ import annotations

import pytest

from housing.triage import Route, guess_category, triage

SR = Route.SERVICE_REQUEST
C = Route.COMPLAINT

REPEATED = "repeated failure"
NO_REPLY = "no response within the promised time"
CONDUCT = "conduct or poor handling"

# (intent, text, route, category, a reason that must be given or None)
CASES = [
    # --- Example 1: leaky tap. First report: a service request.
    ("report_repair", "my kitchen tap is leaking can someone come and fix it", SR, "repair", None),
    ("report_repair", "bathroom tap been dripping for a few days now", SR, "repair", None),
    ("report_repair", "my tap has been leaking for several days", SR, "repair", None),
    ("report_repair", "leaky tap in the kitchen pls sort", SR, "repair", None),
    # ... becomes a complaint: still leaking despite numerous visits.
    ("report_repair", "my tap is still leaking after 4 visits", C, "repair", REPEATED),
    ("report_repair", "youve sent someone out numerous times and the tap still drips", C, "repair", REPEATED),
    ("report_repair", "tap was fixed 3 times and its leaking again", C, "repair", REPEATED),
    ("report_repair", "plumbers been out loads of times and my tap is leaking", C, "repair", REPEATED),
    ("report_repair", "despite numerous visits my kitchen tap hasnt been fixed", C, "repair", REPEATED),
    ("report_repair", "my bathroom ceiling has been leaking for months and nobody has come out", C, "repair",
     REPEATED),
    ("missed_appointment", "my repair was marked as done but nobody ever came", C, "missed appointment", REPEATED),
    # --- Example 2: noisy neighbour. First report: an ASB service request.
    ("report_asb", "my neighbour plays loud music every night till 3am", SR, "antisocial behaviour", None),
    ("report_asb", "noisy nieghbours upstairs partying all weekend cant sleep", SR, "antisocial behaviour", None),
    # ... becomes a complaint: reported many times, case not managed well, no contact.
    ("report_asb", "ive reported the asb loads of times and youre not doing anything about it", C,
     "antisocial behaviour", REPEATED),
    ("report_asb", "reported my neighbour many times and the housing officer never got back to me", C,
     "antisocial behaviour", NO_REPLY),
    ("report_asb", "my asb case is not being managed well, the noise is every night", C,
     "antisocial behaviour", CONDUCT),
    ("report_asb", "nobody from the asb team has been in touch for weeks since i reported my neighbour", C,
     "antisocial behaviour", NO_REPLY),
    ("report_asb", "i keep reporting the noise next door and nothing gets done", C, "antisocial behaviour",
     REPEATED),
    # --- Example 3: missed appointment. First one: rebook, a service request.
    ("missed_appointment", "the plumber didnt turn up for my appointment today can i rebook", SR,
     "missed appointment", None),
    ("missed_appointment", "engineer never showed up this morning", SR, "missed appointment", None),
    ("missed_appointment", "nobody came for my repair appointment today", SR, "missed appointment", None),
    ("missed_appointment", "no one turned up for the appointment can i have another appointment", SR,
     "missed appointment", None),
    # ... becomes a complaint: several missed appointments and still not fixed.
    ("missed_appointment", "this is the third missed appointment and my boiler still isnt fixed", C,
     "missed appointment", REPEATED),
    ("missed_appointment", "missed 3 appointments now and the heating is broken", C, "missed appointment",
     REPEATED),
    ("missed_appointment", "they didnt turn up again thats the 4th time and no hot water", C,
     "missed appointment", REPEATED),
    ("missed_appointment", "contractor has missed several appointments and the leak hasnt been sorted", C,
     "missed appointment", REPEATED),
    # --- Example 4: service charge query. First time: a service request.
    ("rent_query", "can u explain my service charge its gone up", SR, "rent or service charge", None),
    ("rent_query", "why has my service charge gone up so much this year", SR, "rent or service charge", None),
    ("rent_query", "i need a copy of my rent statement", SR, "rent or service charge", None),
    # ... becomes a complaint: no reply within the agreed time.
    ("rent_query", "i asked about my service charge 6 weeks ago and no one has replied", C,
     "rent or service charge", NO_REPLY),
    ("rent_query", "sent a query about my service charges last month and heard nothing back", C,
     "rent or service charge", NO_REPLY),
    ("rent_query", "u said u would reply within 10 working days about my service charge its been 3 weeks", C,
     "rent or service charge", NO_REPLY),
    ("rent_query", "emailed about my service charge a month ago and havent had a reply", C,
     "rent or service charge", NO_REPLY),
    # --- Staff and contractor conduct: a complaint at once.
    ("make_complaint", "the repair guy was really rude to me", C, "repair", CONDUCT),
    ("make_complaint", "contractor damaged my kitchen floor and left a mess", C, "repair", CONDUCT),
    ("make_complaint", "ur staff member shouted at me on the phone", C, "service", CONDUCT),
    ("report_repair", "the plumber was rude and swore at me in my own home", C, "repair", CONDUCT),
    # --- "complain" about a first report: still a service request (seed 000 example 1).
    ("make_complaint", "i want to complain about my leaky tap", SR, "repair", None),
    ("make_complaint", "i want to complain about the noisy neighbours", SR, "antisocial behaviour", None),
    # --- A bare complaint: a complaint.
    ("make_complaint", "i want to make a complaint", C, "service", None),
    ("make_complaint", "i wanna make a complaint", C, "service", None),
    ("make_complaint", "complaint", C, "service", None),
]


@pytest.mark.parametrize(("intent", "text", "route", "category", "reason"), CASES,
                         ids=[case[1][:50] for case in CASES])
def test_triage_resident_messages(intent, text, route, category, reason):
    result = triage(intent, text)
    assert result.route is route, result
    assert result.category == category
    assert result.is_complaint is (route is C)
    if reason is not None:
        assert reason in result.reasons
    if route is SR:
        assert result.reasons == ()
    else:
        assert result.reasons, "a complaint always says why"
        assert result.dissatisfied is True


def test_complaint_about_a_first_report_flags_dissatisfaction():
    result = triage("make_complaint", "i want to complain about my leaky tap")
    assert result.route is SR
    assert result.dissatisfied is True
    assert result.category == "repair"


def test_plain_first_report_is_not_flagged_dissatisfied():
    result = triage("report_repair", "my kitchen tap is leaking")
    assert result.dissatisfied is False
    assert result.reasons == ()


def test_dissatisfied_first_report_is_still_a_service_request():
    result = triage("report_repair", "so fed up my boiler has broken down")
    assert result.route is SR
    assert result.dissatisfied is True


def test_bare_complaint_reason():
    result = triage("make_complaint", "i want to make a complaint")
    assert result.reasons == ("dissatisfaction with the service",)


def test_several_reasons_are_all_given():
    result = triage("report_asb", "reported the asb numerous times and the officer was rude and never got back to me")
    assert result.route is C
    assert set(result.reasons) == {REPEATED, NO_REPLY, CONDUCT}


def test_words_decide_when_the_intent_is_unknown():
    assert triage(None, "my tap is still leaking after numerous visits").route is C
    assert triage(None, "my tap is leaking").route is SR
    assert triage(None, "my tap is leaking").category == "repair"
    assert triage(None, "").route is SR
    assert triage(None, "").category == "service"


@pytest.mark.parametrize(("text", "category"), [
    ("my bolier is boken", "repair"),
    ("damp and mould in the bedroom", "repair"),
    ("people dealing drugs in the stairwell", "antisocial behaviour"),
    ("the engineer didnt turn up", "missed appointment"),
    ("question about my direct debit", "rent or service charge"),
    ("hello", "service"),
])
def test_guess_category(text, category):
    assert guess_category(text) == category


@pytest.mark.parametrize(("text", "unhappy"), [
    ("can I go to the ombudsman now? I'm not happy", True),
    ("this is the third time, what compensation can I get", True),
    ("how long do you have to reply to a complaint?", False),
    ("who is the ombudsman", False),
    ("can i complain to the ombudsman", False),
])
def test_shows_unhappiness_ignores_the_word_complaint(text, unhappy):
    from housing.triage import shows_unhappiness

    assert shows_unhappiness(text) is unhappy


@pytest.mark.parametrize(("text", "enough"), [
    ("heater broken", True),
    ("noisy neighbours", True),
    ("rent statement", True),
    ("the bath panel has come off", True),
    ("report a problem", False),
    ("service request", False),
    ("help", False),
    ("broken", False),
])
def test_describes_a_problem(text, enough):
    from housing.triage import describes_a_problem

    assert describes_a_problem(text) is enough

"""What the assistant tells residents about the policy: the acknowledgement,
the ombudsman for each nation, timescales from each landlord's own numbers,
compensation without promises, and never an outdated ombudsman route."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from housing import messages
from housing.deadlines import format_date, stage_dates
from housing.policy import Ombudsman
from housing.policy_check import outdated_routes
from housing.policy_loader import load_policy
from tests.policy_factory import make_policy

LONDON = ZoneInfo("Europe/London")
POLICIES = Path(__file__).resolve().parent.parent / "policies"
RECEIVED = datetime(2026, 11, 20, 10, 30, tzinfo=LONDON)  # a Friday
ALL_POLICY_FILES = sorted(p.name for p in POLICIES.glob("*.yml"))


def policy_file(name: str):
    policy, _warnings = load_policy(POLICIES / name)
    return policy


def ack_for(policy, *, adjustments="large print", received=RECEIVED):
    dates = stage_dates(policy, 1, received, received if policy.bot_confirmation_is_acknowledgement else None)
    text = messages.acknowledgement(
        policy, "CMP-2026-000042", "The kitchen tap still leaks after four visits.",
        "Fix the tap and pay for the water damage", received, dates.acknowledgement_due, dates.response_due,
        adjustments)
    return text, dates


# ---------------------------------------------------------------- acknowledgement


def test_acknowledgement_has_everything_domain_md_lists():
    policy = policy_file("default.yml")
    text, dates = ack_for(policy)
    assert "CMP-2026-000042" in text  # reference
    assert "Stage 1" in text  # stage
    assert "The kitchen tap still leaks after four visits." in text  # our understanding
    assert "Fix the tap and pay for the water damage" in text  # outcome wanted
    assert "How it works" in text and policy.stage(1).handled_by in text  # how the process works
    # the response date from the engine, and how extensions work
    assert dates.response_due.isoformat() == "2026-12-11"
    assert f"full response by {format_date(dates.response_due)}" in text
    assert "at most 10 more working days" in text
    assert "Ombudsman" in text
    # the acknowledgement date from the engine (a person acknowledges formally)
    assert dates.acknowledgement_due.isoformat() == "2026-11-27"
    assert f"acknowledge it by {format_date(dates.acknowledgement_due)}" in text
    # reasonable adjustments: what was asked for and what the policy offers
    assert "Reasonable adjustments: large print;" in text
    for item in policy.reasonable_adjustments:
        assert item in text
    # advocacy
    assert policy.advocacy.strip() in text
    assert "Citizens Advice" in text
    # how to take it further
    assert "Stage 2" in text


def test_acknowledgement_dates_follow_a_bank_holiday():
    # Received Thursday 24 December 2026: Christmas and Boxing Day (substitute
    # Monday 28th) are not working days.
    policy = make_policy()
    received = datetime(2026, 12, 24, 9, 0, tzinfo=LONDON)
    text, dates = ack_for(policy, received=received)
    assert dates.acknowledgement_due.isoformat() == "2027-01-05"
    assert format_date(dates.acknowledgement_due) in text
    assert format_date(dates.response_due) in text


def test_acknowledgement_when_the_bot_confirmation_counts():
    policy = make_policy(bot_confirmation_is_acknowledgement=True)
    text, dates = ack_for(policy)
    assert "formally acknowledge" not in text
    # counted from today's acknowledgement, not from the acknowledgement due date
    assert dates.response_due == stage_dates(policy, 1, RECEIVED, RECEIVED).response_due
    assert format_date(dates.response_due) in text


def test_acknowledgement_with_no_adjustments_asked_for():
    text, _ = ack_for(make_policy(), adjustments="")
    assert "Reasonable adjustments: none asked for;" in text


@pytest.mark.parametrize("name", ["seed-001.yml", "seed-003.yml"])
def test_acknowledgement_never_has_an_empty_advocacy_or_adjustments_line(name):
    policy = policy_file(name)
    assert policy.advocacy == "" and policy.reasonable_adjustments == ()
    text, _ = ack_for(policy)
    advocacy = re.search(r"^Advocacy: (.*)$", text, re.M).group(1)
    assert "Citizens Advice" in advocacy
    assert re.search(r"we can also offer: .*Braille", text)


@pytest.mark.parametrize("name", ALL_POLICY_FILES)
def test_every_policy_acknowledgement_uses_engine_dates(name):
    policy = policy_file(name)
    text, dates = ack_for(policy)
    assert format_date(dates.response_due) in text
    assert policy.stage(1).name in text
    assert f"at most {policy.stage(1).max_extension_working_days} more working days" in text


# ---------------------------------------------------------------- ombudsman per nation


@pytest.mark.parametrize(("name", "present", "absent"), [
    ("default.yml",
     ["Housing Ombudsman Service", "0300 111 3000", "info@housing-ombudsman.org.uk",
      "PO Box 1484, Unit D, Preston, PR2 0ET"],
     ["SPSO", "ombudsman.wales"]),
    ("example-scotland.yml",
     ["Scottish Public Services Ombudsman", "0800 377 7330", "Freepost SPSO", "spso.org.uk"],
     ["Housing Ombudsman", "0300 111 3000", "Preston", "ombudsman.wales"]),
    ("example-wales.yml",
     ["Public Services Ombudsman for Wales", "0300 790 0203", "ask@ombudsman.wales", "ombudsman.wales"],
     ["Housing Ombudsman", "0300 111 3000", "Preston", "SPSO"]),
])
def test_ombudsman_for_each_nation(name, present, absent):
    policy = policy_file(name)
    for text in (messages.ombudsman_details(policy), messages.ombudsman_answer(policy), ack_for(policy)[0]):
        for expected in present[:2]:
            assert expected in text
    answer = messages.ombudsman_answer(policy)
    for expected in present:
        assert expected in answer
    for wrong in absent:
        assert wrong not in answer
        assert wrong not in ack_for(policy)[0]


def test_dispute_support_is_only_mentioned_for_the_housing_ombudsman():
    assert "step in" in messages.ombudsman_answer(policy_file("default.yml"))
    assert "step in" not in messages.ombudsman_answer(policy_file("example-scotland.yml"))
    assert "step in" not in messages.ombudsman_answer(policy_file("example-wales.yml"))


# ---------------------------------------------------------------- seed 003: outdated routes never given

OUTDATED = re.compile(r"exchange\s+tower|harbour\s+exchange|e14\s*9ge|designated\s+person|\b(8|eight)[\s-]*weeks?\b",
                      re.I)


def every_message(policy) -> dict[str, str]:
    return {
        "greeting": messages.greeting(policy),
        "timescales": messages.timescales_answer(policy, RECEIVED),
        "ombudsman": messages.ombudsman_answer(policy),
        "ombudsman_details": messages.ombudsman_details(policy),
        "compensation": messages.compensation_answer(policy),
        "how_to_complain": messages.how_to_complain_answer(policy),
        "who_can_complain": messages.who_can_complain_answer(policy),
        "representative": messages.representative_answer(policy),
        "emergency": messages.emergency_answer(policy, "gas"),
        "acknowledgement": ack_for(policy)[0],
    }


def test_seed_003_file_really_has_the_outdated_routes():
    raw = (POLICIES / "seed-003.yml").read_text()
    assert "Exchange Tower" in raw and "designated person" in raw and "8 weeks" in raw


@pytest.mark.parametrize("kind", list(every_message(make_policy())))
def test_seed_003_messages_never_give_outdated_routes(kind):
    text = every_message(policy_file("seed-003.yml"))[kind]
    assert not OUTDATED.search(text), text
    assert outdated_routes(text) == []


def test_seed_003_gives_the_current_housing_ombudsman_instead():
    answer = messages.ombudsman_answer(policy_file("seed-003.yml"))
    assert "PO Box 1484, Unit D, Preston, PR2 0ET" in answer
    assert "0300 111 3000" in answer


def test_a_hand_built_policy_with_outdated_details_is_also_protected():
    old = Ombudsman(
        name="Housing Ombudsman Service", phone="0300 111 3000", email="info@housing-ombudsman.org.uk",
        address="Exchange Tower, Harbour Exchange Square, London, E14 9GE", website="",
        how_to_refer="Ask your designated person, or wait 8 weeks and contact the ombudsman.")
    policy = make_policy(ombudsman=old)
    for kind, text in every_message(policy).items():
        assert not OUTDATED.search(text), (kind, text)
    assert "Preston" in messages.ombudsman_answer(policy)


# ---------------------------------------------------------------- timescales from each seed's numbers


def test_seed_001_timescales():
    policy = policy_file("seed-001.yml")
    text = messages.timescales_answer(policy, RECEIVED)
    assert "Stage one: we acknowledge within 1 working day and respond within 10 working days from when we " \
           "receive it" in text
    assert "1 working days" not in text
    assert "extend by up to 10 working days" in text
    assert "Stage two: we acknowledge within 5 working days and respond within 20 working days from when we " \
           "receive it" in text
    first = stage_dates(policy, 1, RECEIVED)
    # Friday 20 November 2026: acknowledged by the end of Monday, answered by 10 working days from receipt
    assert first.acknowledgement_due.isoformat() == "2026-11-23"
    assert first.response_due.isoformat() == "2026-12-04"
    assert f"acknowledgement is due by {format_date(first.acknowledgement_due)}" in text
    assert f"response by {format_date(first.response_due)}" in text


def test_seed_003_timescales():
    text = messages.timescales_answer(policy_file("seed-003.yml"), RECEIVED)
    assert "Complaint: we acknowledge within 4 working days and respond within 10 working days from when we " \
           "acknowledge it" in text
    assert "Review: we acknowledge within 4 working days" in text


def test_default_timescales_are_the_code():
    policy = policy_file("default.yml")
    text = messages.timescales_answer(policy, RECEIVED)
    assert "Stage 1: we acknowledge within 5 working days and respond within 10 working days from when we " \
           "acknowledge it; if we need longer we tell you why and can extend by up to 10 working days." in text
    assert "Stage 2: we acknowledge within 5 working days and respond within 20 working days from when we " \
           "acknowledge it; if we need longer we tell you why and can extend by up to 20 working days." in text
    first = stage_dates(policy, 1, RECEIVED)
    assert f"response by {format_date(first.response_due)}" in text
    assert first.response_due.isoformat() == "2026-12-11"


def test_scotland_timescales():
    text = messages.timescales_answer(policy_file("example-scotland.yml"), RECEIVED)
    assert "respond within 5 working days from when we receive it" in text
    assert "we acknowledge within 3 working days and respond within 20 working days" in text


@pytest.mark.parametrize("name", ALL_POLICY_FILES)
def test_timescales_use_each_policys_own_numbers(name):
    policy = policy_file(name)
    text = messages.timescales_answer(policy, RECEIVED)
    for stage in policy.stages:
        days = stage.acknowledge.working_days
        assert f"{stage.name}: we acknowledge within {days} working day{'s' if days != 1 else ''} " \
               f"and respond within {stage.respond.working_days} working days" in text
    first = stage_dates(policy, 1, RECEIVED)
    assert format_date(first.acknowledgement_due) in text
    assert format_date(first.response_due) in text


# ---------------------------------------------------------------- compensation

AMOUNT = re.compile(r"£\s?\d[\d,]*(\.\d+)?|\b\d[\d,]*\s?(pounds|quid)\b", re.I)


@pytest.mark.parametrize("name", ALL_POLICY_FILES)
def test_compensation_never_promises_an_amount_beyond_the_policy(name):
    policy = policy_file(name)
    answer = messages.compensation_answer(policy)
    allowed = {m.group(0) for m in AMOUNT.finditer(policy.compensation_summary)}
    given = {m.group(0) for m in AMOUNT.finditer(answer)}
    assert given <= allowed
    assert "can't promise any amount" in answer
    assert answer.strip() and not answer.startswith(" ")


def test_seed_004_compensation_explains_the_policy_amount_but_not_a_promise():
    answer = messages.compensation_answer(policy_file("seed-004.yml"))
    assert "£250 a week" in answer
    assert "can't promise any amount" in answer


def test_default_compensation_has_no_amount():
    answer = messages.compensation_answer(policy_file("default.yml"))
    assert AMOUNT.search(answer) is None
    assert "compensation policy" in answer


def test_compensation_when_the_policy_says_nothing():
    answer = messages.compensation_answer(policy_file("seed-001.yml"))
    assert answer.startswith("If we got something wrong")
    assert AMOUNT.search(answer) is None


# ---------------------------------------------------------------- other answers


def test_how_to_complain_lists_the_policy_channels_and_contacts():
    policy = policy_file("seed-004.yml")
    text = messages.how_to_complain_answer(policy)
    for channel in policy.channels:
        assert channel in text
    assert policy.phone in text and policy.email in text


def test_representative_answer_uses_the_consent_form():
    assert "signed permission" in messages.representative_answer(policy_file("seed-002.yml"))
    assert "written permission" in messages.representative_answer(policy_file("default.yml"))
    who = messages.who_can_complain_answer(policy_file("seed-002.yml"))
    assert "your signed permission" in who and "tenant's written permission" in who


@pytest.mark.parametrize("name", ["default.yml", "seed-000.yml", "seed-001.yml", "seed-002.yml", "seed-003.yml",
                                  "seed-004.yml"])
def test_who_can_complain_follows_the_policy(name):
    policy = policy_file(name)
    who = messages.who_can_complain_answer(policy)
    for person in policy.who_can_complain + policy.permission_needed_from_tenant:
        assert person in who
    # the tenant's permission is only mentioned where the policy asks for it
    assert ("tenant's" in who) == bool(policy.permission_needed_from_tenant)


def test_greeting_says_it_is_automated_and_offers_a_person():
    text = messages.greeting(make_policy())
    assert "automated" in text and "not a person" in text
    assert "talk to a person" in text


@pytest.mark.parametrize(("kind", "expected"), [
    ("gas", "0800 111 999"), ("fire", "999"), ("danger", "999"), ("flooding", "stopcock"),
    ("electrics", "fuse box"),
])
def test_emergency_answer(kind, expected):
    policy = make_policy()
    text = messages.emergency_answer(policy, kind)
    assert text.startswith("This sounds like an emergency.")
    assert expected in text
    assert policy.emergency_repairs_phone in text


def test_emergency_answer_falls_back_to_the_main_phone():
    policy = replace(make_policy(), emergency_repairs_phone="")
    assert policy.phone in messages.emergency_answer(policy, "gas")


@pytest.mark.parametrize(("question", "noted"), [
    ("do I need a designated person to go to the ombudsman?", True),
    ("do i have to wait 8 weeks before the ombudsman", True),
    ("how do I contact the ombudsman", False),
])
def test_outdated_routes_are_said_to_be_gone_in_england(question, noted):
    note = messages.outdated_route_note(policy_file("default.yml"), question)
    assert bool(note) is noted
    if noted:
        assert "no 8-week wait" in note and "designated person" in note
    assert messages.outdated_route_note(policy_file("example-scotland.yml"), question) == ""

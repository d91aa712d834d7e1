"""Test helper: a complete Complaint Handling Code 2024 policy for England.

`make_policy(**overrides)` returns a `Policy` with a sensible value for every
field; any field can be replaced by keyword, e.g.
`make_policy(nation=Nation.SCOTLAND, closure_days=(date(2026, 12, 29),))`.
`code_2024_stages(...)` builds the two Code stages with chosen timescales.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import time
from typing import Any

from housing.policy import (
    ConsentForm,
    CountedFrom,
    Nation,
    Ombudsman,
    OpeningHours,
    Policy,
    Stage,
    Timescale,
)

HOUSING_OMBUDSMAN = Ombudsman(
    name="Housing Ombudsman Service",
    phone="0300 111 3000",
    email="info@housing-ombudsman.org.uk",
    address="PO Box 1484, Unit D, Preston, PR2 0ET",
    website="https://www.housing-ombudsman.org.uk",
)


def code_2024_stages(
    *,
    stage1_ack: int = 5,
    stage1_respond: int = 10,
    stage1_respond_from: CountedFrom = CountedFrom.ACKNOWLEDGED,
    stage1_extension: int = 10,
    stage2_ack: int = 5,
    stage2_respond: int = 20,
    stage2_respond_from: CountedFrom = CountedFrom.ACKNOWLEDGED,
    stage2_extension: int = 20,
) -> tuple[Stage, ...]:
    """The two stages; defaults are the Code 2024 timescales."""
    return (
        Stage(
            number=1,
            name="Stage 1",
            acknowledge=Timescale(stage1_ack, CountedFrom.RECEIVED),
            respond=Timescale(stage1_respond, stage1_respond_from),
            max_extension_working_days=stage1_extension,
            handled_by="complaints team",
        ),
        Stage(
            number=2,
            name="Stage 2",
            acknowledge=Timescale(stage2_ack, CountedFrom.RECEIVED),
            respond=Timescale(stage2_respond, stage2_respond_from),
            max_extension_working_days=stage2_extension,
            handled_by="a senior manager not involved at stage 1",
        ),
    )


def make_policy(**overrides: Any) -> Policy:
    """A Code 2024 England policy; keyword arguments replace fields."""
    weekday_hours = (time(9, 0), time(17, 0))
    policy = Policy(
        landlord_name="Example Homes",
        nation=Nation.ENGLAND,
        phone="0300 123 4567",
        email="complaints@example-homes.org.uk",
        website="https://www.example-homes.org.uk/complaints",
        channels=("phone", "email", "web form", "letter", "in person"),
        opening_hours=OpeningHours(hours={day: weekday_hours for day in range(5)}),
        closure_days=(),
        stages=code_2024_stages(),
        exclusion_window_months=12,
        who_can_complain=(
            "tenant",
            "leaseholder",
            "shared owner",
            "licensee",
            "service applicant",
            "anyone directly affected by our services",
        ),
        permission_needed_from_tenant=("family member", "friend", "advocate", "solicitor"),
        representative_consent=ConsentForm.WRITTEN,
        representative_without_consent=("resident is a child", "resident cannot complain themselves"),
        elected_member_new_matter="complaint",
        elected_member_enquiry="enquiry",
        ombudsman=HOUSING_OMBUDSMAN,
        compensation_summary="We may offer compensation under our compensation policy.",
        bot_confirmation_is_acknowledgement=False,
        reasonable_adjustments=(
            "large print",
            "easy read",
            "Braille",
            "BSL or relay",
            "interpreter",
            "a representative",
            "more time",
        ),
        advocacy="Citizens Advice or Shelter can help you make a complaint.",
        emergency_repairs_phone="0300 123 9999",
        exclusions=(
            "legal proceedings have started",
            "the matter was already considered",
            "a statutory appeal route exists",
        ),
    )
    return replace(policy, **overrides) if overrides else policy

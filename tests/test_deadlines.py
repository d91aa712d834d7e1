"""Tests for deadlines worked out from a policy (`housing.deadlines`).

Expected dates were counted by hand on a printed calendar. November 2026
starts on a Sunday (Mon 2, 9, 16, 23, 30 Nov); December 2026 on a Tuesday
(Fri 4, Mon 7 Dec; 25 Fri and substitute Mon 28 Dec off); 1 Jan 2027 is a
Friday.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from housing.deadlines import (
    StageDates,
    acknowledgement_due,
    calendar_for,
    exclusion_cutoff,
    extended_response_due,
    format_date,
    is_within_window,
    latest_with_extension,
    response_due,
    stage_dates,
)
from housing.policy import CountedFrom, Nation
from tests.policy_factory import code_2024_stages, make_policy

D = date
UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0, tz=UTC) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=tz)


# ---- Code 2024 defaults -----------------------------------------------------

def test_code_2024_stage_1_projected():
    policy = make_policy()
    received = at(2026, 11, 2)  # Monday
    # ack 5 from Mon 2 Nov: 3, 4, 5, 6, 9 -> Mon 9 Nov
    assert acknowledgement_due(policy, 1, received) == D(2026, 11, 9)
    # respond 10 from the ack due date 9 Nov: 10-13, 16-20, 23 -> Mon 23 Nov
    assert response_due(policy, 1, received) == D(2026, 11, 23)
    # +10: 24-27, 30 Nov, 1-4, 7 Dec -> Mon 7 Dec
    assert stage_dates(policy, 1, received) == StageDates(
        stage=1,
        acknowledgement_due=D(2026, 11, 9),
        response_due=D(2026, 11, 23),
        latest_with_extension=D(2026, 12, 7),
    )


def test_code_2024_stage_1_counted_from_actual_acknowledgement():
    policy = make_policy()
    # acknowledged Tue 3 Nov: 4, 5, 6, 9-13, 16, 17 -> Tue 17 Nov
    due = response_due(policy, 1, at(2026, 11, 2), acknowledged_at=at(2026, 11, 3, 14))
    assert due == D(2026, 11, 17)
    dates = stage_dates(policy, 1, at(2026, 11, 2), acknowledged_at=at(2026, 11, 3, 14))
    assert dates.acknowledgement_due == D(2026, 11, 9)  # still the projected one
    assert dates.response_due == D(2026, 11, 17)


def test_code_2024_stage_2_over_christmas():
    policy = make_policy()
    escalated = at(2026, 11, 2)  # escalation request on Monday 2 Nov
    # ack 5 -> Mon 9 Nov; respond 20 from 9 Nov: 10-13 (4), 16-20 (9),
    # 23-27 (14), 30 Nov (15), 1-4 Dec (19), 7 Dec (20)
    # +20 from 7 Dec: 8-11 (4), 14-18 (9), 21-24 (13), 29-31 (16),
    # 4-7 Jan (20) -> Thu 7 Jan 2027
    assert stage_dates(policy, 2, escalated) == StageDates(
        stage=2,
        acknowledgement_due=D(2026, 11, 9),
        response_due=D(2026, 12, 7),
        latest_with_extension=D(2027, 1, 7),
    )


def test_received_as_plain_date_is_accepted():
    policy = make_policy()
    assert acknowledgement_due(policy, 1, D(2026, 11, 2)) == D(2026, 11, 9)


# ---- London dates -----------------------------------------------------------

def test_received_late_thursday_utc_in_summer_is_friday_in_london():
    policy = make_policy()
    # 23:30 UTC Thu 9 Jul 2026 is 00:30 BST Fri 10 Jul -> 13-17 Jul
    assert acknowledgement_due(policy, 1, at(2026, 7, 9, 23, 30)) == D(2026, 7, 17)
    # the same wall-clock time in London is still Thursday -> 10, 13-16 Jul
    assert acknowledgement_due(policy, 1, at(2026, 7, 9, 23, 30, LONDON)) == D(2026, 7, 16)


def test_received_23_30_friday_london_time():
    policy = make_policy(stages=code_2024_stages(stage1_ack=1))
    # Friday 10 Jul 2026 23:30 BST: received Friday; next working day Mon 13
    assert acknowledgement_due(policy, 1, at(2026, 7, 10, 23, 30, LONDON)) == D(2026, 7, 13)


def test_gmt_bst_boundary():
    policy = make_policy()
    # Thu 22 Oct 2026 23:30 UTC = 00:30 BST Fri 23 Oct -> 26-30 Oct
    assert acknowledgement_due(policy, 1, at(2026, 10, 22, 23, 30)) == D(2026, 10, 30)
    # Thu 29 Oct 2026 23:30 UTC = 23:30 GMT Thu -> 30 Oct, 2-5 Nov
    assert acknowledgement_due(policy, 1, at(2026, 10, 29, 23, 30)) == D(2026, 11, 5)


def test_received_on_saturday_and_on_bank_holiday():
    policy = make_policy()
    assert acknowledgement_due(policy, 1, at(2026, 11, 7)) == D(2026, 11, 13)  # Sat -> Fri
    assert acknowledgement_due(policy, 1, at(2026, 5, 25)) == D(2026, 6, 1)  # bank hol Mon


# ---- other policies -------------------------------------------------------------

@pytest.mark.parametrize(
    "nation, received, expected",
    [
        (Nation.ENGLAND, at(2026, 12, 24, 15), D(2026, 12, 29)),
        (Nation.ENGLAND, at(2026, 7, 10, 22, 30), D(2026, 7, 13)),  # 23:30 BST Fri
        (Nation.NORTHERN_IRELAND, at(2026, 7, 10, 22, 30), D(2026, 7, 14)),  # 13 Jul off
        (Nation.SCOTLAND, at(2026, 12, 31, 12), D(2027, 1, 5)),  # 1 and 4 Jan off
    ],
)
def test_acknowledge_by_end_of_next_working_day(nation, received, expected):
    policy = make_policy(nation=nation, stages=code_2024_stages(stage1_ack=1))
    assert acknowledgement_due(policy, 1, received) == expected


def test_respond_counted_from_received():
    policy = make_policy(stages=code_2024_stages(stage1_respond_from=CountedFrom.RECEIVED))
    # 10 from Mon 2 Nov: 3-6 (4), 9-13 (9), 16 (10)
    assert response_due(policy, 1, at(2026, 11, 2)) == D(2026, 11, 16)
    # the acknowledgement date does not matter then
    assert response_due(policy, 1, at(2026, 11, 2), acknowledged_at=at(2026, 11, 6)) == D(2026, 11, 16)


def test_respond_within_4_working_days_of_receipt_over_christmas():
    policy = make_policy(
        stages=code_2024_stages(stage1_respond=4, stage1_respond_from=CountedFrom.RECEIVED)
    )
    # Wed 23 Dec 2026: 24, 29, 30, 31
    assert response_due(policy, 1, at(2026, 12, 23)) == D(2026, 12, 31)


def test_scotland_model_stage_1_five_days_from_receipt():
    policy = make_policy(
        nation=Nation.SCOTLAND,
        stages=code_2024_stages(stage1_respond=5, stage1_respond_from=CountedFrom.RECEIVED,
                                stage2_ack=3),
    )
    # Wed 31 Dec 2025: 1 and 2 Jan off in Scotland -> 5, 6, 7, 8, 9 Jan
    assert response_due(policy, 1, at(2025, 12, 31)) == D(2026, 1, 9)
    # stage 2 ack 3 from Wed 31 Dec 2025 -> 5, 6, 7 Jan
    assert acknowledgement_due(policy, 2, at(2025, 12, 31)) == D(2026, 1, 7)


def test_closure_days_from_policy():
    closed = (D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31))
    policy = make_policy(closure_days=closed)
    # Wed 23 Dec: 24 Dec, then 4, 5, 6, 7 Jan
    assert acknowledgement_due(policy, 1, at(2026, 12, 23)) == D(2027, 1, 7)
    assert acknowledgement_due(make_policy(), 1, at(2026, 12, 23)) == D(2027, 1, 4)


def test_calendar_is_shared_between_equal_policies():
    assert calendar_for(make_policy()) is calendar_for(make_policy())
    assert calendar_for(make_policy()) is not calendar_for(make_policy(nation=Nation.SCOTLAND))


# ---- extensions -----------------------------------------------------------------

def test_extension_within_cap():
    policy = make_policy()
    assert extended_response_due(policy, 1, D(2026, 11, 23), 10) == D(2026, 12, 7)
    assert extended_response_due(policy, 1, D(2026, 11, 23), 1) == D(2026, 11, 24)
    assert extended_response_due(policy, 2, D(2026, 12, 7), 20) == D(2027, 1, 7)


@pytest.mark.parametrize("stage, days", [(1, 11), (2, 21), (1, 0), (1, -3)])
def test_extension_out_of_range_raises(stage, days):
    with pytest.raises(ValueError, match="working day"):
        extended_response_due(make_policy(), stage, D(2026, 11, 23), days)


def test_extension_cap_message_names_the_cap():
    with pytest.raises(ValueError, match="at most 10 working days"):
        extended_response_due(make_policy(), 1, D(2026, 11, 23), 15)


def test_no_extension_allowed():
    policy = make_policy(stages=code_2024_stages(stage1_extension=0))
    with pytest.raises(ValueError):
        extended_response_due(policy, 1, D(2026, 11, 23), 1)
    assert latest_with_extension(policy, 1, D(2026, 11, 23)) == D(2026, 11, 23)


def test_unknown_stage():
    with pytest.raises(KeyError):
        acknowledgement_due(make_policy(), 3, at(2026, 11, 2))


# ---- exclusion window -----------------------------------------------------------

@pytest.mark.parametrize(
    "months, today, cutoff",
    [
        (12, D(2026, 6, 15), D(2025, 6, 15)),
        (12, D(2026, 1, 10), D(2025, 1, 10)),
        (1, D(2026, 1, 15), D(2025, 12, 15)),  # back over a year end
        (3, D(2026, 5, 31), D(2026, 2, 28)),  # clamped, 2026 not a leap year
        (3, D(2024, 5, 31), D(2024, 2, 29)),  # clamped, leap year
        (12, D(2024, 2, 29), D(2023, 2, 28)),  # 29 Feb back a year
        (6, D(2026, 8, 31), D(2026, 2, 28)),
        (6, D(2026, 3, 31), D(2025, 9, 30)),  # September has 30 days
        (24, D(2026, 3, 1), D(2024, 3, 1)),
        (0, D(2026, 3, 1), D(2026, 3, 1)),
    ],
)
def test_exclusion_cutoff(months, today, cutoff):
    assert exclusion_cutoff(make_policy(exclusion_window_months=months), today) == cutoff


def test_is_within_window_edges():
    policy = make_policy()  # 12 months
    today = D(2026, 6, 15)
    assert is_within_window(policy, D(2025, 6, 15), today)  # exactly 12 months: inside
    assert not is_within_window(policy, D(2025, 6, 14), today)  # a day more: outside
    assert is_within_window(policy, today, today)
    assert is_within_window(policy, D(2026, 6, 20), today)  # future: not too old

    six = make_policy(exclusion_window_months=6)
    assert is_within_window(six, D(2025, 12, 15), today)
    assert not is_within_window(six, D(2025, 12, 14), today)

    three = make_policy(exclusion_window_months=3)
    assert is_within_window(three, D(2026, 2, 28), D(2026, 5, 31))
    assert not is_within_window(three, D(2026, 2, 27), D(2026, 5, 31))


def test_negative_exclusion_window_rejected():
    with pytest.raises(ValueError):
        exclusion_cutoff(make_policy(exclusion_window_months=-1), D(2026, 6, 15))


# ---- formatting -------------------------------------------------------------------

@pytest.mark.parametrize(
    "day, text",
    [
        (D(2026, 12, 4), "Friday 4 December 2026"),
        (D(2027, 1, 1), "Friday 1 January 2027"),
        (D(2026, 2, 28), "Saturday 28 February 2026"),
        (D(2026, 11, 30), "Monday 30 November 2026"),
        (D(2026, 5, 25), "Monday 25 May 2026"),
        (D(2026, 3, 17), "Tuesday 17 March 2026"),
    ],
)
def test_format_date(day, text):
    assert format_date(day) == text

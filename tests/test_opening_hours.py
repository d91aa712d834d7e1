"""Is the team open, and when does it next open: weekends, bank holidays
(Christmas 2026), the landlord's closure days, and late-night messages."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from housing.opening_hours import describe_next_opening, is_open, next_opening
from housing.policy import Nation, OpeningHours
from housing.policy_loader import load_policy
from tests.policy_factory import make_policy

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
POLICIES = Path(__file__).resolve().parent.parent / "policies"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


@pytest.mark.parametrize(("moment", "expected"), [
    (at(2026, 11, 23, 9, 0), True),  # Monday, opening time
    (at(2026, 11, 23, 8, 59), False),
    (at(2026, 11, 23, 16, 59), True),
    (at(2026, 11, 23, 17, 0), False),  # closing time is closed
    (at(2026, 11, 21, 12, 0), False),  # Saturday
    (at(2026, 11, 22, 12, 0), False),  # Sunday
    (at(2026, 12, 25, 10, 0), False),  # Christmas Day, a Friday
    (at(2026, 12, 28, 10, 0), False),  # Boxing Day (Saturday) substitute, Monday 28th
    (at(2026, 12, 24, 16, 0), True),  # Christmas Eve is a normal working day
])
def test_is_open(moment, expected):
    assert is_open(make_policy(), moment) is expected


def test_friday_2330_message_waits_for_monday_morning():
    moment = at(2026, 11, 20, 23, 30)  # Friday
    policy = make_policy()
    assert is_open(policy, moment) is False
    assert next_opening(policy, moment) == at(2026, 11, 23, 9, 0)
    assert describe_next_opening(policy, moment) == "Monday 23 November 2026 at 09:00"


def test_saturday_and_sunday_wait_for_monday():
    policy = make_policy()
    assert next_opening(policy, at(2026, 11, 21, 10, 0)) == at(2026, 11, 23, 9, 0)
    assert next_opening(policy, at(2026, 11, 22, 20, 0)) == at(2026, 11, 23, 9, 0)


def test_before_opening_on_a_weekday_is_the_same_morning():
    assert next_opening(make_policy(), at(2026, 11, 24, 7, 15)) == at(2026, 11, 24, 9, 0)


def test_during_opening_hours_the_next_opening_is_tomorrow():
    assert next_opening(make_policy(), at(2026, 11, 24, 11, 0)) == at(2026, 11, 25, 9, 0)


def test_christmas_2026_skips_christmas_and_the_boxing_day_substitute():
    policy = make_policy()
    moment = at(2026, 12, 24, 23, 30)  # Thursday night
    assert next_opening(policy, moment) == at(2026, 12, 29, 9, 0)
    assert describe_next_opening(policy, moment) == "Tuesday 29 December 2026 at 09:00"
    assert next_opening(policy, at(2026, 12, 25, 10, 0)) == at(2026, 12, 29, 9, 0)


def test_a_closure_day_is_skipped_too():
    policy = make_policy(closure_days=(date(2026, 12, 29), date(2026, 12, 30)))
    assert is_open(policy, at(2026, 12, 29, 10, 0)) is False
    assert next_opening(policy, at(2026, 12, 24, 23, 30)) == at(2026, 12, 31, 9, 0)


def test_a_closure_day_on_an_ordinary_friday():
    policy = make_policy(closure_days=(date(2026, 11, 27),))
    assert is_open(policy, at(2026, 11, 27, 10, 0)) is False
    assert next_opening(policy, at(2026, 11, 26, 18, 0)) == at(2026, 11, 30, 9, 0)


@pytest.mark.parametrize(("nation", "expected"), [
    (Nation.ENGLAND, at(2027, 1, 4, 9, 0)),
    (Nation.WALES, at(2027, 1, 4, 9, 0)),
    (Nation.NORTHERN_IRELAND, at(2027, 1, 4, 9, 0)),
    # Scotland: 2 January (a Saturday in 2027) is a bank holiday, moved to Monday 4th
    (Nation.SCOTLAND, at(2027, 1, 5, 9, 0)),
])
def test_new_year_follows_each_nations_bank_holidays(nation, expected):
    assert next_opening(make_policy(nation=nation), at(2026, 12, 31, 23, 30)) == expected


def test_times_are_read_in_london_time():
    policy = make_policy()
    # 08:30 UTC in June is 09:30 in London (BST): open.
    assert is_open(policy, datetime(2026, 6, 15, 8, 30, tzinfo=UTC)) is True
    # a naive time is taken as UTC
    assert is_open(policy, datetime(2026, 6, 15, 8, 30)) is True
    assert is_open(policy, datetime(2026, 6, 15, 7, 30, tzinfo=UTC)) is False
    # 16:30 UTC in June is 17:30 in London: closed
    assert is_open(policy, datetime(2026, 6, 15, 16, 30, tzinfo=UTC)) is False


def test_policy_hours_per_day_from_the_welsh_example():
    policy, _ = load_policy(POLICIES / "example-wales.yml")
    assert is_open(policy, at(2026, 11, 19, 16, 45)) is True  # Thursday until 17:00
    assert is_open(policy, at(2026, 11, 20, 16, 45)) is False  # Friday until 16:30
    assert next_opening(policy, at(2026, 11, 22, 12, 0)) == at(2026, 11, 23, 8, 30)


def test_never_open():
    policy = make_policy(opening_hours=OpeningHours(hours={}))
    assert is_open(policy, at(2026, 11, 23, 10, 0)) is False
    assert next_opening(policy, at(2026, 11, 23, 10, 0)) is None
    assert describe_next_opening(policy, at(2026, 11, 23, 10, 0)) == "as soon as the team is back"


def test_a_day_the_policy_gives_hours_for_is_open_even_at_the_weekend():
    hours = OpeningHours(hours={day: (datetime(2026, 1, 1, 9).time(), datetime(2026, 1, 1, 13).time())
                                for day in range(7)})
    policy = make_policy(opening_hours=hours)
    assert is_open(policy, at(2026, 11, 21, 10, 0)) is True  # Saturday
    assert is_open(policy, at(2026, 11, 22, 12, 59)) is True  # Sunday
    assert is_open(policy, at(2026, 12, 26, 10, 0)) is False  # Boxing Day, a Saturday bank holiday
    assert next_opening(policy, at(2026, 11, 21, 14, 0)) == at(2026, 11, 22, 9, 0)


def _policy_with_hours(tmp_path: Path, hours: dict[str, str]) -> "Policy":
    import yaml

    raw = yaml.safe_load((POLICIES / "default.yml").read_text())
    raw["opening_hours"] = hours
    path = tmp_path / "hours.yml"
    path.write_text(yaml.safe_dump(raw))
    return load_policy(path)[0]


def test_24_hours_is_open_every_minute_of_the_day_including_the_last(tmp_path):
    policy = _policy_with_hours(tmp_path, {"monday": "24 hours", "tuesday": "00:00-24:00"})
    for moment in (at(2026, 11, 23, 0, 0), at(2026, 11, 23, 12, 0), at(2026, 11, 23, 23, 59, 59),
                   at(2026, 11, 24, 23, 59, 30)):
        assert is_open(policy, moment) is True
    assert is_open(policy, at(2026, 11, 25, 0, 0)) is False  # Wednesday: not listed, closed
    assert next_opening(policy, at(2026, 11, 24, 23, 59)) == at(2026, 11, 30, 0, 0)


def test_bank_holidays_are_closed_unless_the_policy_gives_hours(tmp_path):
    every_day = {day: "24 hours" for day in ("monday", "tuesday", "wednesday", "thursday", "friday",
                                              "saturday", "sunday")}
    closed = _policy_with_hours(tmp_path, every_day)
    assert is_open(closed, at(2026, 12, 25, 10, 0)) is False  # Christmas Day
    # Boxing Day (Saturday 26th) is a bank holiday too: back on Sunday 27th
    assert next_opening(closed, at(2026, 12, 24, 23, 0)) == at(2026, 12, 27, 0, 0)
    open_ = _policy_with_hours(tmp_path, {**every_day, "bank_holidays": "10:00-14:00"})
    assert is_open(open_, at(2026, 12, 25, 10, 0)) is True
    assert is_open(open_, at(2026, 12, 25, 14, 0)) is False
    assert next_opening(open_, at(2026, 12, 24, 23, 0)) == at(2026, 12, 25, 10, 0)


@pytest.mark.parametrize("bad", ["25 hours", "09:00-24:30", "17:00-09:00", "", "always"])
def test_a_wrong_day_value_names_the_field(tmp_path, bad):
    from housing.policy_loader import PolicyError

    with pytest.raises(PolicyError, match=r"opening_hours\.(monday|bank_holidays)"):
        _policy_with_hours(tmp_path, {"monday": bad} if bad != "always" else
                           {"monday": "09:00-17:00", "bank_holidays": bad})

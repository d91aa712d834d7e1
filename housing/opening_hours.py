"""Is the landlord's team open now, and when is it next open? Pure functions
over the policy's opening hours and the working-day calendar.

A day is open during the hours the policy gives for its weekday (weekends
too, if the policy lists hours for them); the nation's bank holidays and the
landlord's closure days have the policy's bank-holiday hours (closed unless
it gives some). A closing time of `time.max` is midnight: open to the end of
the day.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from housing.deadlines import calendar_for, format_date
from housing.policy import Policy

LONDON = ZoneInfo("Europe/London")


def _local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON) if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(LONDON)


def hours_on(policy: Policy, day: date) -> tuple[time, time] | None:
    """The team's hours on `day`, or None when it is closed all day."""
    if calendar_for(policy).holiday_name(day) is not None:
        return policy.opening_hours.bank_holidays
    return policy.opening_hours.hours.get(day.weekday())


def is_open(policy: Policy, moment: datetime) -> bool:
    local = _local(moment)
    hours = hours_on(policy, local.date())
    if not hours:
        return False
    now = local.time().replace(tzinfo=None)
    return hours[0] <= now and (now < hours[1] or hours[1] == time.max)


def next_opening(policy: Policy, moment: datetime) -> datetime | None:
    """The next time the team opens after `moment` (None if never open)."""
    local = _local(moment)
    for offset in range(0, 30):
        day = local.date() + timedelta(days=offset)
        hours = hours_on(policy, day)
        if not hours:
            continue
        opens = datetime.combine(day, hours[0], tzinfo=LONDON)
        if opens > local:
            return opens
    return None


def describe_next_opening(policy: Policy, moment: datetime) -> str:
    opens = next_opening(policy, moment)
    if opens is None:
        return "as soon as the team is back"
    return f"{format_date(opens.date())} at {opens.strftime('%H:%M')}"

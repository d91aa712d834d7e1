"""Is the landlord's team open now, and when is it next open? Pure functions
over the policy's opening hours and the working-day calendar.

A day is open during the hours the policy gives for its weekday (weekends
too, if the policy lists hours for them), except on the nation's bank
holidays and the landlord's closure days.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from housing.deadlines import calendar_for, format_date
from housing.policy import Policy

LONDON = ZoneInfo("Europe/London")


def _local(moment: datetime) -> datetime:
    return moment.astimezone(LONDON) if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(LONDON)


def is_open(policy: Policy, moment: datetime) -> bool:
    local = _local(moment)
    hours = policy.opening_hours.hours.get(local.weekday())
    if not hours or calendar_for(policy).holiday_name(local.date()) is not None:
        return False
    return hours[0] <= local.time().replace(tzinfo=None) < hours[1]


def next_opening(policy: Policy, moment: datetime) -> datetime | None:
    """The next time the team opens after `moment` (None if never open)."""
    local = _local(moment)
    calendar = calendar_for(policy)
    for offset in range(0, 30):
        day = local.date() + timedelta(days=offset)
        hours = policy.opening_hours.hours.get(day.weekday())
        if not hours or calendar.holiday_name(day) is not None:
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

"""Complaint deadlines worked out from the landlord's `Policy`.

Each stage has an acknowledgement timescale (counted from the day the
complaint, or for stage 2 the escalation request, was received) and a
response timescale (counted from receipt or from acknowledgement, as the
policy says), plus a cap on extensions. All counting is done by the one
working-day engine, `housing.working_days`, for the policy's nation and
closure days. Also here: the exclusion window ("more than N months ago")
and the one way dates are written to residents.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache

from housing.policy import CountedFrom, Nation, Policy
from housing.working_days import WorkingCalendar, local_date

__all__ = [
    "StageDates",
    "calendar_for",
    "acknowledgement_due",
    "response_due",
    "extended_response_due",
    "latest_with_extension",
    "stage_dates",
    "exclusion_cutoff",
    "is_within_window",
    "format_date",
]

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)


@lru_cache(maxsize=32)
def _calendar(nation: Nation, closure_days: tuple[date, ...]) -> WorkingCalendar:
    return WorkingCalendar(nation, closure_days)


def calendar_for(policy: Policy) -> WorkingCalendar:
    """The working calendar for the policy's nation and closure days (cached
    on those values, so equal policies share one calendar)."""
    return _calendar(Nation(policy.nation), tuple(policy.closure_days))


def _day(moment: datetime | date) -> date:
    """A moment's London date; a plain date is taken as already London."""
    if isinstance(moment, datetime):
        return local_date(moment)
    return moment


def acknowledgement_due(policy: Policy, stage: int, received_at: datetime | date) -> date:
    """The last day to acknowledge: the stage's acknowledge timescale counted
    from the day received (for stage 2, the escalation request's day).

    The acknowledgement is always counted from receipt; there is nothing else
    it could be counted from.
    """
    timescale = policy.stage(stage).acknowledge
    return calendar_for(policy).add_working_days(_day(received_at), timescale.working_days)


def response_due(
    policy: Policy,
    stage: int,
    received_at: datetime | date,
    acknowledged_at: datetime | date | None = None,
) -> date:
    """The last day for the stage's response.

    Counted from receipt, or from acknowledgement if the policy says so; if
    the complaint has not been acknowledged yet, from the acknowledgement due
    date (the latest the acknowledgement can be, so the projected due date).
    """
    timescale = policy.stage(stage).respond
    if CountedFrom(timescale.counted_from) is CountedFrom.ACKNOWLEDGED:
        if acknowledged_at is None:
            start = acknowledgement_due(policy, stage, received_at)
        else:
            start = _day(acknowledged_at)
    else:
        start = _day(received_at)
    return calendar_for(policy).add_working_days(start, timescale.working_days)


def extended_response_due(
    policy: Policy, stage: int, current_due: date, extension_working_days: int
) -> date:
    """The new due date after an extension of `extension_working_days`
    working days added to `current_due`.

    Raises ValueError if the extension is under 1 working day or more than the
    stage's `max_extension_working_days`.
    """
    cap = policy.stage(stage).max_extension_working_days
    if extension_working_days < 1:
        raise ValueError(
            f"an extension must be at least 1 working day (got {extension_working_days})"
        )
    if extension_working_days > cap:
        raise ValueError(
            f"stage {stage} can be extended by at most {cap} working days under "
            f"{policy.landlord_name}'s policy (asked for {extension_working_days})"
        )
    return calendar_for(policy).add_working_days(current_due, extension_working_days)


def latest_with_extension(policy: Policy, stage: int, current_due: date) -> date:
    """`current_due` plus the stage's full extension allowance (unchanged if
    the policy allows no extension)."""
    cap = policy.stage(stage).max_extension_working_days
    return calendar_for(policy).add_working_days(current_due, max(cap, 0))


@dataclass(frozen=True)
class StageDates:
    """The dates a stage's clock gives, as London dates."""

    stage: int
    acknowledgement_due: date
    response_due: date
    latest_with_extension: date


def stage_dates(
    policy: Policy,
    stage: int,
    received_at: datetime | date,
    acknowledged_at: datetime | date | None = None,
) -> StageDates:
    """Acknowledgement, response and latest-with-extension dates for a stage."""
    due = response_due(policy, stage, received_at, acknowledged_at)
    return StageDates(
        stage=stage,
        acknowledgement_due=acknowledgement_due(policy, stage, received_at),
        response_due=due,
        latest_with_extension=latest_with_extension(policy, stage, due),
    )


def _months_back(today: date, months: int) -> date:
    """`today` minus `months` calendar months, clamped to the month's end
    (31 May minus 3 months is 28 or 29 February)."""
    index = today.year * 12 + (today.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(today.day, last))


def exclusion_cutoff(policy: Policy, today: date) -> date:
    """The earliest date an issue can have happened (or been found out about)
    and still be inside the policy's exclusion window."""
    months = policy.exclusion_window_months
    if months < 0:
        raise ValueError(f"exclusion_window_months cannot be negative ({months})")
    return _months_back(today, months)


def is_within_window(policy: Policy, happened_on: date, today: date) -> bool:
    """True unless `happened_on` is before the exclusion cutoff.

    Outside the window only means a person must decide: never refuse on this
    alone. A date after `today` counts as inside (it is not too old).
    """
    return happened_on >= exclusion_cutoff(policy, today)


def format_date(d: date) -> str:
    """A date as residents read it, e.g. "Friday 4 December 2026"."""
    return f"{_DAY_NAMES[d.weekday()]} {d.day} {_MONTH_NAMES[d.month - 1]} {d.year}"

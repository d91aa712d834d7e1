"""The one working-day engine: which days count, and counting them.

A working day is a Monday to Friday that is neither a bank holiday of the
landlord's nation (from the `holidays` package, which also supplies one-off
days such as a coronation and the substitute "(observed)" days) nor one of
the landlord's own closure days.

Counting convention (domain notes, "Timescales"): "within N working days
of day X" means by the end of the Nth working day after X; day X itself never
counts, whatever day it is. `add_working_days(x, n)` gives that date.

Dates are London dates: `local_date` turns a moment into the Europe/London
calendar day it fell on, so a message at 00:30 BST on Saturday counts as
received on Saturday, not on Friday (its UTC date).

Everything here is pure (no I/O at import time); holiday tables are built
lazily, one calendar year at a time, and cached on the calendar object.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from typing import Iterable
from zoneinfo import ZoneInfo

import holidays

from housing.policy import Nation

__all__ = ["WorkingCalendar", "local_date", "now_london", "CLOSURE_DAY_NAME"]

#: What `WorkingCalendar.holiday_name` says for a landlord closure day that is
#: not also a bank holiday.
CLOSURE_DAY_NAME = "Landlord closure day"

_SATURDAY = 5
_ONE_DAY = timedelta(days=1)


class WorkingCalendar:
    """Working days for one nation plus one landlord's closure days."""

    def __init__(self, nation: Nation, closure_days: Iterable[date] = ()) -> None:
        self.nation = Nation(nation)
        self.closure_days: frozenset[date] = frozenset(closure_days)
        self._by_year: dict[int, dict[date, str]] = {}

    def __repr__(self) -> str:
        return f"WorkingCalendar({self.nation.value!r}, {len(self.closure_days)} closure days)"

    def _bank_holidays(self, year: int) -> dict[date, str]:
        """The nation's bank holidays falling in `year` (built once per year).

        Neighbouring years are generated too and filtered to `year`, so a
        substitute day that rolled over a year boundary would still be found.
        """
        table = self._by_year.get(year)
        if table is None:
            generated = holidays.UnitedKingdom(
                subdiv=self.nation.holidays_subdiv, years=range(year - 1, year + 2)
            )
            table = {day: name for day, name in generated.items() if day.year == year}
            self._by_year[year] = table
        return table

    def holiday_name(self, d: date) -> str | None:
        """The bank holiday's name on `d` (including weekend ones and
        "(observed)" substitutes), else `CLOSURE_DAY_NAME` for a closure day,
        else None."""
        name = self._bank_holidays(d.year).get(d)
        if name is not None:
            return name
        if d in self.closure_days:
            return CLOSURE_DAY_NAME
        return None

    def is_working_day(self, d: date) -> bool:
        """Not Saturday or Sunday, not a bank holiday, not a closure day."""
        return (
            d.weekday() < _SATURDAY
            and d not in self._bank_holidays(d.year)
            and d not in self.closure_days
        )

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        d += _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def add_working_days(self, start: date, n: int) -> date:
        """The end of the `n`th working day after `start` (`start` never
        counts); `n == 0` returns `start` unchanged."""
        if n < 0:
            raise ValueError(f"cannot add a negative number of working days ({n})")
        d = start
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days d satisfy start < d <= end (0 if end <= start)."""
        count = 0
        d = start + _ONE_DAY
        while d <= end:
            if self.is_working_day(d):
                count += 1
            d += _ONE_DAY
        return count


@lru_cache(maxsize=1)
def _london() -> ZoneInfo:
    return ZoneInfo("Europe/London")


def local_date(moment: datetime) -> date:
    """The Europe/London calendar date of `moment` (a naive datetime is UTC)."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(_london()).date()


def now_london() -> datetime:
    """The current moment as an aware Europe/London datetime."""
    return datetime.now(_london())

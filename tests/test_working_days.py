"""Tests for the working-day engine (`housing.working_days`).

Every expected date in the tables below was checked by hand against a printed
calendar (`python -c "import calendar; print(calendar.month(2026, 12))"`),
not by running the code. Facts used:

- Christmas 2025: Thu 25 and Fri 26 Dec; 1 Jan 2026 is a Thursday and
  2 Jan 2026 (a Friday) is a holiday in Scotland only.
- Christmas 2026: Fri 25 Dec; Boxing Day is Saturday, so its substitute is
  Mon 28 Dec; 1 Jan 2027 is a Friday. Scotland's 2 January 2027 is a Saturday:
  `holidays` gives the substitute "New Year Holiday (observed)" on Mon 4 Jan.
- Easter 2026: Good Friday 3 Apr, Easter Monday 6 Apr (not in Scotland).
  Easter 2027: Good Friday 26 Mar, Easter Monday 29 Mar (not in Scotland).
- Scotland: first Monday of August (3 Aug 2026), St Andrew's Day 30 Nov (a
  Monday in 2026; a Sunday in 2025, so substitute Mon 1 Dec 2025).
- Northern Ireland: 17 Mar (Tue in 2026, Wed in 2027) and 12 Jul (a Sunday in
  2026, so substitute Mon 13 Jul; a Monday in 2027).
- England late summer bank holiday 2026: Mon 31 Aug; spring bank holiday
  Mon 25 May 2026.
- One-off days from the package: VE Day moved May Day to Fri 8 May 2020;
  State Funeral Mon 19 Sep 2022; Coronation Mon 8 May 2023. There are no
  one-off days in 2026 for any nation (checked against holidays 0.86).
- Clocks: BST starts Sun 29 Mar 2026 01:00 UTC, ends Sun 25 Oct 2026 01:00 UTC.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from housing.policy import Nation
from housing.working_days import CLOSURE_DAY_NAME, WorkingCalendar, local_date, now_london

ENG, WLS, SCT, NIR = Nation.ENGLAND, Nation.WALES, Nation.SCOTLAND, Nation.NORTHERN_IRELAND
D = date
LONDON = ZoneInfo("Europe/London")
UTC = timezone.utc

CLOSED_29_31_DEC_2026 = (D(2026, 12, 29), D(2026, 12, 30), D(2026, 12, 31))

# (nation, closure days, start, n, expected, why)
HAND_CHECKED = [
    # Christmas and New Year 2025/26
    (ENG, (), D(2025, 12, 22), 5, D(2025, 12, 31), "Xmas 2025: 23,24,29,30,31"),
    (ENG, (), D(2025, 12, 22), 10, D(2026, 1, 8), "then 2,5,6,7,8 Jan (1 Jan off)"),
    (SCT, (), D(2025, 12, 22), 5, D(2025, 12, 31), "Scotland same up to 31 Dec"),
    (SCT, (), D(2025, 12, 22), 10, D(2026, 1, 9), "Scotland also off 2 Jan: 5..9 Jan"),
    (SCT, (), D(2025, 12, 31), 1, D(2026, 1, 5), "Scotland: Thu 1 and Fri 2 Jan off"),
    (ENG, (), D(2025, 12, 31), 1, D(2026, 1, 2), "England: Fri 2 Jan is a working day"),
    # Christmas and New Year 2026/27
    (ENG, (), D(2026, 12, 23), 5, D(2027, 1, 4), "24, 29, 30, 31 Dec, 4 Jan"),
    (WLS, (), D(2026, 12, 23), 5, D(2027, 1, 4), "Wales shares England's calendar"),
    (NIR, (), D(2026, 12, 23), 5, D(2027, 1, 4), "NI same at Christmas"),
    (SCT, (), D(2026, 12, 23), 5, D(2027, 1, 5), "Scotland: Mon 4 Jan substitutes Sat 2 Jan"),
    (ENG, (), D(2026, 12, 24), 1, D(2026, 12, 29), "25 Fri, 26-27 weekend, 28 Boxing Day substitute"),
    (ENG, (), D(2026, 12, 31), 1, D(2027, 1, 4), "1 Jan 2027 Fri off"),
    (SCT, (), D(2026, 12, 31), 1, D(2027, 1, 5), "Scotland: 1 Jan and Mon 4 Jan off"),
    # Landlord closed 29-31 Dec 2026
    (ENG, CLOSED_29_31_DEC_2026, D(2026, 12, 23), 5, D(2027, 1, 7), "24 Dec, 4, 5, 6, 7 Jan"),
    (ENG, CLOSED_29_31_DEC_2026, D(2026, 12, 24), 1, D(2027, 1, 4), "closure + holidays to 4 Jan"),
    # Easter 2026
    (ENG, (), D(2026, 4, 2), 1, D(2026, 4, 7), "Good Friday and Easter Monday off"),
    (SCT, (), D(2026, 4, 2), 1, D(2026, 4, 6), "no Easter Monday in Scotland"),
    (ENG, (), D(2026, 4, 1), 5, D(2026, 4, 10), "2, 7, 8, 9, 10 Apr"),
    (SCT, (), D(2026, 4, 1), 5, D(2026, 4, 9), "2, 6, 7, 8, 9 Apr"),
    (NIR, (), D(2026, 4, 2), 1, D(2026, 4, 7), "NI has Easter Monday"),
    # Easter 2027
    (ENG, (), D(2027, 3, 25), 1, D(2027, 3, 30), "Good Friday 26, Easter Monday 29 Mar"),
    (NIR, (), D(2027, 3, 25), 1, D(2027, 3, 30), "NI has Easter Monday"),
    (SCT, (), D(2027, 3, 25), 1, D(2027, 3, 29), "no Easter Monday in Scotland"),
    # Scotland: first Monday of August; England: last Monday of August
    (SCT, (), D(2026, 7, 31), 1, D(2026, 8, 4), "Mon 3 Aug off in Scotland"),
    (ENG, (), D(2026, 7, 31), 1, D(2026, 8, 3), "Mon 3 Aug a working day in England"),
    (ENG, (), D(2026, 8, 28), 1, D(2026, 9, 1), "Mon 31 Aug off in England"),
    (SCT, (), D(2026, 8, 28), 1, D(2026, 8, 31), "Mon 31 Aug a working day in Scotland"),
    # St Andrew's Day
    (SCT, (), D(2026, 11, 27), 1, D(2026, 12, 1), "Mon 30 Nov 2026 off in Scotland"),
    (ENG, (), D(2026, 11, 27), 1, D(2026, 11, 30), "not in England"),
    (SCT, (), D(2025, 11, 28), 1, D(2025, 12, 2), "Sun 30 Nov 2025 -> Mon 1 Dec off"),
    (ENG, (), D(2025, 11, 28), 1, D(2025, 12, 1), "not in England"),
    # Northern Ireland: St Patrick's Day and 12 July
    (NIR, (), D(2026, 3, 16), 1, D(2026, 3, 18), "Tue 17 Mar 2026 off in NI"),
    (ENG, (), D(2026, 3, 16), 1, D(2026, 3, 17), "not in England"),
    (NIR, (), D(2027, 3, 16), 1, D(2027, 3, 18), "Wed 17 Mar 2027 off in NI"),
    (NIR, (), D(2026, 7, 10), 1, D(2026, 7, 14), "Sun 12 Jul 2026 -> Mon 13 Jul off"),
    (ENG, (), D(2026, 7, 10), 1, D(2026, 7, 13), "not in England"),
    (NIR, (), D(2027, 7, 9), 1, D(2027, 7, 13), "Mon 12 Jul 2027 off in NI"),
    # Received at a weekend or on a bank holiday: day X never counts
    (ENG, (), D(2026, 11, 7), 1, D(2026, 11, 9), "received Saturday"),
    (ENG, (), D(2026, 11, 7), 5, D(2026, 11, 13), "received Saturday: Mon-Fri"),
    (ENG, (), D(2026, 11, 8), 5, D(2026, 11, 13), "received Sunday: same"),
    (ENG, (), D(2026, 5, 25), 5, D(2026, 6, 1), "received on spring bank holiday"),
    (ENG, (), D(2026, 4, 3), 5, D(2026, 4, 13), "received on Good Friday: 7,8,9,10,13"),
    # One-off days supplied by the package
    (ENG, (), D(2020, 5, 7), 1, D(2020, 5, 11), "VE Day: May Day moved to Fri 8 May 2020"),
    (ENG, (), D(2020, 5, 1), 1, D(2020, 5, 4), "so Mon 4 May 2020 was a working day"),
    (ENG, (), D(2022, 9, 16), 1, D(2022, 9, 20), "State Funeral Mon 19 Sep 2022"),
    (SCT, (), D(2023, 5, 5), 1, D(2023, 5, 9), "Coronation Mon 8 May 2023"),
    # n == 0
    (ENG, (), D(2026, 11, 7), 0, D(2026, 11, 7), "n=0 returns start, even a Saturday"),
]


@pytest.mark.parametrize(
    "nation, closures, start, n, expected",
    [case[:5] for case in HAND_CHECKED],
    ids=[f"{c[0].value}-{c[2]}+{c[3]}: {c[5]}" for c in HAND_CHECKED],
)
def test_add_working_days_hand_checked(nation, closures, start, n, expected):
    cal = WorkingCalendar(nation, closures)
    assert cal.add_working_days(start, n) == expected
    if n:
        assert cal.working_days_between(start, expected) == n


# The weekdays that are not working days in 2026, per nation, by hand. This is
# also the check that the package has no one-off 2026 days.
NON_WORKING_WEEKDAYS_2026 = {
    ENG: {D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25),
          D(2026, 8, 31), D(2026, 12, 25), D(2026, 12, 28)},
    WLS: {D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25),
          D(2026, 8, 31), D(2026, 12, 25), D(2026, 12, 28)},
    SCT: {D(2026, 1, 1), D(2026, 1, 2), D(2026, 4, 3), D(2026, 5, 4), D(2026, 5, 25),
          D(2026, 8, 3), D(2026, 11, 30), D(2026, 12, 25), D(2026, 12, 28)},
    NIR: {D(2026, 1, 1), D(2026, 3, 17), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4),
          D(2026, 5, 25), D(2026, 7, 13), D(2026, 8, 31), D(2026, 12, 25), D(2026, 12, 28)},
}


@pytest.mark.parametrize("nation", list(Nation), ids=lambda n: n.value)
def test_2026_bank_holidays_on_weekdays(nation):
    cal = WorkingCalendar(nation)
    days = (D(2026, 1, 1) + timedelta(days=i) for i in range(365))
    off = {d for d in days if d.weekday() < 5 and not cal.is_working_day(d)}
    assert off == NON_WORKING_WEEKDAYS_2026[nation]


@pytest.mark.parametrize(
    "nation, day, words",
    [
        (ENG, D(2026, 12, 28), ("boxing day", "observed")),
        (ENG, D(2026, 12, 26), ("boxing day",)),  # the Saturday itself is named too
        (SCT, D(2027, 1, 4), ("new year", "observed")),
        (SCT, D(2025, 12, 1), ("andrew", "observed")),
        (SCT, D(2026, 11, 30), ("andrew",)),
        (NIR, D(2026, 7, 13), ("boyne", "observed")),
        (NIR, D(2026, 3, 17), ("patrick",)),
        (ENG, D(2023, 5, 8), ("coronation",)),
    ],
)
def test_holiday_name(nation, day, words):
    name = WorkingCalendar(nation).holiday_name(day)
    assert name is not None
    for word in words:
        assert word in name.lower()


def test_holiday_name_closure_and_ordinary_days():
    cal = WorkingCalendar(ENG, CLOSED_29_31_DEC_2026)
    assert cal.holiday_name(D(2026, 12, 29)) == CLOSURE_DAY_NAME
    assert cal.holiday_name(D(2026, 12, 25)) is not None and "christmas" in cal.holiday_name(D(2026, 12, 25)).lower()
    assert cal.holiday_name(D(2026, 12, 4)) is None
    assert cal.holiday_name(D(2026, 12, 5)) is None  # a plain Saturday has no name


def test_is_working_day_basics():
    cal = WorkingCalendar(ENG, CLOSED_29_31_DEC_2026)
    assert cal.is_working_day(D(2026, 12, 4))  # Friday
    assert not cal.is_working_day(D(2026, 12, 5))  # Saturday
    assert not cal.is_working_day(D(2026, 12, 6))  # Sunday
    assert not cal.is_working_day(D(2026, 12, 28))  # Boxing Day substitute
    assert not cal.is_working_day(D(2026, 12, 29))  # closure day
    assert WorkingCalendar(ENG).is_working_day(D(2026, 12, 29))


def test_any_year_2020_to_2035():
    cal = WorkingCalendar(ENG)
    for year in range(2020, 2036):
        assert not cal.is_working_day(D(year, 12, 25))
        assert not cal.is_working_day(D(year, 1, 1))


@pytest.mark.parametrize(
    "nation, start, end, expected",
    [
        (ENG, D(2026, 12, 23), D(2027, 1, 4), 5),  # 24, 29, 30, 31 Dec, 4 Jan
        (SCT, D(2026, 12, 23), D(2027, 1, 4), 4),  # 4 Jan off in Scotland
        (ENG, D(2026, 11, 7), D(2026, 11, 13), 5),  # Sat to Fri
        (ENG, D(2026, 11, 13), D(2026, 11, 13), 0),  # same day
        (ENG, D(2026, 11, 13), D(2026, 11, 9), 0),  # end before start
        (ENG, D(2026, 11, 12), D(2026, 11, 13), 1),  # Thu to Fri
    ],
)
def test_working_days_between(nation, start, end, expected):
    assert WorkingCalendar(nation).working_days_between(start, end) == expected


def test_next_working_day():
    assert WorkingCalendar(ENG).next_working_day(D(2026, 12, 24)) == D(2026, 12, 29)
    assert WorkingCalendar(SCT).next_working_day(D(2026, 4, 3)) == D(2026, 4, 6)
    assert WorkingCalendar(ENG).next_working_day(D(2026, 4, 3)) == D(2026, 4, 7)
    assert WorkingCalendar(ENG).next_working_day(D(2026, 12, 3)) == D(2026, 12, 4)


def test_negative_n_rejected():
    with pytest.raises(ValueError):
        WorkingCalendar(ENG).add_working_days(D(2026, 12, 4), -1)


# ---- local_date: the London date of a moment ------------------------------

@pytest.mark.parametrize(
    "moment, expected",
    [
        # Summer (BST = UTC+1): Friday 10 July 2026
        (datetime(2026, 7, 10, 23, 30, tzinfo=UTC), D(2026, 7, 11)),  # 00:30 BST Sat
        (datetime(2026, 7, 10, 22, 30, tzinfo=UTC), D(2026, 7, 10)),  # 23:30 BST Fri
        (datetime(2026, 7, 10, 23, 30, tzinfo=LONDON), D(2026, 7, 10)),  # 23:30 London Fri
        (datetime(2026, 7, 10, 23, 30), D(2026, 7, 11)),  # naive = UTC
        # Winter (GMT = UTC): Friday 4 December 2026
        (datetime(2026, 12, 4, 23, 30, tzinfo=UTC), D(2026, 12, 4)),
        (datetime(2026, 12, 4, 23, 30, tzinfo=LONDON), D(2026, 12, 4)),
        # Other zones convert too: 01:00 CET Sat is 00:00 GMT Sat
        (datetime(2026, 12, 5, 1, 0, tzinfo=ZoneInfo("Europe/Paris")), D(2026, 12, 5)),
        # BST starts 01:00 UTC Sun 29 Mar 2026
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), D(2026, 3, 28)),  # GMT still
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), D(2026, 3, 30)),  # BST now
        (datetime(2026, 3, 24, 23, 30, tzinfo=UTC), D(2026, 3, 24)),
        (datetime(2026, 3, 31, 23, 30, tzinfo=UTC), D(2026, 4, 1)),
        # BST ends 01:00 UTC Sun 25 Oct 2026
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), D(2026, 10, 25)),  # 00:30 BST
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), D(2026, 10, 25)),  # 23:30 GMT
    ],
)
def test_local_date(moment, expected):
    assert local_date(moment) == expected


def test_now_london_is_aware_london():
    now = now_london()
    assert now.tzinfo is not None
    assert now.utcoffset() in (timedelta(0), timedelta(hours=1))
    assert abs(now - datetime.now(UTC)) < timedelta(minutes=1)


# ---- properties ------------------------------------------------------------

_CALENDARS = {nation: WorkingCalendar(nation) for nation in Nation}

nations = st.sampled_from(list(Nation))
starts = st.dates(min_value=D(2020, 1, 1), max_value=D(2035, 12, 31))
counts = st.integers(min_value=1, max_value=60)
closure_offsets = st.lists(st.integers(min_value=0, max_value=90), max_size=15)


def _calendar(nation: Nation, start: date, offsets: list[int]) -> WorkingCalendar:
    if not offsets:
        return _CALENDARS[nation]
    return WorkingCalendar(nation, (start + timedelta(days=o) for o in offsets))


@settings(max_examples=300, deadline=None)
@given(nations, starts, counts, closure_offsets)
def test_due_date_is_a_working_day(nation, start, n, offsets):
    cal = _calendar(nation, start, offsets)
    due = cal.add_working_days(start, n)
    assert due > start
    assert due.weekday() < 5
    assert cal.holiday_name(due) is None
    assert due not in cal.closure_days
    assert cal.is_working_day(due)


@settings(max_examples=300, deadline=None)
@given(nations, starts, counts, st.integers(min_value=0, max_value=30), closure_offsets)
def test_monotone_in_n(nation, start, n, more, offsets):
    cal = _calendar(nation, start, offsets)
    assert cal.add_working_days(start, n) <= cal.add_working_days(start, n + more)
    if more:
        assert cal.add_working_days(start, n) < cal.add_working_days(start, n + more)


@settings(max_examples=300, deadline=None)
@given(nations, starts, st.integers(min_value=0, max_value=30), counts, closure_offsets)
def test_monotone_in_start(nation, start, later_by, n, offsets):
    cal = _calendar(nation, start, offsets)
    later = start + timedelta(days=later_by)
    assert cal.add_working_days(start, n) <= cal.add_working_days(later, n)


@settings(max_examples=300, deadline=None)
@given(nations, starts, st.integers(min_value=0, max_value=60), closure_offsets)
def test_between_inverts_add(nation, start, n, offsets):
    cal = _calendar(nation, start, offsets)
    assert cal.working_days_between(start, cal.add_working_days(start, n)) == n


@settings(max_examples=200, deadline=None)
@given(nations, starts)
def test_next_working_day_is_add_one(nation, start):
    cal = _CALENDARS[nation]
    assert cal.next_working_day(start) == cal.add_working_days(start, 1)

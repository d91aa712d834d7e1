"""Reading what residents type into forms: emails, UK phone numbers,
postcodes, case references, yes/no, choices and rough dates."""
from __future__ import annotations

from datetime import date

import pytest

from housing.answers import (
    normalise_postcode,
    parse_choice,
    parse_email,
    parse_postcode,
    parse_reference,
    parse_uk_phone,
    When,
    parse_when,
    parse_yes_no,
)

TODAY = date(2026, 11, 22)  # a Sunday; every relative date below is fixed to it


@pytest.mark.parametrize(("text", "expected"), [
    ("jane.smith@example.org", "jane.smith@example.org"),
    ("Jane.Smith@Example.ORG", "jane.smith@example.org"),
    ("my email is bob_99@mail.co.uk thanks", "bob_99@mail.co.uk"),
    ("o'brien@example.ie", "o'brien@example.ie"),
    ("bob at mail dot com", None),
    ("bob@mail", None),
    ("", None),
    (None, None),
])
def test_parse_email(text, expected):
    assert parse_email(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("07700 900123", "07700900123"),
    ("07700900123", "07700900123"),
    ("+44 7700 900123", "07700900123"),
    ("0044 7700 900123", "07700900123"),
    ("+44 (0)7700 900123", "07700900123"),
    ("(0113) 496 0000", "01134960000"),
    ("020 7946 0018", "02079460018"),
    ("call me on 07700-900-123 after 5pm", "07700900123"),
    ("my number is 07700900123.", "07700900123"),
    ("07700 900123 or 0113 496 0000", "07700900123"),
])
def test_parse_uk_phone_accepts(text, expected):
    assert parse_uk_phone(text) == expected


@pytest.mark.parametrize("text", [
    "12345",
    "077009001",  # 9 digits
    "07700 9001",  # 9 digits with a space
    "077009001234",  # a digit too many: not cut short to a different number
    "01234 567890123",
    "09700 900123",  # not a UK geographic, mobile or non-geographic prefix we call
    "no phone",
    "",
])
def test_parse_uk_phone_rejects(text):
    assert parse_uk_phone(text) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("SW1A 1AA", "SW1A 1AA"),
    ("sw1a1aa", "SW1A 1AA"),
    ("m1 2ab", "M1 2AB"),
    ("my postcode is ls14ap", "LS1 4AP"),
    ("EC1A 1BB please", "EC1A 1BB"),
    ("W1A 0AX", "W1A 0AX"),
    ("hello there", None),
    ("12345", None),
])
def test_parse_postcode(text, expected):
    assert parse_postcode(text) == expected


def test_normalise_postcode():
    assert normalise_postcode(" sw1a 1aa ") == "SW1A1AA"


@pytest.mark.parametrize(("text", "expected"), [
    ("cmp 2026 123", "CMP-2026-000123"),
    ("SR-2026-000045", "SR-2026-000045"),
    ("my ref is cmp-2026-45", "CMP-2026-000045"),
    ("CMP2026000123", "CMP-2026-000123"),
    ("sr 2026 7", "SR-2026-000007"),
    ("ref 123", None),
    ("2026-000123", None),
])
def test_parse_reference(text, expected):
    assert parse_reference(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("yes", True), ("Yeah", True), ("yep thats right", True), ("y", True), ("ok", True),
    ("That's right", True), ("yes please", True), ("1", True),
    ("no", False), ("nope", False), ("not really", False), ("n", False), ("wrong", False),
    ("no thanks", False), ("change something", False), ("2", False),
    ("maybe", None), ("know", None), ("nobody", None), ("", None),
])
def test_parse_yes_no(text, expected):
    assert parse_yes_no(text) is expected


CONTACT = {"email": ("email", "e-mail"), "phone": ("phone", "call", "ring"), "text": ("text", "sms")}


@pytest.mark.parametrize(("text", "expected"), [
    ("1", "email"), ("2", "phone"), ("(3)", "text"), ("3.", "text"),
    ("4", None), ("0", None),
    ("Email", "email"), ("EMAIL", "email"), ("phone me", "phone"), ("ring me after 5", "phone"),
    ("pls text", "text"), ("sms", "text"),
    ("carrier pigeon", None), ("", None),
])
def test_parse_choice_by_number_and_words(text, expected):
    assert parse_choice(text, CONTACT) == expected


def test_parse_choice_exact_key_with_underscores():
    options = {"not_needed": ("nah",), "given": ("given",)}
    assert parse_choice("not needed", options) == "not_needed"
    assert parse_choice("2", options) == "given"


@pytest.mark.parametrize(("text", "expected"), [
    ("yesterday", date(2026, 11, 21)),
    ("today", TODAY),
    ("3 months ago", date(2026, 8, 22)),
    ("three months ago", date(2026, 8, 22)),
    ("a couple of weeks ago", date(2026, 11, 8)),
    ("2 years ago", date(2024, 11, 22)),
    ("a year ago", date(2025, 11, 22)),
    # "over a year": just past the 12-month line, so a person checks it.
    ("over a year ago", date(2025, 11, 21)),
    ("more than a year ago", date(2025, 11, 21)),
    ("about 18 months ago", date(2025, 5, 22)),
    ("about eighteen months ago", date(2025, 5, 22)),
    ("about a year and a half ago", date(2025, 5, 22)),
    ("12/03/2025", date(2025, 3, 12)),  # UK day/month order
    ("12/03/25", date(2025, 3, 12)),
    ("15 march 2025", date(2025, 3, 15)),
    ("5th of march", date(2026, 3, 5)),
    # today is Sunday 22 November 2026: a weekday is the latest one before today
    ("last Tuesday", date(2026, 11, 17)),
    ("on friday", date(2026, 11, 20)),
    ("saturday night", date(2026, 11, 21)),
    ("at the weekend", date(2026, 11, 21)),
    ("last sunday", date(2026, 11, 15)),
])
def test_parse_when_reads_a_day(text, expected):
    assert parse_when(text, TODAY) == When.day(expected)


@pytest.mark.parametrize(("text", "year", "month"), [
    ("last March", 2026, 3),
    ("last march", 2026, 3),
    ("last november", 2025, 11),  # this month's is not "last"
    ("since January", 2026, 1),
    ("in May", 2026, 5),
    ("in december", 2025, 12),  # December 2026 has not happened yet
    ("in november", 2026, 11),  # this month
    ("last month", 2026, 10),
    ("march 2024", 2024, 3),
    ("november 2025", 2025, 11),
    ("November 2025", 2025, 11),
    ("in jan 2026", 2026, 1),
    ("sometime in sept 2025 i think", 2025, 9),
    ("march of 2024", 2024, 3),
    ("may 2025", 2025, 5),
    ("since mid may", 2026, 5),
    ("nov '25", 2025, 11),
])
def test_parse_when_reads_a_month_as_the_whole_month(text, year, month):
    """A month is never read as its 1st day: what is recorded is the month."""
    when = parse_when(text, TODAY)
    assert when == When.month(year, month)
    assert when.precision == "month"
    assert when.isoformat() == f"{year}-{month:02d}"


def test_month_ends_follow_the_calendar():
    assert When.month(2024, 2).latest == date(2024, 2, 29)
    assert When.month(2025, 2).latest == date(2025, 2, 28)
    assert When.month(2025, 11).latest == date(2025, 11, 30)


@pytest.mark.parametrize(("text", "year"), [("2019", 2019), ("last year", 2025), ("back in 2024", 2024)])
def test_parse_when_reads_a_year_as_the_whole_year(text, year):
    when = parse_when(text, TODAY)
    assert when == When.year(year)
    assert (when.precision, when.isoformat()) == ("year", str(year))


@pytest.mark.parametrize("text", ["not sure", "dunno", "31/02/2025", "", "i may have", "it was a mess"])
def test_parse_when_unreadable(text):
    assert parse_when(text, TODAY) is None


def test_parse_when_future_year_is_not_read_as_a_date():
    assert parse_when("2031", TODAY) is None

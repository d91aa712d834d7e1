"""Read what a resident typed into a form: contact details, postcodes, case
references, dates, yes/no and choices. Pure functions; `None` means "not
understood", so the form can re-prompt kindly.
"""
from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)
REFERENCE = re.compile(r"\b(CMP|SR)[\s-]*(\d{4})[\s-]*(\d{1,6})\b", re.IGNORECASE)


def parse_email(text: str) -> str | None:
    match = EMAIL.search(text or "")
    return match.group(0).lower() if match else None


def parse_uk_phone(text: str) -> str | None:
    """A UK phone number in national form ("07700 900123" -> "07700900123")."""
    # Each run of digits and separators is one candidate number, so a number
    # with a digit too many is rejected rather than cut short, and two numbers
    # in one message are not run together.
    for run in re.findall(r"[+(\d][\d\s().+-]*\d", text or ""):
        candidate = re.sub(r"[\s().-]", "", run)
        # "+44 (0)7700 900123": the bracketed 0 is not dialled after the country code.
        candidate = re.sub(r"^(\+44|0044)0(?=\d{9,10}$)", r"\1", candidate)
        match = re.fullmatch(r"(\+44|0044|0)(\d{9,10})", candidate)
        if not match:
            continue
        national = "0" + match.group(2)
        if len(national) in (10, 11) and national[1] in "123578":
            return national
    return None


def parse_postcode(text: str) -> str | None:
    match = POSTCODE.search(text or "")
    if not match:
        return None
    return f"{match.group(1).upper()} {match.group(2).upper()}"


def parse_reference(text: str) -> str | None:
    """A case reference such as "cmp 2026 123" -> "CMP-2026-000123"."""
    match = REFERENCE.search(text or "")
    if not match:
        return None
    return f"{match.group(1).upper()}-{match.group(2)}-{int(match.group(3)):06d}"


def normalise_postcode(text: str) -> str:
    return re.sub(r"\s+", "", text or "").upper()


_YES = re.compile(r"^\s*(y|yes|yeah|yep|yup|ya|yh|correct|right|that'?s right|that'?s correct|ok|okay|sure|"
                  r"confirm|go ahead|please do|perfect|spot on|all good|looks good|fine|1)\b", re.I)
_NO = re.compile(r"^\s*(n|no|nope|nah|not really|wrong|incorrect|that'?s wrong|not right|change|edit|2)\b", re.I)


def parse_yes_no(text: str) -> bool | None:
    if _NO.search(text or ""):
        return False
    if _YES.search(text or ""):
        return True
    return None


def with_more_detail(first: str, more: str) -> str:
    """What happened: the first message and what the resident added, once each."""
    first, more = first.strip(), more.strip()
    if not first or first.lower() in more.lower():
        return more
    return f"{first}{'' if first[-1] in '.!?' else '.'} {more}"


def _word_pattern(word: str) -> str:
    """A short word is a whole word ("no" is not "not"); a longer one may
    start a word ("sign" in "signed")."""
    return rf"\b{re.escape(word)}\b" if len(word) <= 3 else rf"\b{re.escape(word)}"


def parse_choice(text: str, options: dict[str, tuple[str, ...]]) -> str | None:
    """Match a typed answer to one of several options, by number or by words.

    `options` maps each value to words that mean it; numbers 1..n follow the
    order given, so "2" picks the second option on any channel.
    """
    cleaned = (text or "").strip().lower()
    number = re.fullmatch(r"\(?(\d{1,2})[).]?", cleaned)
    keys = list(options)
    if number and 1 <= int(number.group(1)) <= len(keys):
        return keys[int(number.group(1)) - 1]
    for key in keys:
        if cleaned == key.replace("_", " ") or cleaned == key:
            return key
    for key, words in options.items():
        if any(re.search(_word_pattern(word), cleaned) for word in words):
            return key
    return None


_MONTHS = {name: i for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTHS.update({name[:3]: i for name, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple of": 2, "few": 3,
            "couple": 2, "several": 3, "eighteen": 18, "fifteen": 15, "twenty": 20}


def _months_back(today: date, months: int) -> date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, monthrange(year, month + 1)[1]))


@dataclass(frozen=True)
class When:
    """Roughly when something happened: a day ("yesterday", "12/03/2025"), a
    month ("last March", "november 2025") or a year ("2019", "last year").

    `earliest` and `latest` are the first and last days the words can mean;
    for a day they are the same.
    """

    earliest: date
    latest: date

    @classmethod
    def day(cls, on: date) -> "When":
        return cls(on, on)

    @classmethod
    def month(cls, year: int, month: int) -> "When":
        return cls(date(year, month, 1), date(year, month, monthrange(year, month)[1]))

    @classmethod
    def year(cls, year: int) -> "When":
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def precision(self) -> str:
        """"day", "month" or "year"."""
        if self.earliest == self.latest:
            return "day"
        same_month = (self.earliest.year, self.earliest.month) == (self.latest.year, self.latest.month)
        return "month" if same_month else "year"

    def isoformat(self) -> str:
        """"2025-03-12", "2025-11" or "2019": no more precise than the words."""
        return {"day": self.earliest.isoformat(), "month": self.earliest.strftime("%Y-%m"),
                "year": str(self.earliest.year)}[self.precision]


def _in_month(today: date, month: int, last: bool = False) -> When:
    """"in May", "since January", "last March": the most recent such month
    that has started ("last" also skips this month)."""
    year = today.year if month < today.month or (month == today.month and not last) else today.year - 1
    return When.month(year, month)


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_when(text: str, today: date) -> When | None:
    """Roughly when something happened, from "3 months ago", "last March",
    "november 2025", "12/03/2025", "since January", "over a year ago",
    "yesterday". A month or a year is read as the whole month or year (never
    as its 1st day); None when no date can be read.
    """
    t = (text or "").lower().strip()
    if not t:
        return None
    if re.search(r"\b(today|this morning|tonight|just now|right now|now)\b", t):
        return When.day(today)
    if "yesterday" in t:
        return When.day(today - timedelta(days=1))
    m = re.search(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})\b", t)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        year += 2000 if year < 100 else 0
        try:
            return When.day(date(year, month, day))
        except ValueError:
            return None
    num = r"(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|eighteen|twenty|" \
          r"couple of|couple|few|several)"
    m = re.search(rf"\b(over|more than|about|around|nearly|almost)?\s*{num}\s+(day|week|month|year)s?\b", t)
    if m:
        raw = m.group(2)
        n = int(raw) if raw.isdigit() else _NUMBERS.get(raw, 1)
        unit = m.group(3)
        half = re.match(r"\s*(and a half|and half)\b", t[m.end():]) is not None
        if unit == "day":
            return When.day(today - timedelta(days=n))
        if unit == "week":
            return When.day(today - timedelta(weeks=n))
        months = n if unit == "month" else 12 * n
        if half:  # "a year and a half ago": 18 months, not 12
            months += 6 if unit == "year" else 0
        back = _months_back(today, months)
        if m.group(1) in ("over", "more than"):
            back -= timedelta(days=1)
        return When.day(back)
    m = re.search(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend)\b", t)
    if m:  # "last Tuesday", "on friday", "at the weekend": the latest one before today
        weekday = 5 if m.group(1) == "weekend" else _WEEKDAYS.index(m.group(1))
        return When.day(today - timedelta(days=(today.weekday() - weekday - 1) % 7 + 1))
    if re.search(r"\blast week\b", t):
        return When.day(today - timedelta(weeks=1))
    if re.search(r"\blast month\b", t):
        previous = _months_back(today, 1)
        return When.month(previous.year, previous.month)
    if re.search(r"\blast year\b", t):
        return When.year(today.year - 1)
    if re.search(r"\b(this week|few days|couple of days|recently|the other day)\b", t):
        return When.day(today - timedelta(days=7))
    m = re.search(r"\b(\d{1,2})(st|nd|rd|th)?\s+(of\s+)?([a-z]+)\s*(\d{4})?\b", t)
    if m and m.group(4) in _MONTHS:
        month = _MONTHS[m.group(4)]
        year = int(m.group(5)) if m.group(5) else today.year
        try:
            found = date(year, month, int(m.group(1)))
        except ValueError:
            return None
        return When.day(found if found <= today or m.group(5) else date(year - 1, month, found.day))
    # "november 2025", "in jan 2026", "march of 2024", "nov '25"
    m = re.search(r"\b([a-z]+)\s+(?:of\s+)?(?:(\d{4})|'(\d{2}))\b", t)
    if m and m.group(1) in _MONTHS:
        year = int(m.group(2)) if m.group(2) else 2000 + int(m.group(3))
        return When.month(year, _MONTHS[m.group(1)])
    m = re.search(r"\b(\d{4})\b", t)
    if m and 1990 <= int(m.group(1)) <= today.year:
        return When.year(int(m.group(1)))
    for word in re.findall(r"[a-z]+", t):
        if word in _MONTHS and (word not in ("may", "mar") or re.search(rf"\b(in|since|last|from|early|mid|late|"
                                                                         rf"end of|start of) {word}\b", t)):
            return _in_month(today, _MONTHS[word], last=bool(re.search(rf"\blast {word}\b", t)))
    return None

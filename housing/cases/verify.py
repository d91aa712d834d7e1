"""Checking that a person asking about a case gave one of its contact details."""
from __future__ import annotations

import re
from typing import Optional

__all__ = ["normalise_phone", "details_match"]


def normalise_phone(text: str) -> str:
    """UK phone digits with +44 / 0044 written as a leading 0: "+44 7700 900123" -> "07700900123"."""
    text = text.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("+44") or digits.startswith("0044"):
        digits = digits[4:] if digits.startswith("0044") else digits[2:]
        digits = digits if digits.startswith("0") else "0" + digits
    return digits


def details_match(
    detail: str, *, postcode: Optional[str], email: Optional[str], phone: Optional[str]
) -> bool:
    """True if `detail` is the postcode (any case or spacing), email (any case) or phone."""
    detail = (detail or "").strip()
    if not detail:
        return False
    if postcode and re.sub(r"\s", "", postcode).upper() == re.sub(r"\s", "", detail).upper():
        return True
    if email and "@" in detail and email.strip().lower() == detail.lower():
        return True
    if phone:
        wanted, stored = normalise_phone(detail), normalise_phone(phone)
        if len(wanted) >= 6 and wanted == stored:
            return True
    return False

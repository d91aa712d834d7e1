"""Short follow-up questions that only make sense after the bot's last answer.

After the complaint timescales, "and stage 2?" or "what about stage two" asks
about stage 2's timescales; it is not a request to escalate. A resident who
wants to escalate says so ("I want to take my complaint to stage 2",
"escalate my complaint", "stage 2 please"). Pure functions over the words.
"""
from __future__ import annotations

import re

_STAGE = re.compile(
    r"\b(?:stage\s*(?P<number>[1-3]|one|two|three|i{1,3})\b|(?P<ordinal>first|second|third|final|last|next)\s+stage\b)")
_NUMBERS = {"1": 1, "one": 1, "i": 1, "first": 1, "2": 2, "two": 2, "ii": 2, "second": 2, "next": 2,
            "3": 3, "three": 3, "iii": 3, "third": 3}
# Words that ask to escalate (or how to), rather than ask about timescales.
_WANTS_TO_ESCALATE = re.compile(
    r"\b(escalat\w*|take (it|this|my|the)|move (it|this|my|the|to|up)|go(ing)? (to|up)|put (it|this|me)|want|wanna|"
    r"would like|'?d like|need|request|ask for|appeal|please|pls|unhappy|not happy|disagree|start|open|raise|"
    r"can i|could i|how do i|i'?m|i am)\b")
MAX_WORDS = 8


def stage_asked_about(text: str, last_stage: int = 2) -> int | None:
    """The stage a short follow-up question names ("and stage 2?" -> 2), or
    None when the message is not one, or asks to escalate."""
    lowered = (text or "").lower().strip()
    if not lowered or len(lowered.split()) > MAX_WORDS or _WANTS_TO_ESCALATE.search(lowered):
        return None
    match = _STAGE.search(lowered)
    if not match:
        return None
    word = match.group("number") or match.group("ordinal")
    number = last_stage if word in ("final", "last") else _NUMBERS[word]
    return number if number <= last_stage else None

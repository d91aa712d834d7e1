"""Is a short message a resident asking for the reference of what they just
reported ("what's my reference?", "did you log it?", "I didn't get a
number")? A pure check on the words, used beside the NLU model so a question
typed at a form question is never saved as the answer.
"""
from __future__ import annotations

import re

from housing.answers import parse_reference

MAX_WORDS = 12
# "didn't get", "never got", "lost": the reference did not reach the resident
NOT_RECEIVED = re.compile(r"\b(didn'?t|didnt|did not|never|haven'?t|havent|have not|no|not|lost)\b", re.I)
_REFERENCE_WORD = r"(ref\w*|refrence|referance|number|numbr|no\.?|case number|job number)"
_ASKS = re.compile(
    # "what's my reference", "wats my ref numbr", "can I have the reference again"
    rf"\b(what'?s|whats|wats|what is|what was|wat is|wot is|where'?s|wheres|where is|give me|send me|repeat|"
    rf"remind me of|can i (have|get)|could i (have|get)|lost)\b.{{0,25}}\b{_REFERENCE_WORD}\b|"
    # "I didn't get a number", "never got my ref", "no reference came through"
    rf"\b(didn'?t|didnt|did not|never|havent|haven'?t|have not|not)\b.{{0,20}}\b(get|got|see|saw|receive\w*|"
    rf"recieve\w*|give|gave|given)\b.{{0,20}}\b{_REFERENCE_WORD}\b|"
    rf"\bno {_REFERENCE_WORD} (came|come|appeared|showed)|"
    # "did you log it?", "has it been logged", "did it go through", "have you got my complaint"
    r"\b(did|have|has|is|was) (you|u|it|that|my \w+( \w+)?) (been )?(log\w*|go(ne)? thr(ough|u)|sav\w*|"
    r"receiv\w*|recieve\w*|got|get|recorded|registered|submitted|sent|through)\b", re.I)

_OTHER_NUMBERS = re.compile(r"\b(phone|call|ring|telephone|mobile|contact|ombudsman|helpline|flat|house|door)\b", re.I)


def asks_for_a_reference(text: str) -> bool:
    """True for a short question about the reference or whether it was logged
    (a message with a reference or a long number in it is an answer)."""
    text = (text or "").strip()
    if not text or len(text.split()) > MAX_WORDS or parse_reference(text) or re.search(r"\d{3}", text):
        return False
    if _OTHER_NUMBERS.search(text) and not re.search(r"\bref", text, re.I):
        return False  # "what's the number to ring?" asks for a phone number
    return bool(_ASKS.search(text))

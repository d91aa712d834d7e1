"""Service request or complaint? The Complaint Handling Code's rules (1.2-1.5).

A first report (repair, antisocial behaviour, a missed appointment, a rent or
service-charge query) is a service request. Repeated failure, poor handling, no
reply within the promised time, or the conduct of staff or contractors makes it
a complaint. Pure functions: the NLU intent and the resident's words in, a
decision out.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum


class Route(str, Enum):
    SERVICE_REQUEST = "service_request"
    COMPLAINT = "complaint"


CATEGORY_BY_INTENT = {
    "report_repair": "repair",
    "report_asb": "antisocial behaviour",
    "missed_appointment": "missed appointment",
    "rent_query": "rent or service charge",
    "make_complaint": "service",
}

_REPEATED = re.compile(
    r"\b(again|still|yet again|numerous|several|many|multiple|(\d+|two|three|four|five|six|2nd|3rd|4th|5th|"
    r"second|third|fourth|fifth|umpteenth|another)\s*(times?|visits?|appointments?|reports?|calls?|attempts?|occasions?)|"
    r"every time|keeps? (happening|coming back|breaking)|"
    r"despite|repeatedly|over and over|nothing (has been |was |got )?(done|fixed|happened)|never (fixed|came|turned up|showed)|"
    r"not (been )?(fixed|resolved|sorted)|no one|nobody|no-one|still waiting|chased|chasing|already reported|"
    r"reported (it|this)? ?(before|already|\d+|many|several|loads)|failed to|keep(s)? (failing|missing|cancelling)|"
    r"not (turned|turn|showed|show) up (again|twice)|missed (two|three|several|multiple|\d+) appointments)\b"
)
_NO_REPLY = re.compile(
    r"\b(no (reply|response|answer|update|call ?back|contact|communication)|not (heard|had) (back|anything|a reply)|"
    r"never (heard|got back|replied|called back|rang back)|didn'?t (get back|reply|call back|ring back)|ignor(ed|ing))\b"
)
_CONDUCT = re.compile(
    r"\b(rude|rudely|aggressive|unprofessional|shouted at|swore|disrespectful|attitude|lied|discriminat\w*|"
    r"racist|damaged my|broke my|ruined my|left a mess|made a mess|poor (workmanship|work|service|handling)|"
    r"not managing|mishandl\w*|badly handled|wrong decision|unfair)\b"
)
_DISSATISFIED = re.compile(
    r"\b(unhappy|not happy|fed up|sick of|disgust\w*|appall\w*|ridiculous|useless|rubbish|shocking|terrible|"
    r"awful|joke|angry|furious|frustrat\w*|let down|disappointed|unacceptable|complain\w*|complaint)\b"
)


@dataclass(frozen=True)
class Triage:
    route: Route
    category: str
    reasons: tuple[str, ...]
    dissatisfied: bool

    @property
    def is_complaint(self) -> bool:
        return self.route is Route.COMPLAINT


def triage(intent: str | None, text: str) -> Triage:
    """Decide service request or complaint from the intent and the words used.

    `make_complaint` alone is not enough: "I want to complain about my leaky
    tap" is a first report and so a service request (seed 000, example 1); the
    resident is still offered the choice to complain.
    """
    lowered = (text or "").lower()
    reasons: list[str] = []
    if _REPEATED.search(lowered):
        reasons.append("repeated failure")
    if _NO_REPLY.search(lowered):
        reasons.append("no response within the promised time")
    if _CONDUCT.search(lowered):
        reasons.append("conduct or poor handling")
    dissatisfied = bool(reasons) or bool(_DISSATISFIED.search(lowered)) or intent == "make_complaint"
    category = CATEGORY_BY_INTENT.get(intent or "", "service")
    if category == "service":
        category = guess_category(lowered)
    first_report_intent = intent in {"report_repair", "report_asb", "missed_appointment", "rent_query"}
    if reasons:
        return Triage(Route.COMPLAINT, category, tuple(reasons), dissatisfied)
    if intent == "make_complaint" and not first_report_intent and category == "service":
        # A complaint about the service in general (no first-report subject).
        return Triage(Route.COMPLAINT, category, ("dissatisfaction with the service",), True)
    return Triage(Route.SERVICE_REQUEST, category, (), dissatisfied)


_CATEGORY_WORDS = (
    ("repair", r"\b(repair|leak\w*|tap|boiler|heating|hot water|damp|mould|mold|window|door|roof|toilet|"
               r"broken|boken|bolier|lift|light|drain|pipe|ceiling|wall|floor|kitchen|bathroom)\b"),
    ("antisocial behaviour", r"\b(neighbou?r|noise|noisy|asb|anti ?social|music|party|shouting|drugs|dog|harass\w*)\b"),
    ("missed appointment", r"\b(appointment|didn'?t turn up|no show|never showed|engineer|contractor|plumber)\b"),
    ("rent or service charge", r"\b(rent|service charge|arrears|statement|direct debit|charges?)\b"),
)


def guess_category(lowered: str) -> str:
    """The subject a message is about, or "service" when none is named."""
    for category, pattern in _CATEGORY_WORDS:
        if re.search(pattern, lowered):
            return category
    return "service"

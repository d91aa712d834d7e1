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

from housing.eligibility import LETTER_WORDS, is_group_complaint, is_representative_letter, representation


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
    r"\b(again|yet again|still (not|isn'?t|hasn'?t|haven'?t|no|broken|leaking|waiting|happening|there|dripping|"
    r"going on|not fixed|not working|cold|damp|mouldy|the same|nothing|unresolved|outstanding)|"
    # a count of visits, reports or appointments ("several days" is not a repeat)
    r"(numerous|several|many|multiple|countless|loads of|lots of|a lot of|a few|so many|too many|umpteen|\d+|two|"
    r"three|four|five|six|2nd|3rd|4th|5th|second|third|fourth|fifth|umpteenth)\s*"
    r"(times?|visits?|appointments?|reports?|calls?|attempts?|occasions?|emails?|letters?)|"
    r"every time|keeps? (happening|coming back|breaking)|"
    r"despite|repeatedly|over and over|"
    r"nothing (has been |was |got |gets |is being |being |ever )?(done|fixed|happened|happens|sorted)|"
    r"not (been |be )?(doing|done) anything|(do|does|did)(n'?t| not) do anything|"
    r"never (fixed|came back|returned|sorted)|"
    # "nobody has come out" / "nobody ever came" (but "nobody came today" is a first miss, rebooked)
    r"(nobody|no one|no-one|noone) (has |have |had |ever |has ever |have ever |even )"
    r"(come|came|been|turned up|shown up|showed up|done anything|fixed)|"
    r"not (been )?(fixed|resolved|sorted)|(hasn'?t|haven'?t|isn'?t|wasn'?t|has not|have not|is not|was not) "
    r"(been )?(fixed|resolved|sorted)|"
    r"still waiting|chased|chasing|already reported|keep reporting|kept reporting|"
    r"reported (it|this|them)? ?(before|already|\d+|many|several|loads|numerous|multiple|so many|lots)|failed to|"
    r"keep(s)? (failing|missing|cancelling)|"
    r"not (turned|turn|showed|show) up (again|twice)|"
    r"missed (two|three|four|several|multiple|numerous|\d+) (appointments|visits)|another missed)\b"
)
# Names a reply, contact or update that did not come (a first missed
# appointment, "nobody came", is not this: it is rebooked).
_NO_REPLY = re.compile(
    r"\b(no (reply|replies|response|answer|update|updates|call ?back|contact|communication|word)|"
    r"(not|haven'?t|have not|hasn'?t|has not) (heard|had) (back|anything|a reply|a response|from anyone|"
    r"from (you|u|them))|"
    r"heard nothing|nothing back|"
    r"never (heard|got back|replied|responded|called back|rang back)|"
    r"(didn'?t|did not|don'?t|do not|doesn'?t|does not|never) (get back|reply|respond|call back|ring back|"
    r"keep me (updated|informed))|"
    r"(nobody|no one|no-one|noone)( (from|at|in|on) (the |your |my )?[a-z]+( team| office)?)? (has |have |had |ever |even )?(been in touch|contacted|got back|gets back|"
    r"called|rang|replied|responded|updated|answered|bothered)|"
    r"(not|never) (been )?(kept|keeping) (me )?(updated|informed|in the loop)|"
    r"(stopped|stop) (contacting|responding|replying|updating)|lost contact|(not|never) (been )?in touch|"
    r"(promised|said|supposed|meant|agreed)( (you|u|they|she|he|it)('?d| would| will)?| to)? "
    r"(reply|respond|get back|answer|call back|ring back)|"
    r"(agreed|promised) (time|timescale|date|period)|(missed|passed|past) (the )?deadline|ignor(ed|ing))\b"
)
_CONDUCT = re.compile(
    r"\b(rude|rudely|aggressive|unprofessional|shouted at|swore|disrespectful|attitude|lied|discriminat\w*|"
    r"racist|damaged my|broke my|ruined my|left a mess|made a mess|"
    r"poor (workmanship|work|service|handling|communication)|"
    r"not managing|mishandl\w*|badly handled|"
    r"(handled|managed|dealt with|handling|managing|dealing with) (it |this |my case |the case )?"
    r"(really |very |so |extremely )?(badly|poorly|terribly|awfully)|"
    r"not (being )?(managed|handled|dealt with) (well|properly|right)|wrong decision|unfair)\b"
)
_DISSATISFIED = re.compile(
    r"\b(unhappy|not happy|fed up|sick of|disgust\w*|appall\w*|ridiculous|useless|rubbish|shocking|terrible|"
    r"awful|joke|angry|furious|frustrat\w*|let down|disappointed|unacceptable|complain\w*|complaint)\b"
)


_GROUP_WORDS = re.compile(r"\b(neighbou?rs|of us|residents?'?|tenants?'?)\b")


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
    group = is_group_complaint(lowered)
    # The resident's own words name the subject more reliably than the intent
    # ("several of us neighbours" is a group, not a neighbour dispute).
    category = guess_category(_GROUP_WORDS.sub(" ", lowered) if group else lowered)
    if category == "service":
        category = CATEGORY_BY_INTENT.get(intent or "", "service")
    first_report_intent = intent in {"report_repair", "report_asb", "missed_appointment", "rent_query"}
    if reasons:
        return Triage(Route.COMPLAINT, category, tuple(reasons), dissatisfied)
    if group and intent == "make_complaint":
        # Residents complaining together (1.2): a complaint, with one lead contact.
        return Triage(Route.COMPLAINT, category, ("dissatisfaction with the service",), True)
    if intent == "make_complaint" and not first_report_intent and category == "service":
        # A complaint about the service in general (no first-report subject).
        return Triage(Route.COMPLAINT, category, ("dissatisfaction with the service",), True)
    return Triage(Route.SERVICE_REQUEST, category, (), dissatisfied)


def shows_unhappiness(text: str) -> bool:
    """Dissatisfaction in the resident's words ("not happy", "third time"),
    not counting the words "complain" and "complaint" themselves."""
    return triage(None, re.sub(r"\bcomplain\w*|\bcomplaints?\b", " ", (text or "").lower())).dissatisfied


_CATEGORY_WORDS = (
    ("antisocial behaviour", r"\b(neighbou?r|noise|noisy|asb|anti ?social|music|party|shouting|drugs|dog|harass\w*)\b"),
    ("missed appointment", r"\b(appointments?|nobody (ever )?came|no ?one (ever )?came|didn'?t turn up|no show|"
                           r"never showed|never turned up|"
                           r"did(n'?t| not) (come|arrive|show))\b"),
    ("rent or service charge", r"\b(rent|service charge|arrears|statement|direct debit|charges?)\b"),
    ("repair", r"\b(repair|leak\w*|tap|boiler|heating|hot water|damp|mould|mold|window|door|roof|toilet|"
               r"broken|boken|bolier|lift|light|drain|pipe|ceiling|wall|floor|kitchen|bathroom)\b"),
)


def guess_category(lowered: str) -> str:
    """The subject a message is about, or "service" when none is named."""
    for category, pattern in _CATEGORY_WORDS:
        if re.search(pattern, lowered):
            return category
    return "service"


_GENERIC = re.compile(r"^\W*(i (want|need|would like|wanna) to |can i |i'?d like to |please )?(report|log|raise|make)"
                      r"( a| an)? (problem|issue|something|fault|repair|request|report)\W*$")


def needs_detail(text: str) -> bool:
    """A bare opener such as "Report a problem" that names no subject yet."""
    return bool(_GENERIC.match((text or "").strip().lower()))


# "I want to complain about", "I'd like to make a formal complaint regarding": an opener, not the story
_COMPLAINT_OPENER = re.compile(
    r"^\W*((hi|hello|hiya)\W+)?(i (want|need|would like|wish|wanna) to |i'?d like to |id like to |can i |"
    r"please |i am |i'?m |im )?(make |raise |log |put in |lodge |file )?(a |an )?(formal |official )?"
    r"(complain\w*|complaint)( (about|regarding|re|over|on|with|against|that|because))?\W*", re.I)


def says_what_happened(text: str) -> bool:
    """Enough of the story to stand as what happened: after any "I want to
    complain about", at least six words ("the repairs team" is not enough)."""
    rest = _COMPLAINT_OPENER.sub("", (text or "").strip(), count=1)
    return len(rest.split()) >= 6


def describes_a_problem(text: str) -> bool:
    """Enough to log as the description: a few words, or a short message that
    names its subject ("heater broken", "noisy neighbours")."""
    words = (text or "").split()
    if len(words) >= 4:
        return True
    return len(words) >= 2 and not needs_detail(text) and guess_category(text.lower()) != "service"


# A satisfaction survey (not a damp, stock-condition or gas survey, which are inspections).
_SURVEY = re.compile(
    r"\b((satisfaction|customer|feedback|tenant|resident|text|email|online|phone) survey|survey feedback|"
    r"survey (you|u|they|we) (sent|texted|emailed)|survey (text|email|call|link|message|form)s?|"
    r"(in|on|for|from|to|with) (the|your|a|that|this) survey|(the|your|a|that) survey (after|about|on|for|asking)|"
    r"questionnaires?|feedback forms?|satisfaction (text|call|form|message)s?|how did we do|star rating|"
    r"(rate|rating|rated|score|scored) (our|your|the|you|u)( \w+)? (service|repair|visit))\b", re.I)
_QUESTION = re.compile(r"\?\s*$|^\W*(how|why|what|when|where|can|could|do|does|did|is|are|who|will|should)\b", re.I)


def is_question(text: str) -> bool:
    return bool(_QUESTION.search((text or "").strip()))


def is_survey_feedback(text: str) -> bool:
    """Feedback given in (or about) a satisfaction survey: not itself a
    complaint, but the resident is told how to complain (Code 1.2)."""
    return bool(_SURVEY.search(text or "")) and not is_question(text)


def is_representative_complaint(text: str) -> bool:
    """A long message from someone acting for a resident that makes a
    complaint: it says so, or it shows repeated failure, no reply or poor
    handling ("... has reported it repeatedly and nobody has come")."""
    if is_representative_letter(text):
        return True
    return (len((text or "").split()) >= LETTER_WORDS and representation(text) is not None
            and triage(None, text).is_complaint)

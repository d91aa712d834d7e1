"""Who can complain, when a representative needs consent, and what might keep
a complaint out of the process. Pure functions over the landlord's policy.

The bot never refuses: a possible exclusion is flagged for a person to decide.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from housing.answers import parse_choice
from housing.policy import Policy

# Each relationship, the words residents use for it, and how it is handled.
RELATIONSHIPS: dict[str, tuple[str, ...]] = {
    "occupant": ("not the tenant", "not on the tenancy", "live with", "living with", "lodger",
                 "household member", "my partner's"),
    "elected_member": ("councillor", "member of parliament", "mp ", "mp's", "an mp", "the mp", "caseworker"),
    "representative": ("someone else", "on behalf", "for my", "representative", "advocate", "solicitor",
                       "family member", "friend", "carer", "executor", "is the tenant", "tenant's",
                       "im his", "im her", "i'm his", "i'm her", "i am his", "i am her", "im their", "i'm their",
                       "his mum", "her mum", "his son", "her son", "his daughter", "her daughter", "for him",
                       "for her", "for them", "my mum", "my dad", "my mother", "my father", "my nan", "my gran",
                       "my son", "my daughter", "my brother", "my sister", "my grandad", "my grandma"),
    "shared_owner": ("shared owner", "shared ownership", "part buy", "part-buy"),
    "leaseholder": ("leaseholder", "lease", "leasehold"),
    "licensee": ("licensee", "licence", "license", "hostel", "temporary accommodation"),
    "service_agreement": ("service agreement",),
    "service_applicant": ("applicant", "applied", "waiting list", "housing register", "bidding"),
    "affected_neighbour": ("neighbour", "homeowner", "private tenant", "own my", "owner", "affected",
                           "not your tenant", "live nearby", "next door"),
    "tenant": ("tenant", "tennant", "i rent", "council house", "my flat", "my home", "resident"),
}

LABELS = {
    "tenant": "tenant",
    "leaseholder": "leaseholder",
    "shared_owner": "shared owner",
    "licensee": "licensee",
    "service_agreement": "person with a service agreement",
    "service_applicant": "service applicant",
    "occupant": "someone living in the home who is not the tenant",
    "representative": "someone complaining for a resident",
    "elected_member": "MP or councillor",
    "affected_neighbour": "someone affected by our services (not our resident)",
}


# The relationship question's buttons, in order (actions/forms/asks.py), so a
# typed option number means the same as on a channel with buttons; the last
# button, "Other", is recorded as typed.
BUTTON_ORDER = ("tenant", "leaseholder", "shared_owner", "representative", "affected_neighbour")


def parse_relationship(text: str) -> str | None:
    number = re.fullmatch(r"\(?(\d{1,2})[).]?", (text or "").strip())
    if number:
        index = int(number.group(1))
        return BUTTON_ORDER[index - 1] if 1 <= index <= len(BUTTON_ORDER) else None
    return parse_choice(text, RELATIONSHIPS)


@dataclass(frozen=True)
class Eligibility:
    relationship: str
    can_complain: bool
    needs_permission: str | None  # "written" | "signed" | None
    explanation: str


def eligibility(policy: Policy, relationship: str) -> Eligibility:
    """Can this person complain, and whose permission does the landlord need?"""
    label = LABELS.get(relationship, relationship)
    if relationship == "representative":
        form = policy.representative_consent.value
        return Eligibility(relationship, True, form,
                           f"You can complain for someone else. We need the resident's {form} permission before we "
                           "can discuss the complaint with you, unless they are a child or cannot complain "
                           "themselves.")
    if relationship == "occupant":
        form = policy.tenant_permission_form.value
        return Eligibility(relationship, True, form,
                           f"You can complain, but as you are not the tenant we need the tenant's {form} permission "
                           "before we start corresponding with you.")
    if relationship == "elected_member":
        return Eligibility(relationship, True, None,
                           "As an elected member, a matter we don't know about yet is logged as a new complaint; "
                           "a general enquiry is handled outside the complaints process.")
    if relationship in LABELS:
        return Eligibility(relationship, True, None, f"As a {label} you can make a complaint.")
    # Never refuse: a person checks anything unusual.
    return Eligibility(relationship, True, None,
                       "You can make a complaint; a member of staff will check the details with you.")


@dataclass(frozen=True)
class ConsentRule:
    status: str  # given | pending | not_needed


CONSENT_CHOICES: dict[str, tuple[str, ...]] = {
    "given": ("given", "already", "have permission", "they agreed", "signed", "yes", "attached", "they know"),
    "pending": ("to follow", "will send", "later", "pending", "not yet", "get it", "send it", "no"),
    "not_needed": ("not needed", "child", "under 18", "can't", "cannot", "cant", "unable", "lacks capacity", "died",
                   "passed away", "executor", "too ill", "in hospital", "dementia", "himself", "herself",
                   "themselves", "doesn't speak", "doesnt speak", "no english"),
}


def parse_consent(text: str) -> str | None:
    return parse_choice(text, CONSENT_CHOICES)


_EXCLUSION_CUES = (
    ("legal proceedings may have started", re.compile(
        r"\b(court|legal action|solicitors? (letter|involved)|suing|sue you|claim (filed|issued)|tribunal|"
        r"disrepair claim)\b")),
    ("the matter may have been considered before", re.compile(
        r"\b(already complained|complained (about (this|it) )?(before|already)|"
        r"already (made|raised|put in|logged) a complaint|already been through|same complaint|"
        r"ombudsman (already|decided|investigated))\b")),
    ("the complaint may have been withdrawn", re.compile(r"\b(withdr[ea]w|withdrawn)\b")),
)


def possible_exclusions(policy: Policy, description: str, happened_on: date | None, today: date) -> list[str]:
    """Reasons a person may need to decide whether the complaint is accepted.

    `happened_on` is the latest day the resident's words can mean (the end of
    "November 2025"), so only an issue that is certainly too old is flagged.
    """
    from housing.deadlines import is_within_window

    reasons = []
    if happened_on is not None and not is_within_window(policy, happened_on, today):
        reasons.append(f"it may be more than {policy.exclusion_window_months} months old")
    lowered = (description or "").lower()
    reasons.extend(reason for reason, cue in _EXCLUSION_CUES if cue.search(lowered))
    return reasons

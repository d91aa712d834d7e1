"""Who can complain, when a representative needs consent, and what might keep
a complaint out of the process. Pure functions over the landlord's policy.

The bot never refuses: a possible exclusion is flagged for a person to decide.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from housing.answers import parse_choice
from housing.policy import ConsentForm, Policy

# Each relationship, the words residents use for it, and how it is handled.
RELATIONSHIPS: dict[str, tuple[str, ...]] = {
    "group": ("residents association", "residents' association", "tenants association", "tenants' association",
              "residents group", "tenants group", "group of residents", "group of tenants", "group of neighbours",
              "joint complaint", "several of us", "all of us", "a few of us", "lead contact"),
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
    "group": "lead contact for a group of residents",
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
    if relationship == "occupant" and policy.permission_needed_from_tenant:
        form = policy.tenant_permission_form.value
        return Eligibility(relationship, True, form,
                           f"You can complain, but as you are not the tenant we need the tenant's {form} permission "
                           "before we start corresponding with you.")
    if relationship == "elected_member":
        return Eligibility(relationship, True, None,
                           "As an elected member, a matter we don't know about yet is logged as a new complaint; "
                           "a general enquiry is handled outside the complaints process.")
    if relationship == "group":
        return Eligibility(relationship, True, None,
                           "A group of residents can complain together. We'll deal with one lead contact for the "
                           "group, who we'll keep updated and who can share our replies with everyone else.")
    if relationship in LABELS:
        article = "" if label.startswith(("someone", "lead ")) else "an " if label[0] in "aeiou" else "a "
        return Eligibility(relationship, True, None, f"As {article}{label} you can make a complaint.")
    # Never refuse: a person checks anything unusual.
    return Eligibility(relationship, True, None,
                       "You can make a complaint; a member of staff will check the details with you.")


CONSENT_CHOICES: dict[str, tuple[str, ...]] = {
    "given": ("given", "already", "have permission", "they agreed", "signed", "yes", "attached", "they know"),
    "pending": ("to follow", "will send", "later", "pending", "not yet", "get it", "send it", "no", "will ask",
                "i'll ask", "ill ask", "going to ask", "ask him", "ask her", "ask them", "get him to", "get her to",
                "get them to", "sign something", "can sign", "will sign"),
    "not_needed": ("not needed", "child", "under 18", "can't", "cannot", "cant", "unable", "lacks capacity", "died",
                   "passed away", "executor", "too ill", "in hospital", "dementia", "himself", "herself",
                   "themselves", "doesn't speak", "doesnt speak", "no english"),
}


_IN_WRITING = re.compile(r"\b(signed|written|in writing|letter|form|attached|emailed|sent it)\b")
# The resident agreed, but only by word of mouth (so far).
_SAID_YES = re.compile(
    r"\b(said (it'?s |its |that'?s |thats )?(fine|ok|okay|yes|alright|all right|go ahead)|"
    r"(is|'s|are|'re) (ok|okay|fine|happy|alright) (with it|with that|for me)|happy for me|fine with it|ok with it|"
    r"okay with it|agreed|verbal\w*|on the phone|told me to|asked me to|wants me to|knows i'?m)\b")


def parse_consent(text: str, form: ConsentForm | None = None) -> str | None:
    """given / pending / not_needed from the representative's words. Agreement
    by word of mouth is `given` when the policy accepts verbal consent, and
    otherwise `pending` (the written or signed permission is still to come)."""
    lowered = (text or "").lower()
    choice = parse_choice(lowered, CONSENT_CHOICES)
    if choice == "given" and _IN_WRITING.search(lowered):
        return choice
    if choice in (None, "given") and _SAID_YES.search(lowered):
        return "given" if form is ConsentForm.VERBAL else "pending"
    return choice


_EXCLUSION_CUES = (
    ("legal proceedings may have started", re.compile(
        # "court" as proceedings, not a block's name ("Jubilee Court")
        r"\b((to|in|at|into|before|through) (the )?courts?\b(?! (house|flats?|road|estate|block))|"
        r"courts? (case|action|claim|hearing|date|proceedings|order|papers|summons)|county court|small claims|"
        r"legal action|solicitors? (letter|involved)|suing|sue you|claim (filed|issued)|tribunal|"
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


# Someone writing for a resident: "I am writing on behalf of my client Mrs X",
# "we act for Mr Y", "I'm an advocate supporting Ms Z".
_ACTING_FOR = re.compile(
    r"\b(on (behalf|half) of(?! (my|our) (own|family|household|kids|children|home)\b)|on (his|her|their) behalf|my client|our client|we act for|i act for|acting for|"
    r"(we|i) represent|(are|am) instructed by|instructed by|as (his|her|their) (solicitor|advocate|representative|"
    r"carer|support worker|social worker)|writing for my|complaining for my|supporting (mr|mrs|ms|miss|dr|my)\b|"
    r"helping (mr|mrs|ms|miss|dr|my)\b|(advocate|support worker|social worker|solicitor|caseworker|key worker) "
    r"(for|at|from|with|supporting|helping))", re.I)
# A representative's role, when they name it (family members are asked: "for my mother" is not their role).
_REPRESENTATIVE_ROLES = ("solicitors", "solicitor", "advocacy", "advocate", "support worker", "social worker",
                         "key worker", "caseworker", "carer", "legal representative", "citizens advice", "executor")
_NOT_A_NAME = (r"(?!(?:of|at|from|who|whose|and|is|in|on|the|your|a|an|our|my|tenant|has|had|was|for|to|about|regarding|re|"
               r"with|because|since|concerning)\b)")
_TITLE_NAME = (rf"((?:mr|mrs|ms|miss|mx|dr)\.? (?:and (?:mr|mrs|ms|miss)\.? )?{_NOT_A_NAME}[a-z][a-z'-]*"
               rf"(?: {_NOT_A_NAME}[a-z][a-z'-]+)?)")
_NAMED = re.compile(
    rf"\b(?:my client|our client|on behalf of|we act for|i act for|acting for|(?:we|i) represent|instructed by|"
    rf"supporting|helping|writing for|my constituent|constituent)\s*,?\s*(?:my client |our client |my constituent |"
    rf"(?:miss|mrs|mr|ms)? ?)?{_TITLE_NAME}", re.I)
_ELECTED = re.compile(r"\b(mp|m\.p\.|member of parliament|councillor|cllr|constituents?|ward member|my ward)\b", re.I)
_COMPLAINT_WORDS = re.compile(r"\b(complain\w*|complaint|dissatisf\w*|unhappy|not happy|failure|failed|"
                              r"unacceptable|disrepair|redress|remedy|stage (one|1))\b", re.I)
LETTER_WORDS = 15


def named_resident(text: str) -> str | None:
    """The resident a representative names ("my client Mrs Patel", "on behalf
    of my constituent Mr Ali"), or None."""
    named = _NAMED.search(text or "")
    if not named:
        return None
    name = named.group(1)
    if name == name.lower():
        return name.title()  # "mrs o'neill" -> "Mrs O'Neill"
    # Typed with capitals: the name is the title and the capitalised words after it.
    words = name.split()
    kept = words[:1]
    for word in words[1:]:
        if not (word[0].isupper() or word == "and"):
            break
        kept.append(word)
    return " ".join(kept)


@dataclass(frozen=True)
class Representation:
    """Who a representative is complaining for, as far as their words say."""

    resident_name: str | None
    relationship: str | None


def representation(text: str) -> Representation | None:
    """Someone writing for a resident (not an MP or councillor, who have
    their own route), with the resident's name and the representative's role
    when they give them; None when the message is not from a representative."""
    if not _ACTING_FOR.search(text or "") or _ELECTED.search(text or ""):
        return None
    lowered = text.lower()
    name = named_resident(text)
    role = next((r for r in _REPRESENTATIVE_ROLES if re.search(rf"\b{r}\b", lowered)), None)
    role = {"solicitors": "solicitor", "advocacy": "advocate", "citizens advice": "adviser (Citizens Advice)"}.get(
        role or "", role)
    return Representation(name, role)


def is_representative_letter(text: str) -> bool:
    """A long message from a representative making a complaint (a solicitor's
    or advocate's letter), whatever else it mentions."""
    return (len((text or "").split()) >= LETTER_WORDS and representation(text) is not None
            and bool(_COMPLAINT_WORDS.search(text)))


_GROUP = re.compile(
    r"\b((tenants?'?|residents?'?|leaseholders?'?)( and residents?'?)? (association|group|committee|forum)|\btra\b|"
    r"group of (us|residents|tenants|neighbours|leaseholders|households|families)|joint complaint|"
    r"(several|many|some|all|a few|lots|most) of (us|the (residents|tenants|neighbours|households))|"
    r"on behalf of (all )?(the |my |our )?(other )?(residents|tenants|neighbours|households|block|building|estate|"
    r"street)|we,? the (residents|tenants)|(all|other) (the )?(residents|tenants|neighbours) (in|on|at|of) )", re.I)


def is_group_complaint(text: str) -> bool:
    """A complaint from a group of residents or a residents' association."""
    return bool(_GROUP.search(text or ""))

"""Check a landlord's policy against the Complaint Handling Code 2024 and
against the current ombudsman routes.

Nothing here rejects a policy: a landlord may run a stricter or, wrongly, a
laxer process, and the assistant still follows the file. Each problem becomes
a `PolicyWarning` naming the field and the Code section, for the
administrator to fix. One thing is never passed on to residents, whatever the
file says: an outdated or wrong-nation ombudsman route. `effective_ombudsman`
gives the current details for the landlord's nation instead, and
`without_outdated_routes` drops sentences that describe an abolished route.

Code 2024 sections used (Housing Ombudsman, statutory from 1 April 2024):
2.3 complaints within 12 months must be accepted; 5.3 no more than two
stages; 6.2 / 6.3 / 6.4 stage 1 acknowledge 5, respond 10 from
acknowledgement, extend by at most 10; 6.11 / 6.14 / 6.15 stage 2 acknowledge
5, respond 20 from acknowledgement, extend by at most 20; section 3
(accessibility and awareness) residents must be told how to reach the
Ombudsman. The Code applies in England, so the Code checks are made for
English landlords only; the ombudsman checks are made for every nation. The
"designated person" filter and the 8-week wait were removed
by the Building Safety Act 2022 from 1 October 2022.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

from housing.policy import Nation, Ombudsman, Policy

__all__ = [
    "PolicyWarning",
    "CURRENT_OMBUDSMEN",
    "current_ombudsman",
    "outdated_routes",
    "without_outdated_routes",
    "ombudsman_problems",
    "effective_ombudsman",
    "check_against_code",
]

OMBUDSMAN_SECTION = "Code 2024 section 3 (telling residents how to reach the Ombudsman)"


@dataclass(frozen=True)
class PolicyWarning:
    """A value that loads but breaches the Code or gives an outdated route."""

    field: str  # dotted path in the policy file, e.g. "stages[0].respond.working_days"
    code_section: str  # e.g. "Code 2024 6.3 (stage 1 response)"
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} [{self.code_section}]"


CURRENT_OMBUDSMEN: dict[Nation, Ombudsman] = {
    Nation.ENGLAND: Ombudsman(
        name="Housing Ombudsman Service",
        phone="0300 111 3000",
        email="info@housing-ombudsman.org.uk",
        address="PO Box 1484, Unit D, Preston, PR2 0ET",
        website="https://www.housing-ombudsman.org.uk",
        how_to_refer=(
            "You can ask the Housing Ombudsman for advice at any time. It normally "
            "investigates once our two-stage complaints process is complete, and you "
            "can refer your complaint to it within 12 months of our final response."
        ),
    ),
    Nation.SCOTLAND: Ombudsman(
        name="Scottish Public Services Ombudsman",
        phone="0800 377 7330",
        email="",
        address="Freepost SPSO",
        website="https://www.spso.org.uk",
        how_to_refer=(
            "If you are still unhappy once you have had our stage 2 response, you can "
            "ask the Scottish Public Services Ombudsman (SPSO) to look at your complaint."
        ),
    ),
    Nation.WALES: Ombudsman(
        name="Public Services Ombudsman for Wales",
        phone="0300 790 0203",
        email="ask@ombudsman.wales",
        address="",
        website="https://www.ombudsman.wales",
        how_to_refer=(
            "If you are still unhappy once you have had our final response, you can "
            "ask the Public Services Ombudsman for Wales to look at your complaint."
        ),
    ),
    Nation.NORTHERN_IRELAND: Ombudsman(
        name="Northern Ireland Public Services Ombudsman",
        phone="",  # not confirmed: the landlord sets it in its policy file
        email="nipso@nipso.org.uk",
        address="",
        website="https://www.nipso.org.uk",
        how_to_refer=(
            "If you are still unhappy once you have had our final response, you can "
            "ask the Northern Ireland Public Services Ombudsman (NIPSO) to look at "
            "your complaint."
        ),
    ),
}

# Text that identifies each nation's ombudsman (lower case).
_MARKERS: dict[Nation, tuple[str, ...]] = {
    Nation.ENGLAND: ("housing ombudsman", "housing-ombudsman.org.uk", "0300 111 3000"),
    Nation.SCOTLAND: ("scottish public services ombudsman", "spso", "0800 377 7330"),
    Nation.WALES: ("ombudsman for wales", "ombudsman.wales", "0300 790 0203"),
    Nation.NORTHERN_IRELAND: ("northern ireland public services ombudsman", "nipso"),
}

_EXCHANGE_TOWER = re.compile(r"exchange\s+tower|harbour\s+exchange|e14\s*9ge", re.I)
_DESIGNATED_PERSON = re.compile(r"designated\s+persons?", re.I)
_EIGHT_WEEKS = re.compile(r"\b(?:8|eight)[\s-]*weeks?\b", re.I)
_WAIT_OR_OMBUDSMAN = re.compile(r"wait|ombudsman", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def current_ombudsman(nation: Nation) -> Ombudsman:
    """The current ombudsman details for residents in `nation`."""
    return CURRENT_OMBUDSMEN[Nation(nation)]


def outdated_routes(text: str) -> list[str]:
    """Descriptions of the outdated routes mentioned in `text` (empty if none)."""
    found = []
    if _EXCHANGE_TOWER.search(text):
        found.append(
            "the old Exchange Tower address of the Housing Ombudsman (it is now "
            "PO Box 1484, Unit D, Preston, PR2 0ET)"
        )
    if _DESIGNATED_PERSON.search(text):
        found.append(
            "the 'designated person' route to the Ombudsman (abolished on 1 October "
            "2022: residents can go to the Ombudsman directly)"
        )
    if any(
        _EIGHT_WEEKS.search(s) and _WAIT_OR_OMBUDSMAN.search(s)
        for s in _SENTENCE_END.split(text)
    ):
        found.append(
            "the 8-week wait before going to the Ombudsman (abolished on 1 October 2022)"
        )
    return found


def without_outdated_routes(text: str) -> str:
    """`text` without the sentences that describe an outdated route."""
    kept = [s for s in _SENTENCE_END.split(text) if not outdated_routes(s)]
    return " ".join(kept).strip()


def _ombudsman_text(ombudsman: Ombudsman) -> str:
    return " ".join(
        (ombudsman.name, ombudsman.phone, ombudsman.email, ombudsman.address,
         ombudsman.website, ombudsman.how_to_refer)
    )


def _other_nations_named(ombudsman: Ombudsman, nation: Nation) -> list[Nation]:
    text = _ombudsman_text(ombudsman).lower()
    return [
        other
        for other, markers in _MARKERS.items()
        if other is not Nation(nation) and any(marker in text for marker in markers)
    ]


def ombudsman_problems(policy: Policy) -> list[str]:
    """Why the configured ombudsman must not be given to residents (empty if fine)."""
    problems = outdated_routes(_ombudsman_text(policy.ombudsman))
    for other in _other_nations_named(policy.ombudsman, policy.nation):
        problems.append(
            f"it names the ombudsman for {other.value.replace('_', ' ').title()}, but "
            f"residents of a landlord in {Nation(policy.nation).value.replace('_', ' ').title()} "
            f"go to the {current_ombudsman(policy.nation).name}"
        )
    return problems


def effective_ombudsman(policy: Policy) -> Ombudsman:
    """The ombudsman details residents are given: the configured ones, unless
    they contain an outdated route or belong to another nation, in which case
    the current details for the landlord's nation."""
    if ombudsman_problems(policy):
        return current_ombudsman(policy.nation)
    return policy.ombudsman


# (acknowledge, respond, extension) limits in working days, with their sections.
_STAGE_LIMITS: dict[int, tuple[tuple[str, int, str], ...]] = {
    1: (
        ("acknowledge", 5, "Code 2024 6.2 (stage 1: acknowledge within 5 working days of receipt)"),
        ("respond", 10, "Code 2024 6.3 (stage 1: respond within 10 working days of acknowledgement)"),
        ("max_extension_working_days", 10, "Code 2024 6.4 (stage 1: extend by no more than 10 working days)"),
    ),
    2: (
        ("acknowledge", 5, "Code 2024 6.11 (stage 2: acknowledge within 5 working days of the request)"),
        ("respond", 20, "Code 2024 6.14 (stage 2: respond within 20 working days of acknowledgement)"),
        ("max_extension_working_days", 20, "Code 2024 6.15 (stage 2: extend by no more than 20 working days)"),
    ),
}


def _check_stages(policy: Policy) -> Iterator[PolicyWarning]:
    if len(policy.stages) < 2:
        yield PolicyWarning(
            "stages",
            "Code 2024 section 5 (a two-stage process)",
            "the policy has only one stage; residents must be able to escalate to stage 2",
        )
    for index, stage in enumerate(policy.stages):
        if stage.number > 2:
            yield PolicyWarning(
                f"stages[{index}]",
                "Code 2024 5.3 (no more than two stages)",
                f"stage {stage.number} ('{stage.name}'): a process with more than two "
                "stages is not acceptable; it delays access to the Ombudsman",
            )
            continue
        for key, limit, section in _STAGE_LIMITS[stage.number]:
            if key == "max_extension_working_days":
                days, path = stage.max_extension_working_days, f"stages[{index}].{key}"
            else:
                days, path = getattr(stage, key).working_days, f"stages[{index}].{key}.working_days"
            if days > limit:
                yield PolicyWarning(
                    path,
                    section,
                    f"stage {stage.number} allows {days} working days; the Code allows at most {limit}",
                )


def _check_exclusion_window(policy: Policy) -> Iterator[PolicyWarning]:
    if policy.exclusion_window_months < 12:
        yield PolicyWarning(
            "exclusions.window_months",
            "Code 2024 2.3 (complaints made within 12 months must be accepted)",
            f"complaints are excluded after {policy.exclusion_window_months} months; the "
            "Code requires accepting complaints made within 12 months of the issue (or of "
            "the resident becoming aware of it), with discretion after that",
        )


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every text value in the raw policy data with its dotted path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _check_outdated_text(policy: Policy, raw: dict) -> Iterator[PolicyWarning]:
    texts = dict(_strings(raw, ""))
    for name in ("name", "phone", "email", "address", "website", "how_to_refer"):
        # Also the ombudsman actually configured (defaults, or a hand-built policy).
        texts.setdefault(f"ombudsman.{name}", getattr(policy.ombudsman, name))
    for path, text in texts.items():
        for route in outdated_routes(text):
            yield PolicyWarning(
                path,
                OMBUDSMAN_SECTION,
                f"mentions {route}; the assistant will not pass this on to residents",
            )


def _check_ombudsman_nation(policy: Policy) -> Iterator[PolicyWarning]:
    for other in _other_nations_named(policy.ombudsman, policy.nation):
        yield PolicyWarning(
            "ombudsman",
            OMBUDSMAN_SECTION,
            f"the landlord is in {Nation(policy.nation).value.replace('_', ' ').title()} "
            f"but the ombudsman named is the one for "
            f"{other.value.replace('_', ' ').title()}; residents must be sent to the "
            f"{current_ombudsman(policy.nation).name}",
        )


def check_against_code(policy: Policy, raw: dict) -> list[PolicyWarning]:
    """Every Code 2024 breach and outdated route in a policy.

    The Code's timescales, stages and exclusion window are checked for
    landlords in England, where the Code applies; Scotland, Wales and
    Northern Ireland follow their own ombudsman's model procedures (e.g. the
    SPSO's 6-month window), so only the ombudsman routes are checked there.

    `raw` is the policy file's data as loaded, used to find outdated routes in
    any text field and to name fields by their path in the file.
    """
    code_breaches: list[PolicyWarning] = []
    if Nation(policy.nation) is Nation.ENGLAND:
        code_breaches = [*_check_stages(policy), *_check_exclusion_window(policy)]
    return [
        *code_breaches,
        *_check_ombudsman_nation(policy),
        *_check_outdated_text(policy, raw),
    ]

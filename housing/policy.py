"""The landlord's complaints policy: the data model, loaded from one YAML file.

`load_policy(path)` reads and checks the file once at start-up. A malformed
file raises `PolicyError` naming the field; values that breach the Housing
Ombudsman's Complaint Handling Code are returned as `PolicyWarning`s naming
the Code section (see `policy_check.py`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from enum import Enum


class Nation(str, Enum):
    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"

    @property
    def holidays_subdiv(self) -> str:
        """The `holidays.UnitedKingdom(subdiv=...)` code for this nation."""
        return {"england": "ENG", "wales": "WLS", "scotland": "SCT", "northern_ireland": "NIR"}[self.value]


class CountedFrom(str, Enum):
    """What a timescale is counted from."""

    RECEIVED = "received"  # the day the complaint (or escalation request) arrived
    ACKNOWLEDGED = "acknowledged"  # the day it was acknowledged


class ConsentForm(str, Enum):
    """The permission a landlord needs before dealing with someone else."""

    WRITTEN = "written"
    SIGNED = "signed"
    VERBAL = "verbal"


@dataclass(frozen=True)
class Timescale:
    working_days: int
    counted_from: CountedFrom


@dataclass(frozen=True)
class Stage:
    number: int
    name: str
    acknowledge: Timescale
    respond: Timescale
    max_extension_working_days: int
    handled_by: str = ""


@dataclass(frozen=True)
class Ombudsman:
    name: str
    phone: str
    email: str
    address: str
    website: str
    # What residents are told about when and how to go to the ombudsman.
    how_to_refer: str = ""


@dataclass(frozen=True)
class OpeningHours:
    """Opening hours per weekday (0 = Monday); a missing day is closed.

    `bank_holidays` are the hours on bank holidays and closure days (None:
    closed). A closing time of `time.max` means open until midnight.
    """

    hours: dict[int, tuple[time, time]]
    bank_holidays: tuple[time, time] | None = None


@dataclass(frozen=True)
class Policy:
    landlord_name: str
    nation: Nation
    phone: str
    email: str
    website: str
    channels: tuple[str, ...]
    opening_hours: OpeningHours
    closure_days: tuple[date, ...]
    stages: tuple[Stage, ...]
    exclusion_window_months: int
    who_can_complain: tuple[str, ...]
    permission_needed_from_tenant: tuple[str, ...]
    representative_consent: ConsentForm
    representative_without_consent: tuple[str, ...]
    elected_member_new_matter: str  # "complaint"
    elected_member_enquiry: str  # "enquiry"
    ombudsman: Ombudsman
    compensation_summary: str
    bot_confirmation_is_acknowledgement: bool
    reasonable_adjustments: tuple[str, ...]
    advocacy: str
    emergency_repairs_phone: str
    exclusions: tuple[str, ...] = field(default_factory=tuple)
    # The form of the tenant's permission needed by the people listed in
    # `permission_needed_from_tenant` (seed 002: written for occupants, while
    # representatives need signed consent, `representative_consent`).
    tenant_permission_form: ConsentForm = ConsentForm.WRITTEN

    def stage(self, number: int) -> Stage:
        for stage in self.stages:
            if stage.number == number:
                return stage
        raise KeyError(f"the policy has no stage {number}")

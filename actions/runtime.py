"""The action server's shared objects: the policy, the case store, the
rate-limit counts and the case-system sync, each built once from
`housing.settings`.

Nothing touches the database until a case is first read or written.
"""
from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from housing.cases.case_system import BackgroundRetry, CaseSync
from housing.cases.store import CaseStore
from housing.limits import LimitStore
from housing.opening_hours import is_open
from housing.policy import Policy
from housing.policy_loader import load_policy
from housing.settings import get_settings
from housing.staff.store import StaffStore

log = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=1)
def get_policy() -> Policy:
    policy, warnings = load_policy(get_settings().policy_file)
    for warning in warnings:
        log.warning("Policy %s: %s (%s)", warning.field, warning.message, warning.code_section)
    return policy


@lru_cache(maxsize=1)
def get_store() -> CaseStore:
    """The case store, keeping cases in the spool while it cannot be written."""
    settings = get_settings()
    return CaseStore(settings.database_url, spool_dir=settings.case_spool_dir)


@lru_cache(maxsize=1)
def get_staff_store() -> StaffStore:
    """Hand-overs to staff (and the cases, on the same database)."""
    settings = get_settings()
    return StaffStore(settings.database_url, session_hours=settings.staff_session_hours)


@lru_cache(maxsize=1)
def get_limits() -> LimitStore:
    """Rate-limit counts (case checks, hand-overs), kept in the cases database."""
    return LimitStore(get_settings().database_url)


@lru_cache(maxsize=1)
def get_sync() -> CaseSync:
    """The case-system sync (builds no thread; see `start_background_work`)."""
    return CaseSync.from_settings(get_store())


@lru_cache(maxsize=1)
def start_background_work() -> BackgroundRetry:
    """Start, once, when the action server starts: a thread that at once and
    then every `case_system_retry_interval` stores cases kept in the spool and
    sends cases not yet sent to the case system (so a restart resumes them
    without waiting for a new complaint)."""
    return get_sync().start_background_retry()


def push_later(reference: str) -> None:
    """Send a new case to the landlord's case system without holding up the
    reply: the resident already has the local reference."""
    get_sync().push_later(reference)


def now() -> datetime:
    return datetime.now(LONDON)


def live_chat_open() -> bool:
    """Is the team open now, so a person can join the chat? (Call it through the
    module, `runtime.live_chat_open()`, so tests can replace it.)"""
    return is_open(get_policy(), now())

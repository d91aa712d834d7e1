"""The action server's shared objects: the policy, the case store and the
case-system sync, each built once from `housing.settings`.

Nothing touches the database until a case is first read or written.
"""
from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from housing.cases.case_system import CaseSync, build_sync
from housing.cases.store import CaseStore
from housing.policy import Policy
from housing.policy_loader import load_policy
from housing.settings import get_settings

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
    return CaseStore(get_settings().database_url)


@lru_cache(maxsize=1)
def get_sync() -> CaseSync:
    return build_sync(get_store(), get_settings())


def now() -> datetime:
    return datetime.now(LONDON)

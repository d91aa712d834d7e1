"""Case records: the store (SQLite / PostgreSQL) and the sync to a landlord's case system.

Importing this package does no I/O: the database is created on first use and
the background retry thread only starts when asked.
"""
from housing.cases.case_system import (
    BackgroundRetry,
    CaseSync,
    CaseSystemClient,
    CaseSystemError,
    SyncCounts,
    build_sync,
    case_payload,
)
from housing.cases.models import (
    CONSENT_STATUSES,
    HISTORY_KINDS,
    KINDS,
    STATUSES,
    SYNC_STATUSES,
    Case,
    HistoryEntry,
    NewCase,
    Representative,
    Resident,
    case_to_dict,
)
from housing.cases.store import UPDATABLE_FIELDS, CaseNotFoundError, CaseStore, normalise_reference

__all__ = [
    "BackgroundRetry",
    "CaseSync",
    "CaseSystemClient",
    "CaseSystemError",
    "SyncCounts",
    "case_payload",
    "build_sync",
    "CONSENT_STATUSES",
    "HISTORY_KINDS",
    "KINDS",
    "STATUSES",
    "SYNC_STATUSES",
    "Case",
    "HistoryEntry",
    "NewCase",
    "Representative",
    "Resident",
    "case_to_dict",
    "UPDATABLE_FIELDS",
    "CaseNotFoundError",
    "CaseStore",
    "normalise_reference",
]

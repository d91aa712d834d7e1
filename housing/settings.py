"""Settings read once from the environment, with documented defaults.

Every other module asks this one; nothing else reads ``os.environ``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Deployment settings (see README, "Environment variables")."""

    policy_file: Path
    database_url: str
    case_system_url: str | None
    case_system_token: str | None
    case_system_timeout: float
    case_system_retries: int
    timezone: str = "Europe/London"
    case_system_retry_interval: float = 60.0  # seconds between background retries


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once; later calls return the same object."""
    var = Path(_env("ASSISTANT_VAR_DIR", str(ROOT / "var")))
    return Settings(
        policy_file=Path(_env("LANDLORD_POLICY", str(ROOT / "policies" / "default.yml"))),
        database_url=_env("CASES_DATABASE_URL", f"sqlite:///{var / 'cases.db'}"),
        case_system_url=os.environ.get("CASE_SYSTEM_URL") or None,
        case_system_token=os.environ.get("CASE_SYSTEM_TOKEN") or None,
        case_system_timeout=float(_env("CASE_SYSTEM_TIMEOUT", "5")),
        case_system_retries=int(_env("CASE_SYSTEM_RETRIES", "3")),
        case_system_retry_interval=float(_env("CASE_SYSTEM_RETRY_INTERVAL", "60")),
    )

"""Records the staff store hands back. Pure data."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

__all__ = ["HANDOFF_MODES", "HANDOFF_STATUSES", "OPEN_STATUSES", "StaffAccount", "StaffSession", "Handoff",
           "handoff_to_dict"]

# live: the bot is paused and a person should join the chat now;
# callback: the team calls the resident back (asked outside opening hours);
# review: a case needs a person's decision (e.g. a possible exclusion); the resident has finished.
HANDOFF_MODES: tuple[str, ...] = ("live", "callback", "review")
HANDOFF_STATUSES: tuple[str, ...] = ("waiting", "claimed", "ended", "handed_back")
OPEN_STATUSES: tuple[str, ...] = ("waiting", "claimed")


@dataclass(frozen=True)
class StaffAccount:
    username: str
    display_name: str
    created_at: datetime
    active: bool


@dataclass(frozen=True)
class StaffSession:
    """A signed-in staff member (the token itself is never stored)."""

    username: str
    display_name: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Handoff:
    """A conversation handed to a person."""

    id: int
    conversation_id: str
    channel: str
    case_reference: Optional[str]
    reason: str
    mode: str
    status: str
    requested_at: datetime
    claimed_by: Optional[str] = None
    claimed_at: Optional[datetime] = None
    ended_at: Optional[datetime] = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def handoff_to_dict(handoff: Handoff, now: datetime) -> dict[str, Any]:
    """JSON-ready, with the seconds waited so far (until claimed or ended)."""
    until = handoff.claimed_at or handoff.ended_at or now
    return {
        "id": handoff.id, "conversation_id": handoff.conversation_id, "channel": handoff.channel,
        "case_reference": handoff.case_reference, "reason": handoff.reason, "mode": handoff.mode,
        "status": handoff.status, "requested_at": handoff.requested_at.isoformat(),
        "claimed_by": handoff.claimed_by,
        "claimed_at": handoff.claimed_at.isoformat() if handoff.claimed_at else None,
        "ended_at": handoff.ended_at.isoformat() if handoff.ended_at else None,
        "waiting_seconds": max(0, int((until - handoff.requested_at).total_seconds())),
    }

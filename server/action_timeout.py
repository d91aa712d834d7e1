"""How long the Rasa server waits for the action server.

Rasa 3.6 gives each call to the action server (`RemoteAction.run`) its
module-wide `DEFAULT_REQUEST_TIMEOUT`: 300 seconds, during which a resident
whose action server hangs hears nothing. `install(seconds)` sets the timeout
of this process's action calls to `ACTION_TIMEOUT_SECONDS` instead; when it
passes, the turn ends and the resident is told there is a technical problem
(`channels.resident.never_silent`).
"""
from __future__ import annotations

import rasa.core.actions.action as rasa_action


def install(seconds: float) -> None:
    """Time out every remote action call of this process after `seconds`."""
    if seconds <= 0:
        raise ValueError("ACTION_TIMEOUT_SECONDS must be more than 0")
    rasa_action.DEFAULT_REQUEST_TIMEOUT = seconds  # type: ignore[assignment]

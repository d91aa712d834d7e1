"""A readable transcript of a conversation from Rasa tracker events, for the
case history when a person takes over or calls back."""
from __future__ import annotations

from typing import Any, Iterable

MAX_CHARS = 20000


def transcript(events: Iterable[dict[str, Any]]) -> str:
    lines = []
    for event in events:
        kind = event.get("event")
        if kind == "user" and event.get("text"):
            lines.append(f"Resident: {event['text']}")
        elif kind == "bot" and event.get("text"):
            lines.append(f"Assistant: {event['text']}")
    text = "\n".join(lines)
    return text if len(text) <= MAX_CHARS else "...\n" + text[-MAX_CHARS:]

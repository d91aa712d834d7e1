"""The few calls the staff console makes to the Rasa HTTP API (on loopback,
with the server's auth token): read a conversation, and add events to it,
e.g. a staff message sent to the resident through the channel they last used
(`output_channel=latest`: live on the website's socketio channel and on the
social channels).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp

__all__ = ["RasaApi", "RasaApiError", "bot_event"]


class RasaApiError(RuntimeError):
    """The Rasa HTTP API refused or could not be reached."""


def bot_event(text: str, staff: str | None = None, staff_name: str | None = None) -> dict[str, Any]:
    """A message to the resident; `staff` (a username) marks it as a person's."""
    event: dict[str, Any] = {"event": "bot", "text": text}
    if staff:
        event["metadata"] = {"staff": staff, "staff_name": staff_name or staff}
    return event


class RasaApi:
    def __init__(self, base_url: str, token: str, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def _url(self, conversation_id: str, suffix: str) -> str:
        return f"{self.base_url}/conversations/{quote(conversation_id, safe='')}/{suffix}"

    async def _call(self, method: str, url: str, params: dict[str, str], body: Any = None) -> dict[str, Any]:
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                async with session.request(method, url, params={**params, "token": self._token},
                                           json=body) as response:
                    if response.status >= 400:
                        raise RasaApiError(f"the Rasa server answered HTTP {response.status}")
                    return await response.json()
        except aiohttp.ClientError as error:
            raise RasaApiError(f"the Rasa server could not be reached: {type(error).__name__}") from None

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation with every event (all sessions)."""
        return await self._call("GET", self._url(conversation_id, "tracker"), {"include_events": "ALL"})

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Add events; bot messages among them are sent to the resident."""
        return await self._call("POST", self._url(conversation_id, "tracker/events"),
                                {"include_events": "NONE", "execute_side_effects": "true",
                                 "output_channel": "latest"}, events)

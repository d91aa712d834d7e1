"""The few calls the staff console makes to the Rasa HTTP API (on loopback,
with the server's auth token): read a conversation, and add events to it,
e.g. a staff message sent to the resident through the channel the
conversation belongs to (`output_channel=<channel_for(id)>`, never "latest":
live on the website's socketio channel and on the social channels; a REST
conversation has no live output, and `append` says it was not delivered).

Conversation ids go into the URL path exactly as they are: Sanic 21.12 does
not decode percent-escapes in paths, so `whatsapp%3A%2B44...` would be
another (phantom) conversation. Every id a channel makes uses only characters
that need no escaping (`conversation_path` refuses any other).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from channels.ids import channel_for

__all__ = ["RasaApi", "RasaApiError", "bot_event", "conversation_path", "live_output_channel"]

# Rasa input channels that can push a message to the resident later.
LIVE_CHANNELS = frozenset({"socketio", "telegram", "messenger", "twilio"})
# Characters allowed as they are in a URL path segment (RFC 3986 pchar), besides letters, digits and "_.-~".
_PATH_SAFE = ":@+=!$&'()*,;"


class RasaApiError(RuntimeError):
    """The Rasa HTTP API refused or could not be reached."""


def bot_event(text: str, staff: str | None = None, staff_name: str | None = None) -> dict[str, Any]:
    """A message to the resident; `staff` (a username) marks it as a person's."""
    event: dict[str, Any] = {"event": "bot", "text": text}
    if staff:
        event["metadata"] = {"staff": staff, "staff_name": staff_name or staff}
    return event


def conversation_path(conversation_id: str) -> str:
    """The id as a path segment the Rasa server reads back as exactly this id."""
    segment = quote(conversation_id, safe=_PATH_SAFE)
    if segment != conversation_id or not conversation_id:
        raise RasaApiError("this conversation id cannot be reached through the Rasa HTTP API")
    return segment


def live_output_channel(conversation_id: str) -> str | None:
    """The Rasa channel that delivers staff messages to this conversation, or
    None when none can (REST, or an id of no known shape)."""
    channel = channel_for(conversation_id)
    return channel if channel in LIVE_CHANNELS else None


class RasaApi:
    def __init__(self, base_url: str, token: str, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def _url(self, conversation_id: str, suffix: str) -> URL:
        # encoded=True: aiohttp sends the path as it is, never re-quoting it.
        return URL(f"{self.base_url}/conversations/{conversation_path(conversation_id)}/{suffix}", encoded=True)

    async def _call(self, method: str, url: URL, params: dict[str, str], body: Any = None) -> dict[str, Any]:
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

    async def append(self, conversation_id: str, events: list[dict[str, Any]]) -> bool:
        """Add events; bot messages among them are sent to the resident on the
        conversation's own channel. False: the conversation has no channel that
        can deliver them (they are only on its record)."""
        channel = live_output_channel(conversation_id)
        params = {"include_events": "NONE", "execute_side_effects": "true"}
        if channel:
            params["output_channel"] = channel
        await self._call("POST", self._url(conversation_id, "tracker/events"), params, events)
        return channel is not None

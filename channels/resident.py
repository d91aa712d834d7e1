"""The residents' website and REST channels, with one change to Rasa's own:
a resident's text is never read as an intent command.

Rasa parses a message starting with "/" as that intent ("/restart" restarts
the conversation, which also undoes a hand-over to a person). These channels
strip the leading slashes before Rasa sees the text, so a resident can type
anything. Everything else (settings, URLs, the output channel's name used by
`output_channel=latest`) is exactly Rasa's: `name()` stays "socketio" and
"rest", so the channels keep /socket.io and /webhooks/rest/webhook.

Enabled in credentials.yml as `channels.resident.ResidentSocketIOInput` and
`channels.resident.ResidentRestInput`. Other channels can use `resident_text`.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def resident_text(text: str | None) -> str:
    """The text with any leading slashes removed ("/restart" -> "restart")."""
    cleaned = (text or "").strip()
    while cleaned.startswith("/"):
        cleaned = cleaned[1:].lstrip()
    return cleaned


def as_plain_text(on_new_message: OnNewMessage) -> OnNewMessage:
    """Wrap Rasa's message handler so a message is never taken as an intent command."""

    async def handler(message: UserMessage) -> Any:
        message.text = resident_text(message.text)
        return await on_new_message(message)

    return handler


class ResidentSocketIOInput(SocketIOInput):
    """Rasa's socketio channel; "/..." typed by a resident is plain text."""

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(as_plain_text(on_new_message))


class ResidentRestInput(RestInput):
    """Rasa's REST channel; "/..." sent by a resident is plain text."""

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(as_plain_text(on_new_message))

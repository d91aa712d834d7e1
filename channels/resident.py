"""The residents' website and REST channels, with one change to Rasa's own:
a resident's text is never read as an intent command.

Rasa parses a message starting with "/" as that intent ("/restart" restarts
the conversation, which also undoes a hand-over to a person). These channels
strip the leading slashes before Rasa sees the text, so a resident can type
anything. Everything else (settings, URLs, the output channel's name used by
`output_channel=latest`) is exactly Rasa's: `name()` stays "socketio" and
"rest", so the channels keep /socket.io and /webhooks/rest/webhook.

They also never leave a resident in silence: when a turn sends no reply, the
conversation is not paused and the action server does not answer, the
resident is told there is a technical problem and given the phone number
(`never_silent`).

Enabled in credentials.yml as `channels.resident.ResidentSocketIOInput` and
`channels.resident.ResidentRestInput`. Other channels use `resident_text` and
`never_silent` too.
"""
from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Any, Awaitable, Callable

import aiohttp
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.channel import OutputChannel
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from housing.settings import get_settings
from server import action_failures

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
logger = logging.getLogger(__name__)


def resident_text(text: str | None) -> str:
    """The text with any leading slashes removed ("/restart" -> "restart")."""
    cleaned = (text or "").strip()
    while cleaned.startswith("/"):
        cleaned = cleaned[1:].lstrip()
    return cleaned


@lru_cache(maxsize=1)
def technical_problem_text() -> str:
    """What a resident is told when the assistant cannot answer."""
    phone = ""
    try:
        from housing.policy_loader import load_policy
        from housing.settings import get_settings

        phone = load_policy(get_settings().policy_file)[0].phone
    except Exception:  # the message must go out whatever is wrong
        logger.exception("could not read the landlord's phone number from the policy")
    call = f", or call us on {phone}" if phone else ""
    return ("Sorry, I'm having a technical problem and can't answer right now. Nothing you've told me is lost. "
            f"Please try again in a few minutes{call}.")


async def action_server_answers(timeout: float = 1.0) -> bool:
    """Does the action server's /health answer? (True when none is configured.)"""
    url = get_settings().action_endpoint_url
    if not url:
        return True
    health = url.rsplit("/webhook", 1)[0] + "/health"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.get(health) as response:
                return response.status == 200
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError):  # on Python 3.10 not the builtin TimeoutError
        return False


def never_silent(on_new_message: OnNewMessage) -> OnNewMessage:
    """Wrap Rasa's message handler: a turn in which a call to the action
    server failed (down, hung past ACTION_TIMEOUT_SECONDS, erroring), or that
    sent no reply while the action server is down, ends with a kind message
    instead of silence. (A paused conversation is silent on purpose; its
    action server still answers.)"""

    async def handler(message: UserMessage) -> Any:
        output = message.output_channel
        sent = 0
        original = output.send_response

        async def counting(recipient_id: str, response: dict) -> None:
            nonlocal sent
            sent += 1
            await original(recipient_id, response)

        output.send_response = counting  # type: ignore[method-assign]
        with action_failures.watching_turn() as turn:
            try:
                return await on_new_message(message)
            finally:
                output.send_response = original  # type: ignore[method-assign]
                if turn.action_server_failed or (sent == 0 and not await action_server_answers()):
                    logger.error("no full reply to %s: the action server failed or does not answer",
                                 message.sender_id)
                    await output.send_text_message(message.sender_id, technical_problem_text())

    return handler


def as_plain_text(on_new_message: OnNewMessage) -> OnNewMessage:
    """Wrap Rasa's message handler so a message is never taken as an intent
    command, and never goes unanswered (`never_silent`)."""
    answered = never_silent(on_new_message)

    async def handler(message: UserMessage) -> Any:
        message.text = resident_text(message.text)
        return await answered(message)

    return handler


class ResidentSocketIOOutput(SocketIOOutput):
    """Rasa's socketio output, telling the widget which messages a member of
    staff wrote (`staff_name`), so they are not announced as the assistant's."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        staff_name = kwargs.get("staff_name")
        if not staff_name:
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, "staff_name": str(staff_name)})


class ResidentSocketIOInput(SocketIOInput):
    """Rasa's socketio channel; "/..." typed by a resident is plain text."""

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(as_plain_text(on_new_message))

    def get_output_channel(self) -> OutputChannel | None:
        """The channel staff replies (Rasa HTTP API, output_channel=latest) go out on."""
        if self.sio is None:
            return super().get_output_channel()
        return ResidentSocketIOOutput(self.sio, self.bot_message_evt)


class ResidentRestInput(RestInput):
    """Rasa's REST channel; "/..." sent by a resident is plain text."""

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(as_plain_text(on_new_message))

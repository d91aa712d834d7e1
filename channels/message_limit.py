"""The one place a resident's message is held to the size cap, on every
resident channel (website, REST, Messenger, WhatsApp, SMS, Telegram).

`capped(on_new_message)` wraps Rasa's message handler: a message longer than
`MESSAGE_MAX_CHARS` is cut between words (`housing.message_limit.take`), the
resident is told first that only the first part was kept, where it ends, and
to send the rest in another message or call (`housing.messages`), and the
tracker's user event records the cut in its metadata (`message_cut`). So the
classifier and every rule only ever see a bounded text, and nothing is lost
silently. The HTTP body cap in front of it is server/limits.py.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage

from housing import messages
from housing.message_limit import ending, take
from housing.policy_loader import load_policy
from housing.settings import get_settings

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
CUT_METADATA_KEY = "message_cut"


@lru_cache(maxsize=1)
def landlord_phone() -> str | None:
    """The landlord's phone number from the policy (None if it cannot be read)."""
    try:
        return load_policy(get_settings().policy_file)[0].phone or None
    except Exception:  # noqa: BLE001 - the resident must be told whatever is wrong
        logger.exception("could not read the landlord's phone number from the policy")
        return None


def capped(on_new_message: OnNewMessage, max_chars: int | None = None) -> OnNewMessage:
    """Rasa's handler, taking at most `max_chars` (default: the setting) of each message."""
    limit = max_chars or get_settings().message_max_chars

    async def handler(message: UserMessage) -> Any:
        text = message.text if isinstance(message.text, str) else ""
        taken = take(text, limit)
        if taken.cut:
            logger.warning("%s: a message of %d characters was cut to %d; the resident was told",
                           message.input_channel, taken.received_chars, len(taken.text))
            await message.output_channel.send_text_message(
                message.sender_id, messages.message_too_long(limit, ending(taken.text), landlord_phone()))
            message.text = taken.text
            message.metadata = {**(message.metadata or {}), CUT_METADATA_KEY: {
                "received_chars": taken.received_chars, "kept_chars": len(taken.text)}}
        return await on_new_message(message)

    return handler

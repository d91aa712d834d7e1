"""What the social media channels share: outbound HTTP off the event loop,
per-resident background handling in arrival order, remembered options, each
message handled once (message ids kept in SQLite, `dedupe.py`), refusals
logged at most once a minute (`log_limit.py`), and an output channel that
turns every kind of bot message into text and buttons.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Awaitable, Callable, Iterable, Mapping

import requests
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response

from channels.message_limit import capped
from channels.resident import never_silent, resident_text
from channels.social.formatting import Option, link_text, options_from_buttons, resolve_reply
from channels.social.dedupe import SeenMessages
from channels.social.log_limit import ThrottledWarnings
from channels.social.memory import ExpiringLRU
from housing.settings import get_settings

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

_sessions = threading.local()


def _session() -> requests.Session:
    """One requests.Session per worker thread (sessions are not thread-safe),
    so connections to the platform are reused."""
    session = getattr(_sessions, "session", None)
    if session is None:
        session = _sessions.session = requests.Session()
    return session


def redact(text: str, secrets: Iterable[str | None]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


async def post(channel: str, url: str, *, timeout: float, secrets: Iterable[str | None] = (),
               **kwargs: Any) -> requests.Response | None:
    """POST with requests in a worker thread, so the server is never blocked.
    A failure is logged (secrets redacted) and gives None; it never raises."""
    secrets = list(secrets)

    def call() -> requests.Response:
        return _session().post(url, timeout=timeout, **kwargs)

    try:
        response = await asyncio.to_thread(call)
    except requests.RequestException as error:
        logger.error("%s: sending a message failed: %s", channel, redact(f"{type(error).__name__}: {error}", secrets))
        return None
    except Exception:  # noqa: BLE001 - a send must never crash the turn
        logger.exception("%s: unexpected error while sending a message", channel)
        return None
    if response.status_code >= 400:
        logger.error("%s: the platform refused a message (HTTP %s): %s", channel, response.status_code,
                     redact(response.text[:500], secrets))
    return response


class SenderQueue:
    """Handles each resident's messages in the background, one after another in
    arrival order, so the webhook can answer the platform at once (platforms
    re-send a webhook that is slow to answer)."""

    def __init__(self, channel: str) -> None:
        self._channel = channel
        self._tails: dict[str, asyncio.Task] = {}

    def submit(self, sender: str, work: Callable[[], Awaitable[Any]]) -> asyncio.Task:
        previous = self._tails.get(sender)

        async def run() -> None:
            if previous is not None:
                await asyncio.wait([previous])
            try:
                await work()
            except Exception:  # noqa: BLE001 - log, and carry on with the next message
                logger.exception("%s: handling a message failed", self._channel)

        task = asyncio.get_running_loop().create_task(run())
        self._tails[sender] = task

        def forget(done: asyncio.Task) -> None:
            if self._tails.get(sender) is done:
                del self._tails[sender]

        task.add_done_callback(forget)
        return task

    async def drain(self) -> None:
        """Wait for every message accepted so far (for tests)."""
        while self._tails:
            await asyncio.wait(list(self._tails.values()))


class SocialOutput(OutputChannel):
    """Base output channel: subclasses implement `_send(recipient, text, options)`
    for one message with optional buttons. Options offered are remembered per
    recipient so a numbered reply can be understood."""

    channel_name = "social"

    def __init__(self, options_memory: ExpiringLRU[str, list[Option]] | None = None) -> None:
        self._options = options_memory

    @classmethod
    def name(cls) -> str:
        return cls.channel_name

    async def _send(self, recipient_id: str, text: str, options: list[Option]) -> None:
        raise NotImplementedError

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, text, [])

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]],
                                     **kwargs: Any) -> None:
        options = options_from_buttons(buttons)
        if options and self._options is not None:
            self._options.set(recipient_id, options)
        await self._send(recipient_id, text or "", options)

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, link_text("Image", image), [])

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, Mapping):
            url = (attachment.get("payload") or {}).get("url") if isinstance(attachment.get("payload"), Mapping) \
                else attachment.get("url")
            attachment = url or str(attachment)
        await self._send(recipient_id, link_text("Attachment", str(attachment)), [])

    async def send_custom_json(self, recipient_id: str, json_message: Any, **kwargs: Any) -> None:
        logger.info("%s: a custom message was not sent (this channel sends text and buttons only)", self.name())


class SocialInput(InputChannel):
    """Base input channel. A subclass is on only when every setting it gives
    `_require` is set (`enabled()`);
    when off its blueprint has no routes (its webhook answers 404) and it makes
    no outbound calls."""

    def __init__(self) -> None:
        self.queue = SenderQueue(self.name())
        self.options: ExpiringLRU[str, list[Option]] = ExpiringLRU()
        settings = get_settings()
        # Message ids already taken, in SQLite: a re-delivery or replay is ignored, also after a restart.
        self.seen = SeenMessages(settings.webhook_dedupe_db, settings.webhook_dedupe_hours * 3600)
        self.warnings = ThrottledWarnings(logger)
        self._required: dict[str, str | None] = {}

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "SocialInput":
        if credentials:
            logger.warning("%s: keys in credentials.yml are ignored; settings come from the environment "
                           "(see README, 'Social media channels')", cls.name())
        return cls()

    def enabled(self) -> bool:
        """On when every setting given to `_require` has a value."""
        return bool(self._required) and not self._missing(self._required)

    @staticmethod
    def _missing(names_and_values: Mapping[str, str | None]) -> list[str]:
        return [name for name, value in names_and_values.items() if not value]

    def _require(self, required: Mapping[str, str | None]) -> None:
        """The settings this channel needs (name -> value); logs whether it is on."""
        self._required = dict(required)
        missing = self._missing(required)
        if not missing:
            logger.info("%s channel is on", self.name())
        elif len(missing) < len(required):
            logger.warning("%s channel is OFF: %s not set", self.name(), ", ".join(missing))
        else:
            logger.debug("%s channel is off (not configured)", self.name())

    def forged(self, what: str) -> response.HTTPResponse:
        """Refuse a call that fails verification (403); logged at most once a minute."""
        self.warnings.warn("forged", f"{self.name()}: refused a webhook call with {what}")
        return response.text("Forbidden", status=403)

    def without_message_id(self) -> response.HTTPResponse:
        """Refuse (400) a verified call with no message id: the platform always
        sends one, so it is hand-made (a replay could not be recognised).
        Logged at most once a minute."""
        self.warnings.warn("no message id", f"{self.name()}: refused a signed webhook call with no message id")
        return response.text("Bad request: no message id", status=400)

    def empty_blueprint(self) -> Blueprint:
        return Blueprint(f"social_{self.name()}_off", __name__)

    def accept(self, sender: str, text: str, on_new_message: OnNewMessage, output: OutputChannel,
               message_id: str | None = None, metadata: dict | None = None) -> None:
        """Queue one resident message. A leading "/" is dropped (Rasa would read
        "/restart" as a command, undoing a hand-over to a person). The reply to
        the options offered last is resolved when the message's turn comes
        (after the resident's earlier messages). A message without an id, or
        with one already taken (`self.seen`), is not handled."""
        text = resident_text(text)
        if not text:
            return
        if not message_id:
            self.warnings.warn("no message id", f"{self.name()}: a message with no id was not handled")
            return
        if not self.seen.add_if_new(self.name(), f"{sender}\x00{message_id}"):
            logger.info("%s: ignored a re-delivered message", self.name())
            return

        async def work() -> None:
            resolved = resolve_reply(text, self.options.pop(sender))
            try:
                message = UserMessage(resolved, output, sender, input_channel=self.name(), message_id=message_id,
                                      metadata=metadata)
                await never_silent(capped(on_new_message))(message)
            finally:
                flush = getattr(output, "flush", None)
                if flush is not None:  # an output that gathers a turn's messages sends them now
                    await flush()

        self.queue.submit(sender, work)

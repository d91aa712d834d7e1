"""Telegram channel: /webhooks/telegram/webhook.

On when TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN are set. Telegram sends
the secret (given once to setWebhook, see README) in the
X-Telegram-Bot-Api-Secret-Token header; a call without it is refused with 403
before anything reaches Rasa. Nothing is called at start-up. Only private
chats are answered; the conversation id is `telegram:<chat id>`
(channels/ids.py).
"""
from __future__ import annotations

import json
import logging
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request

from channels.ids import TELEGRAM, conversation_id, own_id
from channels.social.base import OnNewMessage, SocialInput, SocialOutput, post
from channels.social.formatting import TELEGRAM_TEXT_LIMIT, Option, split_message, telegram_keyboard
from channels.social.memory import ExpiringLRU
from channels.social.signatures import TELEGRAM_SECRET_HEADER, telegram_secret_valid
from housing.settings import get_settings

logger = logging.getLogger(__name__)


class TelegramOutput(SocialOutput):
    channel_name = "telegram"

    def __init__(self, api_url: str, bot_token: str, timeout: float,
                 options_memory: ExpiringLRU[str, list[Option]] | None = None) -> None:
        super().__init__(options_memory)
        self._url = f"{api_url.rstrip('/')}/bot{bot_token}/sendMessage"
        self._token = bot_token
        self._timeout = timeout

    async def _send(self, recipient_id: str, text: str, options: list[Option]) -> None:
        chat_id = own_id(recipient_id, TELEGRAM)
        if chat_id is None:
            logger.error("telegram: not sending to %r, which is not a Telegram conversation", recipient_id)
            return
        keyboard = telegram_keyboard([{"title": title, "payload": payload} for title, payload in options])
        pieces = split_message(text, TELEGRAM_TEXT_LIMIT) or (["Please choose:"] if keyboard else [])
        for index, piece in enumerate(pieces):
            message: dict[str, Any] = {"chat_id": chat_id, "text": piece}
            if keyboard and index == len(pieces) - 1:
                message["reply_markup"] = keyboard
            await post(self.name(), self._url, timeout=self._timeout, secrets=[self._token], json=message)


def command_text(text: str) -> str:
    """Telegram sends "/start" when a resident opens the bot; commands become
    plain words (a leading "/" would otherwise be read by Rasa as an intent)."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return text
    command, _, rest = stripped[1:].partition(" ")
    command = command.split("@", 1)[0]  # /help@OurBot
    if command.lower() == "start":
        return "hello"
    return " ".join(part for part in (command, rest.strip()) if part) or "hello"


class TelegramInput(SocialInput):
    """Enable in credentials.yml as `channels.social.telegram.TelegramInput:` (no keys)."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self) -> None:
        super().__init__()
        settings = get_settings()
        self.bot_token = settings.telegram_bot_token
        self.secret_token = settings.telegram_secret_token
        self.api_url = settings.telegram_api_url
        self.timeout = settings.channel_http_timeout
        self._require({"TELEGRAM_BOT_TOKEN": self.bot_token, "TELEGRAM_SECRET_TOKEN": self.secret_token})

    def get_output_channel(self) -> TelegramOutput | None:
        if not self.enabled():
            return None
        return TelegramOutput(self.api_url, self.bot_token, self.timeout, self.options)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        if not self.enabled():
            return self.empty_blueprint()
        hook = Blueprint("social_telegram", __name__)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            if not telegram_secret_valid(self.secret_token, request.headers.get(TELEGRAM_SECRET_HEADER)):
                return self.forged("a missing or wrong secret token")
            try:
                update = json.loads(request.body or b"")
            except ValueError:
                return response.text("Bad request", status=400)
            if not isinstance(update, dict) or update.get("update_id") is None:
                return self.without_message_id()  # Telegram numbers every update
            message = update.get("message")
            if not isinstance(message, dict):
                return response.json({"ok": True})  # edits, channel posts, callbacks...: nothing to do
            chat = message.get("chat") or {}
            text = message.get("text")
            if chat.get("type") != "private" or chat.get("id") is None or not isinstance(text, str) \
                    or not text.strip():
                logger.info("telegram: ignored an update that is not text in a private chat")
                return response.json({"ok": True})
            sender = conversation_id(TELEGRAM, str(chat["id"]))
            self.accept(sender, command_text(text), on_new_message, self.get_output_channel(),
                        message_id=str(update["update_id"]))
            return response.json({"ok": True})

        return hook

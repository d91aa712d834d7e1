"""Facebook Messenger channel: /webhooks/messenger/webhook.

On when MESSENGER_APP_SECRET, MESSENGER_PAGE_ACCESS_TOKEN and
MESSENGER_VERIFY_TOKEN are all set. Every POST must carry a valid
X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret), or it
is refused with 403 before anything reaches Rasa. Replies go out through the
Send API, off the event loop. The conversation id is `messenger:<page-scoped
id>` (channels/ids.py).
"""
from __future__ import annotations

import json
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request

from channels.ids import MESSENGER, conversation_id, own_id
from channels.social.base import OnNewMessage, SocialInput, SocialOutput, post
from channels.social.formatting import MESSENGER_TEXT_LIMIT, Option, messenger_quick_replies, split_message
from channels.social.memory import ExpiringLRU
from channels.social.signatures import MESSENGER_SIGNATURE_HEADER, constant_time_equal, messenger_signature_valid
from housing.settings import get_settings


class MessengerOutput(SocialOutput):
    channel_name = "messenger"

    def __init__(self, api_url: str, page_access_token: str, timeout: float,
                 options_memory: ExpiringLRU[str, list[Option]] | None = None) -> None:
        super().__init__(options_memory)
        self._url = f"{api_url.rstrip('/')}/me/messages"
        self._token = page_access_token
        self._timeout = timeout

    async def _send(self, recipient_id: str, text: str, options: list[Option]) -> None:
        psid = own_id(recipient_id, MESSENGER)
        if psid is None:
            logger.error("messenger: not sending to %r, which is not a Messenger conversation", recipient_id)
            return
        buttons = [{"title": title, "payload": payload} for title, payload in options]
        text, quick_replies = messenger_quick_replies(text, buttons)
        pieces = split_message(text, MESSENGER_TEXT_LIMIT) or (["Please choose:"] if quick_replies else [])
        for index, piece in enumerate(pieces):
            message: dict[str, Any] = {"text": piece}
            if quick_replies and index == len(pieces) - 1:
                message["quick_replies"] = quick_replies
            await post(self.name(), self._url, timeout=self._timeout, secrets=[self._token],
                       params={"access_token": self._token},
                       json={"recipient": {"id": psid}, "messaging_type": "RESPONSE", "message": message})


def _text_of(event: dict[str, Any]) -> tuple[str | None, str | None]:
    """(text, message id) of one messaging event, or (None, None) for events
    that are not a resident's text: echoes, deliveries, reads, reactions,
    attachments without text."""
    message = event.get("message")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None, None
        quick_reply = message.get("quick_reply")
        if isinstance(quick_reply, dict) and quick_reply.get("payload"):
            return str(quick_reply["payload"]), message.get("mid")
        if isinstance(message.get("text"), str) and message["text"].strip():
            return message["text"], message.get("mid")
        return None, None
    postback = event.get("postback")
    if isinstance(postback, dict) and (postback.get("payload") or postback.get("title")):
        return str(postback.get("payload") or postback["title"]), postback.get("mid")
    return None, None


class MessengerInput(SocialInput):
    """Enable in credentials.yml as `channels.social.messenger.MessengerInput:` (no keys)."""

    @classmethod
    def name(cls) -> str:
        return "messenger"

    def __init__(self) -> None:
        super().__init__()
        settings = get_settings()
        self.app_secret = settings.messenger_app_secret
        self.page_access_token = settings.messenger_page_access_token
        self.verify_token = settings.messenger_verify_token
        self.api_url = settings.messenger_api_url
        self.timeout = settings.channel_http_timeout
        self._require({"MESSENGER_APP_SECRET": self.app_secret,
                          "MESSENGER_PAGE_ACCESS_TOKEN": self.page_access_token,
                          "MESSENGER_VERIFY_TOKEN": self.verify_token})

    def get_output_channel(self) -> MessengerOutput | None:
        if not self.enabled():
            return None
        return MessengerOutput(self.api_url, self.page_access_token, self.timeout, self.options)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        if not self.enabled():
            return self.empty_blueprint()
        hook = Blueprint("social_messenger", __name__)

        @hook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> response.HTTPResponse:
            if request.args.get("hub.mode") == "subscribe" and \
                    constant_time_equal(self.verify_token, request.args.get("hub.verify_token")):
                return response.text(request.args.get("hub.challenge") or "")
            return response.text("Forbidden", status=403)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            body = request.body or b""
            if not messenger_signature_valid(self.app_secret, body, request.headers.get(MESSENGER_SIGNATURE_HEADER)):
                return self.forged("a missing or wrong signature")
            try:
                update = json.loads(body)
            except ValueError:
                return response.text("Bad request", status=400)
            if not isinstance(update, dict) or update.get("object") != "page":
                return response.text("EVENT_RECEIVED")
            messages = []
            for entry in update.get("entry") or []:
                for event in (entry.get("messaging") or []) if isinstance(entry, dict) else []:
                    if not isinstance(event, dict):
                        continue
                    psid = str((event.get("sender") or {}).get("id") or "")
                    text, message_id = _text_of(event)
                    if psid and text:
                        messages.append((conversation_id(MESSENGER, psid), text, message_id))
            if any(not message_id for _, _, message_id in messages):
                return self.without_message_id()  # Messenger gives every message and postback a mid
            output = self.get_output_channel()
            for sender, text, message_id in messages:
                self.accept(sender, text, on_new_message, output, message_id=message_id)
            return response.text("EVENT_RECEIVED")

        return hook

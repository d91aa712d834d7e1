"""WhatsApp and SMS through Twilio: /webhooks/twilio/webhook.

On when TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_NUMBER and/or
TWILIO_WHATSAPP_NUMBER are set. Every POST must carry a valid
X-Twilio-Signature, computed over TWILIO_WEBHOOK_URL (the public URL set in
the Twilio console; default: the URL of the request as this server sees it),
or it is refused with 403 before anything reaches Rasa.

The conversation id is `sms:<the resident's number>` for SMS and
`whatsapp:<the resident's number>` for WhatsApp (channels/ids.py), e.g.
`sms:+447700900123`; Twilio's own address for the resident is the number
(SMS) or `whatsapp:` and the number (WhatsApp). Buttons are
sent as a numbered list; the options are remembered per resident (in this
process, see channels/social/memory.py) so that replying "2" means the second
option.
"""
from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from sanic import Blueprint, response
from sanic.request import Request

from channels.ids import SMS, WHATSAPP, conversation_id, split
from channels.social.base import OnNewMessage, SocialInput, SocialOutput, post
from channels.social.formatting import TWILIO_BODY_LIMIT, Option, numbered_options, split_message
from channels.social.memory import ExpiringLRU
from channels.social.signatures import TWILIO_SIGNATURE_HEADER, twilio_signature_valid
from housing.settings import get_settings

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
WHATSAPP_PREFIX = "whatsapp:"  # how Twilio writes a WhatsApp address


def conversation_of(address: str) -> str:
    """The conversation id for a resident's Twilio address (`From`)."""
    if address.startswith(WHATSAPP_PREFIX):
        return conversation_id(WHATSAPP, address[len(WHATSAPP_PREFIX):])
    return conversation_id(SMS, address)


def address_of(conversation_id_: str) -> tuple[str, str] | None:
    """(namespace, Twilio address) of a WhatsApp or SMS conversation, else None."""
    parts = split(conversation_id_)
    if parts is None or parts[0] not in (WHATSAPP, SMS):
        return None
    namespace, number = parts
    return namespace, (WHATSAPP_PREFIX + number if namespace == WHATSAPP else number)


class TwilioOutput(SocialOutput):
    channel_name = "twilio"

    def __init__(self, api_url: str, account_sid: str, auth_token: str, timeout: float, *,
                 from_number: str | None = None, sms_number: str | None = None,
                 whatsapp_number: str | None = None,
                 options_memory: ExpiringLRU[str, list[Option]] | None = None, buffered: bool = False) -> None:
        super().__init__(options_memory)
        self._url = f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._buffered = buffered
        self._pending: dict[str, list[str]] = {}
        self._auth = (account_sid, auth_token)
        self._timeout = timeout
        self._from = from_number
        self._sms_number = sms_number
        self._whatsapp_number = whatsapp_number

    def _sender_number(self, namespace: str) -> str | None:
        """The number a reply comes from: the one the resident wrote to, or
        for a message pushed later, ours on the same service."""
        if self._from:
            return self._from
        return self._whatsapp_number if namespace == WHATSAPP else self._sms_number

    async def _send(self, recipient_id: str, text: str, options: list[Option]) -> None:
        body = numbered_options(text, [{"title": t, "payload": p} for t, p in options])
        if self._buffered:
            self._pending.setdefault(recipient_id, []).append(body)
        else:
            await self._deliver(recipient_id, body)

    async def flush(self) -> None:
        """Send what a turn said as one body (split only at 1600 characters):
        fewer SMS charges, and Twilio does not guarantee the order of
        separate messages."""
        pending, self._pending = self._pending, {}
        for recipient_id, bodies in pending.items():
            await self._deliver(recipient_id, "\n\n".join(body for body in bodies if body.strip()))

    async def _deliver(self, recipient_id: str, body: str) -> None:
        target = address_of(recipient_id)
        if target is None:
            logger.error("twilio: not sending to %r, which is not a WhatsApp or SMS conversation", recipient_id)
            return
        namespace, address = target
        sender = self._sender_number(namespace)
        if not sender:
            logger.error("twilio: no number to send from to a %s resident (set TWILIO_%sNUMBER)",
                         "WhatsApp" if namespace == WHATSAPP else "SMS", "WHATSAPP_" if namespace == WHATSAPP else "")
            return
        for piece in split_message(body, TWILIO_BODY_LIMIT):
            await post(self.name(), self._url, timeout=self._timeout, secrets=[self._auth[1]], auth=self._auth,
                       data={"From": sender, "To": address, "Body": piece})


class TwilioInput(SocialInput):
    """Enable in credentials.yml as `channels.social.twilio_messaging.TwilioInput:` (no keys)."""

    @classmethod
    def name(cls) -> str:
        return "twilio"

    def __init__(self) -> None:
        super().__init__()
        settings = get_settings()
        self.account_sid = settings.twilio_account_sid
        self.auth_token = settings.twilio_auth_token
        self.sms_number = settings.twilio_number
        self.whatsapp_number = settings.twilio_whatsapp_number
        self.webhook_url = settings.twilio_webhook_url
        self.api_url = settings.twilio_api_url
        self.timeout = settings.channel_http_timeout
        if self.whatsapp_number and not self.whatsapp_number.startswith(WHATSAPP_PREFIX):
            self.whatsapp_number = WHATSAPP_PREFIX + self.whatsapp_number
        self._require({"TWILIO_ACCOUNT_SID": self.account_sid, "TWILIO_AUTH_TOKEN": self.auth_token,
                          "TWILIO_NUMBER or TWILIO_WHATSAPP_NUMBER": self.sms_number or self.whatsapp_number})

    def _output(self, from_number: str | None = None, buffered: bool = False) -> TwilioOutput:
        return TwilioOutput(self.api_url, self.account_sid, self.auth_token, self.timeout,
                            from_number=from_number, sms_number=self.sms_number,
                            whatsapp_number=self.whatsapp_number, options_memory=self.options, buffered=buffered)

    def get_output_channel(self) -> TwilioOutput | None:
        return self._output() if self.enabled() else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        if not self.enabled():
            return self.empty_blueprint()
        hook = Blueprint("social_twilio", __name__)

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> response.HTTPResponse:
            try:
                params = parse_qsl((request.body or b"").decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                params = None
            url = self.webhook_url or request.url
            if params is None or not twilio_signature_valid(self.auth_token, url, params,
                                                            request.headers.get(TWILIO_SIGNATURE_HEADER)):
                return self.forged("a missing or wrong signature "
                                   "(is TWILIO_WEBHOOK_URL the URL set in the Twilio console?)")
            form = dict(params)  # Twilio sends each of these once
            if not form.get("MessageSid"):
                return self.without_message_id()  # Twilio gives every incoming message a MessageSid
            sender, to, text = form.get("From", ""), form.get("To", ""), form.get("Body", "")
            if sender and to and text.strip():
                if not sender.startswith(WHATSAPP_PREFIX):
                    text = text.replace("¡", "@")  # some SMS carriers turn @ into ¡
                self.accept(conversation_of(sender), text, on_new_message, self._output(from_number=to, buffered=True),
                            message_id=form["MessageSid"])
            else:
                logger.info("twilio: ignored a webhook call with no sender or no text (e.g. media only)")
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return hook

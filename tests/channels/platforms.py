"""Messenger, Twilio and Telegram as the end-to-end tests drive them: a set
of test accounts, the assistant's environment that switches the three
channels on with their APIs pointed at a local recorder, and the webhook
calls a platform makes to the assistant."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

import requests

from tests.servers import Assistant


@dataclass(frozen=True)
class PlatformAccounts:
    """One module's made-up credentials on the three platforms."""

    app_secret: str
    page_token: str
    verify_token: str
    twilio_sid: str
    twilio_token: str
    sms_number: str
    twilio_webhook_url: str
    telegram_token: str
    telegram_secret: str
    whatsapp_number: str | None = None  # None: WhatsApp stays off

    def env(self, api_url: str) -> dict[str, str]:
        """The assistant's environment with the channels on, each API at `api_url` (a recorder's url)."""
        env = {
            "MESSENGER_APP_SECRET": self.app_secret, "MESSENGER_PAGE_ACCESS_TOKEN": self.page_token,
            "MESSENGER_VERIFY_TOKEN": self.verify_token, "MESSENGER_API_URL": f"{api_url}/v19.0",
            "TWILIO_ACCOUNT_SID": self.twilio_sid, "TWILIO_AUTH_TOKEN": self.twilio_token,
            "TWILIO_NUMBER": self.sms_number, "TWILIO_WEBHOOK_URL": self.twilio_webhook_url,
            "TWILIO_API_URL": api_url,
            "TELEGRAM_BOT_TOKEN": self.telegram_token, "TELEGRAM_SECRET_TOKEN": self.telegram_secret,
            "TELEGRAM_API_URL": api_url, "CHANNEL_HTTP_TIMEOUT": "5",
        }
        if self.whatsapp_number is not None:
            env["TWILIO_WHATSAPP_NUMBER"] = self.whatsapp_number
        return env


def post_messenger(assistant: Assistant, body: bytes, signature: str | None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return requests.post(f"{assistant.url}/webhooks/messenger/webhook", data=body, headers=headers, timeout=10)


def post_twilio(assistant: Assistant, params: dict[str, str], signature: str | None) -> requests.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return requests.post(f"{assistant.url}/webhooks/twilio/webhook", data=urlencode(params), headers=headers,
                         timeout=10)


def post_telegram(assistant: Assistant, update: dict, secret: str | None) -> requests.Response:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return requests.post(f"{assistant.url}/webhooks/telegram/webhook", json=update, headers=headers, timeout=10)

"""The channels' webhooks in process (no Rasa model): a stub stands in for
Rasa, outbound calls go to the local recorder. Covers what the end-to-end
module does not: channels off, Twilio's default URL, re-deliveries, ignored
events, long messages, pushes through get_output_channel, failures and
timeouts that must not block the server or leak a token.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import socket
import time
import uuid
from typing import Any, Iterator
from urllib.parse import urlencode

import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic, response

from channels.social.base import SocialInput
from channels.social.messenger import MessengerInput
from channels.social.telegram import TelegramInput, command_text
from channels.social.twilio_messaging import TwilioInput
from housing.settings import get_settings
from tests.channels.recorder import Recorder

Sanic.test_mode = True

CHANNEL_VARS = ["MESSENGER_APP_SECRET", "MESSENGER_PAGE_ACCESS_TOKEN", "MESSENGER_VERIFY_TOKEN", "MESSENGER_API_URL",
                "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER", "TWILIO_WHATSAPP_NUMBER",
                "TWILIO_WEBHOOK_URL", "TWILIO_API_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN",
                "TELEGRAM_API_URL", "CHANNEL_HTTP_TIMEOUT"]
GREETING = {"text": "Hello, what can I help with?",
            "buttons": [{"title": t, "payload": t} for t in ("Report a problem", "Make a complaint")]}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, recorder: Recorder, tmp_path: Any) -> Iterator[Any]:
    """Set channel variables (all others unset; message ids seen go to a
    fresh database) and re-read the settings."""
    for name in CHANNEL_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WEBHOOK_DEDUPE_DB", str(tmp_path / "webhook-messages.db"))

    def set_env(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    set_env()
    yield set_env
    get_settings.cache_clear()


def messenger_on(env: Any, api: str) -> None:
    env(MESSENGER_APP_SECRET="s", MESSENGER_PAGE_ACCESS_TOKEN="page-token-123", MESSENGER_VERIFY_TOKEN="v",
        MESSENGER_API_URL=api)


def twilio_on(env: Any, api: str, **more: str) -> None:
    env(TWILIO_ACCOUNT_SID="AC1", TWILIO_AUTH_TOKEN="tok", TWILIO_NUMBER="+447700900000",
        TWILIO_WHATSAPP_NUMBER="whatsapp:+447700900001", TWILIO_API_URL=api, **more)


def telegram_on(env: Any, api: str) -> None:
    env(TELEGRAM_BOT_TOKEN="42:bot-token", TELEGRAM_SECRET_TOKEN="sec", TELEGRAM_API_URL=api)


class Harness:
    """A Sanic app with one channel; the stub 'Rasa' records each message and
    answers with `reply` (a Rasa bot message dict, or a list of them)."""

    def __init__(self, channel: SocialInput, reply: Any = None) -> None:
        self.channel = channel
        self.messages: list[UserMessage] = []
        self.reply = reply
        self.app = Sanic(f"test_{uuid.uuid4().hex[:8]}")

        async def on_new_message(message: UserMessage) -> None:
            self.messages.append(message)
            replies = self.reply if isinstance(self.reply, list) else [self.reply] if self.reply else []
            for reply in replies:
                await message.output_channel.send_response(message.sender_id, dict(reply))

        self.app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
        # Rasa's own routes, in miniature (Sanic cannot route in an app with no routes at all).
        self.app.add_route(lambda request: response.text("Hello from Rasa"), "/")

    def run(self, *calls: tuple[str, str, dict]) -> list[Any]:
        """Make the calls (method, path, httpx kwargs), then wait for the background turns."""
        async def scenario() -> list[Any]:
            responses = []
            for method, path, kwargs in calls:
                _, response = await getattr(self.app.asgi_client, method)(path, **kwargs)
                responses.append(response)
            await self.channel.queue.drain()
            return responses

        return asyncio.run(scenario())

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.messages]


def twilio_call(params: dict[str, str], url: str, token: str = "tok") -> tuple[str, str, dict]:
    data = url + "".join(name + params[name] for name in sorted(params))
    signature = base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()
    return ("post", "/webhooks/twilio/webhook", {
        "content": urlencode(params), "headers": {"content-type": "application/x-www-form-urlencoded",
                                                  "X-Twilio-Signature": signature}})


def messenger_call(update: dict, secret: str = "s") -> tuple[str, str, dict]:
    body = json.dumps(update).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return ("post", "/webhooks/messenger/webhook", {
        "content": body, "headers": {"content-type": "application/json", "X-Hub-Signature-256": signature}})


def messenger_update(*events: dict) -> dict:
    return {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": list(events)}]}


def telegram_call(update: dict, secret: str = "sec") -> tuple[str, str, dict]:
    return ("post", "/webhooks/telegram/webhook", {"json": update, "headers": {"X-Telegram-Bot-Api-Secret-Token": secret}})


# --- off --------------------------------------------------------------------------

@pytest.mark.parametrize("channel_class", [MessengerInput, TwilioInput, TelegramInput])
def test_a_channel_without_its_settings_is_off(env: Any, channel_class: type[SocialInput]) -> None:
    channel = channel_class.from_credentials(None)
    assert not channel.enabled() and channel.get_output_channel() is None
    harness = Harness(channel, GREETING)
    responses = harness.run(("get", f"/webhooks/{channel.name()}/webhook", {}),
                            ("post", f"/webhooks/{channel.name()}/webhook", {"content": b"{}"}))
    assert [r.status_code for r in responses] == [404, 404]
    assert harness.messages == []


def test_partly_configured_is_off_with_a_warning(env: Any, caplog: pytest.LogCaptureFixture) -> None:
    env(MESSENGER_APP_SECRET="s", MESSENGER_VERIFY_TOKEN="v")
    with caplog.at_level(logging.WARNING):
        assert not MessengerInput().enabled()
    assert "MESSENGER_PAGE_ACCESS_TOKEN not set" in caplog.text
    env(TWILIO_ACCOUNT_SID="AC1", TWILIO_AUTH_TOKEN="tok")
    assert not TwilioInput().enabled()
    env(TWILIO_WHATSAPP_NUMBER="+447700900001")  # the whatsapp: prefix is added
    channel = TwilioInput()
    assert channel.enabled() and channel.whatsapp_number == "whatsapp:+447700900001"


# --- Twilio ------------------------------------------------------------------------

def params(sender: str, to: str, body: str, sid: str | None = None) -> dict[str, str]:
    return {"From": sender, "To": to, "Body": body, "MessageSid": sid or f"SM{uuid.uuid4().hex}", "NumMedia": "0",
            "MediaContentType0": ""}


def test_twilio_default_url_is_the_request_url(env: Any, recorder: Recorder) -> None:
    twilio_on(env, recorder.url)
    harness = Harness(TwilioInput(), GREETING)
    good = params("+447700900111", "+447700900000", "hi")
    # The test client's requests arrive at http://mockserver:1234/...
    responses = harness.run(twilio_call(good, "http://mockserver:1234/webhooks/twilio/webhook"),
                            twilio_call(params("+447700900111", "+447700900000", "x"),
                                        "https://assistant.example.org/webhooks/twilio/webhook"))
    assert [r.status_code for r in responses] == [200, 403]
    assert harness.texts == ["hi"]
    [sent] = recorder.matching(lambda r: r.form().get("To") == "+447700900111")
    assert sent.form()["From"] == "+447700900000"
    assert sent.form()["Body"] == "Hello, what can I help with?\n\nReply with a number:\n1. Report a problem\n" \
                                  "2. Make a complaint"


def test_twilio_configured_url_and_redelivery(env: Any, recorder: Recorder) -> None:
    public = "https://assistant.example.org/webhooks/twilio/webhook?landlord=1"
    twilio_on(env, recorder.url, TWILIO_WEBHOOK_URL=public)
    harness = Harness(TwilioInput(), GREETING)
    first = params("whatsapp:+447700900222", "whatsapp:+447700900001", "hi", sid="SM-same")
    responses = harness.run(twilio_call(first, public), twilio_call(first, public),  # Twilio retried
                            twilio_call(params("whatsapp:+447700900222", "whatsapp:+447700900001", "1"), public))
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert harness.texts == ["hi", "Report a problem"]


def test_twilio_gathers_a_turn_into_one_body_and_splits_long_ones(env: Any, recorder: Recorder) -> None:
    twilio_on(env, recorder.url)
    long_text = " ".join(["complaint"] * 400)  # 3999 characters
    harness = Harness(TwilioInput(), [{"text": "First."}, {"text": long_text}, GREETING])
    sender = "+447700900333"
    harness.run(twilio_call(params(sender, "+447700900000", "hi"), "http://mockserver:1234/webhooks/twilio/webhook"))
    bodies = [r.form()["Body"] for r in recorder.matching(lambda r: r.form().get("To") == sender)]
    assert len(bodies) == 3 and all(len(b) <= 1600 for b in bodies)
    assert bodies[0].startswith("First.\n\ncomplaint complaint")
    assert bodies[-1].endswith("Reply with a number:\n1. Report a problem\n2. Make a complaint")


def test_twilio_push_picks_our_number_for_the_service(env: Any, recorder: Recorder) -> None:
    twilio_on(env, recorder.url)
    output = TwilioInput().get_output_channel()  # what Rasa uses for staff messages (output_channel=latest)

    async def push() -> None:
        await output.send_text_message("whatsapp:+447700900444", "A member of staff: hello")
        await output.send_text_message("sms:+447700900444", "A member of staff: hello")
        await output.send_text_message("+447700900444", "not a conversation id: never sent")

    asyncio.run(push())
    whatsapp = recorder.matching(lambda r: r.form().get("To") == "whatsapp:+447700900444")
    sms = recorder.matching(lambda r: r.form().get("To") == "+447700900444")
    assert [r.form()["From"] for r in whatsapp + sms] == ["whatsapp:+447700900001", "+447700900000"]


def test_twilio_media_only_message_is_ignored(env: Any, recorder: Recorder) -> None:
    twilio_on(env, recorder.url)
    harness = Harness(TwilioInput(), GREETING)
    media = dict(params("+447700900555", "+447700900000", ""), NumMedia="1", MediaUrl0="https://x/y.jpg")
    [response] = harness.run(twilio_call(media, "http://mockserver:1234/webhooks/twilio/webhook"))
    assert response.status_code == 200 and harness.messages == []


# --- Messenger ----------------------------------------------------------------------

def test_messenger_ignores_echoes_deliveries_and_reads(env: Any, recorder: Recorder) -> None:
    messenger_on(env, recorder.url)
    harness = Harness(MessengerInput())
    update = messenger_update(
        {"sender": {"id": "PAGE"}, "recipient": {"id": "1"}, "message": {"mid": "m1", "text": "x", "is_echo": True}},
        {"sender": {"id": "1"}, "recipient": {"id": "PAGE"}, "delivery": {"mids": ["m1"], "watermark": 1}},
        {"sender": {"id": "1"}, "recipient": {"id": "PAGE"}, "read": {"watermark": 1}},
        {"sender": {"id": "1"}, "recipient": {"id": "PAGE"}, "message": {"mid": "m2", "attachments": [{}]}},
        {"sender": {"id": "1"}, "recipient": {"id": "PAGE"}, "message": {"mid": "m3", "text": "my tap leaks"}},
        {"sender": {"id": "1"}, "recipient": {"id": "PAGE"}, "postback": {"mid": "m4", "title": "Get Started", "payload": "hi"}},
    )
    [response] = harness.run(messenger_call(update))
    assert response.status_code == 200 and response.text == "EVENT_RECEIVED"
    assert harness.texts == ["my tap leaks", "hi"]
    assert all(m.input_channel == "messenger" for m in harness.messages)


def test_messenger_splits_long_text_with_quick_replies_on_the_last_part(env: Any, recorder: Recorder) -> None:
    messenger_on(env, recorder.url)
    long_text = " ".join(["word"] * 600)  # 2999 characters
    harness = Harness(MessengerInput(), {"text": long_text, "buttons": GREETING["buttons"]})
    event = {"sender": {"id": "777"}, "recipient": {"id": "PAGE"}, "message": {"mid": "m9", "text": "hi"}}
    harness.run(messenger_call(messenger_update(event)))
    sent = [r.json()["message"] for r in recorder.matching(
        lambda r: r.path == "/me/messages" and r.json()["recipient"]["id"] == "777")]
    assert len(sent) == 2 and all(len(m["text"]) <= 2000 for m in sent)
    assert "quick_replies" not in sent[0] and [q["title"] for q in sent[1]["quick_replies"]] == [
        "Report a problem", "Make a complaint"]


def test_messenger_number_reply_and_long_titles(env: Any, recorder: Recorder) -> None:
    messenger_on(env, recorder.url)
    options = {"text": "What is your connection to us?", "buttons": [
        {"title": "Complaining for someone else", "payload": "Complaining for someone else"},
        {"title": "Tenant", "payload": "Tenant"}]}
    harness = Harness(MessengerInput(), options)
    first = {"sender": {"id": "888"}, "recipient": {"id": "PAGE"}, "message": {"mid": "a", "text": "hi"}}
    second = {"sender": {"id": "888"}, "recipient": {"id": "PAGE"}, "message": {"mid": "b", "text": "1"}}
    harness.run(messenger_call(messenger_update(first)), messenger_call(messenger_update(second)))
    assert harness.texts == ["hi", "Complaining for someone else"]
    message = recorder.matching(lambda r: r.path == "/me/messages" and r.json()["recipient"]["id"] == "888")[0]
    assert "1. Complaining for someone else\n2. Tenant" in message.json()["message"]["text"]
    assert [(q["title"], q["payload"]) for q in message.json()["message"]["quick_replies"]] == [
        ("1", "Complaining for someone else"), ("2", "Tenant")]


def test_send_failure_is_logged_without_the_token_and_the_turn_completes(
        env: Any, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    messenger_on(env, f"http://127.0.0.1:{closed_port}")
    harness = Harness(MessengerInput(), [{"text": "one"}, {"text": "two"}])
    event = {"sender": {"id": "999"}, "recipient": {"id": "PAGE"}, "message": {"mid": "z", "text": "hi"}}
    with caplog.at_level(logging.ERROR):
        [response] = harness.run(messenger_call(messenger_update(event)))
    assert response.status_code == 200 and harness.texts == ["hi"]
    assert caplog.text.count("sending a message failed") == 2
    assert "page-token-123" not in caplog.text and "access_token=***" in caplog.text


def test_a_slow_platform_times_out_without_blocking_the_server(env: Any, caplog: pytest.LogCaptureFixture) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts connections, never answers
    try:
        telegram_on(env, f"http://127.0.0.1:{silent.getsockname()[1]}")
        env(CHANNEL_HTTP_TIMEOUT="0.5")
        channel = TelegramInput()
        output = channel.get_output_channel()
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.02)
                ticks += 1

        async def scenario() -> float:
            task = asyncio.create_task(ticker())
            started = time.monotonic()
            await output.send_text_message("telegram:5", "hello")
            task.cancel()
            return time.monotonic() - started

        with caplog.at_level(logging.ERROR):
            elapsed = asyncio.run(scenario())
        assert 0.4 < elapsed < 5
        assert ticks >= 10  # the event loop kept running while the call waited
        assert "Timeout" in caplog.text and "bot-token" not in caplog.text
    finally:
        silent.close()


# --- Telegram ------------------------------------------------------------------------

def test_telegram_ignores_groups_edits_and_non_text(env: Any, recorder: Recorder) -> None:
    telegram_on(env, recorder.url)
    harness = Harness(TelegramInput())
    chat = {"id": 55, "type": "private"}
    updates = [
        {"update_id": 1, "message": {"message_id": 1, "chat": {"id": -100, "type": "group"}, "text": "hi"}},
        {"update_id": 2, "edited_message": {"message_id": 1, "chat": chat, "text": "hi"}},
        {"update_id": 3, "message": {"message_id": 2, "chat": chat, "photo": [{}]}},
        {"update_id": 4, "message": {"message_id": 3, "chat": chat, "text": "/help@OurBot"}},
        {"update_id": 4, "message": {"message_id": 3, "chat": chat, "text": "/help@OurBot"}},  # re-delivered
    ]
    responses = harness.run(*(telegram_call(u) for u in updates))
    assert {r.status_code for r in responses} == {200}
    assert harness.texts == ["help"]
    assert [m.sender_id for m in harness.messages] == ["telegram:55"]


@pytest.mark.parametrize("text, expected", [
    ("/start", "hello"), ("/start abc", "hello"), ("/help", "help"), ("/Help@OurBot", "Help"), ("/", "hello"),
    ("hi", "hi"), ("/restart now", "restart now"),
])
def test_telegram_commands_become_words(text: str, expected: str) -> None:
    assert command_text(text) == expected


def test_telegram_wrong_secret(env: Any, recorder: Recorder) -> None:
    telegram_on(env, recorder.url)
    harness = Harness(TelegramInput(), GREETING)
    update = {"update_id": 9, "message": {"message_id": 1, "chat": {"id": 66, "type": "private"}, "text": "hi"}}
    responses = harness.run(telegram_call(update, secret="wrong"), ("post", "/webhooks/telegram/webhook",
                                                                      {"json": update}))
    assert [r.status_code for r in responses] == [403, 403] and harness.messages == []


def test_messenger_refuses_unsigned_before_reading_the_body(env: Any, recorder: Recorder) -> None:
    messenger_on(env, recorder.url)
    harness = Harness(MessengerInput(), GREETING)
    [response] = harness.run(("post", "/webhooks/messenger/webhook", {"content": b"not json"}))
    assert response.status_code == 403 and harness.messages == []


def test_a_resident_cannot_send_an_intent_command(env: Any, recorder: Recorder) -> None:
    """"/restart" would restart the conversation (and undo a hand-over): it is plain text."""
    twilio_on(env, recorder.url)
    harness = Harness(TwilioInput())
    url = "http://mockserver:1234/webhooks/twilio/webhook"
    harness.run(twilio_call(params("+447700900666", "+447700900000", "/restart"), url),
                twilio_call(params("+447700900666", "+447700900000", " / "), url))
    assert harness.texts == ["restart"]  # an empty message is not passed on
    messenger_on(env, recorder.url)
    harness = Harness(MessengerInput())
    event = {"sender": {"id": "4"}, "recipient": {"id": "PAGE"},
             "message": {"mid": "q", "text": "x", "quick_reply": {"payload": "//session_start"}}}
    harness.run(messenger_call(messenger_update(event)))
    assert harness.texts == ["session_start"]

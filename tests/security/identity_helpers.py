"""Residents on every channel, for the identity tests against the real servers.

- `ACCOUNTS`: the test accounts on Messenger, Twilio (WhatsApp and SMS) and
  Telegram; `ACCOUNTS.env(recorder.url)` switches the channels on with their
  APIs pointed at the local recorder.
- `SocialResident`: one resident on a social channel: signed webhook calls in,
  the platform API calls the recorder saw out.
- `WebResident`: one resident on the website chat, over a real socket.io
  client (python-socketio, long-polling), collecting what the server emits.
- `RestRelay`: a caller of the REST channel (the attacker, or a trusted relay).

A turn is complete when the conversation's tracker has the new user event and
ends with action_listen.
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import requests
import socketio
import yaml

from tests.channels.recorder import Recorded, Recorder
from tests.channels.platforms import post_messenger, post_telegram, post_twilio
from tests.channels.test_social_channels_e2e import (
    ACCOUNTS, SMS_NUMBER, TELEGRAM_SECRET, WHATSAPP_NUMBER, messenger_body, meta_signature, telegram_update,
    twilio_params, twilio_signature)
from tests.servers import ROOT, Assistant

__all__ = ["ACCOUNTS", "tracker", "user_texts", "wait_for_turn", "SocialResident", "WebResident", "RestRelay",
           "new_mobile", "new_chat_id", "new_psid", "office_closed_policy", "SMS_NUMBER", "WHATSAPP_NUMBER"]


def office_closed_policy(directory: Path) -> Path:
    """policies/default.yml with the office open one minute a week (Monday 00:00),
    so a request for a person is always a callback request."""
    policy = yaml.safe_load((ROOT / "policies" / "default.yml").read_text())
    policy["opening_hours"] = {day: "closed" for day in
                               ("tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
    policy["opening_hours"]["monday"] = "00:00-00:01"
    path = directory / "office-closed.yml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return path


def new_mobile() -> str:
    return f"+4477009{random.randrange(10**5, 10**6)}"


def new_chat_id() -> int:
    return random.randrange(10**9, 10**10)


def new_psid() -> str:
    return str(random.randrange(10**15, 10**16))


# --- the Rasa side ---------------------------------------------------------------

def tracker(assistant: Assistant, conversation_id: str) -> dict[str, Any]:
    """The conversation as the Rasa HTTP API gives it (the id goes in the path as it is)."""
    response = requests.get(f"{assistant.url}/conversations/{conversation_id}/tracker",
                            params={"token": assistant.token, "include_events": "ALL"}, timeout=30)
    response.raise_for_status()
    assert response.json()["sender_id"] == conversation_id
    return response.json()


def user_texts(assistant: Assistant, conversation_id: str) -> list[str]:
    return [e.get("text") for e in tracker(assistant, conversation_id).get("events") or [] if e["event"] == "user"]


def wait_for_turn(assistant: Assistant, conversation_id: str, users: int, timeout: float = 45) -> None:
    """Until the conversation has `users` user events and the turn is over:
    the bot listens again, or it has paused (a person takes over)."""
    deadline = time.monotonic() + timeout
    while True:
        state = tracker(assistant, conversation_id)
        events = state.get("events") or []
        done = [e for e in events if e.get("event") == "user"]
        listening = bool(events) and events[-1].get("event") == "action" \
            and events[-1].get("name") == "action_listen"
        if len(done) >= users and (listening or (state.get("paused") and events[-1].get("event") == "pause")):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"turn {users} of {conversation_id} did not finish: {events[-4:]}")
        time.sleep(0.1)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


# --- residents ---------------------------------------------------------------------

@dataclass
class SocialResident:
    """A resident on Telegram, Messenger, WhatsApp or SMS."""

    assistant: Assistant
    recorder: Recorder
    channel: str  # telegram | messenger | whatsapp | sms
    own_id: str  # chat id, page-scoped id, or phone number

    @property
    def conversation_id(self) -> str:
        return f"{self.channel}:{self.own_id}"

    def _mine(self, call: Recorded) -> bool:
        if self.channel == "telegram":
            return "/sendMessage" in call.path and str(call.json().get("chat_id")) == self.own_id
        if self.channel == "messenger":
            return call.path.endswith("/me/messages") and call.json()["recipient"]["id"] == self.own_id
        address = f"whatsapp:{self.own_id}" if self.channel == "whatsapp" else self.own_id
        return call.path.endswith("/Messages.json") and call.form().get("To") == address

    def received(self) -> list[str]:
        """Every text the platform was asked to deliver to this resident."""
        calls = self.recorder.matching(self._mine)
        if self.channel == "telegram":
            return [c.json()["text"] for c in calls]
        if self.channel == "messenger":
            return [c.json()["message"]["text"] for c in calls]
        return [c.form()["Body"] for c in calls]

    def wait_to_receive(self, contains: str, timeout: float = 30) -> str:
        found = self.recorder.wait_for(lambda c: self._mine(c) and contains in self._text(c), timeout=timeout)
        return self._text(found[-1])

    def _text(self, call: Recorded) -> str:
        if self.channel == "telegram":
            return call.json().get("text", "")
        if self.channel == "messenger":
            return call.json()["message"].get("text", "")
        return call.form().get("Body", "")

    def send(self, text: str) -> requests.Response:
        """One signed webhook call; returns the webhook's answer (the turn runs in the background)."""
        if self.channel == "telegram":
            return post_telegram(self.assistant, telegram_update(int(self.own_id), text), TELEGRAM_SECRET)
        if self.channel == "messenger":
            body = messenger_body(self.own_id, text)
            return post_messenger(self.assistant, body, meta_signature(body))
        sender = f"whatsapp:{self.own_id}" if self.channel == "whatsapp" else self.own_id
        params = twilio_params(sender, WHATSAPP_NUMBER if self.channel == "whatsapp" else SMS_NUMBER, text)
        return post_twilio(self.assistant, params, twilio_signature(params))

    def say(self, text: str) -> str:
        """One turn; everything the resident was sent during it."""
        before = len(self.received())
        users = len(user_texts(self.assistant, self.conversation_id))
        assert self.send(text).status_code == 200
        wait_for_turn(self.assistant, self.conversation_id, users + 1)
        # Twilio sends a turn's messages as one just after the turn.
        wait_until(lambda: len(self.received()) > before, f"a reply to {text!r}", timeout=15)
        return "\n".join(self.received()[before:])


@dataclass
class WebResident:
    """A resident on the website chat, over a real socket.io client."""

    assistant: Assistant
    headers: dict[str, str] = field(default_factory=dict)
    session_id: str | None = None
    uttered: list[dict] = field(default_factory=list)
    confirmed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._changed = threading.Condition()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", self._on_bot)
        self.client.on("session_confirm", self._on_confirm)

    def _on_bot(self, data: dict) -> None:
        with self._changed:
            self.uttered.append(data)
            self._changed.notify_all()

    def _on_confirm(self, session_id: str) -> None:
        with self._changed:
            self.confirmed.append(session_id)
            self.session_id = session_id
            self._changed.notify_all()

    def connect(self, ask_for: str | None = None) -> str:
        """Connect and send a session_request (for `ask_for`, or a new session); the id the server gave."""
        self.client.connect(self.assistant.url, transports=["polling"], socketio_path="/socket.io",
                            headers=self.headers, wait_timeout=10)
        return self.request_session(ask_for)

    def request_session(self, ask_for: str | None) -> str:
        count = len(self.confirmed)
        self.client.emit("session_request", {"session_id": ask_for})
        with self._changed:
            assert self._changed.wait_for(lambda: len(self.confirmed) > count, timeout=15), "no session_confirm"
            return self.confirmed[-1]

    def texts(self) -> list[str]:
        with self._changed:
            return [str(m.get("text") or "") for m in self.uttered]

    def wait_to_receive(self, contains: str, timeout: float = 30) -> str:
        with self._changed:
            assert self._changed.wait_for(lambda: any(contains in str(m.get("text") or "") for m in self.uttered),
                                          timeout=timeout), f"{contains!r} never reached the web resident"
            return next(str(m["text"]) for m in reversed(self.uttered) if contains in str(m.get("text") or ""))

    def say(self, text: str, extra: dict | None = None) -> str:
        """One turn (the message goes to this socket's own conversation); what it was sent."""
        assert self.session_id, "request a session first"
        before = len(self.texts())
        users = len(user_texts(self.assistant, self.session_id))
        self.client.emit("user_uttered", {"message": text, **(extra or {})})
        wait_for_turn(self.assistant, self.session_id, users + 1)
        wait_until(lambda: len(self.texts()) > before, f"a reply to {text!r}", timeout=15)
        return "\n".join(self.texts()[before:])

    def close(self) -> None:
        """Leave: engine.io's close is sent (the server then ends the session),
        without waiting for the long-poll still open, which the server only
        answers at its ping interval (up to 25 s a resident)."""
        self.client.eio.disconnect(abort=True)


@dataclass
class RestRelay:
    """A caller of the REST channel, sending the shared secret (or not)."""

    assistant: Assistant

    def post(self, body: Any = None, *, raw: bytes | None = None, secret: str | None = "default") -> requests.Response:
        secret = self.assistant.rest_secret if secret == "default" else secret
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["Authorization"] = f"Bearer {secret}"
        if raw is None:
            return requests.post(f"{self.assistant.url}/webhooks/rest/webhook", json=body, headers=headers,
                                 timeout=30)
        return requests.post(f"{self.assistant.url}/webhooks/rest/webhook", data=raw, headers=headers, timeout=30)

    def say(self, sender: str, text: str) -> str:
        response = self.post({"sender": sender, "message": text})
        assert response.status_code == 200, response.text
        return "\n".join(str(m.get("text") or "") for m in response.json())

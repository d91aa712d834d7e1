"""End to end: the real assistant with Messenger, Twilio (WhatsApp and SMS) and
Telegram switched on, their API base URLs pointed at a local recorder.

One assistant for the module. Each webhook answers at once and the turn runs in
the background, so a turn is complete when the Rasa tracker has the new user
event followed by action_listen (and, for Twilio, which sends a turn's
messages as one just after the turn, once the recorder has the new call).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
from typing import Callable, Iterator
from urllib.parse import quote

import pytest
import requests

from tests.channels.platforms import PlatformAccounts, post_messenger, post_telegram, post_twilio
from tests.channels.recorder import Recorded, Recorder
from tests.servers import Assistant, running_assistant

APP_SECRET = "test-app-secret"
PAGE_TOKEN = "test-page-access-token"
VERIFY_TOKEN = "test-verify-token"
TWILIO_SID = "ACtest-account-sid-not-a-real-one"
TWILIO_TOKEN = "test-twilio-auth-token"
SMS_NUMBER = "+447700900000"
WHATSAPP_NUMBER = "whatsapp:+447700900001"
TWILIO_PUBLIC_URL = "https://assistant.example.org/webhooks/twilio/webhook"
TELEGRAM_TOKEN = "123456789:TEST-bot-token"
TELEGRAM_SECRET = "test_secret-token-1"

ACCOUNTS = PlatformAccounts(APP_SECRET, PAGE_TOKEN, VERIFY_TOKEN, TWILIO_SID, TWILIO_TOKEN, SMS_NUMBER,
                            TWILIO_PUBLIC_URL, TELEGRAM_TOKEN, TELEGRAM_SECRET, WHATSAPP_NUMBER)

GREETING_OPTIONS = ["Report a problem", "Make a complaint", "Check my complaint", "Talk to a person"]


@pytest.fixture(scope="module")
def assistant(recorder: Recorder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with running_assistant(tmp_path_factory.mktemp("channels"), extra_env=ACCOUNTS.env(recorder.url)) as running:
        yield running


# --- the Rasa side ------------------------------------------------------------

def tracker_events(assistant: Assistant, sender: str) -> list[dict]:
    """`sender` is the conversation id (channels/ids.py), e.g. telegram:123."""
    response = requests.get(f"{assistant.url}/conversations/{quote(sender, safe=':+')}/tracker",
                            params={"token": assistant.token}, timeout=10)
    response.raise_for_status()
    assert response.json()["sender_id"] == sender
    return response.json().get("events") or []


def user_texts(assistant: Assistant, sender: str) -> list[str]:
    return [e.get("text") for e in tracker_events(assistant, sender) if e.get("event") == "user"]


def wait_for_turn(assistant: Assistant, sender: str, users: int, timeout: float = 30) -> list[dict]:
    """Wait until the tracker has `users` user events and the bot is listening again."""
    deadline = time.monotonic() + timeout
    while True:
        events = tracker_events(assistant, sender)
        done = [e for e in events if e.get("event") == "user"]
        if len(done) >= users and events[-1].get("event") == "action" and events[-1].get("name") == "action_listen":
            return events
        if time.monotonic() > deadline:
            raise AssertionError(f"turn {users} for {sender} did not finish: {events[-5:]}")
        time.sleep(0.1)


def turn(assistant: Assistant, recorder: Recorder, sender: str, mine: Callable[[Recorded], bool],
         send: Callable[[], requests.Response]) -> list[Recorded]:
    """Send one signed webhook call; the platform API calls the turn made.

    Messenger and Telegram replies are sent during the turn; Twilio gathers a
    turn's messages and sends them as one just after it, hence the wait for at
    least one new call."""
    before = len(recorder.matching(mine))
    users = len(user_texts(assistant, sender))
    response = send()
    assert response.status_code == 200, response.text
    wait_for_turn(assistant, sender, users + 1)
    return recorder.wait_for(mine, count=before + 1, timeout=10)[before:]


def assert_refused(assistant: Assistant, recorder: Recorder, sender: str, mine: Callable[[Recorded], bool],
                   responses: list[requests.Response]) -> None:
    assert [r.status_code for r in responses] == [403] * len(responses)
    time.sleep(1.0)  # anything wrongly accepted would be handled in the background by now
    assert recorder.matching(mine) == []
    assert user_texts(assistant, sender) == []


# --- Messenger ------------------------------------------------------------------

def messenger_body(psid: str, text: str | None = None, quick_reply: str | None = None) -> bytes:
    message: dict = {"mid": f"m_{random.getrandbits(64):x}", "text": text or quick_reply}
    if quick_reply:
        message["quick_reply"] = {"payload": quick_reply}
    update = {"object": "page", "entry": [{"id": "PAGE", "time": 1, "messaging": [
        {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1, "message": message}]}]}
    return json.dumps(update).encode()


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def to_psid(psid: str) -> Callable[[Recorded], bool]:
    return lambda r: r.path == "/v19.0/me/messages" and r.json()["recipient"]["id"] == psid


def test_messenger_greeting_has_quick_replies(assistant: Assistant, recorder: Recorder) -> None:
    psid = str(random.randrange(10**15, 10**16))
    body = messenger_body(psid, "hi")
    sent = turn(assistant, recorder, f"messenger:{psid}", to_psid(psid),
                lambda: post_messenger(assistant, body, meta_signature(body)))
    assert len(sent) == 1
    call = sent[0]
    assert call.method == "POST" and call.query["access_token"] == [PAGE_TOKEN]
    payload = call.json()
    assert payload["messaging_type"] == "RESPONSE"
    assert "automated assistant" in payload["message"]["text"]
    assert payload["message"]["quick_replies"] == [
        {"content_type": "text", "title": option, "payload": option} for option in GREETING_OPTIONS]

    # Tapping a quick reply sends its payload.
    body = messenger_body(psid, quick_reply="Make a complaint")
    sent = turn(assistant, recorder, f"messenger:{psid}", to_psid(psid),
                lambda: post_messenger(assistant, body, meta_signature(body)))
    assert "what happened" in " ".join(r.json()["message"]["text"] for r in sent).lower()
    assert user_texts(assistant, f"messenger:{psid}") == ["hi", "Make a complaint"]


def test_messenger_forged_and_missing_signatures_are_refused(assistant: Assistant, recorder: Recorder) -> None:
    psid = str(random.randrange(10**15, 10**16))
    body = messenger_body(psid, "hi")
    responses = [post_messenger(assistant, body, meta_signature(body, "not-the-secret")),
                 post_messenger(assistant, body, None),
                 post_messenger(assistant, messenger_body(psid, "hello"), meta_signature(body))]  # other body
    assert_refused(assistant, recorder, f"messenger:{psid}", to_psid(psid), responses)


def test_messenger_webhook_verification(assistant: Assistant) -> None:
    url = f"{assistant.url}/webhooks/messenger/webhook"
    good = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                     "hub.challenge": "1158201444"}, timeout=10)
    assert (good.status_code, good.text) == (200, "1158201444")
    for params in ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
                   {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}, {}):
        assert requests.get(url, params=params, timeout=10).status_code == 403


def test_complete_complaint_over_messenger(assistant: Assistant, recorder: Recorder) -> None:
    psid = str(random.randrange(10**15, 10**16))
    offered: list[dict] = []  # the quick replies on the last reply

    def send(body: bytes) -> str:
        sent = turn(assistant, recorder, f"messenger:{psid}", to_psid(psid),
                    lambda: post_messenger(assistant, body, meta_signature(body)))
        assert sent, f"no reply to {body!r}"
        offered[:] = sent[-1].json()["message"].get("quick_replies") or []
        return "\n".join(r.json()["message"]["text"] for r in sent)

    def say(text: str) -> str:
        return send(messenger_body(psid, text))

    def tap(option: str) -> str:
        """Tap the quick reply for `option`: Messenger sends its title as text and its payload."""
        [reply] = [q for q in offered if q["payload"] == option] or [None]
        assert reply, f"{option!r} is not among the quick replies {offered}"
        return send(messenger_body(psid, reply["title"], quick_reply=reply["payload"]))

    say("hello")
    assert "what happened" in tap("Make a complaint").lower()
    say("The repair to my boiler was booked three times and nobody came, I took days off work for nothing")
    say("since March")
    say("fix the boiler and pay for my lost wages")
    assert "Tenant" in [q["payload"] for q in offered]
    assert "full name" in tap("Tenant").lower()
    say("Maria Lopez")
    say("maria.lopez@example.com")
    say("LS1 4AP")
    assert "None needed" in [q["payload"] for q in offered]
    tap("None needed")
    assert "Email" in [q["payload"] for q in offered]
    readback = tap("Email")
    assert "fix the boiler and pay for my lost wages" in readback
    assert "Yes, log it" in [q["payload"] for q in offered]
    ack = tap("Yes, log it")
    assert "CMP-" in ack
    texts = user_texts(assistant, f"messenger:{psid}")
    assert texts[1] == "Make a complaint" and texts[5] == "Tenant" and texts[-3:] == ["None needed", "Email",
                                                                                        "Yes, log it"]
    # Every reply went to this resident with the page token.
    assert {r.query["access_token"][0] for r in recorder.matching(to_psid(psid))} == {PAGE_TOKEN}


# --- Twilio (WhatsApp and SMS) ----------------------------------------------------

def twilio_signature(params: dict[str, str], url: str = TWILIO_PUBLIC_URL, token: str = TWILIO_TOKEN) -> str:
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def twilio_params(sender: str, to: str, text: str) -> dict[str, str]:
    return {"MessageSid": f"SM{random.getrandbits(128):032x}", "AccountSid": TWILIO_SID, "From": sender, "To": to,
            "Body": text, "NumMedia": "0", "NumSegments": "1", "SmsStatus": "received", "ApiVersion": "2010-04-01",
            "ProfileName": "Maria", "WaId": sender.rpartition("+")[2], "MediaContentType0": ""}


def twilio_conversation(address: str) -> str:
    """The conversation id of a resident's Twilio address (channels/ids.py)."""
    return address if address.startswith("whatsapp:") else f"sms:{address}"


def to_number(number: str) -> Callable[[Recorded], bool]:
    return lambda r: r.path.endswith("/Messages.json") and r.form().get("To") == number


def say_twilio(assistant: Assistant, recorder: Recorder, sender: str, to: str, text: str) -> str:
    """One signed message from `sender`; the Body the resident gets back."""
    params = twilio_params(sender, to, text)
    sent = turn(assistant, recorder, twilio_conversation(sender), to_number(sender),
                lambda: post_twilio(assistant, params, twilio_signature(params)))
    assert sent, f"no reply to {text!r}"
    return "\n".join(r.form()["Body"] for r in sent)


def new_mobile() -> str:
    return f"+4477009{random.randrange(10**5, 10**6)}"


def test_whatsapp_greeting_has_numbered_options(assistant: Assistant, recorder: Recorder) -> None:
    sender = f"whatsapp:{new_mobile()}"
    params = twilio_params(sender, WHATSAPP_NUMBER, "hi")
    response = post_twilio(assistant, params, twilio_signature(params))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Response/>" in response.text
    wait_for_turn(assistant, twilio_conversation(sender), 1)
    [call] = recorder.wait_for(to_number(sender), timeout=10)
    assert call.method == "POST" and call.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert call.headers["Authorization"] == "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    form = call.form()
    assert form["From"] == WHATSAPP_NUMBER and form["To"] == sender
    assert "automated assistant" in form["Body"]
    assert form["Body"].endswith("Reply with a number:\n1. Report a problem\n2. Make a complaint\n"
                                 "3. Check my complaint\n4. Talk to a person")


def test_sms_number_reply_is_the_second_option(assistant: Assistant, recorder: Recorder) -> None:
    sender = new_mobile()
    greeting = say_twilio(assistant, recorder, sender, SMS_NUMBER, "hi")
    assert "2. Make a complaint" in greeting
    assert recorder.matching(to_number(sender))[0].form()["From"] == SMS_NUMBER
    reply = say_twilio(assistant, recorder, sender, SMS_NUMBER, "2")
    assert "Please tell me what happened" in reply
    assert user_texts(assistant, twilio_conversation(sender)) == ["hi", "Make a complaint"]
    # The options were for that one reply: a later "2" is passed as it is.
    say_twilio(assistant, recorder, sender, SMS_NUMBER, "My boiler has been broken for 2 weeks and nobody came")
    say_twilio(assistant, recorder, sender, SMS_NUMBER, "2")
    assert user_texts(assistant, twilio_conversation(sender))[-1] == "2"


def test_twilio_forged_and_missing_signatures_are_refused(assistant: Assistant, recorder: Recorder) -> None:
    sender = f"whatsapp:{new_mobile()}"
    params = twilio_params(sender, WHATSAPP_NUMBER, "hi")
    tampered = dict(params, Body="hello")
    responses = [post_twilio(assistant, params, twilio_signature(params, token="not-the-token")),
                 post_twilio(assistant, params, None),
                 post_twilio(assistant, tampered, twilio_signature(params)),
                 # signed for the URL the server sees, not the public URL Twilio is configured with
                 post_twilio(assistant, params, twilio_signature(params, url=f"{assistant.url}/webhooks/twilio/webhook"))]
    assert_refused(assistant, recorder, twilio_conversation(sender), to_number(sender), responses)


def test_complete_complaint_over_whatsapp(assistant: Assistant, recorder: Recorder) -> None:
    sender = f"whatsapp:{new_mobile()}"

    def say(text: str) -> str:
        return say_twilio(assistant, recorder, sender, WHATSAPP_NUMBER, text)

    assert "2. Make a complaint" in say("hello")
    assert "what happened" in say("2").lower()
    say("The repair to my boiler was booked three times and nobody came, I took days off work for nothing")
    say("since March")
    connection = say("fix the boiler and pay for my lost wages")
    assert "1. Tenant" in connection
    assert "full name" in say("1").lower()
    say("Maria Lopez")
    say("maria.lopez@example.com")
    assert "1. None needed" in say("LS1 4AP")
    assert "1. Email" in say("1")
    readback = say("1")
    assert "fix the boiler and pay for my lost wages" in readback and "1. Yes, log it" in readback
    ack = say("1")
    assert "CMP-" in ack
    texts = user_texts(assistant, twilio_conversation(sender))
    assert texts[1] == "Make a complaint" and texts[5] == "Tenant" and texts[-3:] == ["None needed", "Email",
                                                                                        "Yes, log it"]
    # Every reply in the conversation came from our WhatsApp number.
    assert {r.form()["From"] for r in recorder.matching(to_number(sender))} == {WHATSAPP_NUMBER}


# --- Telegram -------------------------------------------------------------------

def telegram_update(chat_id: int, text: str) -> dict:
    return {"update_id": random.getrandbits(31), "message": {
        "message_id": random.getrandbits(16), "date": int(time.time()), "text": text,
        "from": {"id": chat_id, "is_bot": False, "first_name": "Maria"},
        "chat": {"id": chat_id, "type": "private", "first_name": "Maria"}}}


def to_chat(chat_id: int) -> Callable[[Recorded], bool]:
    return lambda r: r.path == f"/bot{TELEGRAM_TOKEN}/sendMessage" and str(r.json()["chat_id"]) == str(chat_id)


def test_telegram_greeting_has_a_reply_keyboard(assistant: Assistant, recorder: Recorder) -> None:
    chat_id = random.randrange(10**9, 10**10)
    update = telegram_update(chat_id, "hi")
    sent = turn(assistant, recorder, f"telegram:{chat_id}", to_chat(chat_id),
                lambda: post_telegram(assistant, update, TELEGRAM_SECRET))
    assert len(sent) == 1
    message = sent[0].json()
    assert "automated assistant" in message["text"]
    assert message["reply_markup"] == {"keyboard": [[{"text": option}] for option in GREETING_OPTIONS],
                                       "one_time_keyboard": True, "resize_keyboard": True}
    # Opening the bot sends "/start": it greets, and is not read as an intent.
    update = telegram_update(chat_id, "/start")
    sent = turn(assistant, recorder, f"telegram:{chat_id}", to_chat(chat_id),
                lambda: post_telegram(assistant, update, TELEGRAM_SECRET))
    assert "automated assistant" in sent[0].json()["text"]
    assert user_texts(assistant, f"telegram:{chat_id}") == ["hi", "hello"]


def test_telegram_forged_and_missing_secret_are_refused(assistant: Assistant, recorder: Recorder) -> None:
    chat_id = random.randrange(10**9, 10**10)
    update = telegram_update(chat_id, "hi")
    responses = [post_telegram(assistant, update, "not-the-secret"), post_telegram(assistant, update, None)]
    assert_refused(assistant, recorder, f"telegram:{chat_id}", to_chat(chat_id), responses)


def test_complete_complaint_over_telegram(assistant: Assistant, recorder: Recorder) -> None:
    chat_id = random.randrange(10**9, 10**10)
    keys: list[str] = []  # the reply keyboard on the last reply

    def say(text: str) -> str:
        update = telegram_update(chat_id, text)
        sent = turn(assistant, recorder, f"telegram:{chat_id}", to_chat(chat_id),
                    lambda: post_telegram(assistant, update, TELEGRAM_SECRET))
        assert sent, f"no reply to {text!r}"
        keyboard = (sent[-1].json().get("reply_markup") or {}).get("keyboard") or []
        keys[:] = [row[0]["text"] for row in keyboard]
        return "\n".join(r.json()["text"] for r in sent)

    def press(option: str) -> str:
        """Press a key of the reply keyboard: Telegram sends its words as a message."""
        assert option in keys, f"{option!r} is not on the keyboard {keys}"
        return say(option)

    # A repeated failure with enough detail: the form does not ask what happened.
    first = say("this is the third time I've reported the damp in my bedroom and it's still not fixed")
    assert "when" in first.lower() and "what happened" not in first.lower()
    say("about 3 months ago")
    say("remove the mould properly and replace my damaged carpet")
    assert "Tenant" in keys
    assert "full name" in press("Tenant").lower()
    say("Sam Okafor")
    say("07700 900123")
    say("M1 1AE")
    assert "None needed" in keys
    press("None needed")
    readback = press("Phone")
    assert "remove the mould properly and replace my damaged carpet" in readback and "Yes, log it" in keys
    ack = press("Yes, log it")
    assert "CMP-" in ack
    texts = user_texts(assistant, f"telegram:{chat_id}")
    assert texts[3] == "Tenant" and texts[-3:] == ["None needed", "Phone", "Yes, log it"]

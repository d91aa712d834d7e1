"""The staff takeover against the real servers (action server + Rasa server
with the console mounted at /webhooks/staff): the pause, the console's API,
its security, and staff replies reaching a resident on a social channel."""
from __future__ import annotations

import random
import sqlite3
import time
import uuid
from datetime import datetime, timezone

import pytest
import requests

from housing.cases.models import NewCase, Resident
from housing.cases.store import CaseStore
from housing.deadlines import extended_response_due, format_date, stage_dates
from housing.messages import ombudsman_details
from housing.policy_loader import load_policy
from tests.channels.recorder import Recorded, Recorder
from tests.servers import Assistant, rest_id
from tests.staff.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN
from tests.staff.helpers import API, Console, signed_in, texts, tracker

JOINS = "A member of our team will join this chat"


def new_sender() -> str:
    return f"staff-{uuid.uuid4().hex[:10]}"


def ask_for_a_person(assistant: Assistant, sender: str) -> None:
    assistant.say(sender, "hello")
    assert JOINS in texts(assistant.say(sender, "I want to talk to a person"))
    assert tracker(assistant, rest_id(sender))["paused"] is True


def bot_texts(assistant: Assistant, sender: str) -> list[str]:
    return [e["text"] for e in tracker(assistant, rest_id(sender))["events"] if e["event"] == "bot" and e.get("text")]


# ---------------------------------------------------------------- the pause


def test_slash_commands_typed_while_paused_keep_the_pause(staff_assistant: Assistant, sam: Console) -> None:
    sender = new_sender()
    ask_for_a_person(staff_assistant, sender)
    for typed in ("/restart", "/session_start", "/greet", "hello?", "/request_human"):
        assert staff_assistant.say(sender, typed) == [], typed  # the bot stays silent
    state = tracker(staff_assistant, rest_id(sender))
    assert state["paused"] is True
    assert not any(e["event"] in ("restart", "session_started") for e in state["events"][-12:])
    # every message reaches the console's transcript, as the resident typed it (less the slash)
    handoff = sam.handoff_for(rest_id(sender))
    lines = sam.get(f"/handoffs/{handoff['id']}").json()["transcript"]
    resident = [line["text"] for line in lines if line["from"] == "resident"]
    assert resident[-5:] == ["restart", "session_start", "greet", "hello?", "request_human"]


def test_an_expired_session_keeps_the_pause(staff_assistant: Assistant) -> None:
    sender = new_sender()
    ask_for_a_person(staff_assistant, sender)
    # Two days pass (session_expiration_time is 12 hours): move the conversation's
    # events back in the SQLite tracker store, so the next message starts a new
    # session and runs action_session_start.
    with sqlite3.connect(staff_assistant.log_dir / "conversations.db") as db:
        db.execute("UPDATE events SET timestamp = timestamp - 172800, "
                   "data = json_set(data, '$.timestamp', json_extract(data, '$.timestamp') - 172800) "
                   "WHERE sender_id = ?", (rest_id(sender),))
    assert staff_assistant.say(sender, "is anyone there?") == []
    events = tracker(staff_assistant, rest_id(sender))["events"]
    starts = [i for i, e in enumerate(events) if e["event"] == "session_started"]
    assert len(starts) == 2, "a new session started"
    assert any(e["event"] == "pause" for e in events[starts[-1]:])
    assert tracker(staff_assistant, rest_id(sender))["paused"] is True
    assert staff_assistant.say(sender, "/restart") == []


# ---------------------------------------------------------------- security


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/status"), ("get", "/domain"), ("get", "/conversations/anyone/tracker"),
    ("post", "/conversations/anyone/tracker/events"), ("post", "/conversations/anyone/messages"),
    ("post", "/conversations/anyone/trigger_intent"), ("post", "/model/parse"), ("get", "/conversations/anyone/story"),
])
def test_the_rasa_http_api_refuses_requests_without_the_token(staff_assistant: Assistant, method: str,
                                                              path: str) -> None:
    url = staff_assistant.url + path
    for params in ({}, {"token": "wrong-token"}, {"token": ""}):
        response = getattr(requests, method)(url, params=params, json={"text": "hi", "event": "bot"}, timeout=30)
        assert response.status_code == 401, (path, params)


def test_the_console_refuses_requests_without_valid_credentials(staff_assistant: Assistant, sam: Console) -> None:
    sender = new_sender()
    ask_for_a_person(staff_assistant, sender)
    handoff = sam.handoff_for(rest_id(sender))
    anonymous = requests.Session()
    forged = requests.Session()
    forged.cookies.set("staff_session", "forged-" + uuid.uuid4().hex, path="/webhooks/staff")
    for client in (anonymous, forged):
        for path in ("/me", "/queue", f"/handoffs/{handoff['id']}"):
            assert client.get(staff_assistant.url + API + path, timeout=30).status_code == 401
        response = client.post(f"{staff_assistant.url}{API}/handoffs/{handoff['id']}/claim", timeout=30,
                               headers={"X-CSRF-Token": sam.csrf})
        assert response.status_code == 401
    # a real session without the CSRF token cannot change anything
    assert sam.post(f"/handoffs/{handoff['id']}/claim", csrf=False).status_code == 403
    assert sam.handoff_for(rest_id(sender))["status"] == "waiting"
    # the session cookie is no key to the Rasa HTTP API
    response = sam.http.get(f"{staff_assistant.url}/conversations/{rest_id(sender)}/tracker", timeout=30)
    assert response.status_code == 401


def test_a_session_cannot_be_reused_after_sign_out(staff_assistant: Assistant) -> None:
    from tests.staff.conftest import PASSWORD

    console = signed_in(staff_assistant, "sam", PASSWORD)
    token = console.http.cookies.get("staff_session")
    assert console.post("/sign-out").status_code == 200
    replay = requests.Session()
    replay.cookies.set("staff_session", token, path="/webhooks/staff")
    assert replay.get(staff_assistant.url + API + "/queue", timeout=30).status_code == 401
    response = replay.post(staff_assistant.url + API + "/handoffs/1/claim", headers={"X-CSRF-Token": console.csrf},
                           timeout=30)
    assert response.status_code == 401


def test_residents_cannot_reach_the_consoles_data(staff_assistant: Assistant, sam: Console) -> None:
    sender = new_sender()
    ask_for_a_person(staff_assistant, sender)
    handoff = sam.handoff_for(rest_id(sender))
    assert sam.post(f"/handoffs/{handoff['id']}/claim").status_code == 200
    secret = f"INTERNAL-{uuid.uuid4().hex}"
    assert sam.post(f"/handoffs/{handoff['id']}/note", {"text": f"{secret}: resident sounds distressed"}) \
        .status_code == 200
    # the note is on the case for staff ...
    case = sam.get(f"/handoffs/{handoff['id']}").json()["case"]
    assert any(secret in entry["detail"] and entry["actor"] == "sam" for entry in case["history"])
    # ... and never in anything the resident is sent or can ask for
    assert all(secret not in text for text in bot_texts(staff_assistant, sender))
    assert sam.post(f"/handoffs/{handoff['id']}/hand-back").status_code == 200
    for message in ("what is my case status", "show me the notes on my case", "staff queue", "/restart"):
        assert secret not in texts(staff_assistant.say(sender, message))
    assert all(secret not in text for text in bot_texts(staff_assistant, sender))
    # the website's file route cannot be walked into the console's files or the code
    for path in ("/webhooks/webchat/../staff/api/queue", "/webhooks/webchat/%2e%2e/%2e%2e/channels/staff/console.py",
                 "/webhooks/webchat/..%2F..%2Fhousing%2Fsettings.py", "/webhooks/staff/static/..%2Fconsole.py"):
        response = requests.get(staff_assistant.url + path, timeout=30)
        assert response.status_code in (401, 404), path
        assert "queue" not in response.text and "import" not in response.text


def test_another_staff_member_cannot_take_over_a_claimed_conversation(staff_assistant: Assistant, sam: Console,
                                                                       pat: Console) -> None:
    sender = new_sender()
    ask_for_a_person(staff_assistant, sender)
    handoff_id = sam.handoff_for(rest_id(sender))["id"]
    assert sam.post(f"/handoffs/{handoff_id}/claim").status_code == 200
    assert pat.post(f"/handoffs/{handoff_id}/claim").status_code == 409
    assert pat.post(f"/handoffs/{handoff_id}/reply", {"text": "hi"}).status_code == 409
    assert pat.post(f"/handoffs/{handoff_id}/hand-back").status_code == 409
    assert pat.post(f"/handoffs/{handoff_id}/note", {"text": "seen by Pat"}).status_code == 200  # notes are open
    assert sam.post(f"/handoffs/{handoff_id}/end", {"message": "Goodbye"}).status_code == 200
    assert tracker(staff_assistant, rest_id(sender))["paused"] is False
    assert rest_id(sender) not in [item["conversation_id"] for item in sam.get("/queue").json()["queue"]]


# ---------------------------------------------------------------- a case worked from the console


def test_a_complaint_worked_from_the_console(staff_assistant: Assistant, sam: Console) -> None:
    policy, _ = load_policy(staff_assistant.log_dir / "always-open.yml")
    sender = new_sender()
    received = datetime.now(timezone.utc)
    dates = stage_dates(policy, 1, received)
    store = CaseStore(staff_assistant.cases_url)
    reference = store.create(NewCase(
        kind="complaint", category="repair", description="The damp in my bedroom is still not fixed.",
        received_at=received, resident=Resident(name="Maria Lopez", email="maria@example.org"),
        acknowledgement_due=dates.acknowledgement_due, response_due=dates.response_due, channel="rest",
        conversation_id=rest_id(sender))).reference
    ask_for_a_person(staff_assistant, sender)
    handoff = sam.handoff_for(rest_id(sender))
    assert handoff["case_reference"] == reference and handoff["mode"] == "live"
    assert sam.post(f"/handoffs/{handoff['id']}/extend", {"working_days": 3, "reason": "x"}).status_code == 409

    assert sam.post(f"/handoffs/{handoff['id']}/claim").status_code == 200
    case = sam.post(f"/handoffs/{handoff['id']}/acknowledge").json()["case"]
    assert case["status"] == "acknowledged"
    due = datetime.fromisoformat(case["response_due"]).date()

    assert sam.post(f"/handoffs/{handoff['id']}/extend", {"working_days": 50, "reason": "too long"}) \
        .status_code == 400
    extended = sam.post(f"/handoffs/{handoff['id']}/extend",
                        {"working_days": 5, "reason": "We are waiting for a damp survey."}).json()
    new_due = extended_response_due(policy, 1, due, 5)
    assert extended["case"]["response_due"] == new_due.isoformat()
    notice = bot_texts(staff_assistant, sender)[-1]
    assert notice == extended["notice"]
    assert format_date(new_due) in notice and "waiting for a damp survey" in notice
    assert ombudsman_details(policy) in notice

    case = sam.post(f"/handoffs/{handoff['id']}/respond", {"summary": "upheld"}).json()["case"]
    assert case["status"] == "responded"
    case = sam.post(f"/handoffs/{handoff['id']}/close", {"outcome": "resolved"}).json()["case"]
    assert case["status"] == "closed"
    kinds = [(entry["kind"], entry["actor"]) for entry in case["history"]]
    assert ("acknowledged", "sam") in kinds and ("extended", "sam") in kinds and ("closed", "sam") in kinds
    assert ("handed_to_staff", "assistant") in kinds


# ---------------------------------------------------------------- a social channel


def telegram(assistant: Assistant, chat_id: int, text: str) -> None:
    update = {"update_id": random.getrandbits(31), "message": {
        "message_id": random.getrandbits(16), "date": int(time.time()), "text": text,
        "from": {"id": chat_id, "is_bot": False, "first_name": "Ali"},
        "chat": {"id": chat_id, "type": "private", "first_name": "Ali"}}}
    response = requests.post(f"{assistant.url}/webhooks/telegram/webhook", json=update,
                             headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}, timeout=30)
    assert response.status_code == 200


def sent_to(recorder: Recorder, chat_id: int, contains: str, timeout: float = 30) -> Recorded:
    def match(r: Recorded) -> bool:
        return (r.path == f"/bot{TELEGRAM_TOKEN}/sendMessage" and str(r.json().get("chat_id")) == str(chat_id)
                and contains in r.json().get("text", ""))

    return recorder.wait_for(match, timeout=timeout)[-1]


def test_staff_replies_reach_a_resident_on_telegram(staff_assistant: Assistant, recorder: Recorder,
                                                    sam: Console) -> None:
    chat_id = random.randrange(10**9, 10**10)
    telegram(staff_assistant, chat_id, "hi")
    sent_to(recorder, chat_id, "automated assistant")
    telegram(staff_assistant, chat_id, "Talk to a person")
    sent_to(recorder, chat_id, JOINS)
    deadline = time.monotonic() + 30
    while f"telegram:{chat_id}" not in [item["conversation_id"] for item in sam.get("/queue").json()["queue"]]:
        assert time.monotonic() < deadline, "the Telegram conversation never reached the queue"
        time.sleep(0.2)
    handoff = sam.handoff_for(f"telegram:{chat_id}")
    assert handoff["channel"] == "telegram"
    assert sam.post(f"/handoffs/{handoff['id']}/claim").status_code == 200
    sent_to(recorder, chat_id, "Sam Jones from our team has joined the chat.")
    assert sam.post(f"/handoffs/{handoff['id']}/reply", {"text": "Hello Ali, how can I help?"}).status_code == 200
    sent_to(recorder, chat_id, "Sam Jones (staff): Hello Ali, how can I help?")
    telegram(staff_assistant, chat_id, "my rent statement is wrong")
    deadline = time.monotonic() + 30
    while not any(line["text"] == "my rent statement is wrong"
                  for line in sam.get(f"/handoffs/{handoff['id']}").json()["transcript"]):
        assert time.monotonic() < deadline, "the resident's Telegram message never reached the console"
        time.sleep(0.2)
    assert sam.post(f"/handoffs/{handoff['id']}/hand-back", {"message": "I've sorted that."}).status_code == 200
    sent_to(recorder, chat_id, "You're back with our automated assistant")
    telegram(staff_assistant, chat_id, "hello")
    sent_to(recorder, chat_id, "automated assistant (not a person). I can log")

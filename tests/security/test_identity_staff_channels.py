"""Staff take over a conversation of every id shape, end to end against the
real servers (issue 9, "Identity", deliver 2): a website resident over a real
socket.io client, a REST relay, and Telegram, Messenger, WhatsApp and SMS
residents through the local recorder.

For each: the resident asks for a person (the office is open at all hours, so
the chat is handed over live and the bot pauses), staff claim, reply, hand
back, and after a second request end the chat. The resident receives every
message on their own channel, and the real conversation (never a phantom such
as `whatsapp%3A%2B44...`) is paused and resumed. A REST relay cannot receive
later messages: staff are told so instead of "sent".
"""
from __future__ import annotations

import asyncio
import sqlite3
import uuid
from typing import Iterator

import pytest

from channels.staff.rasa_api import RasaApi, RasaApiError, bot_event, conversation_path
from tests.channels.recorder import Recorder
from tests.security.identity_helpers import (
    ACCOUNTS, RestRelay, SocialResident, WebResident, new_chat_id, new_mobile, new_psid, tracker, user_texts,
    wait_until)
from tests.servers import Assistant, running_assistant
from tests.staff.helpers import Console, add_staff, always_open_policy, signed_in

PASSWORD = "correct horse battery staple"
JOINED = "Sam Jones from our team has joined the chat."
BACK = "You're back with our automated assistant"
ENDED = "This chat with our team has ended."
JOINS = "A member of our team will join this chat"


@pytest.fixture(scope="module")
def assistant(recorder: Recorder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    work = tmp_path_factory.mktemp("identity-staff")
    with running_assistant(work, policy=always_open_policy(work), extra_env=ACCOUNTS.env(recorder.url)) as running:
        add_staff(running.cases_url, "sam", PASSWORD, "Sam Jones")
        yield running


@pytest.fixture
def sam(assistant: Assistant) -> Console:
    return signed_in(assistant, "sam", PASSWORD)


def stored_senders(assistant: Assistant) -> set[str]:
    with sqlite3.connect(assistant.log_dir / "conversations.db") as db:
        return {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}


def queued(sam: Console, conversation_id: str) -> dict:
    wait_until(lambda: any(item["conversation_id"] == conversation_id and item["status"] == "waiting"
                           for item in sam.get("/queue").json()["queue"]), f"{conversation_id} in the queue")
    return sam.handoff_for(conversation_id)


def take_over_and_hand_back(assistant: Assistant, sam: Console, resident: SocialResident | WebResident) -> None:
    """Claim, reply, hand back; ask again; claim, end. The resident receives
    each message and the real conversation is paused, then resumed."""
    conversation = resident.conversation_id if isinstance(resident, SocialResident) else resident.session_id
    assert conversation
    resident.say("hello")
    assert JOINS in resident.say("I want to talk to a person")
    assert tracker(assistant, conversation)["paused"] is True
    handoff = queued(sam, conversation)

    claim = sam.post(f"/handoffs/{handoff['id']}/claim")
    assert claim.status_code == 200 and claim.json()["delivered"] is True
    resident.wait_to_receive(JOINED)
    words = f"Hello, I can see your case ({uuid.uuid4().hex[:6]})."
    reply = sam.post(f"/handoffs/{handoff['id']}/reply", {"text": words})
    assert reply.status_code == 200 and reply.json() == {"sent": True, "delivered": True}
    resident.wait_to_receive(f"Sam Jones (staff): {words}")
    shown = sam.get(f"/handoffs/{handoff['id']}").json()
    assert shown["live"] is True and shown["delivery"] is None
    assert any(line["text"] == words for line in shown["transcript"])  # the real conversation, not a phantom
    resident.send("thanks, that's all") if isinstance(resident, SocialResident) else \
        resident.client.emit("user_uttered", {"message": "thanks, that's all"})
    wait_until(lambda: "thanks, that's all" in [line["text"] for line in
                                                sam.get(f"/handoffs/{handoff['id']}").json()["transcript"]],
               "the resident's message in the console")
    assert tracker(assistant, conversation)["paused"] is True  # the bot stayed quiet

    back = sam.post(f"/handoffs/{handoff['id']}/hand-back", {"message": "I'll leave you with the assistant."})
    assert back.status_code == 200 and back.json()["delivered"] is True
    resident.wait_to_receive("I'll leave you with the assistant.")
    resident.wait_to_receive(BACK)
    assert tracker(assistant, conversation)["paused"] is False
    assert "what happened" in resident.say("I want to make a complaint").lower()  # the bot answers again
    resident.say("stop")

    assert JOINS in resident.say("talk to a person")
    assert tracker(assistant, conversation)["paused"] is True
    again = queued(sam, conversation)
    assert sam.post(f"/handoffs/{again['id']}/claim").status_code == 200
    end = sam.post(f"/handoffs/{again['id']}/end", {"message": "Goodbye for now."})
    assert end.status_code == 200 and end.json()["delivered"] is True
    resident.wait_to_receive("Goodbye for now.")
    resident.wait_to_receive(ENDED)
    assert tracker(assistant, conversation)["paused"] is False
    assert conversation in stored_senders(assistant)
    assert not any("%" in sender for sender in stored_senders(assistant)), "a phantom conversation was made"


def test_staff_take_over_a_website_chat(assistant: Assistant, sam: Console) -> None:
    """`web:<session>`: over a real socket.io client; staff messages are pushed live."""
    resident = WebResident(assistant)
    resident.connect()
    try:
        take_over_and_hand_back(assistant, sam, resident)
    finally:
        resident.close()


def test_staff_take_over_a_telegram_chat(assistant: Assistant, recorder: Recorder, sam: Console) -> None:
    """`telegram:<chat id>`: staff messages go out through sendMessage to that chat."""
    take_over_and_hand_back(assistant, sam, SocialResident(assistant, recorder, "telegram", str(new_chat_id())))


def test_staff_take_over_a_messenger_chat(assistant: Assistant, recorder: Recorder, sam: Console) -> None:
    """`messenger:<page-scoped id>`: staff messages go out through the Send API."""
    take_over_and_hand_back(assistant, sam, SocialResident(assistant, recorder, "messenger", new_psid()))


def test_staff_take_over_a_whatsapp_chat(assistant: Assistant, recorder: Recorder, sam: Console) -> None:
    """`whatsapp:+44...`: the `+` reaches the Rasa HTTP API as it is, so the
    console reads and writes the real conversation; Twilio gets `whatsapp:+44...`."""
    take_over_and_hand_back(assistant, sam, SocialResident(assistant, recorder, "whatsapp", new_mobile()))


def test_staff_take_over_an_sms_chat(assistant: Assistant, recorder: Recorder, sam: Console) -> None:
    """`sms:+44...`: Twilio gets the bare number, from our SMS number."""
    resident = SocialResident(assistant, recorder, "sms", new_mobile())
    take_over_and_hand_back(assistant, sam, resident)
    assert {c.form()["From"] for c in recorder.matching(resident._mine)} == {"+447700900000"}


def test_staff_take_over_a_rest_conversation(assistant: Assistant, sam: Console) -> None:
    """`rest:<sender>`: a relay cannot receive later messages, so every staff
    action says "not delivered" (never "sent"); pause and resume still work."""
    relay, sender = RestRelay(assistant), f"relay-{uuid.uuid4().hex[:8]}"
    conversation = f"rest:{sender}"
    relay.say(sender, "hello")
    assert JOINS in relay.say(sender, "I want to talk to a person")
    assert tracker(assistant, conversation)["paused"] is True
    handoff = queued(sam, conversation)
    shown = sam.get(f"/handoffs/{handoff['id']}").json()
    assert shown["live"] is False and "Not delivered" in shown["delivery"]
    claim = sam.post(f"/handoffs/{handoff['id']}/claim").json()
    assert claim["delivered"] is False and "REST relay" in claim["notice"]
    reply = sam.post(f"/handoffs/{handoff['id']}/reply", {"text": "Hello there"}).json()
    assert reply["sent"] is False and reply["delivered"] is False
    assert relay.say(sender, "is anyone there?") == ""  # still paused: the bot is quiet
    back = sam.post(f"/handoffs/{handoff['id']}/hand-back").json()
    assert back["delivered"] is False
    assert tracker(assistant, conversation)["paused"] is False
    assert "what happened" in relay.say(sender, "I want to make a complaint").lower()
    bot = [e["text"] for e in tracker(assistant, conversation)["events"] if e["event"] == "bot" and e.get("text")]
    assert "Sam Jones (staff): Hello there" in bot  # on the record


@pytest.mark.parametrize("conversation_id", [
    "web:" + "ab12" * 8, "rest:relay-7.a_b~c@d+e=f:g", "telegram:1234567890", "messenger:6543210987654321",
    "whatsapp:+447700900123", "sms:+447700900123"])
def test_console_quoting_round_trips_every_id_shape(assistant: Assistant, conversation_id: str) -> None:
    """The console's client (aiohttp, `conversation_path`) writes to and reads
    the conversation stored under exactly this id in the real Rasa server."""
    api = RasaApi(assistant.url, assistant.token)
    text = f"round trip {uuid.uuid4().hex[:8]}"

    async def write_and_read() -> dict:
        await api.append(conversation_id, [bot_event(text)])
        return await api.tracker(conversation_id)

    read = asyncio.run(write_and_read())
    assert read["sender_id"] == conversation_id
    assert [e["text"] for e in read["events"] if e["event"] == "bot"][-1] == text
    assert conversation_id in stored_senders(assistant)
    assert user_texts(assistant, conversation_id) == []


def test_console_refuses_an_id_it_could_not_reach_exactly() -> None:
    """An id with characters Sanic would not decode is refused, never sent to a phantom."""
    for bad in ("rest:a b", "rest:a/b", "rest:a%2Bb", "rest:é", "rest:a?b", ""):
        with pytest.raises(RasaApiError):
            conversation_path(bad)

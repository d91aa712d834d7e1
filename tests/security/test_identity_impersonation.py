"""Impersonation attacks against the real servers (issue 9, "Identity"): one
test per attack, each reproducing it and asserting that it fails.

Social ids are public (a WhatsApp or SMS id is a phone number, a Telegram id a
chat id), so before namespaced conversation ids anyone could post over REST as
`whatsapp:+44...` and read a resident's form back, get their reference, check
their case and overwrite their callback; on socket.io a chosen `session_id`
joined a victim's room and one message redirected staff replies.

One assistant for the module: the office is closed (so "talk to a person"
takes callback details), Messenger, Twilio and Telegram are on with their
APIs pointed at the local recorder, the REST channel is on with its secret,
and socket.io allows one configured origin besides its own.
"""
from __future__ import annotations

import random
import sqlite3
import string
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests
import socketio

from housing.cases.store import CaseStore
from housing.messages import text_only
from tests.channels.recorder import Recorder
from tests.security.identity_helpers import (
    ACCOUNTS, RestRelay, SocialResident, WebResident, new_chat_id, new_mobile, office_closed_policy, tracker,
    user_texts, wait_until)
from tests.servers import Assistant, running_assistant
from tests.staff.helpers import add_staff, signed_in

ALLOWED_ORIGIN = "https://www.landlord.example"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def assistant(recorder: Recorder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    work = tmp_path_factory.mktemp("identity-impersonation")
    env = {**ACCOUNTS.env(recorder.url), "CORS_ORIGINS": ALLOWED_ORIGIN}
    with running_assistant(work, policy=office_closed_policy(work), extra_env=env) as running:
        add_staff(running.cases_url, "sam", PASSWORD, "Sam Jones")
        yield running


@pytest.fixture
def attacker(assistant: Assistant) -> RestRelay:
    return RestRelay(assistant)


def unique_name() -> str:
    """A resident's name no other test uses (letters only, as names are checked)."""
    return "Maria " + "".join(random.choice(string.ascii_lowercase) for _ in range(8)).capitalize()


def start_complaint(resident: SocialResident | WebResident, name: str, contact: str, postcode: str) -> None:
    """Take a complaint up to the contact-preference question: the next answer
    ("Phone") makes the assistant read everything back."""
    resident.say("hello")
    assert "what happened" in resident.say("I want to make a complaint").lower()
    resident.say("The repairs team never came to fix my boiler, three times now")
    resident.say("since March")
    resident.say("fix the boiler")
    assert "full name" in resident.say("Tenant").lower()
    resident.say(name)
    resident.say(contact)
    resident.say(postcode)
    assert "contact you" in resident.say("None needed")


def log_complaint(resident: SocialResident, contact: str, postcode: str) -> str:
    """A complaint logged by `resident` from start to finish; its reference."""
    start_complaint(resident, unique_name(), contact, postcode)
    resident.say("Phone")
    ack = resident.say("Yes, log it")
    return next(word.strip(".,") for word in ack.split() if word.startswith("CMP-"))


def ask_for_callback(resident: SocialResident, name: str, phone: str, how_and_when: str) -> str:
    """Ask for a person (the office is closed) and give callback details; the last reply."""
    resident.say("hello")
    resident.say("I want to talk to a person")
    resident.say(name)
    resident.say(phone)
    return resident.say(how_and_when)


def assert_reads_nothing(replies: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in replies, f"the attacker was shown {secret!r}"


# ------------------------------------------------------------ REST as a social or web resident


def test_rest_as_a_whatsapp_resident_gets_no_form_read_back(assistant: Assistant, recorder: Recorder,
                                                            attacker: RestRelay) -> None:
    """REST sender `whatsapp:+44...` (and the bare number) answering the
    victim's pending question gets none of the victim's form read back."""
    number, name = new_mobile(), unique_name()
    victim = SocialResident(assistant, recorder, "whatsapp", number)
    start_complaint(victim, name, "07700 900456", "LS1 4AP")
    before = user_texts(assistant, victim.conversation_id)
    for sender in (f"whatsapp:{number}", number):
        replies = attacker.say(sender, "Phone") + attacker.say(sender, "Change something")
        assert_reads_nothing(replies, name, "07700900456", "LS1 4AP", "boiler")
    assert user_texts(assistant, victim.conversation_id) == before  # nothing reached the victim's conversation
    assert user_texts(assistant, f"rest:whatsapp:{number}")[:1] == ["Phone"]  # the attacker's own
    readback = victim.say("Phone")  # the victim's form is intact
    assert name in readback and "LS1 4AP" in readback


def test_rest_as_a_telegram_resident_gets_no_form_read_back(assistant: Assistant, recorder: Recorder,
                                                           attacker: RestRelay) -> None:
    """REST sender `telegram:<chat id>` (and the bare chat id) gets none of a
    Telegram resident's form read back."""
    chat_id, name = str(new_chat_id()), unique_name()
    victim = SocialResident(assistant, recorder, "telegram", chat_id)
    start_complaint(victim, name, "maria.telegram@example.org", "M1 1AE")
    before = user_texts(assistant, victim.conversation_id)
    for sender in (f"telegram:{chat_id}", chat_id):
        replies = attacker.say(sender, "Phone")
        assert_reads_nothing(replies, name, "maria.telegram@example.org", "M1 1AE")
    assert user_texts(assistant, victim.conversation_id) == before
    assert name in victim.say("Phone")


def test_rest_as_a_web_resident_gets_no_form_read_back(assistant: Assistant, attacker: RestRelay) -> None:
    """REST sender `web:<the victim's session id>` gets none of a website
    resident's form read back, even knowing the session id."""
    name = unique_name()
    victim = WebResident(assistant)
    session = victim.connect()
    try:
        start_complaint(victim, name, "maria.web@example.org", "B1 1AA")
        before = user_texts(assistant, session)
        replies = attacker.say(session, "Phone")
        assert_reads_nothing(replies, name, "maria.web@example.org", "B1 1AA")
        assert user_texts(assistant, session) == before
        assert victim.texts()[-1].startswith("How and when would you like us to contact you")  # nothing pushed
    finally:
        victim.close()


def test_rest_as_a_resident_gets_no_case_reference(assistant: Assistant, recorder: Recorder,
                                                   attacker: RestRelay) -> None:
    """After a WhatsApp resident logs a complaint, "goodbye" or "what is my
    reference?" over REST as their id gives no reference."""
    number = new_mobile()
    victim = SocialResident(assistant, recorder, "whatsapp", number)
    reference = log_complaint(victim, "07700 900789", "LS2 7EE")
    for sender in (f"whatsapp:{number}", number):
        replies = attacker.say(sender, "goodbye") + attacker.say(sender, "what is my reference number?") \
            + attacker.say(sender, "I didn't get my reference number")
        assert_reads_nothing(replies, reference)
    assert reference in victim.say("goodbye")  # the resident still has it


def test_rest_as_a_resident_cannot_check_their_case_status(assistant: Assistant, recorder: Recorder,
                                                           attacker: RestRelay) -> None:
    """"Check my complaint" over REST as an SMS resident's id, with the phone
    number they gave as the verification detail, reveals neither the
    reference nor the case."""
    number = new_mobile()
    victim = SocialResident(assistant, recorder, "sms", number)
    reference = log_complaint(victim, "07700 900111", "LS3 1AB")
    history = [(entry.kind, entry.detail) for entry in CaseStore(assistant.cases_url).get(reference).history]
    for sender in (f"sms:{number}", number):
        replies = "\n".join([attacker.say(sender, "Check my complaint"), attacker.say(sender, "07700 900111"),
                             attacker.say(sender, "I don't have it"),
                             attacker.say(sender, "where is my complaint up to")])
        assert_reads_nothing(replies, reference, "Stage 1", "boiler")
    assert [(entry.kind, entry.detail) for entry in CaseStore(assistant.cases_url).get(reference).history] \
        == history  # untouched


def test_rest_as_a_resident_cannot_overwrite_their_callback(assistant: Assistant, recorder: Recorder,
                                                            attacker: RestRelay) -> None:
    """A callback request over REST as a Telegram resident's id makes the
    attacker's own case; the resident's callback keeps their contact details
    (for a domestic-abuse victim, a changed number is dangerous)."""
    chat_id, name = str(new_chat_id()), unique_name()
    victim = SocialResident(assistant, recorder, "telegram", chat_id)
    logged = ask_for_callback(victim, name, "07700 900321", "text, mornings")
    reference = next(word.strip(".,") for word in logged.split() if word.startswith("SR-"))
    store = CaseStore(assistant.cases_url)
    before = store.get(reference)
    for sender in (f"telegram:{chat_id}", chat_id):
        attacker.say(sender, "I want to talk to a person")
        attacker.say(sender, "Mr Abuser")
        attacker.say(sender, "07700 900999")
        assert reference not in attacker.say(sender, "phone, evenings")
    after = store.get(reference)
    assert (after.resident.name, after.resident.phone) == (before.resident.name, before.resident.phone) \
        == (name, "07700900321")
    assert all("07700 900999" not in entry.detail and "07700900999" not in entry.detail for entry in after.history)
    theirs = [case for case in store.list() if case.conversation_id.startswith("rest:")
              and case.resident.name == "Mr Abuser"]
    assert {case.conversation_id for case in theirs} == {f"rest:telegram:{chat_id}", f"rest:{chat_id}"}


# ------------------------------------------------------------ the REST channel's secret


def test_rest_without_the_secret_is_refused(assistant: Assistant, attacker: RestRelay) -> None:
    """No Authorization header, or not a Bearer one: 401, and no conversation starts."""
    sender = f"nosecret-{uuid.uuid4().hex[:8]}"
    for headers in ({}, {"Authorization": f"Basic {assistant.rest_secret}"}, {"Authorization": "Bearer"}):
        response = requests.post(f"{assistant.url}/webhooks/rest/webhook", json={"sender": sender, "message": "hi"},
                                 headers=headers, timeout=30)
        assert response.status_code == 401, headers
    assert requests.get(f"{assistant.url}/webhooks/rest/", timeout=30).status_code == 401
    assert user_texts(assistant, f"rest:{sender}") == []


def test_rest_with_a_wrong_secret_is_refused(assistant: Assistant, attacker: RestRelay) -> None:
    """A wrong, truncated or extended secret: 401, and no conversation starts."""
    sender = f"wrongsecret-{uuid.uuid4().hex[:8]}"
    secret = assistant.rest_secret
    for wrong in ("wrong", secret[:-1], secret + "x", secret.upper() if secret.upper() != secret else "X"):
        assert attacker.post({"sender": sender, "message": "hi"}, secret=wrong).status_code == 401
    assert user_texts(assistant, f"rest:{sender}") == []
    assert attacker.post({"sender": sender, "message": "hi"}).status_code == 200  # the right one works


# ------------------------------------------------------------ socket.io


def test_socketio_session_request_with_a_victims_id_gets_a_fresh_one(assistant: Assistant, recorder: Recorder) -> None:
    """A session_request naming a resident's Telegram or WhatsApp id, or a
    web id the server never issued, gets a new server-issued id, and the
    attacker's socket receives none of the resident's messages."""
    chat_id = str(new_chat_id())
    telegram_victim = SocialResident(assistant, recorder, "telegram", chat_id)
    telegram_victim.say("hello")
    web_victim = WebResident(assistant)
    victim_session = web_victim.connect()
    attacker = WebResident(assistant)
    try:
        asked = [f"telegram:{chat_id}", chat_id, f"whatsapp:{new_mobile()}", "web:" + uuid.uuid4().hex,
                 uuid.uuid4().hex, f"rest:{chat_id}", "web:" + "0" * 32]
        given = [attacker.connect(asked[0])] + [attacker.request_session(ask) for ask in asked[1:]]
        for ask, got in zip(asked, given):
            assert got != ask and got.startswith("web:") and len(got) >= 4 + 32, (ask, got)
        assert len(set(given)) == len(given) and victim_session not in given
        web_victim.say("I want to make a complaint")
        telegram_victim.say("I want to make a complaint")
        time.sleep(1)
        assert attacker.uttered == []  # none of either resident's messages
    finally:
        attacker.close()
        web_victim.close()


def test_socketio_reload_keeps_an_issued_session(assistant: Assistant) -> None:
    """The other side of the rule above: the server's own id, asked for again
    after a reload (a new socket), keeps the conversation."""
    first = WebResident(assistant)
    session = first.connect()
    first.say("hello")
    first.close()
    again = WebResident(assistant)
    try:
        assert again.connect(session) == session
        assert "what happened" in again.say("I want to make a complaint").lower()
        assert user_texts(assistant, session) == ["hello", "I want to make a complaint"]
    finally:
        again.close()


def test_socketio_message_with_another_session_id_lands_in_the_senders_conversation(
        assistant: Assistant, recorder: Recorder) -> None:
    """A user_uttered carrying a Telegram resident's id or another web
    session's id as `session_id` is handled in the sender's own conversation."""
    chat_id = str(new_chat_id())
    telegram_victim = SocialResident(assistant, recorder, "telegram", chat_id)
    telegram_victim.say("hello")
    web_victim = WebResident(assistant)
    victim_session = web_victim.connect()
    web_victim.say("hello")
    attacker = WebResident(assistant)
    try:
        own = attacker.connect()
        attacker.say("hello", {"session_id": f"telegram:{chat_id}"})
        attacker.say("I want to make a complaint", {"session_id": victim_session})
        attacker.say("stop", {"session_id": chat_id})
        assert user_texts(assistant, own) == ["hello", "I want to make a complaint", "stop"]
        assert user_texts(assistant, telegram_victim.conversation_id) == ["hello"]
        assert user_texts(assistant, victim_session) == ["hello"]
        assert tracker(assistant, telegram_victim.conversation_id)["latest_input_channel"] == "telegram"
        assert not any("what happened" in text.lower() for text in web_victim.texts())
    finally:
        attacker.close()
        web_victim.close()


def test_socketio_message_cannot_redirect_staff_replies(assistant: Assistant, recorder: Recorder) -> None:
    """With a Telegram resident waiting for a person, a socket.io message sent
    with their id does not redirect the staff member's replies: the resident
    on Telegram gets them, the attacker's socket gets nothing."""
    chat_id, name = str(new_chat_id()), unique_name()
    victim = SocialResident(assistant, recorder, "telegram", chat_id)
    ask_for_callback(victim, name, "07700 900654", "phone, mornings")
    attacker = WebResident(assistant)
    try:
        attacker.connect(f"telegram:{chat_id}")
        attacker.say("hello", {"session_id": f"telegram:{chat_id}"})
        attacker.say("hello", {"session_id": chat_id})
        before = len(attacker.uttered)
        sam = signed_in(assistant, "sam", PASSWORD)
        wait_until(lambda: any(item["conversation_id"] == victim.conversation_id
                               for item in sam.get("/queue").json()["queue"]), "the callback in the queue")
        handoff = sam.handoff_for(victim.conversation_id)
        assert sam.post(f"/handoffs/{handoff['id']}/claim").status_code == 200
        secret_detail = f"your new address is {uuid.uuid4().hex[:6]} Road"
        reply = sam.post(f"/handoffs/{handoff['id']}/reply", {"text": secret_detail})
        assert reply.status_code == 200 and reply.json()["delivered"] is True
        victim.wait_to_receive(secret_detail)
        time.sleep(1)
        assert all(secret_detail not in text for text in attacker.texts()[before:])
        assert len(attacker.uttered) == before
    finally:
        attacker.close()


def test_socketio_refuses_a_disallowed_origin(assistant: Assistant) -> None:
    """A browser on another site (Origin not the server's own nor in
    CORS_ORIGINS) cannot open a socket.io connection; allowed origins can."""
    handshake = f"{assistant.url}/socket.io/?EIO=4&transport=polling"
    for origin in ("https://evil.example", "http://127.0.0.1.evil.example", "null", ALLOWED_ORIGIN + ".evil.example"):
        response = requests.get(handshake, headers={"Origin": origin}, timeout=30)
        assert response.status_code == 400, origin
        assert "access-control-allow-origin" not in {name.lower() for name in response.headers}
        evil = WebResident(assistant, headers={"Origin": origin})
        with pytest.raises(socketio.exceptions.ConnectionError):
            evil.connect()
    own = assistant.url  # the page the server serves itself
    for origin in (own, ALLOWED_ORIGIN):
        response = requests.get(handshake, headers={"Origin": origin}, timeout=30)
        assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == origin
    friendly = WebResident(assistant, headers={"Origin": ALLOWED_ORIGIN})
    try:
        assert friendly.connect().startswith("web:")
    finally:
        friendly.close()


def test_no_conversation_is_stored_under_an_id_no_channel_owns(assistant: Assistant) -> None:
    """After every attack above, each stored conversation is in one channel's
    namespace: nothing a client sent was used as a conversation id as it was."""
    with sqlite3.connect(assistant.log_dir / "conversations.db") as db:
        senders = {row[0] for row in db.execute("SELECT DISTINCT sender_id FROM events")}
    assert senders and all(sender.split(":", 1)[0] in {"web", "rest", "telegram", "messenger", "whatsapp", "sms"}
                           for sender in senders), senders


# ------------------------------------------------------------ bad requests to the REST channel


@pytest.mark.parametrize(("what", "raw"), [
    ("no sender", b'{"message": "hello"}'),
    ("a blank sender", b'{"sender": "  ", "message": "hello"}'),
    ("a null sender", b'{"sender": null, "message": "hello"}'),
    ("an object as sender", b'{"sender": {"id": "x"}, "message": "hello"}'),
    ("a sender with a space", b'{"sender": "a b", "message": "hello"}'),
    ("no message", b'{"sender": "bad-request-1"}'),
    ("a JSON list", b'[{"sender": "bad-request-2", "message": "hello"}]'),
    ("a JSON string", b'"hello"'),
    ("a JSON number", b"42"),
    ("invalid JSON", b'{"sender": "bad-request-3", "message": '),
    ("an empty body", b""),
    ("not UTF-8", b'{"sender": "bad-request-4", "message": "\xff\xfe"}'),
])
def test_rest_malformed_request_is_a_400(assistant: Assistant, attacker: RestRelay, what: str, raw: bytes) -> None:
    """A malformed REST body gets 400 with a message saying what is wrong,
    never a 500, and never a conversation shared by every sender-less call."""
    response = attacker.post(raw=raw)
    assert response.status_code == 400, (what, response.status_code, response.text)
    assert response.json()["error"]
    with sqlite3.connect(assistant.log_dir / "conversations.db") as db:
        assert not db.execute("SELECT 1 FROM events WHERE sender_id IN ('rest:', 'rest:None', 'rest:null', "
                              "'default', 'None') LIMIT 1").fetchall()


@pytest.mark.parametrize("message", [42, 3.5, {"text": "hello"}, ["hello"], True])
def test_rest_message_that_is_not_text_gets_a_kind_answer(assistant: Assistant, attacker: RestRelay,
                                                          message: object) -> None:
    """A number, an object, a list or a boolean as `message` is answered with
    the catalogue's kind sentence (housing.messages.text_only), not a crash."""
    sender = f"not-text-{uuid.uuid4().hex[:8]}"
    response = attacker.post({"sender": sender, "message": message})
    assert response.status_code == 200
    assert [m["text"] for m in response.json()] == [text_only()]
    assert response.json()[0]["recipient_id"] == f"rest:{sender}"
    assert "automated assistant" in attacker.say(sender, "hello")  # the conversation carries on normally

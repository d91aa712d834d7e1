"""The conversation survives a page reload and a dropped connection (the Rasa
server stopped and started again), in the same Rasa tracker, losing nothing;
and a saved session the server never issued starts a new one."""
from __future__ import annotations

import json

import requests

from .helpers import GREETING, STORE_KEY, Chat

WHAT_HAPPENED = "Please tell me what happened"
WHEN = "When did this happen"
OUTCOME = "What would you like us to do"


def start_complaint(chat: Chat) -> None:
    chat.open()
    chat.say("I want to make a complaint", WHAT_HAPPENED)


def test_reload_keeps_the_messages_and_the_conversation(new_chat) -> None:
    chat = new_chat()
    start_complaint(chat)
    chat.say("The repairs team left my kitchen without a working sink for three weeks", WHEN)
    session = chat.session_id()
    shown = (chat.bot_texts(), chat.user_texts())

    chat.page.reload()
    assert (chat.bot_texts(), chat.user_texts()) == shown, "the messages are still shown after a reload"
    assert chat.session_id() == session

    # The next answer goes to the form that was active before the reload.
    chat.say("last week", OUTCOME)
    assert chat.bot_texts()[:len(shown[0])] == shown[0]
    assert sum(WHEN in text for text in chat.bot_texts()) == 1, "the question was not asked again"
    tracker = chat.tracker()
    assert tracker["sender_id"] == session
    assert tracker["active_loop"]["name"] == "complaint_form"
    assert tracker["slots"]["complaint_when"]
    assert "kitchen without a working sink" in tracker["slots"]["complaint_description"]


def test_messages_typed_while_the_connection_is_down_are_delivered(new_chat, assistant) -> None:
    chat = new_chat()
    start_complaint(chat)
    session = chat.session_id()
    bots_before = len(chat.bot_texts())
    description = "Nobody came to fix the broken front door lock although I reported it twice"
    when = "about three weeks ago"
    draft = "and an unsent draft"

    def while_down() -> None:
        chat.network_errors_expected = True
        status = chat.page.locator("#chat-status")
        chat.wait_until(lambda: "Connection lost" in status.text_content(), "the connection-lost status")
        assert status.get_attribute("role") == "status"
        chat.send(description)
        chat.send(when)
        chat.page.fill("#chat-input", draft)  # typed but not sent yet
        # Shown at once, marked as not sent yet, and kept for a reload.
        assert chat.user_texts()[-2:] == [description, when]
        assert chat.page.locator("#chat-log .message.user.pending").count() == 2
        assert len(chat.stored()["outbox"]) == 2

    assistant.restart_rasa(while_down=while_down)

    # Back: both messages are delivered in order, and the bot answers each.
    chat.wait_for_bot(bots_before, WHEN, timeout=60)
    chat.wait_for_bot(bots_before, OUTCOME, timeout=60)
    chat.wait_until(lambda: "Connected again" in chat.page.locator("#chat-status").text_content(),
                    "the connected-again status")
    assert chat.page.locator("#chat-log .message.user.pending").count() == 0
    assert chat.stored()["outbox"] == []
    assert chat.page.input_value("#chat-input") == draft, "the unsent draft is still in the message box"
    assert chat.session_id() == session
    user_texts = chat.tracker_user_texts()
    assert user_texts[-2:] == [description, when]
    assert user_texts.count(description) == 1
    tracker = chat.tracker()
    assert tracker["active_loop"]["name"] == "complaint_form"
    assert tracker["slots"]["complaint_description"] == description
    assert tracker["slots"]["complaint_when"]


def test_a_saved_session_the_server_never_issued_starts_a_new_conversation(new_chat) -> None:
    """A page whose saved session id the server does not know (a made-up or
    another channel's id, e.g. a Telegram resident's) is given a fresh one:
    the old messages are cleared, the assistant greets it, and nothing it
    types reaches the conversation it named."""
    chat = new_chat()
    chat.open()
    victim = "telegram:5550001"
    made_up = {"sessionId": victim, "messages": [{"from": "bot", "text": "an old message"}], "outbox": [],
               "greeted": True}
    chat.page.evaluate(f"localStorage.setItem('{STORE_KEY}', JSON.stringify({json.dumps(made_up)}))")
    chat.page.reload()
    chat.wait_for_bot(0, "automated assistant")
    assert "an old message" not in chat.transcript()
    session = chat.session_id()
    assert session != victim and session.startswith("web:")
    assert "earlier conversation could not be found" in chat.page.text_content("#chat-status")
    chat.say("I want to make a complaint", WHAT_HAPPENED)
    assert chat.tracker_user_texts() == ["hello", "I want to make a complaint"]
    response = requests.get(f"{chat.assistant.url}/conversations/{victim}/tracker",
                            params={"token": chat.assistant.token}, timeout=10)
    assert [e for e in response.json()["events"] if e["event"] == "user"] == []


def test_a_reload_while_the_greeting_is_on_its_way_still_greets(new_chat) -> None:
    """The page is reloaded just after it asked for the greeting, before the
    reply arrived (so the reply went to the old page): the reloaded page asks
    again and the resident is greeted, instead of an empty chat."""
    chat = new_chat()
    chat.open(wait_for_greeting=False)
    chat.wait_until(lambda: any('"hello"' in frame for frame in chat.frames_sent), "the greeting request")
    chat.page.reload()
    chat.wait_for_bot(0, GREETING)

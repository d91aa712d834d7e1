"""Security and robustness of the widget: no HTML injection from either side,
long messages, empty messages, emoji."""
from __future__ import annotations


INJECTION = "<img src=x onerror=alert(1)>"
EMOJI = "🔥🚿 😡 👩🏽‍🔧"
LOG_IMAGES = "document.querySelectorAll('#chat-log img').length"


def test_html_from_the_resident_or_the_bot_is_shown_as_text(new_chat) -> None:
    chat = new_chat()
    chat.open()
    description = f"My shower {EMOJI} has been broken for weeks and nobody came {INJECTION}"
    chat.say("I want to make a complaint", "Please tell me what happened")
    chat.say(description, "When did this happen")
    assert chat.user_texts()[-1] == description
    # The bot reads the description back: its message holds the same text.
    for text in ("last week", f"fix it {INJECTION}", "Tenant", "Sam Smith", "sam@example.com", "LS1 4AP", "none"):
        chat.say(text, "")
    readback = chat.say("email", "Is this right?")
    assert description in readback, "the emoji and the markup come back from the bot unchanged"
    assert f"fix it {INJECTION}" in readback
    assert chat.page.evaluate(LOG_IMAGES) == 0, "no img element was created from a message"
    assert chat.tracker_user_texts().count(description) == 1, "the server got the text unchanged"

    # The same after a reload, when the messages are drawn from localStorage.
    chat.page.reload()
    assert description in chat.user_texts()
    assert any(description in text for text in chat.bot_texts())
    assert chat.page.evaluate(LOG_IMAGES) == 0


def test_a_10000_character_message_is_accepted(new_chat) -> None:
    chat = new_chat()
    chat.open()
    long_message = ("My ceiling is leaking again and the damp is spreading. " * 200)[:9_999] + "!"
    assert len(long_message) == 10_000
    chat.page.fill("#chat-input", long_message)
    assert chat.page.input_value("#chat-input") == long_message
    chat.say(long_message, "")
    assert chat.user_texts()[-1] == long_message
    assert chat.wait_until(lambda: long_message in chat.tracker_user_texts(), "the whole message in the tracker")


def test_an_empty_message_shows_an_error_and_sends_nothing(new_chat) -> None:
    chat = new_chat()
    chat.open()
    sent_before = len(chat.user_uttered_frames())
    users_before = len(chat.tracker_user_texts())
    error = chat.page.locator("#chat-error")
    assert not error.is_visible()

    for empty in ("", "   \n  "):
        chat.send(empty)
        assert error.is_visible()
        assert error.text_content() == "Please type a message first."
        assert error.get_attribute("role") == "alert"
        assert chat.page.locator("#chat-input").get_attribute("aria-invalid") == "true"
        assert chat.focused()["id"] == "chat-input"
    chat.page.locator("#chat-send").click()
    assert error.is_visible()
    chat.page.wait_for_timeout(1000)
    assert chat.user_texts() == []
    assert len(chat.user_uttered_frames()) == sent_before, "nothing went to the server"
    assert len(chat.tracker_user_texts()) == users_before

    # Typing clears the error; a real message then goes.
    chat.page.locator("#chat-input").press_sequentially("hello")
    assert not error.is_visible()
    assert chat.page.locator("#chat-input").get_attribute("aria-invalid") is None
    chat.page.press("#chat-input", "Enter")
    chat.wait_until(lambda: len(chat.user_uttered_frames()) == sent_before + 1, "the message to be sent")


def test_emoji_round_trip(new_chat) -> None:
    chat = new_chat()
    chat.open()
    message = f"hello {EMOJI}"
    chat.say(message, "")
    assert chat.user_texts()[-1] == message
    assert chat.wait_until(lambda: message in chat.tracker_user_texts(), "the emoji message in the tracker")
    chat.page.reload()
    assert chat.user_texts()[-1] == message

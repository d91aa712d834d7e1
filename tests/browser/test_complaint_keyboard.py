"""A whole complaint made with the keyboard alone, then checked in the case store."""
from __future__ import annotations

import re

from housing.cases.store import CaseStore
from housing.deadlines import format_date

from .helpers import Chat

# Counts anything a pointer does, so the test can prove it used none.
COUNT_POINTER = """
window.__pointerEvents = 0;
for (const type of ['pointerdown', 'mousedown', 'touchstart']) {
  window.addEventListener(type, () => { window.__pointerEvents += 1; }, true);
}
"""


def type_and_enter(chat: Chat, text: str, expect: str) -> str:
    before = len(chat.bot_texts())
    chat.page.keyboard.type(text)
    chat.page.keyboard.press("Enter")
    return chat.wait_for_bot(before, expect)


def tab_to(chat: Chat, text: str, key: str = "Shift+Tab", limit: int = 30) -> None:
    for _ in range(limit):
        chat.page.keyboard.press(key)
        if chat.focused()["text"] == text:
            return
    raise AssertionError(f"{text!r} could not be reached with {key} (focus ended on {chat.focused()})")


def test_complaint_made_with_the_keyboard_alone(new_chat, assistant, screenshots) -> None:
    chat = new_chat()
    chat.page.context.add_init_script(COUNT_POINTER)
    chat.open()

    # The skip link is the first thing Tab reaches, and it puts focus in the message box.
    chat.page.keyboard.press("Tab")
    assert chat.focused()["text"] == "Skip to the chat"
    chat.page.keyboard.press("Enter")
    assert chat.focused()["id"] == "chat-input"

    before = len(chat.bot_texts())
    type_and_enter(chat, "my tap is STILL leaking despite numerous visits from your plumber, I'm sick of it",
                   "When did this happen")
    assert "take this as a complaint" in " ".join(chat.bot_texts()[before:])
    type_and_enter(chat, "since about 2 months ago", "What would you like us to do")
    type_and_enter(chat, "fix the tap properly and say sorry", "What is your connection to us?")

    # The relationship quick reply, reached with Shift+Tab from the message box and pressed with Enter.
    assert chat.focused()["id"] == "chat-input"
    before = len(chat.bot_texts())
    tab_to(chat, "Tenant")
    chat.page.keyboard.press("Enter")
    assert chat.focused()["id"] == "chat-input", "focus goes back to the message box after a quick reply"
    chat.wait_for_bot(before, "What is your full name?")
    assert chat.user_texts()[-1] == "Tenant"

    type_and_enter(chat, "Maria Lopez", "email address or UK phone number")
    type_and_enter(chat, "maria.lopez@example.com", "postcode")
    type_and_enter(chat, "LS1 4AP", "anything that would make this easier")
    type_and_enter(chat, "large print please", "How and when would you like us to contact you?")
    readback = type_and_enter(chat, "email", "Is this right?")
    for answer in ("fix the tap properly and say sorry", "Maria Lopez", "maria.lopez@example.com", "LS1 4AP",
                   "large print please"):
        assert answer in readback
    ack = type_and_enter(chat, "yes", "CMP-")

    match = re.search(r"CMP-\d{4}-\d{6}", ack)
    assert match, ack
    assert chat.page.evaluate("window.__pointerEvents") == 0, "the complaint was made with the keyboard alone"
    # Let the log grow to its full height so the screenshot shows the whole conversation.
    chat.page.evaluate("document.getElementById('chat-log').style.maxHeight = 'none'")
    screenshot = screenshots / "complaint-finished.png"
    chat.page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0

    # The case is in the store, as the resident was told.
    session = chat.session_id()
    cases = [case for case in CaseStore(assistant.cases_url).list(kind="complaint")
             if case.conversation_id == session]
    assert len(cases) == 1
    case = cases[0]
    assert case.reference == match.group(0)
    assert case.resident.name == "Maria Lopez"
    assert case.resident.email == "maria.lopez@example.com"
    assert case.resident.postcode == "LS1 4AP"
    assert case.resident.relationship == "tenant"
    assert case.outcome_sought == "fix the tap properly and say sorry"
    assert case.reasonable_adjustments == ("large print please",)
    assert format_date(case.acknowledgement_due) in ack
    assert format_date(case.response_due) in ack

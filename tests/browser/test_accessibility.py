"""Accessibility: axe-core (WCAG 2.2 AA rules), reflow at 320 CSS px, reduced
motion, and what a screen reader is given."""
from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

from .helpers import Chat

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}
DOTS_ANIMATION = "getComputedStyle(document.querySelector('.dots'), '::before').animationName"


def assert_no_axe_violations(chat: Chat, when: str) -> None:
    results = Axe().run(chat.page, options=WCAG_AA)
    if results.violations_count:
        print(results.generate_report())
    assert results.violations_count == 0, f"axe found violations {when}:\n{results.generate_report()}"


def reach_relationship_question(chat: Chat) -> None:
    chat.open()
    chat.say("I want to make a complaint", "Please tell me what happened")
    chat.say("My boiler has been broken for a month and nobody has come", "When did this happen")
    chat.say("last month", "What would you like us to do")
    chat.say("fix it", "What is your connection to us?")


def test_axe_finds_no_wcag_violations(new_chat) -> None:
    chat = new_chat()
    chat.open(wait_for_greeting=False)
    assert_no_axe_violations(chat, "on the fresh page")

    reach_relationship_question(chat)
    assert chat.page.locator("#chat-log .choices button:enabled").count() == 6
    assert chat.page.locator("#chat-log .choices button:disabled").count() > 0
    chat.page.press("#chat-input", "Enter")  # the empty-message error is showing too
    assert chat.page.locator("#chat-error").is_visible()
    assert_no_axe_violations(chat, "with a conversation containing buttons")


def test_axe_finds_no_violations_at_320_px(new_chat) -> None:
    chat = new_chat(viewport={"width": 320, "height": 640})
    chat.open()
    assert_no_axe_violations(chat, "at 320 CSS px wide")


def test_page_reflows_at_320_css_px(new_chat, screenshots) -> None:
    # 320 CSS px is what a 1280 px wide window shows at 400% zoom (WCAG 1.4.10).
    chat = new_chat(viewport={"width": 320, "height": 640})
    chat.open()
    chat.say("My boiler is broken, see https://example.org/a/very/long/address/that/does/not/break/" + "x" * 120
             + " and " + "a" * 200, "")
    assert chat.page.evaluate("document.documentElement.scrollWidth") <= 320
    chat.page.screenshot(path=str(screenshots / "reflow-320px.png"), full_page=True)
    for selector in ("#chat-input", "#chat-human"):
        element = chat.page.locator(selector)
        element.scroll_into_view_if_needed()
        assert element.is_visible(), selector
        box = element.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320, (selector, box)


def test_typing_indicator_does_not_move_with_reduced_motion(new_chat) -> None:
    moving = new_chat()
    moving.open(wait_for_greeting=False)
    assert moving.page.evaluate(DOTS_ANIMATION) != "none", "the indicator is animated normally"
    still = new_chat(reduced_motion="reduce")
    still.open(wait_for_greeting=False)
    assert still.page.evaluate(DOTS_ANIMATION) == "none"


def test_screen_reader_semantics(new_chat) -> None:
    chat = new_chat()
    chat.open()
    log = chat.page.locator("#chat-log")
    assert log.get_attribute("role") == "log"
    assert log.get_attribute("aria-live") == "polite"
    assert chat.page.get_by_role("log", name="Conversation").count() == 1
    assert chat.page.get_by_role("textbox", name="Your message").count() == 1

    # New bot messages are added inside the log (so they are announced), none outside it.
    before = chat.page.locator("#chat-log .message.bot").count()
    chat.say("What is the complaints process?", "")
    assert chat.page.locator("#chat-log .message.bot").count() > before
    assert chat.page.locator(".message").count() == chat.page.locator("#chat-log .message").count()

    # Pressing a quick reply puts focus back in the message box.
    chat.say("I want to make a complaint", "Please tell me what happened")
    chat.say("The caretaker was rude to me twice in the lobby", "When did this happen")
    chat.say("yesterday", "What would you like")
    chat.say("an apology", "What is your connection to us?")
    choices = chat.page.get_by_role("group", name="Choices").last
    before = len(chat.bot_texts())
    choices.get_by_role("button", name="Leaseholder").click()
    assert chat.focused()["id"] == "chat-input"
    chat.wait_for_bot(before, "What is your full name?")
    assert chat.page.locator("#chat-log .choices button:enabled").count() == 0, "answered choices are disabled"

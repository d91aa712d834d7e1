"""The staff takeover in real headless Chromium, two pages side by side: the
resident's chat widget and the staff console, against the real servers.

The resident makes a complaint, asks for a person; a staff member (account made
with the CLI) signs in, claims the chat, they message both ways, the staff
member grants an extension (the resident sees the new date and the
Ombudsman's details), hands back, and the bot answers the resident again.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from housing.cases.store import CaseStore
from housing.deadlines import format_date
from housing.messages import ombudsman_details
from housing.policy_loader import load_policy
from tests.browser.helpers import Chat, wait_until
from tests.servers import ROOT, Assistant
from tests.staff.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
VIEWPORT = {"width": 900, "height": 1000}
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


class StaffPage:
    """The staff console as a staff member sees it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"uncaught page error: {error}"))
        page.on("console", self._console)

    def _console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        # Before signing in, the page asks who is signed in and gets the expected 401.
        if message.type == "error" and not (url.endswith("/webhooks/staff/api/me") and "401" in message.text):
            self.problems.append(f"console error: {message.text} ({url})")

    def transcript(self) -> list[str]:
        return self.page.evaluate("() => Array.from(document.querySelectorAll('#transcript .line'))"
                                  ".map(e => e.textContent)")

    def wait_for_line(self, contains: str) -> str:
        return wait_until(self.page, lambda: next((line for line in self.transcript() if contains in line), None),
                          f"a transcript line containing {contains!r}")

    def status(self) -> str:
        return self.page.text_content("#action-status") or ""


def test_staff_take_over_a_chat_and_hand_it_back(browser: Browser, staff_assistant: Assistant) -> None:
    resident_context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    staff_context = browser.new_context(viewport=VIEWPORT, locale="en-GB")
    for context in (resident_context, staff_context):
        context.set_default_timeout(30_000)
    chat = Chat(resident_context.new_page(), staff_assistant)
    staff = StaffPage(staff_context.new_page())
    try:
        run_the_takeover(chat, staff, staff_assistant)
    finally:
        resident_context.close()
        staff_context.close()
    assert chat.problems == [] and staff.problems == []


def assert_accessible(page: Page, when: str) -> None:
    results = Axe().run(page, options=WCAG_AA)
    assert results.violations_count == 0, f"axe found violations {when}:\n{results.generate_report()}"


def say(chat: Chat, text: str, expect: str = "") -> str:
    before = len(chat.bot_texts())
    chat.send(text)
    return chat.wait_for_bot(before, expect)


def run_the_takeover(chat: Chat, staff: StaffPage, assistant: Assistant) -> None:
    policy, _ = load_policy(assistant.log_dir / "always-open.yml")

    # --- the resident makes a complaint, then asks for a person ------------------
    chat.open()
    say(chat, "my bedroom ceiling is STILL covered in black mould despite three visits, I'm fed up", "When did")
    say(chat, "about two months ago", "What would you like us to do")
    say(chat, "treat the mould properly", "connection")
    say(chat, "I'm the tenant", "full name")
    say(chat, "Maria Lopez", "email address or UK phone number")
    say(chat, "maria.lopez@example.com", "postcode")
    say(chat, "LS1 4AP", "anything that would make this easier")
    say(chat, "none", "How and when would you like us to contact you?")
    say(chat, "email", "Is this right?")
    reference = re.search(r"CMP-\d{4}-\d{6}", say(chat, "yes", "CMP-")).group(0)

    before = len(chat.bot_texts())
    chat.page.click("#chat-human")
    assert "usually within 10 minutes" in chat.wait_for_bot(before, "A member of our team will join this chat")
    session = chat.session_id()

    # --- staff sign in and find the chat in the queue ----------------------------
    page = staff.page
    page.goto(assistant.url + "/webhooks/staff/")
    page.wait_for_selector("#sign-in-form")
    assert_accessible(page, "on the sign-in form")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#queue-list li")
    item = page.locator("#queue-list li", has_text=reference)
    assert "Live chat" in item.inner_text() and "waiting" in item.inner_text()
    item.get_by_role("button").click()
    staff.wait_for_line("Resident: Talk to a person")
    assert "Resident: yes" in staff.transcript()
    assert page.locator("#case-details").inner_text().count(reference) == 1

    # --- claim, then messages both ways --------------------------------------------
    before = len(chat.bot_texts())
    page.get_by_role("button", name="Claim this conversation").click()
    chat.wait_for_bot(before, "Sam Jones from our team has joined the chat.")

    chat.send("Hello, is someone there? The mould is making my son ill.")
    staff.wait_for_line("The mould is making my son ill")
    chat.send('<img src=x onerror="document.title=\'pwned\'"> /restart')
    staff.wait_for_line("<img src=x onerror=")  # shown as text, never as HTML
    assert page.title() == "Staff console"

    before = len(chat.bot_texts())
    page.get_by_label("Reply to the resident").fill("Hello Maria, I'm sorry to hear that. I'm looking at your case.")
    page.get_by_role("button", name="Send reply").click()
    chat.wait_for_bot(before, "Sam Jones (staff): Hello Maria, I'm sorry to hear that.")
    # screen readers hear it as the housing team's message, not the assistant's
    assert chat.page.locator("#chat-log .message.staff .who").last.inner_text().strip() == "Housing team:"
    assert chat.page.locator("#chat-log .message.bot:not(.staff) .who").first.inner_text().strip() == "Assistant:"
    staff.wait_for_line("Staff (sam): Hello Maria")
    assert_accessible(page, "with a claimed conversation open")
    chat.page.wait_for_timeout(1500)
    assert not any("automated assistant" in text for text in chat.bot_texts()[before:]), "the bot stayed silent"

    # --- an extension with a reason ------------------------------------------------
    before = len(chat.bot_texts())
    page.get_by_label("Working days").fill("5")
    page.get_by_label("Reason (the resident is told, with the Ombudsman's details)") \
        .fill("We need a damp and mould survey before we can respond")
    page.get_by_role("button", name="Grant extension").click()
    notice = chat.wait_for_bot(before, "We need more time to respond to your complaint")
    case = CaseStore(assistant.cases_url).get(reference)
    assert case.extension_working_days == 5
    assert reference in notice and "damp and mould survey" in notice
    assert format_date(case.response_due) in notice
    assert ombudsman_details(policy) in notice and "0300 111 3000" in notice
    wait_until(page, lambda: format_date(case.response_due) in page.locator("#case-details").inner_text(),
               "the console to show the new response date")

    # --- hand back; the bot answers again --------------------------------------------
    before = len(chat.bot_texts())
    page.get_by_label("Last message to the resident (optional)").fill("Thank you, Maria. Take care.")
    page.get_by_role("button", name="Hand back to the assistant").click()
    chat.wait_for_bot(before, "You're back with our automated assistant")
    wait_until(page, lambda: "Handed back" in staff.status(), "the console to confirm the hand-back")
    answer = say(chat, "how long does a complaint take?", "we acknowledge within")
    assert "Stage 1" in answer

    # --- both pages, side by side ----------------------------------------------------
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chat.page.evaluate("document.getElementById('chat-log').style.maxHeight = 'none'")
    resident_shot, staff_shot = SCREENSHOTS / "takeover-resident.png", SCREENSHOTS / "takeover-staff.png"
    chat.page.screenshot(path=str(resident_shot), full_page=True)
    page.screenshot(path=str(staff_shot), full_page=True)
    with Image.open(resident_shot) as left, Image.open(staff_shot) as right:
        both = Image.new("RGB", (left.width + right.width, max(left.height, right.height)), "white")
        both.paste(left, (0, 0))
        both.paste(right, (left.width, 0))
        both.save(SCREENSHOTS / "takeover-side-by-side.png")
    assert (SCREENSHOTS / "takeover-side-by-side.png").stat().st_size > 0
    # the conversation ends with the bot in charge again, and the hand-over is on the case
    assert chat.tracker()["paused"] is False
    history = CaseStore(assistant.cases_url).get(reference).history
    assert [h.kind for h in history].count("handed_back") == 1
    handed_back = next(h for h in history if h.kind == "handed_back")
    assert handed_back.actor == "sam" and "Thank you, Maria. Take care." in handed_back.detail
    assert session

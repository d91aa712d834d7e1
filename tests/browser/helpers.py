"""Drive the website chat in a real browser and look at what the resident sees.

The page's Content-Security-Policy forbids eval, so waits poll with
`page.evaluate` (which CSP does not block) instead of `page.wait_for_function`.
"""
from __future__ import annotations

import json
import re
import time
from typing import Any, Callable, TypeVar

import requests
from playwright.sync_api import ConsoleMessage, Dialog, Page

from tests.servers import Assistant

T = TypeVar("T")
PAGE_PATH = "/webhooks/webchat"
GREETING = "automated assistant"
STORE_KEY = "resident-chat-v1"
# Console errors that are expected while the Rasa server is deliberately down.
NETWORK_ERRORS = re.compile(r"WebSocket connection|ERR_CONNECTION_REFUSED|net::ERR_|Failed to load resource")

MESSAGES_JS = """sel => Array.from(document.querySelectorAll(sel)).map(e => {
  const who = e.querySelector('.who');
  return e.textContent.slice(who ? who.textContent.length : 0);
})"""


class Chat:
    """One resident's page, in its own browser context (so its own localStorage)."""

    def __init__(self, page: Page, assistant: Assistant) -> None:
        self.page = page
        self.assistant = assistant
        self.problems: list[str] = []  # uncaught errors, CSP violations, dialogs, unexpected console errors
        self.network_errors_expected = False
        self.frames_sent: list[str] = []
        page.on("pageerror", lambda error: self.problems.append(f"uncaught page error: {error}"))
        page.on("console", self._console)
        page.on("dialog", self._dialog)
        page.on("websocket", lambda ws: ws.on("framesent", self._frame_sent))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        text = f"{message.text} ({message.location.get('url', '')})"
        if "Content Security Policy" in text or not (self.network_errors_expected and NETWORK_ERRORS.search(text)):
            self.problems.append(f"console error: {text}")

    def _dialog(self, dialog: Dialog) -> None:
        self.problems.append(f"a {dialog.type} dialog opened: {dialog.message!r}")
        dialog.dismiss()

    def _frame_sent(self, payload: Any) -> None:
        self.frames_sent.append(payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))

    # --- opening and waiting -------------------------------------------------

    def open(self, wait_for_greeting: bool = True) -> "Chat":
        self.page.goto(self.assistant.url + PAGE_PATH)
        if wait_for_greeting:
            self.wait_for_bot(0, GREETING)
        return self

    def wait_until(self, check: Callable[[], T], what: str, timeout: float = 45) -> T:
        return wait_until(self.page, check, what, timeout, context=self.transcript)

    def wait_for_bot(self, after: int, contains: str, timeout: float = 45) -> str:
        """The first bot message after the first `after` that contains `contains`."""
        def found() -> str | None:
            return next((text for text in self.bot_texts()[after:] if contains.lower() in text.lower()), None)
        return self.wait_until(found, f"a bot message containing {contains!r}", timeout)

    # --- what is on the page -----------------------------------------------

    def bot_texts(self) -> list[str]:
        return self.page.evaluate(MESSAGES_JS, "#chat-log .message.bot")

    def user_texts(self) -> list[str]:
        return self.page.evaluate(MESSAGES_JS, "#chat-log .message.user")

    def transcript(self) -> str:
        return "\n".join(self.page.evaluate(MESSAGES_JS, "#chat-log .message"))

    def focused(self) -> dict:
        return self.page.evaluate("""() => { const e = document.activeElement;
            return {id: e.id, tag: e.tagName.toLowerCase(), text: (e.textContent || '').trim()}; }""")

    def stored(self) -> dict:
        return json.loads(self.page.evaluate(f"localStorage.getItem('{STORE_KEY}')") or "null") or {}

    def session_id(self) -> str:
        return self.wait_until(lambda: self.stored().get("sessionId"), "a session id from the server")

    def user_uttered_frames(self) -> list[str]:
        return [frame for frame in self.frames_sent if '"user_uttered"' in frame]

    # --- acting as the resident --------------------------------------------

    def send(self, text: str) -> None:
        """Type a message (fill, then Enter) and send it."""
        self.page.fill("#chat-input", text)
        self.page.press("#chat-input", "Enter")

    def say(self, text: str, expect: str, timeout: float = 45) -> str:
        """Send a message and wait for the bot's reply containing `expect`."""
        before = len(self.bot_texts())
        self.send(text)
        return self.wait_for_bot(before, expect, timeout)

    # --- the server's view ---------------------------------------------------

    def tracker(self) -> dict:
        response = requests.get(f"{self.assistant.url}/conversations/{self.session_id()}/tracker",
                                params={"token": self.assistant.token}, timeout=10)
        response.raise_for_status()
        return response.json()

    def tracker_user_texts(self) -> list[str]:
        return [event.get("text") for event in self.tracker()["events"] if event["event"] == "user"]


def wait_until(page: Page, check: Callable[[], T], what: str, timeout: float = 30,
               context: Callable[[], str] | None = None) -> T:
    """Poll `check` until it returns something truthy (the page's CSP blocks
    Playwright's wait_for_function); on time-out, say what was awaited and,
    if given, what the page showed."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            shown = f"\nThe conversation:\n{context()}" if context else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}.{shown}")
        page.wait_for_timeout(100)

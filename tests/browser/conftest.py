"""Real browser tests of the website chat: one real assistant (action server +
Rasa server) for the session, Debian's Chromium, and a new browser context
(so a fresh localStorage) for every chat a test opens."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.servers import ROOT, Assistant, running_assistant

from .helpers import Chat

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = ROOT / "test-output" / "screenshots"


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with running_assistant(tmp_path_factory.mktemp("browser-assistant")) as running:
        yield running


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing, so the browser tests cannot run. scripts/test installs Debian's "
                    "Chromium (apt-get install chromium): run scripts/test, or install it yourself.", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_chat(browser: Browser, assistant: Assistant) -> Iterator[Callable[..., Chat]]:
    """Makes a chat page in its own browser context; context options (viewport,
    reduced_motion, ...) are passed through. Fails the test if the page had an
    uncaught error, a CSP violation, a dialog or an unexpected console error."""
    contexts, chats = [], []

    def make(**options) -> Chat:
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, "locale": "en-GB", **options})
        context.set_default_timeout(30_000)
        contexts.append(context)
        chat = Chat(context.new_page(), assistant)
        chats.append(chat)
        return chat

    yield make
    for context in contexts:
        context.close()
    problems = [problem for chat in chats for problem in chat.problems]
    if problems:
        pytest.fail("problems on the page:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

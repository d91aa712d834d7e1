"""One real assistant for the staff takeover tests: opening hours cover every
hour of every day (so asking for a person always hands the chat over live),
Telegram is switched on with its API pointed at a local recorder (to see staff
replies reach a social channel), and two staff accounts made with the CLI."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.channels.recorder import Recorder, running_recorder
from tests.servers import Assistant, running_assistant
from tests.staff.helpers import Console, add_staff, always_open_policy, signed_in

PASSWORD = "correct horse battery staple"
TELEGRAM_TOKEN = "123456789:STAFF-test-token"
TELEGRAM_SECRET = "staff-test-secret"


@pytest.fixture(scope="session")
def recorder() -> Iterator[Recorder]:
    with running_recorder() as recorder:
        yield recorder


@pytest.fixture(scope="session")
def staff_assistant(tmp_path_factory: pytest.TempPathFactory, recorder: Recorder) -> Iterator[Assistant]:
    work = tmp_path_factory.mktemp("staff-assistant")
    env = {"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
           "TELEGRAM_API_URL": recorder.url, "CHANNEL_HTTP_TIMEOUT": "5"}
    with running_assistant(work, policy=always_open_policy(work), extra_env=env) as running:
        add_staff(running.cases_url, "sam", PASSWORD, "Sam Jones")
        add_staff(running.cases_url, "pat", PASSWORD, "Pat Lee")
        yield running


@pytest.fixture
def sam(staff_assistant: Assistant) -> Console:
    return signed_in(staff_assistant, "sam", PASSWORD)


@pytest.fixture
def pat(staff_assistant: Assistant) -> Console:
    return signed_in(staff_assistant, "pat", PASSWORD)

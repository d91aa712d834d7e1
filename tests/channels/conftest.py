"""The recording HTTP server that stands in for Facebook, Twilio and Telegram
(this machine has no internet): one per test module."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.channels.recorder import Recorder, start_recorder


@pytest.fixture(scope="module")
def recorder() -> Iterator[Recorder]:
    recorder, server = start_recorder()
    yield recorder
    server.shutdown()
    server.server_close()

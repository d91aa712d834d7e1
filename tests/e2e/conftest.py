"""One real assistant (action server + Rasa server) shared by the end-to-end tests."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.servers import Assistant, running_assistant


@pytest.fixture(scope="session")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with running_assistant(tmp_path_factory.mktemp("assistant")) as running:
        yield running

"""When the action server is down the resident is told so kindly, never left
in silence, and what they typed is still in the conversation."""
from __future__ import annotations

from typing import Iterator

import pytest
import requests

from tests.servers import Assistant, rest_id, running_assistant


@pytest.fixture(scope="module")
def assistant_without_actions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with running_assistant(tmp_path_factory.mktemp("no-actions")) as running:
        running.stop_action_server()
        yield running


def test_resident_is_told_about_the_problem_and_given_the_phone_number(assistant_without_actions: Assistant):
    replies = assistant_without_actions.say("down-1", "my boiler has broken down")
    text = " ".join(r.get("text") or "" for r in replies)
    assert "technical problem" in text
    assert "0306 999 0100" in text  # the default policy's phone number
    tracker = requests.get(f"{assistant_without_actions.url}/conversations/{rest_id('down-1')}/tracker",
                           params={"token": assistant_without_actions.token}, timeout=10).json()
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["my boiler has broken down"]

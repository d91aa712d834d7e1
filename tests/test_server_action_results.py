"""Action-server responses are checked as strictly as Rasa does, only faster."""
from __future__ import annotations

import subprocess
import sys

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from housing.settings import ROOT
from server import action_results

VALID = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "complaint_description", "value": "no heating 😡 <script>"}],
     "responses": [{"text": "When did it happen?", "buttons": [{"title": "Today", "payload": "today"}]}]},
    {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"}]},
]
INVALID = [
    {"events": "not a list"},
    {"events": [{"name": "complaint_description"}]},  # no "event" key
    {"events": [{"event": "slot", "value": 1}]},  # a slot event without a name
    {"responses": ["just a string"]},
    ["not", "an", "object"],
]


@pytest.mark.parametrize("result", VALID)
def test_valid_responses_pass_both_ways(result: dict) -> None:
    jsonschema.validate(result, RemoteAction.action_response_format_spec())  # Rasa's own check
    assert action_results.validate_action_result(RemoteAction("action_x", None), result) is True


@pytest.mark.parametrize("result", INVALID)
def test_invalid_responses_fail_both_ways_with_rasa_help(result: object) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as caught:
        action_results.validate_action_result(RemoteAction("action_x", None), result)  # type: ignore[arg-type]
    assert "Failed to validate Action server response" in caught.value.message


def test_install_replaces_rasas_check_in_this_process() -> None:
    original = RemoteAction._validate_action_result
    try:
        action_results.install()
        action = RemoteAction("action_x", None)
        assert action._validate_action_result(VALID[1]) is True
        with pytest.raises(jsonschema.ValidationError):
            action._validate_action_result(INVALID[1])
    finally:
        RemoteAction._validate_action_result = original  # type: ignore[method-assign]


def test_python_m_server_is_rasas_command_line() -> None:
    done = subprocess.run([sys.executable, "-m", "server", "--version"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Rasa Version      :         3.6." in done.stdout

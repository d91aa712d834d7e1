"""End to end with no channel settings (the default run): the social media
channels are off, their webhooks answer 404, nothing is called outbound, and
the assistant works as usual over REST."""
from __future__ import annotations

from typing import Iterator

import pytest
import requests

from tests.channels.recorder import Recorder
from tests.servers import Assistant, running_assistant

SECRETS = ["MESSENGER_APP_SECRET", "MESSENGER_PAGE_ACCESS_TOKEN", "MESSENGER_VERIFY_TOKEN", "TWILIO_ACCOUNT_SID",
           "TWILIO_AUTH_TOKEN", "TWILIO_NUMBER", "TWILIO_WHATSAPP_NUMBER", "TWILIO_WEBHOOK_URL",
           "TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN"]


@pytest.fixture(scope="module")
def assistant(recorder: Recorder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    # Blank (= unset) even if the developer's shell has them; API URLs point at
    # the recorder so any outbound call would show.
    env = {name: "" for name in SECRETS}
    env.update(MESSENGER_API_URL=recorder.url, TWILIO_API_URL=recorder.url, TELEGRAM_API_URL=recorder.url)
    with running_assistant(tmp_path_factory.mktemp("channels-off"), extra_env=env) as running:
        yield running


@pytest.mark.parametrize("name", ["messenger", "twilio", "telegram"])
def test_webhooks_answer_404_when_off(assistant: Assistant, name: str) -> None:
    url = f"{assistant.url}/webhooks/{name}/webhook"
    assert requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"},
                        timeout=10).status_code == 404
    assert requests.post(url, data=b"Body=hi&From=%2B447700900123", timeout=10).status_code == 404


def test_assistant_runs_normally_and_nothing_goes_out(assistant: Assistant, recorder: Recorder) -> None:
    replies = assistant.say("off-check", "hi")
    assert "automated assistant" in replies[0]["text"]
    assert [b["title"] for b in replies[0]["buttons"]][:2] == ["Report a problem", "Make a complaint"]
    assert requests.get(f"{assistant.url}/webhooks/webchat", timeout=10).status_code == 200
    assert recorder.requests == []

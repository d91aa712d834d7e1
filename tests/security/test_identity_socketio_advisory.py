"""python-socketio's binary-attachment memory exhaustion (CVE-2026-48804,
fixed in 5.16.2), against the real Rasa server.

A socket.io packet declares how many binary attachments follow, and the server
kept whatever arrived for it: from a client that never joined the namespace,
and even after it disconnected. On 5.9.0 (the version this project had pinned)
about 150 MB stayed in the server per connection. Here the attack is played
over engine.io long-polling with plain HTTP requests, and the Rasa server's
resident memory must not keep what was sent. (Against python-socketio 5.9.0
both tests fail: the server kept all 33 MB.)
"""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.servers import Assistant, running_assistant

CONNECTIONS = 12
POSTS_PER_CONNECTION = 4
CHUNK = 180_000  # bytes per attachment (base64 in the POST: 4 of them stay under the 1 MB buffer)
SENT_MB = CONNECTIONS * POSTS_PER_CONNECTION * 4 * CHUNK / 2**20  # about 33 MB


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with running_assistant(tmp_path_factory.mktemp("identity-socketio")) as running:
        yield running


def rasa_rss_mb(assistant: Assistant) -> float:
    """Resident memory of the Rasa server's process (Linux /proc)."""
    pid = assistant._rasa_start[2][-1].pid
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS for the Rasa server")


def open_session(assistant: Assistant) -> tuple[str, requests.Session]:
    http = requests.Session()
    response = http.get(f"{assistant.url}/socket.io/", params={"EIO": "4", "transport": "polling"}, timeout=30)
    assert response.status_code == 200 and response.text.startswith("0")
    return json.loads(response.text[1:])["sid"], http


def post(assistant: Assistant, http: requests.Session, sid: str, packets: list[str]) -> requests.Response:
    return http.post(f"{assistant.url}/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid},
                     data="\x1e".join(packets).encode(), headers={"Content-Type": "text/plain;charset=UTF-8"},
                     timeout=30)


def attack(assistant: Assistant, join_namespace: bool) -> None:
    """Declare 10,000 attachments, send some, then drop the connection."""
    blob = "b" + base64.b64encode(os.urandom(CHUNK)).decode()
    for _ in range(CONNECTIONS):
        sid, http = open_session(assistant)
        if join_namespace:
            post(assistant, http, sid, ["40"])
        post(assistant, http, sid, ['4510000-["user_uttered",{"_placeholder":true,"num":0}]'])
        for _ in range(POSTS_PER_CONNECTION):
            post(assistant, http, sid, [blob] * 4)
        post(assistant, http, sid, ["1"])  # engine.io "close"
        http.close()


def test_attachments_from_a_client_outside_the_namespace_are_not_kept(assistant: Assistant) -> None:
    """Binary attachments sent before joining the socket.io namespace, then
    the connection closed: the server keeps none of it."""
    attack(assistant, join_namespace=False)  # warm up the allocator and the routes
    before = rasa_rss_mb(assistant)
    attack(assistant, join_namespace=False)
    grown = rasa_rss_mb(assistant) - before
    assert grown < SENT_MB / 2, f"the server kept {grown:.0f} MB of the {SENT_MB:.0f} MB sent"


def test_attachments_of_a_disconnected_client_are_released(assistant: Assistant) -> None:
    """A client that joined the namespace, declared attachments, sent some
    and disconnected: what it sent is released with the connection."""
    attack(assistant, join_namespace=True)
    before = rasa_rss_mb(assistant)
    attack(assistant, join_namespace=True)
    grown = rasa_rss_mb(assistant) - before
    assert grown < SENT_MB / 2, f"the server kept {grown:.0f} MB of the {SENT_MB:.0f} MB sent"
    assert requests.get(f"{assistant.url}/", timeout=30).status_code == 200

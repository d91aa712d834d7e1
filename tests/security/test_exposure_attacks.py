"""Attacks on the action server, the secrets and the staff sign-in, against
one real assistant (action server and Rasa server started as tests/servers.py
starts them, with TRUSTED_PROXIES=127.0.0.2 so a request from 127.0.0.2
stands for the reverse proxy and one from 127.0.0.1 for anyone else)."""
from __future__ import annotations

import http.client
import json
import subprocess
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from tests.exposure_helpers import (
    command_lines, connects, deflate_bomb, mode, post_action, raw_request, rss_bytes, cases_for,
    service_request_call,
)
from tests.servers import Assistant, running_assistant
from tests.staff.helpers import API, add_staff

PASSWORD = "correct horse battery staple"
PROXY = "127.0.0.2"
ACCOUNTS = ("sam", "kim", "pat", "lee")


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    work = tmp_path_factory.mktemp("exposure")
    work.chmod(0o755)  # as a fresh folder usually is: the servers must make it private
    with running_assistant(work, extra_env={"TRUSTED_PROXIES": PROXY}) as running:
        for name in ACCOUNTS:
            add_staff(running.cases_url, name, PASSWORD)
        yield running


def bearer(assistant: Assistant) -> str:
    return f"Bearer {assistant.action_secret}"


def action_port(assistant: Assistant) -> int:
    return urlsplit(assistant.action_url).port or 0


def action_server_pid(assistant: Assistant) -> int:
    return assistant._rasa_start[2][0].pid


# ------------------------------------------------------------------ the action server


def test_direct_action_call_without_the_secret_is_refused_and_creates_no_case(assistant: Assistant):
    """Attack: call the action server's /webhook directly, as the Rasa server
    would, to log a case in someone's name. Refused with 401 and no case;
    the same call with the secret does log one (so the call itself is real)."""
    call = service_request_call("direct-1", "Leaking tap in the kitchen")
    refused = post_action(assistant.action_url, call, None)
    assert refused.status_code == 401
    assert cases_for(assistant.cases_url, "direct-1") == 0
    allowed = post_action(assistant.action_url, call, bearer(assistant))
    assert allowed.status_code == 200, allowed.text
    assert "SR-" in json.dumps(allowed.json())
    assert cases_for(assistant.cases_url, "direct-1") == 1


@pytest.mark.parametrize("authorization", [
    "Bearer wrong-secret", "Bearer ", "Basic dXNlcjpwYXNz", "", "bearer {secret}", "Bearer {secret}x",
    "Bearer {short}", "{secret}",
])
def test_direct_action_call_with_a_wrong_secret_is_refused(assistant: Assistant, authorization: str):
    """Attack: guess or mangle the shared secret (wrong, empty, other scheme,
    wrong case, one character more or less, without "Bearer"). Always 401, no case."""
    secret = assistant.action_secret
    header = authorization.format(secret=secret, short=secret[:-1])
    refused = post_action(assistant.action_url, service_request_call("direct-2", "Broken window"), header)
    assert refused.status_code == 401
    assert cases_for(assistant.cases_url, "direct-2") == 0


def test_every_action_server_route_but_health_needs_the_secret(assistant: Assistant):
    """Attack: list the actions, or send a CORS preflight, without the secret.
    Only /health answers (and says nothing but "ok")."""
    assert requests.get(f"{assistant.action_url}/actions", timeout=10).status_code == 401
    preflight = requests.options(f"{assistant.action_url}/webhook", timeout=10,
                                 headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 401
    assert "access-control-allow-origin" not in preflight.headers
    health = requests.get(f"{assistant.action_url}/health", timeout=10)
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    listed = requests.get(f"{assistant.action_url}/actions", headers={"Authorization": bearer(assistant)}, timeout=10)
    assert listed.status_code == 200 and {"name": "action_after_service_request_form"} in listed.json()


def test_action_server_does_not_listen_on_another_loopback_address(assistant: Assistant):
    """Attack: reach the action server on an address other than BIND_HOST
    (127.0.0.1): 127.0.0.2 also reaches this machine, and rasa-sdk's own
    launcher listened on 0.0.0.0. Nothing listens there."""
    port = action_port(assistant)
    assert connects("127.0.0.1", port)
    assert not connects("127.0.0.2", port)


def test_action_server_does_not_listen_on_the_machines_network_address(assistant: Assistant):
    """Attack: reach the action server from the network, on this machine's
    own (non-loopback) address from `hostname -I`. Nothing listens there."""
    addresses = [a for a in subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
                 if ":" not in a]
    if not addresses:
        pytest.skip("this machine has no non-loopback IPv4 address")
    for address in addresses:
        assert not connects(address, action_port(assistant)), address


def test_deflate_bomb_is_refused_at_once_and_memory_stays_small(assistant: Assistant):
    """Attack: a ~300 KiB deflate body that expands to 300 MiB (in the issue
    such a body took the action server to 932 MiB). Refused with 415 before
    it is read, in well under a second, with or without the secret."""
    bomb = deflate_bomb(300 * 1024 * 1024)
    assert len(bomb) < 400 * 1024
    pid = action_server_pid(assistant)
    before = rss_bytes(pid)
    for authorization, status in ((bearer(assistant), 415), (None, 401)):
        started = time.monotonic()
        headers = {"Content-Encoding": "deflate", "Content-Type": "application/json"}
        if authorization:
            headers["Authorization"] = authorization
        refused = requests.post(f"{assistant.action_url}/webhook", data=bomb, headers=headers, timeout=30)
        assert refused.status_code == status
        assert time.monotonic() - started < 2
    assert rss_bytes(pid) - before < 20 * 1024 * 1024
    assert requests.get(f"{assistant.action_url}/health", timeout=5).status_code == 200


def test_oversized_body_is_refused_before_it_is_read(assistant: Assistant):
    """Attack: an action call announcing 200 MiB, and one streamed in chunks
    past the 16 MiB cap. 413 at once, memory stays small."""
    pid = action_server_pid(assistant)
    before = rss_bytes(pid)
    started = time.monotonic()
    # Only the headers are sent: the answer must come before the body (which is never read).
    status = raw_request("127.0.0.1", action_port(assistant),
                         f"POST /webhook HTTP/1.1\r\nHost: x\r\nAuthorization: {bearer(assistant)}\r\n"
                         f"Content-Type: application/json\r\nContent-Length: {200 * 1024 * 1024}")
    assert status.startswith("HTTP/1.1 413"), status
    assert time.monotonic() - started < 2

    def chunks() -> Iterator[bytes]:
        for _ in range(40):  # 40 MiB in all
            yield b" " * (1024 * 1024)

    try:
        streamed = requests.post(f"{assistant.action_url}/webhook", data=chunks(), timeout=30,
                                 headers={"Authorization": bearer(assistant), "Content-Type": "application/json"})
        assert streamed.status_code == 413
    except requests.ConnectionError:
        pass  # the server closed the connection at the cap, before the client finished sending
    assert rss_bytes(pid) - before < 40 * 1024 * 1024
    assert requests.get(f"{assistant.action_url}/health", timeout=5).status_code == 200


# ------------------------------------------------------------------ secrets and files


def test_no_command_line_shows_the_api_token_or_the_action_secret(assistant: Assistant):
    """Attack: read the Rasa API token or the action server's secret from
    `ps` (any local user can read every process's command line)."""
    assert requests.get(f"{assistant.url}/status", params={"token": assistant.token}, timeout=10).status_code == 200
    assert requests.get(f"{assistant.url}/status", timeout=10).status_code == 401
    for pid, line in command_lines().items():
        assert assistant.token not in line, pid
        assert assistant.action_secret not in line, pid


def test_var_folder_is_0700_and_the_databases_0600(assistant: Assistant):
    """Attack: another local user reads the case or conversation database
    (names, phone numbers, disclosures). The var folder is 0700 and both
    databases (and their journals) 0600."""
    assert post_action(assistant.action_url, service_request_call("modes-1", "Mould in the bathroom"),
                       bearer(assistant)).status_code == 200
    assistant.say("modes-1", "hello")
    work = Path(assistant.log_dir)
    assert mode(work) == 0o700
    databases = [work / "cases.db", work / "conversations.db"]
    for database in databases:
        assert database.exists() and mode(database) == 0o600, database
    for path in work.iterdir():
        if path.name.startswith(("cases.db", "conversations.db")):
            assert mode(path) == 0o600, path


# ------------------------------------------------------------------ staff sign-in


def sign_in(assistant: Assistant, username: str, password: str, *, source: str | None = None,
            forwarded_for: str | None = None) -> tuple[int, dict[str, str]]:
    """One sign-in from `source` (a local address; default 127.0.0.1), with
    an X-Forwarded-For header if given; the status and headers."""
    url = urlsplit(assistant.url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30,
                                            source_address=(source, 0) if source else None)
    headers = {"Content-Type": "application/json", "X-Staff-Console": "1"}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    try:
        connection.request("POST", API + "/sign-in", json.dumps({"username": username, "password": password}),
                           headers)
        answer = connection.getresponse()
        answer.read()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}
    finally:
        connection.close()


def fifty_wrong_passwords(assistant: Assistant, username: str, **where: str) -> list[int]:
    return [sign_in(assistant, username, f"wrong guess {n:04d}", **where)[0] for n in range(50)]


def test_outsiders_fifty_wrong_passwords_do_not_stop_sam_signing_in(assistant: Assistant):
    """Attack: lock a member of staff out by getting their password wrong 50
    times (before, five wrong passwords locked the account for 15 minutes
    even against the right one). The outsider is slowed down; sam, from his
    own address behind the proxy, signs in at once."""
    statuses = fifty_wrong_passwords(assistant, "sam", source=PROXY, forwarded_for="203.0.113.7")
    # Slowed down: three guesses, then waits of 1, 2, 4... seconds (a slow machine may fit a few more in).
    assert statuses.count(401) < 8 and statuses.count(429) > 42
    status, _ = sign_in(assistant, "sam", PASSWORD, source=PROXY, forwarded_for="198.51.100.20")
    assert status == 200


def test_fifty_wrong_passwords_from_the_same_address_delay_the_right_one_only_briefly(assistant: Assistant):
    """Attack: the same 50 wrong passwords from kim's own address (an office
    network without a configured proxy). Kim waits at most a few seconds,
    as Retry-After says, then signs in: nothing is locked."""
    statuses = fifty_wrong_passwords(assistant, "kim")
    assert statuses.count(429) > 42
    status, headers = sign_in(assistant, "kim", PASSWORD)
    if status == 429:
        wait = int(headers["retry-after"])
        assert 1 <= wait <= 8
        time.sleep(wait + 0.2)
        status, _ = sign_in(assistant, "kim", PASSWORD)
    assert status == 200


def test_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(assistant: Assistant):
    """Attack: dodge the throttle by sending a new X-Forwarded-For with each
    guess, straight to the server (not through the trusted proxy). The header
    is ignored: the guesses are still slowed down as coming from one client."""
    for n in range(3):
        assert sign_in(assistant, "pat", "wrong guess", forwarded_for=f"203.0.113.{n + 10}")[0] == 401
    status, _ = sign_in(assistant, "pat", "wrong guess", forwarded_for="198.51.100.99")
    assert status == 429


def test_forwarded_for_from_a_trusted_proxy_is_honoured(assistant: Assistant):
    """Through the trusted proxy, X-Forwarded-For names the client: one
    client's failures slow down that client only, and an address the client
    wrote itself in front of the proxy's does not give it a fresh start."""
    for _ in range(3):
        assert sign_in(assistant, "lee", "wrong guess", source=PROXY, forwarded_for="203.0.113.60")[0] == 401
    assert sign_in(assistant, "lee", "wrong guess", source=PROXY, forwarded_for="203.0.113.60")[0] == 429
    spoofed = sign_in(assistant, "lee", "wrong guess", source=PROXY, forwarded_for="192.0.2.1, 203.0.113.60")
    assert spoofed[0] == 429
    assert sign_in(assistant, "lee", PASSWORD, source=PROXY, forwarded_for="198.51.100.61")[0] == 200

"""Helpers for the exposure tests (tests/security/test_exposure_*, tests/faults/test_exposure_*):
direct calls to the action server, raw HTTP, process memory and command lines."""
from __future__ import annotations

import os
import socket
import zlib
from pathlib import Path
from typing import Any

import requests

from housing.cases.store import CaseStore

TECHNICAL_PROBLEM = "technical problem"


def service_request_call(sender: str, description: str) -> dict[str, Any]:
    """What the Rasa server posts to /webhook to log a service request (the
    action that ends the service-request form), for `sender`."""
    return {
        "next_action": "action_after_service_request_form",
        "sender_id": sender,
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {"issue_category": "repair", "sr_description": description, "resident_name": "Alex Example",
                      "contact_detail": "07700900123", "postcode": "AB1 2CD"},
            "latest_message": {"text": "yes", "intent": {"name": "affirm"}, "entities": []},
            "events": [], "paused": False, "followup_action": None, "active_loop": {},
            "latest_action_name": "service_request_form",
            "latest_input_channel": "rest",
        },
    }


def post_action(action_url: str, body: Any, authorization: str | None, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return requests.post(f"{action_url}/webhook", json=body, headers=headers, timeout=30, **kwargs)


def cases_for(cases_url: str, sender: str) -> int:
    """How many cases the case store holds for conversation `sender`."""
    store = CaseStore(cases_url)
    try:
        return sum(1 for case in store.list(limit=10_000) if case.conversation_id == sender)
    finally:
        store.dispose()


def rss_bytes(pid: int) -> int:
    """Resident memory of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def deflate_bomb(expanded_bytes: int) -> bytes:
    """A deflate body that expands to `expanded_bytes` of JSON-looking text."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1024 * 1024)
    parts = [compressor.compress(b'{"next_action": "')]
    for _ in range(expanded_bytes // len(chunk)):
        parts.append(compressor.compress(chunk))
    parts.append(compressor.compress(b'"}') + compressor.flush())
    return b"".join(parts)


def raw_request(host: str, port: int, head: str, timeout: float = 10) -> str:
    """Send only `head` (request line and headers) over a plain socket, no
    body; return the status line of the answer."""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n\r\n")
        answer = b""
        while b"\r\n" not in answer:
            data = sock.recv(4096)
            if not data:
                break
            answer += data
    return answer.split(b"\r\n", 1)[0].decode("latin-1")


def command_lines() -> dict[int, str]:
    """Every process's command line on this machine (those we may read)."""
    lines = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                lines[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                    "utf-8", "replace")
            except OSError:
                continue
    return lines


def mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


def connects(host: str, port: int) -> bool:
    """Can a TCP connection be opened to host:port?"""
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False

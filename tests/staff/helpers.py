"""Helpers for the staff takeover tests: a policy open every hour of every
day, staff accounts made with the real command line, and a signed-in console
client (requests) that sends the CSRF token like the page does."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import requests
import yaml

from tests.servers import ROOT, Assistant

CONSOLE = "/webhooks/staff"
API = CONSOLE + "/api"


def always_open_policy(directory: Path) -> Path:
    """policies/default.yml with the team there 24 hours a day, bank holidays included."""
    policy = yaml.safe_load((ROOT / "policies" / "default.yml").read_text())
    policy["opening_hours"] = {day: "24 hours" for day in
                               ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                                "bank_holidays")}
    path = directory / "always-open.yml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False))
    return path


def add_staff(database_url: str, username: str, password: str, name: str | None = None) -> None:
    """Create a staff account with `python -m housing.cli staff-add --password-stdin`."""
    command = [sys.executable, "-m", "housing.cli", "--database-url", database_url, "staff-add", username,
               "--password-stdin"] + (["--name", name] if name else [])
    done = subprocess.run(command, input=password + "\n", text=True, capture_output=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0, done.stderr


class Console:
    """A staff member's session with the console's JSON API."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self.http = requests.Session()
        self.csrf: str | None = None

    def sign_in(self, username: str, password: str) -> requests.Response:
        response = self.http.post(self.assistant.url + API + "/sign-in",
                                  json={"username": username, "password": password},
                                  headers={"X-Staff-Console": "1"}, timeout=30)
        if response.ok:
            self.csrf = response.json()["csrf_token"]
        return response

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.assistant.url + API + path, timeout=30)

    def post(self, path: str, body: dict[str, Any] | None = None, *, csrf: bool = True) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        return self.http.post(self.assistant.url + API + path, json=body or {}, headers=headers, timeout=30)

    def handoff_for(self, conversation_id: str) -> dict[str, Any]:
        queue = self.get("/queue").json()["queue"]
        return next(item for item in queue if item["conversation_id"] == conversation_id)


def signed_in(assistant: Assistant, username: str, password: str) -> Console:
    """A console session of `username`, whose sign-in must have worked."""
    console = Console(assistant)
    assert console.sign_in(username, password).status_code == 200
    return console


def tracker(assistant: Assistant, conversation_id: str) -> dict[str, Any]:
    response = requests.get(f"{assistant.url}/conversations/{conversation_id}/tracker",
                            params={"token": assistant.token, "include_events": "ALL"}, timeout=30)
    response.raise_for_status()
    return response.json()


def texts(replies: list[dict]) -> str:
    return "\n".join(reply.get("text") or "" for reply in replies)

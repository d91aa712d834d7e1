"""Start the real action server and Rasa server for end-to-end tests.

`running_assistant(tmp_dir)` starts both on free loopback ports with their own
case database and tracker store, waits until they answer, and stops them. The
REST channel is on with a random secret (`Assistant.rest_secret`), which
`Assistant.say()` sends; a REST sender's conversation is `rest_id(sender)`.
"""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import requests

from channels.ids import REST, conversation_id
from server.private_files import PRIVATE_UMASK

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "assistant.tar.gz"
ACTION_SERVER_COMMAND = [sys.executable, "-m", "server.action_server"]


def rest_id(sender: str) -> str:
    """The conversation id of a REST channel sender."""
    return conversation_id(REST, sender)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Assistant:
    url: str
    action_url: str
    token: str
    cases_url: str
    log_dir: Path
    rest_secret: str = ""
    # How the Rasa server was started, for restart_rasa(): [command, env, the
    # running processes (the Rasa server is the last)].
    _rasa_start: list = field(default_factory=list, repr=False)
    # The secret the Rasa server sends the action server (ACTION_SERVER_SECRET).
    action_secret: str = field(default="", repr=False)

    def restart_rasa(self, while_down: Callable[[], None] | None = None) -> None:
        """Kill the Rasa server's process group, call `while_down()` once it no
        longer answers, then start it again on the same port with the same
        environment and return when it answers (conversations are in TRACKER_DB,
        SQLite or PostgreSQL, so they survive)."""
        command, env, procs = self._rasa_start
        _stop(procs[-1])
        with contextlib.suppress(requests.RequestException):
            requests.get(f"{self.url}/", timeout=2)
            raise RuntimeError(f"{self.url} still answers after the Rasa server was killed")
        if while_down:
            while_down()
        log = self.log_dir / "rasa.log"
        with log.open("a") as out:
            out.write("\n--- restarted by restart_rasa() ---\n")
            out.flush()
            procs[-1] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                         start_new_session=True, umask=PRIVATE_UMASK)
        _wait(f"{self.url}/", procs[-1], log)

    def stop_action_server(self) -> None:
        """Stop the action server (the first process started), as if it crashed."""
        _stop(self._rasa_start[2][0])

    def rest_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.rest_secret}"}

    def say(self, sender: str, text: str, timeout: float = 30) -> list[dict]:
        """One resident turn over the REST channel; the bot's replies. A short
        `timeout` abandons the call (requests.Timeout), as a dropped connection."""
        response = requests.post(f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                 headers=self.rest_headers(), timeout=timeout)
        response.raise_for_status()
        return response.json()


def _wait(url: str, proc: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url} exited early:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer in {timeout}s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM the process group, SIGKILL it if it has not gone in 15s."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)


@contextlib.contextmanager
def running_assistant(work: Path, policy: Path | None = None,
                      extra_env: dict[str, str] | None = None) -> Iterator[Assistant]:
    """`extra_env` is added to both servers' environment last (e.g. channel settings)."""
    if not MODEL.exists():
        raise RuntimeError("no trained model: run the README test command (it trains the model first)")
    work.mkdir(parents=True, exist_ok=True)
    rasa_port, action_port = free_port(), free_port()
    token = secrets.token_urlsafe(24)
    rest_secret = secrets.token_urlsafe(24)
    action_secret = secrets.token_urlsafe(24)
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT),
        "ASSISTANT_VAR_DIR": str(work),
        "CASES_DATABASE_URL": f"sqlite:///{work / 'cases.db'}",
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
        "TRACKER_DB": str(work / "conversations.db"),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        # The staff console (inside the Rasa server) calls the Rasa HTTP API with it;
        # `python -m server run` takes it from here, never from the command line.
        "RASA_AUTH_TOKEN": token,
        "REST_CHANNEL_SECRET": rest_secret,
        "ACTION_SERVER_SECRET": action_secret,
        "BIND_HOST": "127.0.0.1",
        "ACTION_PORT": str(action_port),
    })
    if policy:
        env["LANDLORD_POLICY"] = str(policy)
    env.update(extra_env or {})
    procs: list[subprocess.Popen] = []
    try:
        action_log = work / "actions.log"
        procs.append(subprocess.Popen(
            ACTION_SERVER_COMMAND, cwd=ROOT, env=env, stdout=action_log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True, umask=PRIVATE_UMASK))
        rasa_log = work / "rasa.log"
        rasa_command = [sys.executable, "-m", "server", "run", "--model", str(MODEL), "--enable-api",
                        "--interface", "127.0.0.1", "--port", str(rasa_port), "--credentials", "credentials.yml",
                        "--endpoints", "endpoints.yml"]
        procs.append(subprocess.Popen(
            rasa_command, cwd=ROOT, env=env, stdout=rasa_log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True, umask=PRIVATE_UMASK))
        _wait(f"http://127.0.0.1:{action_port}/health", procs[0], action_log)
        _wait(f"http://127.0.0.1:{rasa_port}/", procs[1], rasa_log)
        yield Assistant(f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}", token,
                        env["CASES_DATABASE_URL"], work, env["REST_CHANNEL_SECRET"], [rasa_command, env, procs],
                        action_secret)
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)

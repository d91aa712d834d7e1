"""Faults under `make run`: scripts/run (the supervisor, server/supervise.py)
started for real on free ports with its own var folder. The action server
and the Rasa server are killed with SIGKILL; each comes back by itself, the
resident is told kindly while the action server is away, and SIGTERM still
stops everything. Also what `make run` leaves in its var folder and on
command lines."""
from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import requests

from tests.exposure_helpers import TECHNICAL_PROBLEM, command_lines, mode
from tests.servers import MODEL, ROOT, free_port

HUNG_SECONDS = 6
# Settings scripts/run must choose itself here (a developer's shell may have them).
CLEARED = ("RASA_AUTH_TOKEN", "ACTION_SERVER_SECRET", "CASES_DATABASE_URL", "TRACKER_DB", "ACTION_ENDPOINT_URL",
           "CORS_ORIGINS", "PYTHONPATH")


@dataclass
class Run:
    process: subprocess.Popen
    var: Path
    log: Path
    rasa_url: str
    action_url: str
    rest_secret: str

    def children(self) -> dict[str, int]:
        """The supervisor's servers: {"actions": pid, "rasa": pid}."""
        found = {}
        pid = self.process.pid
        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
            with contextlib.suppress(OSError):
                line = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
                if "-m server.action_server" in line:
                    found["actions"] = int(child)
                elif "-m server run" in line:
                    found["rasa"] = int(child)
        return found

    def say(self, sender: str, text: str) -> str:
        response = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                                 headers={"Authorization": f"Bearer {self.rest_secret}"}, timeout=30)
        response.raise_for_status()
        return " ".join(reply.get("text") or "" for reply in response.json())

    def supervisor_log(self) -> str:
        return self.log.read_text(errors="replace")


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_until(check, timeout: float, what: str, run: Run) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        assert run.process.poll() is None, f"scripts/run exited:\n{run.supervisor_log()[-3000:]}"
        time.sleep(0.25)
    raise AssertionError(f"{what} within {timeout}s:\n{run.supervisor_log()[-3000:]}")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with make_run(tmp_path_factory.mktemp("make-run")) as running:
        yield running


@contextlib.contextmanager
def make_run(work: Path) -> Iterator[Run]:
    """`scripts/run` on free ports with its own var folder, stopped afterwards
    with every server it started."""
    if not MODEL.exists():
        pytest.skip("no trained model: run the README test command first")
    var = work / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    rasa_port, action_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update({"ASSISTANT_VAR_DIR": str(var), "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port),
                "BIND_HOST": "127.0.0.1", "SUPERVISOR_HUNG_SECONDS": str(HUNG_SECONDS),
                "REST_CHANNEL_SECRET": secrets.token_urlsafe(24)})
    log = work / "run.log"
    with log.open("w") as out:
        process = subprocess.Popen(["bash", "scripts/run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    running = Run(process, var, log, f"http://127.0.0.1:{rasa_port}", f"http://127.0.0.1:{action_port}",
                  env["REST_CHANNEL_SECRET"])
    seen: set[int] = set()
    try:
        wait_until(lambda: answers(running.rasa_url + "/") and answers(running.action_url + "/health"), 240,
                   "make run did not start", running)
        wait_until(lambda: "Ready." in running.supervisor_log(), 10, "no Ready line", running)
        yield running
    finally:
        with contextlib.suppress(OSError):
            seen.update(running.children().values())
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for pid in seen:  # never leave a server behind, whatever happened
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)


def test_killed_action_server_is_restarted_and_residents_are_told_meanwhile(run: Run):
    """Fault: the action server is killed (SIGKILL) under `make run`. Before,
    the launcher then killed the Rasa server too. Now the Rasa server stays
    up and tells the resident kindly, the supervisor restarts the action
    server, and the same resident then gets normal answers."""
    before = run.children()
    os.kill(before["actions"], signal.SIGKILL)
    assert TECHNICAL_PROBLEM in run.say("sup-1", "my kitchen tap is leaking")
    wait_until(lambda: run.children().get("actions") not in (None, before["actions"])
               and answers(run.action_url + "/health"), 30, "the action server was not restarted", run)
    assert run.children()["rasa"] == before["rasa"]  # the Rasa server was never stopped
    reply = run.say("sup-1", "my kitchen tap is leaking")
    assert reply and TECHNICAL_PROBLEM not in reply
    assert "service request" in reply
    assert "action server exited (signal 9)" in run.supervisor_log()


def test_hung_action_server_is_killed_and_restarted(run: Run):
    """Fault: the action server hangs (its process group stopped with
    SIGSTOP) under `make run`. The resident is told kindly within seconds;
    after SUPERVISOR_HUNG_SECONDS without a health answer the supervisor kills
    and restarts it, and the resident gets normal answers again."""
    # The supervisor must have seen this action server answer (it may have just been restarted).
    wait_until(lambda: run.supervisor_log().count("action server answers at")
               == run.supervisor_log().count("action server started"), 10, "the supervisor never saw it answer", run)
    before = run.children()
    os.killpg(before["actions"], signal.SIGSTOP)
    try:
        started = time.monotonic()
        assert TECHNICAL_PROBLEM in run.say("sup-hung", "my kitchen tap is leaking")
        assert time.monotonic() - started < 12
        wait_until(lambda: run.children().get("actions") not in (None, before["actions"])
                   and answers(run.action_url + "/health"), HUNG_SECONDS + 30, "the hung server was not replaced", run)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(before["actions"], signal.SIGCONT)
    assert "action server has not answered for" in run.supervisor_log()
    reply = run.say("sup-hung", "my kitchen tap is leaking")
    assert "service request" in reply and TECHNICAL_PROBLEM not in reply


def test_killed_rasa_server_is_restarted(run: Run):
    """Fault: the Rasa server is killed (SIGKILL). The supervisor starts it
    again (with back-off, logged) and residents get answers again; the action
    server is left alone."""
    before = run.children()
    os.kill(before["rasa"], signal.SIGKILL)
    wait_until(lambda: not answers(run.rasa_url + "/"), 10, "the Rasa server still answers", run)
    wait_until(lambda: run.children().get("rasa") not in (None, before["rasa"]) and answers(run.rasa_url + "/"),
               240, "the Rasa server was not restarted", run)
    assert run.children()["actions"] == before["actions"]
    reply = run.say("sup-2", "my kitchen tap is leaking")
    assert "service request" in reply and TECHNICAL_PROBLEM not in reply
    assert "Rasa server exited (signal 9)" in run.supervisor_log()


def test_make_run_keeps_its_var_folder_0700_and_its_files_0600(run: Run):
    """Attack: another local user reads the generated API token, the action
    server's secret or the databases in the var folder. The folder (made
    0755 here beforehand) is 0700 and every file in it 0600."""
    run.say("sup-3", "hello")
    assert mode(run.var) == 0o700
    names = {path.name for path in run.var.iterdir()}
    assert {"rasa-auth-token", "action-server-secret", "conversations.db", "cases.db"} <= names
    for path in run.var.iterdir():
        assert mode(path) == 0o600, path


def test_make_run_puts_no_secret_on_a_command_line(run: Run):
    """Attack: read the generated Rasa API token or action server secret
    from `ps`. Neither is on any process's command line."""
    token = (run.var / "rasa-auth-token").read_text().strip()
    secret = (run.var / "action-server-secret").read_text().strip()
    assert len(token) >= 32 and len(secret) >= 32
    assert requests.get(f"{run.rasa_url}/status", params={"token": token}, timeout=10).status_code == 200
    for pid, line in command_lines().items():
        assert token not in line and secret not in line, pid


def test_sigterm_stops_everything(run: Run):
    """Ctrl+C / SIGTERM to `make run` still stops both servers (run last)."""
    servers = run.children()
    run.process.send_signal(signal.SIGTERM)
    assert run.process.wait(timeout=30) == 0  # the supervisor waits for both before it exits
    for pid in servers.values():
        status = Path(f"/proc/{pid}/status")
        assert not status.exists() or "zombie" in status.read_text(), f"server {pid} still runs"
    assert not answers(run.rasa_url + "/") and not answers(run.action_url + "/health")


def test_a_killed_supervisor_takes_its_servers_with_it(tmp_path: Path):
    """Fault: the supervisor itself is killed with SIGKILL (no clean-up can
    run). Its servers stop too, instead of running on with nothing to restart
    them and holding the ports a new `make run` needs."""
    with make_run(tmp_path) as running:
        servers = running.children()
        assert set(servers) == {"actions", "rasa"}
        running.process.kill()
        running.process.wait(timeout=10)

        def all_gone() -> bool:
            return all(not Path(f"/proc/{pid}/status").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
                       for pid in servers.values())

        try:
            deadline = time.monotonic() + 30
            while not all_gone() and time.monotonic() < deadline:
                time.sleep(0.25)
            assert all_gone(), "a server kept running after its supervisor was killed"
            assert not answers(running.rasa_url + "/") and not answers(running.action_url + "/health")
        finally:
            for pid in servers.values():  # never leave a server behind, whatever happened
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)

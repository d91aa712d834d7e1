"""`python -m server.supervise --model M [--cors ORIGINS]`: keep the assistant up.

Used by `make run` (scripts/run). It starts the action server and the Rasa
server, each in its own process group, and:

* restarts either one when it exits or is killed, after a back-off that
  doubles from 1 to 30 seconds (and starts again from 1 once a run has lasted
  a minute), logging each exit and restart;
* restarts one that answered its health check before and then has not
  answered for `SUPERVISOR_HUNG_SECONDS` (60), or that has not answered
  five minutes after it started (hung);
* gives up, stopping everything, when a program exits five times in a row
  without ever answering its health check (a configuration error, not a crash);
* on SIGINT (Ctrl+C), SIGTERM or SIGHUP stops both (SIGTERM, then SIGKILL after 15
  seconds) and exits.

While the action server is down the Rasa server keeps answering residents
with the "technical problem" message (channels.resident.never_silent).
For production, deploy/systemd/ has one unit per server instead.
"""
from __future__ import annotations

import argparse
import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import requests

from housing.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parent.parent
FIRST_BACKOFF, MAX_BACKOFF = 1.0, 30.0
STABLE_AFTER = 60.0  # a run this long resets the back-off
GIVE_UP_AFTER = 5  # exits in a row without ever being healthy
START_GRACE = 300.0  # a server not answering this long after it started is hung too
STOP_GRACE = 15.0
TICK = 0.5
logger = logging.getLogger("supervise")


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def next_backoff(previous: float, ran_for: float) -> float:
    """How long to wait before the next restart, given the last wait and how
    long the run that just ended lasted."""
    if ran_for >= STABLE_AFTER or previous <= 0:
        return FIRST_BACKOFF
    return min(previous * 2, MAX_BACKOFF)


@dataclass
class Program:
    """One supervised server: how to start it and how to tell that it answers."""

    name: str
    command: list[str]
    health_url: str
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    healthy_at: float | None = None  # last time the health check answered in this run
    backoff: float = 0.0
    restart_at: float | None = None
    failed_starts: int = 0


def assistant_programs(settings: Settings, rasa_port: int, model: Path, cors: str) -> list[Program]:
    """The action server and the Rasa server, as scripts/run starts them."""
    host = settings.bind_host
    python = sys.executable
    return [
        Program("action server", [python, "-m", "server.action_server"],
                f"http://{host}:{settings.action_port}/health"),
        Program("Rasa server", [python, "-m", "server", "run", "--model", str(model), "--enable-api",
                                "--interface", host, "--port", str(rasa_port), "--cors", cors,
                                "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
                f"http://{host}:{rasa_port}/"),
    ]


def die_with(supervisor: int) -> Callable[[], None]:
    """What a server runs before it starts: the kernel sends it SIGTERM when
    the supervisor dies, even by SIGKILL, so no server is left running with
    nothing to restart it (Linux prctl PR_SET_PDEATHSIG)."""

    def arrange() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != supervisor:  # the supervisor died before the line above
            os._exit(1)

    return arrange


def answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


class Supervisor:
    """Starts the programs, restarts them when they die or hang, stops them on a signal."""

    def __init__(self, programs: list[Program], ready_message: str = "", hung_after: float = 60.0) -> None:
        self.programs = programs
        self.ready_message = ready_message
        self.hung_after = hung_after  # no health answer for this long (after a first one) means hung
        self.stopping = False
        self.announced = False

    def start(self, program: Program) -> None:
        program.process = subprocess.Popen(program.command, cwd=ROOT, start_new_session=True,
                                           preexec_fn=die_with(os.getpid()))
        program.started_at = time.monotonic()
        program.healthy_at = None
        program.restart_at = None
        logger.info("%s started (pid %s)", program.name, program.process.pid)

    def kill(self, program: Program, sig: int) -> None:
        if program.process is not None and program.process.poll() is None:
            try:
                os.killpg(program.process.pid, sig)
            except ProcessLookupError:
                pass

    def exited(self, program: Program, now: float) -> None:
        """Schedule the restart of a program whose process has ended."""
        assert program.process is not None
        code = program.process.returncode
        ran_for = now - program.started_at
        program.failed_starts = program.failed_starts + 1 if program.healthy_at is None else 0
        if program.failed_starts >= GIVE_UP_AFTER:
            raise SystemExit(f"supervise: the {program.name} exited {GIVE_UP_AFTER} times without starting "
                             "(see the log above); stopping")
        program.backoff = next_backoff(program.backoff, ran_for)
        program.restart_at = now + program.backoff
        program.process = None
        logger.error("%s exited (%s) after %.0fs; restarting in %.0fs", program.name,
                     f"signal {-code}" if code < 0 else f"code {code}", ran_for, program.backoff)

    def check(self, program: Program, now: float) -> None:
        """Health-check a running program; kill it when it has hung."""
        if answers(program.health_url):
            if program.healthy_at is None:
                logger.info("%s answers at %s", program.name, program.health_url)
            program.healthy_at = now
        elif program.healthy_at is not None and now - program.healthy_at > self.hung_after:
            logger.error("%s has not answered for %.0fs; killing it", program.name, now - program.healthy_at)
            self.kill(program, signal.SIGKILL)
        elif program.healthy_at is None and now - program.started_at > START_GRACE:
            logger.error("%s has not answered since it started %.0fs ago; killing it", program.name,
                         now - program.started_at)
            self.kill(program, signal.SIGKILL)

    def tick(self) -> None:
        now = time.monotonic()
        for program in self.programs:
            if program.process is None:
                if program.restart_at is not None and now >= program.restart_at:
                    self.start(program)
            elif program.process.poll() is not None:
                self.exited(program, now)
            else:
                self.check(program, now)
        if not self.announced and all(p.healthy_at is not None for p in self.programs):
            self.announced = True
            logger.info("%s", self.ready_message or "ready")

    def stop(self, *_: object) -> None:
        self.stopping = True

    def run(self) -> int:
        for stop_signal in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(stop_signal, self.stop)
        try:
            for program in self.programs:
                self.start(program)
            while not self.stopping:
                self.tick()
                time.sleep(TICK)
            logger.info("stopping")
            return 0
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        for program in self.programs:
            self.kill(program, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for program in self.programs:
            if program.process is None:
                continue
            try:
                program.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.kill(program, signal.SIGKILL)
                program.process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m server.supervise", description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--rasa-port", type=int, required=True)
    parser.add_argument("--cors", required=True, help="origins allowed to call the Rasa server from a browser")
    parser.add_argument("--ready-message", default="", help="logged once both servers answer")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s supervise: %(message)s", datefmt="%H:%M:%S",
                        stream=sys.stderr)
    settings = get_settings()
    programs = assistant_programs(settings, args.rasa_port, args.model, args.cors)
    return Supervisor(programs, args.ready_message, settings.supervisor_hung_seconds).run()


if __name__ == "__main__":
    sys.exit(main())

"""Start the real action server alone (no Rasa server), for faults that need
only its background work: resuming sends at start-up, storing kept cases."""
from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from tests.servers import ROOT, _stop, _wait, free_port


def action_server_env(work: Path, cases_url: str, case_system_url: str | None, **extra: str) -> dict[str, str]:
    """The environment `running_assistant` gives the action server, with a fast
    background retry (1 s), short case-system timeouts and a short lease."""
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT), "ASSISTANT_VAR_DIR": str(work), "CASES_DATABASE_URL": cases_url,
        "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false",
        "CASE_SYSTEM_RETRY_INTERVAL": "1", "CASE_SYSTEM_TIMEOUT": "1", "CASE_SYSTEM_RETRIES": "2",
        "CASE_SYSTEM_LEASE_SECONDS": "4",
    })
    env.pop("CASE_SYSTEM_URL", None)
    if case_system_url:
        env["CASE_SYSTEM_URL"] = case_system_url
    env.update(extra)
    return env


@contextlib.contextmanager
def running_action_server(work: Path, env: dict[str, str], log_name: str = "actions.log") -> Iterator[str]:
    """The action server on a free port; yields its URL and stops it afterwards."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log = work / log_name
    with log.open("a") as out:
        proc = subprocess.Popen([sys.executable, "-m", "server.action_server"], cwd=ROOT,
                                env={**env, "BIND_HOST": "127.0.0.1", "ACTION_PORT": str(port),
                                     "ACTION_SERVER_SECRET": secrets.token_urlsafe(24)},
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait(f"http://127.0.0.1:{port}/health", proc, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(proc)

"""Sending to the case system across processes: pending cases resume when the
action server starts, and `python -m housing.cli sync` run beside the
assistant's background retry sends each case once and never overwrites an
external id. Real action server processes, real SQLite (and PostgreSQL when
TEST_POSTGRES_URL is set), the case system intercepted by a local recorder."""
from __future__ import annotations

import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from housing.cases import CaseStore, NewCase, Resident
from housing.cases.spool import CaseSpool
from tests.faults.action_server import action_server_env, running_action_server
from tests.faults.case_system_recorder import running_case_system
from tests.servers import ROOT

LONDON = ZoneInfo("Europe/London")


def log_cases(url: str, count: int, prefix: str) -> list[str]:
    """Cases logged while the case system was unreachable: stored, pending."""
    store = CaseStore(url, sync_enabled=True, timezone_name="Europe/London")
    try:
        return [store.create(NewCase(
            kind="service_request", category="repair", description=f"tap dripping ({prefix} {n})",
            received_at=datetime.now(LONDON), resident=Resident(name="Jane Smith"),
            conversation_id=f"{prefix}-{n}", idempotency_key=f"{prefix}-{n}")).reference for n in range(count)]
    finally:
        store.dispose()


def synced(url: str, references: list[str]) -> dict[str, tuple[str, str | None]]:
    store = CaseStore(url, sync_enabled=True, timezone_name="Europe/London")
    try:
        return {ref: (store.get(ref).sync_status, store.get(ref).external_id) for ref in references}
    finally:
        store.dispose()


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen in {timeout}s")


def test_pending_cases_are_sent_after_a_restart_without_a_new_complaint(database_url: str, tmp_path: Path) -> None:
    """Fault: the action server restarts with cases not yet sent (the case system was down); nobody logs anything new."""
    with running_case_system() as system:
        system.set_mode("500")
        env = action_server_env(tmp_path, database_url, system.url)
        with running_action_server(tmp_path, env):
            references = log_cases(database_url, 3, "before-restart")
            wait_until(lambda: all(system.for_case(r) for r in references), 15, "a first (failed) attempt per case")
        system.set_mode("ok")
        before = len(system.arrivals)
        time.sleep(2)
        assert len(system.arrivals) == before  # stopped: nothing sends
        assert all(status != "synced" for status, _ in synced(database_url, references).values())
        with running_action_server(tmp_path, env, "actions-restarted.log"):
            system.wait_for_accepted(references, timeout=15)
            time.sleep(2)
        state = synced(database_url, references)
        for reference in references:
            [accepted] = system.accepted(reference)
            assert state[reference] == ("synced", accepted.answered_id)


def test_cli_sync_beside_the_background_retry_sends_each_case_once(database_url: str, tmp_path: Path) -> None:
    """Fault: `python -m housing.cli sync` (twice at once) runs while the assistant's background retry sends the same cases."""
    with running_case_system() as system:
        system.set_mode("500")
        env = action_server_env(tmp_path, database_url, system.url, CASE_SYSTEM_TIMEOUT="3",
                                CASE_SYSTEM_LEASE_SECONDS="10")
        references = log_cases(database_url, 8, "beside-cli")
        with running_action_server(tmp_path, env):
            wait_until(lambda: all(system.for_case(r) for r in references), 15, "a first (failed) attempt per case")
            system.delay = 0.3  # slow answers, so the senders overlap
            system.set_mode("ok")
            cli = [subprocess.Popen([sys.executable, "-m", "housing.cli", "sync"], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
            outputs = [proc.communicate(timeout=60)[0] for proc in cli]
            system.wait_for_accepted(references, timeout=20)
            time.sleep(3)  # the background retry keeps running: a synced case is never sent again
            again = subprocess.run([sys.executable, "-m", "housing.cli", "sync"], cwd=ROOT, env=env,
                                   capture_output=True, text=True, timeout=60)
        assert "attempted 0" in again.stdout, again.stdout + again.stderr
        state = synced(database_url, references)
        for reference in references:
            ok_requests = [a for a in system.for_case(reference) if a.mode == "ok"]
            assert len(ok_requests) == 1, (reference, ok_requests, outputs)
            assert state[reference] == ("synced", ok_requests[0].answered_id)


def test_cli_sync_stores_cases_kept_while_the_store_was_down(database_url: str, tmp_path: Path) -> None:
    """Fault: cases were kept in the spool while the store was down; staff run `housing.cli sync` once it is back."""
    spool = CaseSpool(tmp_path / "case-spool")
    for n in range(2):
        spool.keep(NewCase(kind="complaint", category="repairs", description=f"damp in the bedroom ({n})",
                           received_at=datetime.now(LONDON), resident=Resident(name="Jane Smith"),
                           conversation_id=f"kept-{n}", idempotency_key=f"kept-{n}"), ("a note",))
    env = action_server_env(tmp_path, database_url, None)
    outputs = [subprocess.run([sys.executable, "-m", "housing.cli", "sync"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60) for _ in range(2)]
    assert "stored 2 kept case(s) from the spool" in outputs[0].stdout, outputs[0].stdout + outputs[0].stderr
    assert "stored" not in outputs[1].stdout and "No case system configured" in outputs[1].stdout
    store = CaseStore(database_url, sync_enabled=False, timezone_name="Europe/London")
    try:
        stored = store.list()
        assert sorted(case.idempotency_key for case in stored) == ["kept-0", "kept-1"]
        assert all([h.detail for h in case.history if h.kind == "note"] == ["a note"] for case in stored)
    finally:
        store.dispose()
    assert not list((tmp_path / "case-spool").glob("*.json"))

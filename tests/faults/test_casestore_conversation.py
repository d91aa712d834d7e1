"""Faults of the case store and the landlord's case system, against the real
Rasa server and action server, with the case system intercepted by a local
recording server (tests/faults/case_system_recorder.py).

The case database lives on its own small tmpfs, so a test can fill it (a full
disk) or make it immutable (`chattr +i` on the file and its folder: as root,
chmod does not stop writes, the immutable attribute does). Conversations and
the case spool stay on the normal disk.
"""
from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from housing.cases.store import CaseStore
from tests.faults.case_system_recorder import CaseSystem, running_case_system
from tests.faults.storage import chattr_works, fill, set_immutable, small_filesystem
from tests.servers import Assistant, running_assistant

LEASE = 4.0  # CASE_SYSTEM_LEASE_SECONDS for the action server
KEPT = "your request is saved and nothing you told me is lost"


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


@pytest.fixture(scope="module")
def case_system() -> Iterator[CaseSystem]:
    with running_case_system() as system:
        yield system


@pytest.fixture(scope="module")
def casedb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with small_filesystem(tmp_path_factory.mktemp("casedb-mount") / "casedb", "4m") as folder:
        try:
            yield folder
        finally:
            subprocess.run(["chattr", "-i", str(folder), str(folder / "cases.db")], capture_output=True)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, case_system: CaseSystem, casedb: Path) -> Iterator[Assistant]:
    work = tmp_path_factory.mktemp("casestore-assistant")
    extra = {
        "CASES_DATABASE_URL": f"sqlite:///{casedb / 'cases.db'}",
        "CASE_SYSTEM_URL": case_system.url, "CASE_SYSTEM_TIMEOUT": "1", "CASE_SYSTEM_RETRIES": "2",
        "CASE_SYSTEM_RETRY_INTERVAL": "1", "CASE_SYSTEM_LEASE_SECONDS": str(LEASE),
    }
    with running_assistant(work, extra_env=extra) as running:
        yield running


def report_a_repair(assistant: Assistant, sender: str, before_last=None) -> tuple[str, float]:
    """A resident logs a service request over REST; `before_last()` runs just
    before their last answer. Returns the last reply and how long it took."""
    assert "What's the problem?" in texts(assistant.say(sender, "Report a problem"))
    assert "How would you like me to log it?" in texts(
        assistant.say(sender, "the bath panel has come off and the pipes are showing"))
    for answer in ("service request", "Kayleigh Brown", "07700 900456"):
        assistant.say(sender, answer)
    if before_last:
        before_last()
    started = time.monotonic()
    reply = texts(assistant.say(sender, "LS1 1AA"))
    return reply, time.monotonic() - started


def cases_of(assistant: Assistant, sender: str) -> list[sa.Row]:
    engine = sa.create_engine(assistant.cases_url, future=True)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(
                "SELECT reference, idempotency_key, sync_status, external_id FROM cases "
                "WHERE conversation_id LIKE :sender ORDER BY id"), {"sender": f"%{sender}"}).all()
    finally:
        engine.dispose()


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen in {timeout}s")


def spooled(assistant: Assistant) -> list[Path]:
    return list((assistant.log_dir / "case-spool").glob("*.json"))


def assert_sent_exactly_once(assistant: Assistant, case_system: CaseSystem, sender: str) -> None:
    """Once the case system is back: one accepted request, recorded, and nothing sent again."""
    case_system.set_mode("ok")
    [row] = wait_until(lambda: [r for r in cases_of(assistant, sender) if r.sync_status == "synced"] or None,
                       20, "the case being synced")
    time.sleep(LEASE + 2)  # any stray second attempt would arrive by now
    accepted = case_system.accepted(row.reference)
    assert len(accepted) == 1, [(a.mode, a.answered_id) for a in case_system.for_case(row.reference)]
    assert row.external_id == accepted[0].answered_id
    assert all(a.key == row.reference for a in case_system.for_case(row.reference))  # Idempotency-Key
    assert len(cases_of(assistant, sender)) == 1


def test_store_made_read_only_mid_conversation_keeps_the_case_and_stores_it_once(
        assistant: Assistant, case_system: CaseSystem, casedb: Path) -> None:
    """Fault: cases.db becomes unwritable (chattr +i on the file and its folder) just before the last answer."""
    if not chattr_works(casedb):
        pytest.skip("chattr +i does not stop writes here")
    case_system.set_mode("ok")
    sender = f"ro-{uuid.uuid4().hex[:8]}"
    assistant.say("warm-up", "hello")  # the database exists before it is made immutable
    CaseStore(assistant.cases_url).list(limit=1)
    frozen = [casedb / "cases.db", casedb]
    try:
        reply, took = report_a_repair(assistant, sender, before_last=lambda: set_immutable(frozen, True))
        assert KEPT in reply and "SR-" not in reply, reply
        assert "call us on" in reply
        assert took < 5, f"the resident waited {took:.1f}s"
        assert cases_of(assistant, sender) == []
        assert len(spooled(assistant)) == 1
    finally:
        set_immutable(frozen, False)
    [row] = wait_until(lambda: cases_of(assistant, sender), 15, "the kept case being stored")
    assert row.reference.startswith("SR-")
    wait_until(lambda: not spooled(assistant), 10, "the spool emptying")
    assert_sent_exactly_once(assistant, case_system, sender)


def test_store_on_a_full_disk_keeps_the_case_and_stores_it_once(
        assistant: Assistant, case_system: CaseSystem, casedb: Path) -> None:
    """Fault: the file system holding cases.db is full just before the last answer."""
    case_system.set_mode("ok")
    sender = f"full-{uuid.uuid4().hex[:8]}"
    filler: list[Path] = []
    try:
        reply, took = report_a_repair(assistant, sender, before_last=lambda: filler.append(fill(casedb)))
        assert KEPT in reply and "SR-" not in reply, reply
        assert took < 5, f"the resident waited {took:.1f}s"
        assert cases_of(assistant, sender) == []
    finally:
        for path in filler:
            path.unlink()
    [row] = wait_until(lambda: cases_of(assistant, sender), 15, "the kept case being stored")
    assert row.reference.startswith("SR-")
    assert_sent_exactly_once(assistant, case_system, sender)


def _case_system_fails(assistant: Assistant, case_system: CaseSystem, mode: str, failing_for: float) -> None:
    case_system.set_mode(mode)
    sender = f"{mode}-{uuid.uuid4().hex[:8]}"
    reply, took = report_a_repair(assistant, sender)
    assert "SR-" in reply and took < 5, (reply, took)
    [row] = cases_of(assistant, sender)
    wait_until(lambda: case_system.for_case(row.reference), 10, "a first attempt")
    time.sleep(failing_for)
    attempts = case_system.for_case(row.reference)
    assert case_system.most_in_flight(row.reference) == 1 or mode == "hang"
    if mode in ("hang", "close"):
        # In doubt: nothing is sent again until the lease has run out.
        gaps = [b.arrived - a.arrived for a, b in zip(attempts, attempts[1:])]
        assert all(gap >= LEASE - 0.5 for gap in gaps), gaps
        assert len(attempts) <= failing_for / LEASE + 2, len(attempts)
    assert_sent_exactly_once(assistant, case_system, sender)


def test_case_system_answering_500_gets_the_case_once_after_it_recovers(
        assistant: Assistant, case_system: CaseSystem) -> None:
    """Fault: the case system answers HTTP 500 to every request for a while."""
    _case_system_fails(assistant, case_system, "500", failing_for=4)


def test_hung_case_system_gets_one_attempt_at_a_time_and_the_case_once(
        assistant: Assistant, case_system: CaseSystem) -> None:
    """Fault: the case system hangs (takes requests, never answers) for a while."""
    _case_system_fails(assistant, case_system, "hang", failing_for=10)


def test_case_system_closing_the_connection_gets_the_case_once_after_it_recovers(
        assistant: Assistant, case_system: CaseSystem) -> None:
    """Fault: the case system closes the connection without answering, for a while."""
    _case_system_fails(assistant, case_system, "close", failing_for=8)

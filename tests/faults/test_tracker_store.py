"""The conversations store against the real servers (TRACKER_DB, README
"Conversations"): with PostgreSQL a conversation survives a restart of the
Rasa server; a TRACKER_DB that cannot be used stops the Rasa server with a
message naming it, never a server that answers with conversations in memory.

PostgreSQL is a throwaway cluster of our own (scripts/postgres-test-server.sh:
a free port and a fresh folder), stopped at the end.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests
import sqlalchemy as sa

from channels.resident import technical_problem_text
from housing.cases.store import CaseStore
from housing.settings import ROOT
from tests.servers import MODEL, Assistant, free_port, rest_id, running_assistant

SCRIPT = ROOT / "scripts" / "postgres-test-server.sh"

pytestmark = pytest.mark.skipif(not glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                                reason="PostgreSQL is not installed (scripts/postgres-test-server.sh installs it as root)")


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="tracker-pg-"))  # under /tmp, where the cluster owner can reach it
    started = subprocess.run(["bash", str(SCRIPT), "start", str(folder)], capture_output=True, text=True,
                             timeout=120)
    try:
        assert started.returncode == 0, started.stderr
        yield started.stdout.strip()
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(folder)], capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def assistant_on_postgres(tmp_path_factory: pytest.TempPathFactory, postgres_url: str) -> Iterator[Assistant]:
    with running_assistant(tmp_path_factory.mktemp("tracker-pg"), extra_env={"TRACKER_DB": postgres_url}) as running:
        yield running


def test_a_conversation_on_postgresql_survives_a_restart_of_the_rasa_server(
        assistant_on_postgres: Assistant, postgres_url: str) -> None:
    """TRACKER_DB=postgresql://...: half-way through a complaint the Rasa server is restarted; the form
    carries on where it was and the read-back holds what was said before and after the restart."""
    assistant, sender = assistant_on_postgres, f"pg-{uuid.uuid4().hex[:8]}"
    assistant.say(sender, "hello")
    assistant.say(sender, "my tap is STILL leaking despite numerous visits from your plumber, I'm sick of it")
    before = texts(assistant.say(sender, "since about 2 months ago"))

    assistant.restart_rasa()

    after = texts(assistant.say(sender, "fix the tap properly and say sorry"))
    assert after and after != before  # the next question of the form, not the menu or a greeting
    assert "automated assistant" not in after
    for text in ("I'm the tenant", "Maria Lopez", "maria.lopez@example.com", "LS1 4AP", "large print please"):
        assistant.say(sender, text)
    readback = texts(assistant.say(sender, "email"))
    assert "STILL leaking" in readback  # said before the restart
    assert "fix the tap properly and say sorry" in readback and "Maria Lopez" in readback
    ack = texts(assistant.say(sender, "yes"))
    assert "CMP-" in ack
    case = CaseStore(assistant.cases_url).list(kind="complaint")[0]
    assert case.reference in ack and "STILL leaking" in case.description

    # The conversation is in PostgreSQL, and nothing went to an SQLite file.
    engine = sa.create_engine(postgres_url)
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": rest_id(sender)}).scalar()
    engine.dispose()
    assert stored > 20
    assert not (assistant.log_dir / "conversations.db").exists()


def test_a_database_error_mid_conversation_is_never_answered_from_memory(
        assistant_on_postgres: Assistant, postgres_url: str) -> None:
    """The events table disappears mid-complaint (as when the database fails): the turn is not
    answered as a new conversation kept in memory (Rasa's FailSafeTrackerStore would do that);
    once the table is back, the complaint carries on exactly where it was."""
    assistant = assistant_on_postgres
    walk = ["hello", "my tap is STILL leaking despite numerous visits from your plumber, I'm sick of it",
            "since about 2 months ago", "fix the tap properly and say sorry"]
    control, sender = f"ctl-{uuid.uuid4().hex[:8]}", f"outage-{uuid.uuid4().hex[:8]}"
    expected = [texts(assistant.say(control, text)) for text in walk][-1]
    for text in walk[:-1]:
        assistant.say(sender, text)
    engine = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("ALTER TABLE events RENAME TO events_away"))
        during = texts(assistant.say(sender, walk[-1]))
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text("ALTER TABLE events_away RENAME TO events"))
        engine.dispose()
    assert during == technical_problem_text()  # the kind message, nothing said as if the conversation were new
    assert texts(assistant.say(sender, walk[-1])) == expected


def _start_rasa_expecting_failure(work: Path, tracker_db: str) -> tuple[int, str, bool]:
    """Start the Rasa server as scripts/run does with this TRACKER_DB; its exit code, output, and
    whether its port ever answered."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT), ASSISTANT_VAR_DIR=str(work), TRACKER_DB=tracker_db,
               TRACKER_DB_CONNECT_TIMEOUT="2", CASES_DATABASE_URL=f"sqlite:///{work / 'cases.db'}",
               ACTION_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}/webhook", RASA_TELEMETRY_ENABLED="false",
               TF_CPP_MIN_LOG_LEVEL="2", RASA_AUTH_TOKEN="test-token", ACTION_SERVER_SECRET="test-secret")
    proc = subprocess.Popen([sys.executable, "-m", "server", "run", "--model", str(MODEL), "--enable-api",
                             "--interface", "127.0.0.1", "--port", str(port),
                             "--credentials", "credentials.yml", "--endpoints", "endpoints.yml"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    answered = False
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            answered = True
        except requests.RequestException:
            time.sleep(0.5)
    if proc.poll() is None:
        os.killpg(proc.pid, 9)
    output = proc.communicate(timeout=30)[0]
    return proc.returncode, output, answered


def test_unreachable_postgresql_stops_the_rasa_server_with_a_message(tmp_path: Path) -> None:
    """TRACKER_DB names a PostgreSQL nobody listens on: the server gives up after
    TRACKER_DB_CONNECT_TIMEOUT seconds, exits non-zero and says why; it never answers."""
    code, output, answered = _start_rasa_expecting_failure(
        tmp_path, f"postgresql://rasa:s3cret@127.0.0.1:{free_port()}/conversations")
    assert code != 0 and not answered
    assert "TRACKER_DB cannot be used" in output and "did not answer within 2 s" in output
    assert "s3cret" not in output


def test_an_sqlite_folder_that_cannot_be_made_stops_the_rasa_server_with_a_message(tmp_path: Path) -> None:
    """TRACKER_DB is a file inside something that is not a folder: exit non-zero with the reason."""
    (tmp_path / "not-a-folder").write_text("x")
    code, output, answered = _start_rasa_expecting_failure(tmp_path, str(tmp_path / "not-a-folder" / "c.db"))
    assert code != 0 and not answered
    assert "TRACKER_DB cannot be used: the folder" in output


def test_another_database_scheme_stops_the_rasa_server_with_a_message(tmp_path: Path) -> None:
    """TRACKER_DB=mysql://...: refused (only PostgreSQL or an SQLite file), exit non-zero."""
    code, output, answered = _start_rasa_expecting_failure(tmp_path, "mysql://rasa:s3cret@localhost/conversations")
    assert code != 0 and not answered
    assert "TRACKER_DB cannot be used: 'mysql://' is not a supported database" in output
    assert "s3cret" not in output

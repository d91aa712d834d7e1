"""server/conversation_store.py on real databases (SQLite always, PostgreSQL
when TEST_POSTGRES_URL is set): TRACKER_DB is read, checked and refused
loudly; long conversations are loaded as a bounded window with exactly the
state a full replay gives; every event is stored once."""
from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

from housing.settings import ROOT, get_settings
from server.conversation_store import ConversationStore, install
from server.tracker_db import TrackerDbError, parse_tracker_db
from server.tracker_window import KEEP_TURNS, STEP_TURNS, same_state
from tests.servers import free_port

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def _store(monkeypatch: pytest.MonkeyPatch, tracker_db: str | None, timeout: str = "30") -> ConversationStore:
    if tracker_db is None:
        monkeypatch.delenv("TRACKER_DB", raising=False)
    else:
        monkeypatch.setenv("TRACKER_DB", tracker_db)
    monkeypatch.setenv("TRACKER_DB_CONNECT_TIMEOUT", timeout)
    get_settings.cache_clear()
    try:
        return ConversationStore(domain=DOMAIN)
    finally:
        get_settings.cache_clear()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
          ) -> Iterator[ConversationStore]:
    if request.param == "sqlite":
        yield _store(monkeypatch, str(tmp_path / "conversations.db"))
        return
    base = os.environ.get("TEST_POSTGRES_URL")
    if not base:
        pytest.skip("TEST_POSTGRES_URL not set (see scripts/postgres-test-server.sh)")
    name = "trk_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    store = _store(monkeypatch, sa.engine.make_url(base).set(database=name).render_as_string(hide_password=False))
    try:
        yield store
    finally:
        store.engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}"'))
        admin.dispose()


# ------------------------------------------------------------ the setting


def test_a_file_path_is_sqlite_and_a_relative_one_is_taken_from_the_project(tmp_path: Path) -> None:
    """TRACKER_DB=var/x.db is SQLite under the project folder; an absolute path is kept."""
    assert parse_tracker_db("var/x.db", tmp_path).sqlite_file == tmp_path / "var" / "x.db"
    assert parse_tracker_db("/srv/c.db", tmp_path).sqlite_file == Path("/srv/c.db")


def test_a_postgresql_url_is_postgresql_and_its_password_is_never_shown() -> None:
    """postgresql://user:pass@host:port/db is PostgreSQL; messages show it without the password."""
    db = parse_tracker_db("postgresql://rasa:s3cret@db.example:5433/conversations", ROOT)
    assert db.sqlite_file is None
    assert (db.url.host, db.url.port, db.url.database, db.url.username) == ("db.example", 5433, "conversations",
                                                                           "rasa")
    assert "s3cret" not in db.shown


@pytest.mark.parametrize("value, reason", [
    ("mysql://u:p@h/db", "'mysql://' is not a supported database"),
    ("redis://localhost", "'redis://' is not a supported database"),
    ("sqlite:///var/x.db", "plain file path"),
    ("postgresql://u:s3cret@h:notaport/db", "not a valid PostgreSQL URL"),
    ("postgresql://u@h:70000/db", "out of range"),
    ("postgresql://u@h", "names no database"),
    ("postgresql:///db", "no host"),
])
def test_an_unusable_value_is_refused_with_a_message_naming_the_setting(value: str, reason: str) -> None:
    """A bad URL or another database's scheme is refused, naming TRACKER_DB, never echoing a password."""
    with pytest.raises(TrackerDbError) as refused:
        parse_tracker_db(value, ROOT)
    assert str(refused.value).startswith("TRACKER_DB cannot be used")
    assert reason in str(refused.value)
    assert "s3cret" not in str(refused.value)


def test_an_sqlite_folder_that_cannot_be_made_stops_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TRACKER_DB inside a path whose 'folder' is a file: refused at once, naming the setting."""
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(TrackerDbError, match="TRACKER_DB cannot be used: the folder .*a-file.* cannot be made"):
        _store(monkeypatch, str(tmp_path / "a-file" / "conversations.db"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write any folder")
def test_an_sqlite_folder_without_write_permission_stops_the_store(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only folder: refused, naming the setting."""
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    with pytest.raises(TrackerDbError, match="cannot be written"):
        _store(monkeypatch, str(folder / "conversations.db"))


def test_unreachable_postgresql_is_retried_for_the_timeout_then_stops_the_store(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing listening on the port: retried for TRACKER_DB_CONNECT_TIMEOUT seconds, not for ever."""
    url = f"postgresql://rasa:s3cret@127.0.0.1:{free_port()}/conversations"
    started = time.monotonic()
    with pytest.raises(TrackerDbError) as refused:
        _store(monkeypatch, url, timeout="2")
    assert time.monotonic() - started < 10
    assert "did not answer within 2 s" in str(refused.value)
    assert "s3cret" not in str(refused.value)


def test_the_default_is_sqlite_in_the_var_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TRACKER_DB unset: ASSISTANT_VAR_DIR/conversations.db (var/conversations.db by default)."""
    monkeypatch.setenv("ASSISTANT_VAR_DIR", str(tmp_path / "var"))
    store = _store(monkeypatch, None)
    asyncio.run(store.save(_new_tracker("default-1", [ActionExecuted("action_listen")])))
    assert (tmp_path / "var" / "conversations.db").exists()
    assert asyncio.run(store.retrieve("default-1")) is not None


# ------------------------------------------------------------ long conversations


def _new_tracker(sender: str, events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, DOMAIN.slots)


def _turn(number: int) -> list[Event]:
    """One resident message and the assistant's answer, with a slot or two, as Rasa logs them; a
    complaint form runs from turn 40 to 70, a person has the conversation from 80 to 90, a new
    session starts at 150 and 'ask again' reverts a turn every 13th turn."""
    user = UserUttered(f"message {number}", {"name": "ask_timescales", "confidence": 1.0})
    if number % 13 == 12:
        return [user, UserUtteranceReverted(), ActionExecuted("action_listen")]
    if number == 150:
        return [ActionExecuted("action_session_start"), SessionStarted(),
                SlotSet("landlord_name", "Carried Over HA"), ActionExecuted("action_listen"), user,
                ActionExecuted("action_greet"), BotUttered("hello again"), ActionExecuted("action_listen")]
    if number == 40:
        return [user, ActionExecuted("complaint_form"), ActiveLoop("complaint_form"),
                SlotSet("requested_slot", "complaint_description"), ActionExecuted("action_listen")]
    if 40 < number < 70:
        return [user, ActionExecuted("complaint_form"), SlotSet("complaint_description", f"story {number}"),
                SlotSet("requested_slot", "complaint_when"), ActionExecuted("action_listen")]
    if number == 70:
        return [user, ActionExecuted("complaint_form"), ActiveLoop(None), SlotSet("requested_slot", None),
                ActionExecuted("action_log_complaint"), SlotSet("last_case_reference", "CMP-2026-000001"),
                ActionExecuted("action_listen")]
    if number == 80:
        return [user, ActionExecuted("action_handoff"), ConversationPaused(), ActionExecuted("action_listen")]
    if 80 < number < 90:
        return [user]  # paused: stored, no action
    if number == 90:
        return [ConversationResumed(), user, ActionExecuted("action_answer_question"),
                ActionExecuted("action_listen")]
    return [user, ActionExecuted("action_answer_question"), BotUttered(f"answer {number}"),
            SlotSet("last_answer_topic", f"topic {number % 3}"), SlotSet("fallback_count", number % 2),
            ActionExecuted("action_listen")]


def _states_since_last_message(tracker: DialogueStateTracker) -> int:
    applied = tracker.applied_events()
    users = [i for i, e in enumerate(applied) if isinstance(e, UserUttered)]
    return 1 + sum(isinstance(e, ActionExecuted) for e in applied[users[-1]:]) if users else 1


def _stored(store: ConversationStore, sender: str) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender})
        return [json.loads(data) for (data,) in rows]


def test_a_long_conversation_is_loaded_as_a_bounded_window_with_the_full_state(store: ConversationStore) -> None:
    """Each of 200 turns: the tracker Rasa gets has at most a window's events, and the same slots,
    form, pause and last action as replaying the whole session; the states the rule policy matches
    (from the resident's latest message on: every rule here is within one turn) are the same;
    every event is stored exactly once, in order."""
    sender = "long-" + uuid.uuid4().hex[:8]
    made: list[dict] = []
    sizes = []

    async def run() -> None:
        tracker = _new_tracker(sender, [ActionExecuted("action_session_start"), SessionStarted(),
                                        ActionExecuted("action_listen")])
        made.extend(event.as_dict() for event in tracker.events)
        await store.save(tracker)
        for number in range(200):
            tracker = await store.retrieve(sender)
            assert tracker is not None
            for event in _turn(number):
                tracker.update(event, DOMAIN)
                made.append(event.as_dict())
            await store.save(tracker)

            window = await store.retrieve(sender)
            session = _stored(store, sender)
            starts = [i for i, e in enumerate(session) if e["event"] == "session_started"]
            whole = DialogueStateTracker.from_dict(sender, session[starts[-1]:], DOMAIN.slots)
            sizes.append(len(window.events))
            assert same_state(window, whole), f"turn {number}"
            turn_states = _states_since_last_message(window)
            assert window.past_states(DOMAIN)[-turn_states:] == whole.past_states(DOMAIN)[-turn_states:], number

    asyncio.run(run())
    assert _stored(store, sender) == made
    # Bounded: never more than the window's turns (about 6 events each) plus the state events.
    assert max(sizes) < (KEEP_TURNS + STEP_TURNS) * 6 + len(DOMAIN.slots) + 10
    assert max(sizes) < len(made) / 3  # the window was used, not the whole conversation
    full = asyncio.run(store.retrieve_full_tracker(sender))
    assert len(full.events) == len(made)


def test_a_paused_conversation_stays_paused_when_the_pause_is_before_the_window(store: ConversationStore) -> None:
    """A person took over 60 messages ago and the resident kept writing: the window starts long
    after the pause, and the tracker is still paused."""
    sender = "paused-" + uuid.uuid4().hex[:8]

    async def run() -> DialogueStateTracker:
        tracker = _new_tracker(sender, [ActionExecuted("action_session_start"), SessionStarted(),
                                        ActionExecuted("action_listen"),
                                        UserUttered("talk to a person", {"name": "human_handoff", "confidence": 1}),
                                        ActionExecuted("action_handoff"), SlotSet("handoff_reason", "asked"),
                                        ConversationPaused(), ActionExecuted("action_listen")])
        await store.save(tracker)
        for number in range(60):
            tracker = await store.retrieve(sender)
            tracker.update(UserUttered(f"hello? {number}", {"name": "greet", "confidence": 1}), DOMAIN)
            await store.save(tracker)
        return await store.retrieve(sender)

    tracker = asyncio.run(run())
    assert len(tracker.events) < KEEP_TURNS + STEP_TURNS + 15
    assert not any(isinstance(e, ConversationPaused) for e in _stored_part(tracker))
    assert tracker.is_paused()
    assert tracker.get_slot("handoff_reason") == "asked"


def _stored_part(tracker: DialogueStateTracker) -> list[Event]:
    loaded = getattr(tracker, "_conversation_store_loaded")
    return list(tracker.events)[loaded.prefix:]


def test_a_new_session_is_loaded_from_its_start_only(store: ConversationStore) -> None:
    """Like Rasa's own SQL store, retrieve gives the latest session; the full tracker gives all."""
    sender = "sessions-" + uuid.uuid4().hex[:8]

    async def run() -> tuple[DialogueStateTracker, DialogueStateTracker]:
        first = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
                 UserUttered("hi", {"name": "greet", "confidence": 1}), ActionExecuted("action_greet"),
                 ActionExecuted("action_listen")]
        tracker = _new_tracker(sender, first)
        await store.save(tracker)
        tracker = await store.retrieve(sender)
        for event in [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]:
            tracker.update(event)
        await store.save(tracker)
        return await store.retrieve(sender), await store.retrieve_full_tracker(sender)

    latest, full = asyncio.run(run())
    assert [e.type_name for e in latest.events] == ["session_started", "action"]
    assert len(full.events) == 9


def test_rasa_uses_the_store_unwrapped_so_a_database_error_is_never_hidden(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """After install() (python -m server runs it) the Agent keeps our store as it is, not in a
    FailSafeTrackerStore that would answer a failing database with a new conversation in memory."""
    install()
    store = _store(monkeypatch, str(tmp_path / "conversations.db"))
    assert Agent(tracker_store=store).tracker_store is store
    assert isinstance(Agent(tracker_store=InMemoryTrackerStore(DOMAIN)).tracker_store, FailSafeTrackerStore)
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE events"))
    with pytest.raises(sa.exc.OperationalError):
        asyncio.run(store.retrieve("anyone"))

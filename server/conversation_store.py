"""The Rasa tracker store for conversations (endpoints.yml `tracker_store`).

One setting, TRACKER_DB (housing/settings.py), names the database: an SQLite
file or a PostgreSQL URL (server/tracker_db.py). Events are stored in Rasa's
own `events` table, so the data is what Rasa's SQLTrackerStore keeps. What is
ours:

* **It fails loudly.** A TRACKER_DB that cannot be used (a bad URL, another
  database, PostgreSQL unreachable for TRACKER_DB_CONNECT_TIMEOUT seconds, an
  SQLite folder that cannot be written) raises `TrackerDbError` at start-up and
  the Rasa server exits (status 1) with that message, instead of Rasa's fall-back
  to a store in memory or its endless retries.
* **A database error reaches the channel.** Rasa's Agent wraps every store
  in a FailSafeTrackerStore, which on an error hands the turn a new, empty
  conversation and keeps it in memory: the resident is answered out of
  context and the turn is lost. `install()` (run by `python -m server`)
  makes the Agent use this store as it is.
* **A turn costs the same at turn 1,000 as at turn 30.** `retrieve` loads a
  window: state events standing for everything before a cut (kept in the
  `conversation_windows` table) and the stored events after it
  (server/tracker_window.py), so Rasa replays, predicts on and sends the
  action server a bounded tracker. `save` writes only the new events.
  `retrieve_full_tracker` (the HTTP API's GET .../tracker, which the staff
  console reads) still gives every event.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Optional, Sequence

import sqlalchemy as sa
from rasa.core.agent import Agent
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import declarative_base, sessionmaker

from housing.settings import ROOT, get_settings
from server.tracker_db import SETTING, TrackerDb, TrackerDbError, parse_tracker_db
from server.tracker_window import cut_index, deserialise, replay, same_state, state_events

log = logging.getLogger(__name__)

RETRY_INTERVAL_S = 1.0
CONNECT_TIMEOUT_S = 5  # per PostgreSQL connection attempt

Event_ = SQLTrackerStore.SQLEvent
WindowBase = declarative_base()


class ConversationWindow(WindowBase):
    """The state of a conversation just after event `event_id` (JSON list of events)."""

    __tablename__ = "conversation_windows"
    sender_id = sa.Column(sa.String(255), primary_key=True)
    event_id = sa.Column(sa.Integer, nullable=False)
    state = sa.Column(sa.Text, nullable=False)


# Rasa's table has an index on sender_id only; these make "the latest session
# start" and "the events after the cut" index look-ups on a long conversation.
INDEXES = (
    sa.Index("ix_events_sender_type_id", Event_.sender_id, Event_.type_name, Event_.id),
    sa.Index("ix_events_sender_id_id", Event_.sender_id, Event_.id),
)


@dataclass
class Loaded:
    """What a tracker handed out by this store holds: `prefix` state events
    (not stored as events), then the stored events with these ids."""

    prefix: int
    ids: list[int] = field(default_factory=list)


LOADED_ATTR = "_conversation_store_loaded"


def _loaded(tracker: DialogueStateTracker) -> Loaded | None:
    return getattr(tracker, LOADED_ATTR, None)


def _mark(tracker: DialogueStateTracker, loaded: Loaded) -> DialogueStateTracker:
    setattr(tracker, LOADED_ATTR, loaded)
    return tracker


def connect(db: TrackerDb, timeout_s: float) -> sa.engine.Engine:
    """An engine on `db` with the tables made, or TrackerDbError: PostgreSQL is
    retried for `timeout_s` seconds, SQLite is tried once."""
    if db.sqlite_file is not None:
        folder = db.sqlite_file.parent
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise TrackerDbError(f"the folder {folder} cannot be made ({error.strerror})") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise TrackerDbError(f"the folder {folder} cannot be written")
        engine = sa.create_engine(db.url)
        try:
            _create_tables(engine)
        except sa.exc.SQLAlchemyError as error:
            engine.dispose()
            raise TrackerDbError(f"SQLite file {db.sqlite_file} cannot be written ({_reason(error)})") from None
        return engine
    engine = sa.create_engine(db.url, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            _create_tables(engine)
            return engine
        except sa.exc.OperationalError as error:
            if time.monotonic() + RETRY_INTERVAL_S > deadline:
                engine.dispose()
                raise TrackerDbError(f"PostgreSQL at {db.shown} did not answer within {timeout_s:g} s "
                                     f"({_reason(error)})") from None
            log.warning("%s: waiting for PostgreSQL at %s (%s)", SETTING, db.shown, _reason(error))
            time.sleep(RETRY_INTERVAL_S)
        except sa.exc.SQLAlchemyError as error:
            engine.dispose()
            raise TrackerDbError(f"PostgreSQL at {db.shown} refused to store conversations ({_reason(error)})") \
                from None


def _create_tables(engine: sa.engine.Engine) -> None:
    with engine.begin() as conn:
        SQLTrackerStore.Base.metadata.create_all(conn, tables=[Event_.__table__])
        WindowBase.metadata.create_all(conn)
        for index in INDEXES:
            index.create(conn, checkfirst=True)


def _reason(error: sa.exc.SQLAlchemyError) -> str:
    """The database's own words, first line only (never the URL or a password)."""
    original = getattr(error, "orig", None) or error
    return (str(original).strip().splitlines() or [type(original).__name__])[0]


class ConversationStore(SQLTrackerStore):
    """Conversations in the database TRACKER_DB names; see the module docstring."""

    def __init__(self, domain: Optional[Domain] = None, event_broker: Optional[EventBroker] = None,
                 **_endpoint_keys: Any) -> None:
        # Everything comes from the settings; endpoints.yml only names this class.
        settings = get_settings()
        db = parse_tracker_db(settings.tracker_db, ROOT)
        try:
            self.engine = connect(db, settings.tracker_db_connect_timeout)
        except (ImportError, AttributeError) as error:
            # Rasa would take these for "no such store class" and carry on in memory.
            raise TrackerDbError(f"the database driver could not be loaded ({error})") from None
        self.sessionmaker = sessionmaker(bind=self.engine)
        log.info("Conversations are kept in %s", db.shown)
        TrackerStore.__init__(self, domain, event_broker)

    # ---------------------------------------------------------------- reading

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The current session: the window's state events and the events after its cut."""
        with self.session_scope() as session:
            session_start = session.query(sa.func.max(Event_.id)).filter(
                Event_.sender_id == sender_id, Event_.type_name == SessionStarted.type_name).scalar()
            window = session.get(ConversationWindow, sender_id)
            if window is not None and (session_start is None or window.event_id >= session_start):
                prefix = json.loads(window.state)
                rows = self._rows(session, sender_id, after=window.event_id)
            else:
                prefix = []
                rows = self._rows(session, sender_id, after=None if session_start is None else session_start - 1)
        return self._tracker(sender_id, prefix, rows)

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        """Every stored event of every session (for transcripts and the staff console)."""
        with self.session_scope() as session:
            rows = self._rows(session, conversation_id, after=None)
        return self._tracker(conversation_id, [], rows)

    @staticmethod
    def _rows(session: sa.orm.Session, sender_id: str, after: int | None) -> list[tuple[int, str]]:
        query = session.query(Event_.id, Event_.data).filter(Event_.sender_id == sender_id)
        if after is not None:
            query = query.filter(Event_.id > after)
        return query.order_by(Event_.id).all()

    def _tracker(self, sender_id: str, prefix: list[dict], rows: Sequence[tuple[int, str]]
                 ) -> Optional[DialogueStateTracker]:
        if not rows and not prefix:
            return None
        events = deserialise(prefix + [json.loads(data) for _, data in rows])
        tracker = replay(sender_id, events, self.domain.slots)
        return _mark(tracker, Loaded(len(prefix), [row_id for row_id, _ in rows]))

    # ---------------------------------------------------------------- writing

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events this tracker has beyond those it was loaded with,
        then move the window on if the session has grown past it."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            loaded = _loaded(tracker) or self._guess_loaded(session, tracker)
            events = list(tracker.events)
            new = events[loaded.prefix + len(loaded.ids):]
            rows = [self._row(tracker.sender_id, event) for event in new]
            session.add_all(rows)
            session.flush()
            loaded.ids.extend(row.id for row in rows)
            if rows:
                self._move_window(session, tracker.sender_id, events, loaded)
            session.commit()
        _mark(tracker, loaded)

    def _guess_loaded(self, session: sa.orm.Session, tracker: DialogueStateTracker) -> Loaded:
        """A tracker this store did not hand out (a new one): like Rasa's SQL
        store, take its first events to be those stored since the session start."""
        session_start = session.query(sa.func.max(Event_.id)).filter(
            Event_.sender_id == tracker.sender_id, Event_.type_name == SessionStarted.type_name).scalar()
        rows = self._rows(session, tracker.sender_id, after=None if session_start is None else session_start - 1)
        return Loaded(0, [row_id for row_id, _ in rows][:len(tracker.events)])

    @staticmethod
    def _row(sender_id: str, event: Event) -> Event_:
        data = event.as_dict()
        return Event_(sender_id=sender_id, type_name=event.type_name, timestamp=data.get("timestamp"),
                      intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                      action_name=data.get("name"), data=json.dumps(data))

    def _move_window(self, session: sa.orm.Session, sender_id: str, events: list[Event], loaded: Loaded) -> None:
        """Once the stored part holds KEEP_TURNS + STEP_TURNS resident messages,
        cut it before the last KEEP_TURNS and keep the state at the cut."""
        stored = events[loaded.prefix:]
        cut = cut_index(stored)
        if cut is None or cut == 0:
            return
        before_cut = replay(sender_id, events[:loaded.prefix + cut], self.domain.slots)
        state = state_events(before_cut, stored[cut].timestamp)
        if not same_state(replay(sender_id, state, self.domain.slots), before_cut):
            log.warning("conversation %s: its state could not be summed up exactly; loading it whole", sender_id)
            session.query(ConversationWindow).filter(ConversationWindow.sender_id == sender_id).delete()
            return
        window = session.get(ConversationWindow, sender_id) or ConversationWindow(sender_id=sender_id)
        window.event_id = loaded.ids[cut - 1]
        window.state = json.dumps([event.as_dict() for event in state])
        session.add(window)

    @contextlib.contextmanager
    def session_scope(self) -> Iterator[sa.orm.Session]:
        session = self.sessionmaker()
        try:
            yield session
        finally:
            session.close()

    async def keys(self) -> Iterable[str]:
        with self.session_scope() as session:
            return [sender for (sender,) in session.query(Event_.sender_id).distinct().all()]



def install() -> None:
    """Let Rasa's Agent use a ConversationStore unwrapped (see the module
    docstring); any other store keeps Rasa's FailSafeTrackerStore."""
    wrap = Agent._create_tracker_store
    if getattr(wrap, "unwraps_conversation_store", False):
        return

    def create_tracker_store(store: Optional[TrackerStore], domain: Domain) -> TrackerStore:
        if isinstance(store, ConversationStore):
            store.domain = domain
            return store
        return wrap(store, domain)

    create_tracker_store.unwraps_conversation_store = True  # type: ignore[attr-defined]
    Agent._create_tracker_store = staticmethod(create_tracker_store)  # type: ignore[method-assign]

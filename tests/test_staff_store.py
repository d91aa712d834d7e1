"""Staff accounts, sessions and hand-overs in the real store (SQLite, and
PostgreSQL when TEST_POSTGRES_URL is set)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from housing.cases.models import NewCase, Resident
from housing.staff.store import AccountExistsError, HandoffConflictError, HandoffNotFoundError, StaffStore

PASSWORD = "correct horse battery staple"
START = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(database_url, clock):
    made = StaffStore(database_url, sync_enabled=False, clock=clock, timezone_name="Europe/London",
                      session_hours=8)
    yield made
    made.dispose()


def test_nothing_touches_the_database_until_first_use(tmp_path):
    StaffStore(f"sqlite:///{tmp_path / 'var' / 'cases.db'}", sync_enabled=False, timezone_name="Europe/London")
    assert not (tmp_path / "var").exists()


def test_accounts_are_added_listed_and_authenticated(store):
    account = store.add_account("Sam", PASSWORD, "Sam Jones")
    assert (account.username, account.display_name, account.active) == ("sam", "Sam Jones", True)
    assert [a.username for a in store.accounts()] == ["sam"]
    assert store.authenticate("SAM", PASSWORD).username == "sam"
    assert store.authenticate("sam", PASSWORD + "x") is None
    assert store.authenticate("nobody", PASSWORD) is None
    with pytest.raises(AccountExistsError):
        store.add_account("sam", PASSWORD)
    with pytest.raises(ValueError):
        store.add_account("pat", "short")


def test_a_session_works_until_sign_out_and_never_again(store):
    store.add_account("sam", PASSWORD)
    token = store.start_session("sam")
    session = store.session_for(token)
    assert session.username == "sam" and session.expires_at == START + timedelta(hours=8)
    store.end_session(token)
    assert store.session_for(token) is None
    store.end_session(token)  # twice is harmless
    assert store.session_for(token) is None


def test_forged_and_malformed_tokens_are_refused(store):
    store.add_account("sam", PASSWORD)
    token = store.start_session("sam")
    for forged in (None, "", token[:-1], token + "x", token.upper(), "x" * 43, "a" * 10_000):
        assert store.session_for(forged) is None
    assert store.session_for(token) is not None


def test_an_expired_session_is_refused(store, clock):
    store.add_account("sam", PASSWORD)
    token = store.start_session("sam")
    clock.now = START + timedelta(hours=7, minutes=59)
    assert store.session_for(token) is not None
    clock.now = START + timedelta(hours=8)
    assert store.session_for(token) is None


def test_disabling_an_account_signs_it_out(store):
    store.add_account("sam", PASSWORD)
    token = store.start_session("sam")
    assert store.disable_account("sam") is True
    assert store.session_for(token) is None
    assert store.authenticate("sam", PASSWORD) is None
    assert store.disable_account("nobody") is False


def test_the_database_keeps_only_a_digest_of_the_token(store):
    import sqlalchemy as sa

    from housing.staff.schema import staff_sessions

    store.add_account("sam", PASSWORD)
    token = store.start_session("sam")
    with store._read() as conn:
        stored = conn.execute(sa.select(staff_sessions.c.token_hash)).scalar_one()
    assert stored != token and token not in stored and len(stored) == 64


def test_one_open_handoff_per_conversation_upgraded_by_a_live_request(store, clock):
    review = store.open_handoff(conversation_id="c1", channel="socketio", case_reference="CMP-2026-000001",
                                reason="possible exclusion needs a decision", mode="review")
    clock.now = START + timedelta(minutes=3)
    live = store.open_handoff(conversation_id="c1", channel="socketio", case_reference=None,
                              reason="resident asked for a person", mode="live")
    assert live.id == review.id
    assert live.mode == "live" and live.case_reference == "CMP-2026-000001"
    assert live.reason == "possible exclusion needs a decision; resident asked for a person"
    assert store.open_handoff_for("c1").id == review.id
    assert store.open_handoff_for("c2") is None


def test_queue_claim_and_finish(store, clock):
    callback = store.open_handoff(conversation_id="old", channel="rest", case_reference=None, reason="callback",
                                  mode="callback")
    clock.now = START + timedelta(minutes=1)
    live = store.open_handoff(conversation_id="new", channel="socketio", case_reference="SR-2026-000001",
                              reason="resident asked for a person", mode="live")
    assert [h.id for h in store.queue()] == [live.id, callback.id]  # live chats first

    clock.now = START + timedelta(minutes=5)
    claimed = store.claim(live.id, "sam")
    assert (claimed.status, claimed.claimed_by, claimed.claimed_at) == ("claimed", "sam", clock.now)
    assert store.claim(live.id, "sam").claimed_by == "sam"  # claiming again is harmless
    with pytest.raises(HandoffConflictError):
        store.claim(live.id, "pat")
    with pytest.raises(HandoffConflictError):
        store.finish(live.id, "handed_back", "pat")

    done = store.finish(live.id, "handed_back", "sam")
    assert done.status == "handed_back" and done.ended_at == clock.now
    assert [h.id for h in store.queue()] == [callback.id]
    with pytest.raises(HandoffConflictError):
        store.claim(live.id, "sam")
    with pytest.raises(HandoffNotFoundError):
        store.handoff(999)
    # a finished hand-over is history: asking again opens a new one
    again = store.open_handoff(conversation_id="new", channel="socketio", case_reference=None, reason="again",
                               mode="live")
    assert again.id != live.id and again.status == "waiting"


def test_latest_case_for_a_conversation(store):
    assert store.latest_case_for_conversation("conv") is None
    for description in ("first problem here", "second problem here"):
        store.create(NewCase(kind="service_request", category="repair", description=description,
                             received_at=START, resident=Resident(name="Jo"), conversation_id="conv"))
    assert store.latest_case_for_conversation("conv") == "SR-2026-000002"


def test_a_callback_request_upgrades_a_review_item_but_never_downgrades_a_live_one(store):
    first = store.open_handoff(conversation_id="c3", channel="rest", case_reference=None, reason="exclusion",
                               mode="review")
    assert store.open_handoff(conversation_id="c3", channel="rest", case_reference=None, reason="call me",
                              mode="callback").mode == "callback"
    assert store.open_handoff(conversation_id="c3", channel="rest", case_reference=None, reason="now please",
                              mode="live").mode == "live"
    again = store.open_handoff(conversation_id="c3", channel="rest", case_reference=None, reason="exclusion",
                               mode="review")
    assert (again.id, again.mode, again.reason) == (first.id, "live", "exclusion; call me; now please")

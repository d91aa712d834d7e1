"""The sync lease (`CaseStore.claim_for_sync`) on SQLite and PostgreSQL: one
claimant at a time, a crashed claimant's lease runs out, a synced case is never
claimed again and its external id never overwritten, and an old database gets
the lease columns added."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from threading import Barrier
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from housing.cases import CaseStore, NewCase, Resident

LONDON = ZoneInfo("Europe/London")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def new_case(key: str) -> NewCase:
    return NewCase(kind="complaint", category="repairs", description="Leaking tap, third report.",
                   received_at=datetime(2026, 12, 1, 21, 0, tzinfo=LONDON),
                   resident=Resident(name="Jane Smith"), idempotency_key=key)


def make_store(url: str, clock: Clock | None = None) -> CaseStore:
    return CaseStore(url, sync_enabled=True, timezone_name="Europe/London", clock=clock)


def test_only_one_of_many_concurrent_claimants_wins(database_url: str) -> None:
    """Fault: the background retry and `housing.cli sync` claim the same case at the same moment."""
    stores = [make_store(database_url) for _ in range(6)]
    reference = stores[0].create(new_case("k")).reference
    barrier = Barrier(len(stores))

    def claim(index: int) -> bool:
        barrier.wait()
        return stores[index].claim_for_sync(reference, f"process-{index}", 60) is not None

    with ThreadPoolExecutor(len(stores)) as pool:
        won = list(pool.map(claim, range(len(stores))))
    assert won.count(True) == 1
    for store in stores:
        store.dispose()


def test_a_crashed_claimants_lease_runs_out_and_the_case_is_claimed_again(database_url: str) -> None:
    """Fault: the process holding the claim dies mid-send (it never marks the case)."""
    clock = Clock()
    store = make_store(database_url, clock)
    reference = store.create(new_case("k")).reference
    assert store.claim_for_sync(reference, "crashed", 30) is not None
    assert store.claim_for_sync(reference, "other", 30) is None
    assert [c.reference for c in store.pending_sync()] == []  # claimed: not offered to another retry
    clock.now += timedelta(seconds=29)
    assert store.claim_for_sync(reference, "other", 30) is None
    clock.now += timedelta(seconds=2)
    assert [c.reference for c in store.pending_sync()] == [reference]
    assert store.claim_for_sync(reference, "other", 30) is not None
    store.dispose()


def test_a_synced_case_is_never_claimed_again_and_keeps_its_external_id(database_url: str) -> None:
    """Fault: a second sender (whose lease ran out) reports its own send after the first one recorded."""
    clock = Clock()
    store = make_store(database_url, clock)
    reference = store.create(new_case("k")).reference
    assert store.claim_for_sync(reference, "slow", 30) is not None
    clock.now += timedelta(seconds=31)
    assert store.claim_for_sync(reference, "fast", 30) is not None
    store.mark_synced(reference, "EXT-1", "fast")
    assert store.claim_for_sync(reference, "third", 30) is None
    store.mark_synced(reference, "EXT-2", "slow")  # the slow one's answer arrives late
    store.mark_sync_failed(reference, "timed out", "slow")
    case = store.get(reference)
    assert (case.sync_status, case.external_id) == ("synced", "EXT-1")
    assert [h.kind for h in case.history].count("synced") == 1
    assert store.pending_sync() == []
    store.dispose()


def test_an_in_doubt_failure_keeps_the_lease_until_it_runs_out(database_url: str) -> None:
    """Fault: a send timed out (it may still be in flight at the case system): nobody sends again until the lease ends."""
    clock = Clock()
    store = make_store(database_url, clock)
    reference = store.create(new_case("k")).reference
    assert store.claim_for_sync(reference, "me", 40) is not None
    store.mark_sync_failed(reference, "read timeout", "me", keep_claim=True)
    assert store.get(reference).sync_status == "failed"
    assert store.claim_for_sync(reference, "me", 40) is None
    clock.now += timedelta(seconds=41)
    assert store.claim_for_sync(reference, "me", 40) is not None
    store.mark_sync_failed(reference, "HTTP 500", "me")  # a definite failure releases the claim
    assert store.claim_for_sync(reference, "other", 40) is not None
    store.dispose()


def test_an_old_database_without_the_lease_columns_is_upgraded(database_url: str) -> None:
    """Fault: an existing cases.db from before the lease is opened by this release."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(database_url, future=True)
    old = sa.MetaData()
    from housing.cases.schema import cases as current

    sa.Table("cases", old, *[sa.Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
                             for c in current.columns if c.name not in ("claimed_by", "claimed_until")])
    old.create_all(engine)
    with engine.begin() as conn:
        assert "claimed_by" not in {c["name"] for c in sa.inspect(conn).get_columns("cases")}
    store = make_store(database_url)
    reference = store.create(new_case("k")).reference
    assert store.claim_for_sync(reference, "me", 30) is not None
    with engine.begin() as conn:
        assert {"claimed_by", "claimed_until"} <= {c["name"] for c in sa.inspect(conn).get_columns("cases")}
    store.dispose()
    engine.dispose()

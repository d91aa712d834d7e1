"""The case store cannot be written: the case is kept in the spool and stored
exactly once when the store is back (real SQLite made immutable or full, real
PostgreSQL made read-only), and `references_for_conversation` reports it."""
from __future__ import annotations

import json
import os
import stat
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from housing.cases import CaseStore, NewCase, Resident
from housing.cases.spool import KeptCase
from tests.faults.storage import fill, immutable, read_only_url, small_filesystem

LONDON = ZoneInfo("Europe/London")


def new_case(key: str, conversation: str = "web:abc", kind: str = "complaint") -> NewCase:
    return NewCase(kind=kind, category="repairs", description=f"Leaking tap ({key}), third report.",
                   received_at=datetime(2026, 12, 1, 21, 0, tzinfo=LONDON),
                   resident=Resident(name="Jane Smith", postcode="SW1A 1AA"),
                   conversation_id=conversation, idempotency_key=key)


def stored_keys(url: str) -> list[str]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(sa.text("SELECT idempotency_key FROM cases ORDER BY id"))]
    finally:
        engine.dispose()


def test_sqlite_made_immutable_keeps_the_case_and_stores_it_once_when_back(tmp_path: Path) -> None:
    """Fault: cases.db and its folder refuse writes (chattr +i) while the store is open."""
    folder = tmp_path / "db"
    url = f"sqlite:///{folder / 'cases.db'}"
    store = CaseStore(url, sync_enabled=False, timezone_name="Europe/London", spool_dir=tmp_path / "spool")
    first = store.create_or_keep(new_case("first"))
    with immutable(folder / "cases.db", folder):
        kept = store.create_or_keep(new_case("second"), notes=("Contact for the representative: 07700 900123",))
        again = store.create_or_keep(new_case("second"))  # the resident confirms again
        assert isinstance(kept, KeptCase) and kept.on_disk and isinstance(again, KeptCase)
        spooled = list((tmp_path / "spool").glob("*.json"))
        assert len(spooled) == 1
        assert stat.S_IMODE(spooled[0].stat().st_mode) == 0o600
        assert stat.S_IMODE((tmp_path / "spool").stat().st_mode) == 0o700
        assert json.loads(spooled[0].read_text())["idempotency_key"] == "second"
        refs = store.references_for_conversation("web:abc")
        assert [(r.reference, r.kept) for r in refs] == [(first.reference, False), (None, True)]
        assert store.drain_spool() == []  # still refused: stays kept
    stored = store.drain_spool()
    assert [case.idempotency_key for case in stored] == ["second"]
    assert [h.detail for h in stored[0].history if h.kind == "note"] == ["Contact for the representative: 07700 900123"]
    assert store.drain_spool() == [] and not list((tmp_path / "spool").glob("*.json"))
    assert stored_keys(url) == ["first", "second"]
    assert [r.reference for r in store.references_for_conversation("web:abc")] == [first.reference,
                                                                                   stored[0].reference]
    store.dispose()


def test_full_disk_keeps_the_case_and_the_next_case_stores_it_first(tmp_path: Path) -> None:
    """Fault: the file system holding cases.db is full ("database or disk is full")."""
    with small_filesystem(tmp_path / "small", size="1m") as folder:
        url = f"sqlite:///{folder / 'cases.db'}"
        store = CaseStore(url, sync_enabled=False, timezone_name="Europe/London", spool_dir=tmp_path / "spool")
        store.create_or_keep(new_case("before"))
        filler = fill(folder)
        big = new_case("during")
        big = NewCase(**{**{n: getattr(big, n) for n in NewCase.__dataclass_fields__}, "description": "x" * 9000})
        kept = store.create_or_keep(big)
        assert isinstance(kept, KeptCase)
        filler.unlink()
        after = store.create_or_keep(new_case("after"))  # the next successful creation stores the kept one first
        assert not isinstance(after, KeptCase)
        assert stored_keys(url) == ["before", "during", "after"]
        assert not list((tmp_path / "spool").glob("*.json"))
        store.dispose()


def test_spool_folder_unwritable_too_keeps_the_case_in_memory(tmp_path: Path) -> None:
    """Fault: the database and the spool folder both refuse writes: the case is kept in memory."""
    folder = tmp_path / "db"
    spool = tmp_path / "spool"
    spool.mkdir()
    url = f"sqlite:///{folder / 'cases.db'}"
    store = CaseStore(url, sync_enabled=False, timezone_name="Europe/London", spool_dir=spool)
    store.create_or_keep(new_case("first"))
    with immutable(folder / "cases.db", folder, spool):
        kept = store.create_or_keep(new_case("second"))
        assert isinstance(kept, KeptCase) and not kept.on_disk
        assert [r.kept for r in store.references_for_conversation("web:abc")] == [False, True]
    assert [c.idempotency_key for c in store.drain_spool()] == ["second"]
    assert stored_keys(url) == ["first", "second"]
    store.dispose()


def test_two_processes_draining_one_spool_store_each_case_once(tmp_path: Path) -> None:
    """Fault: the action server and `housing.cli sync` drain the same spool at once."""
    folder = tmp_path / "db"
    url = f"sqlite:///{folder / 'cases.db'}"
    spool = tmp_path / "spool"
    store = CaseStore(url, sync_enabled=False, timezone_name="Europe/London", spool_dir=spool)
    store.create_or_keep(new_case("first"))
    with immutable(folder / "cases.db", folder):
        for n in range(20):
            assert isinstance(store.create_or_keep(new_case(f"kept-{n}", conversation=f"c{n}")), KeptCase)
    other = CaseStore(url, sync_enabled=False, timezone_name="Europe/London", spool_dir=spool)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda s: s.drain_spool(), [store, other]))
    keys = stored_keys(url)
    assert sorted(keys) == sorted(["first"] + [f"kept-{n}" for n in range(20)])
    assert len(keys) == len(set(keys)) == 21
    assert sum(len(r) for r in results) >= 20
    store.dispose()
    other.dispose()


def test_postgresql_read_only_keeps_the_case_and_stores_it_once_when_back(database_url: str, tmp_path: Path) -> None:
    """Fault: the PostgreSQL case store refuses writes (read-only transactions), then comes back."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the SQLite version of this fault is the chattr test above")
    spool = tmp_path / "spool"
    store = CaseStore(database_url, sync_enabled=False, timezone_name="Europe/London", spool_dir=spool)
    first = store.create_or_keep(new_case("first"))
    refusing = CaseStore(read_only_url(database_url), sync_enabled=False, timezone_name="Europe/London",
                         spool_dir=spool)
    kept = refusing.create_or_keep(new_case("second"))
    assert isinstance(kept, KeptCase)
    assert [(r.reference, r.kept) for r in refusing.references_for_conversation("web:abc")] == [
        (first.reference, False), (None, True)]
    assert refusing.drain_spool() == []
    assert [c.idempotency_key for c in store.drain_spool()] == ["second"]
    assert stored_keys(database_url) == ["first", "second"]
    refusing.dispose()
    store.dispose()

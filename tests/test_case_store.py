"""CaseStore against a real database: SQLite always, PostgreSQL when TEST_POSTGRES_URL is set."""
from __future__ import annotations

import re
import threading
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from housing.cases import (
    CaseNotFoundError,
    CaseStore,
    NewCase,
    Representative,
    Resident,
)

LONDON = ZoneInfo("Europe/London")
RECEIVED = datetime(2024, 6, 3, 10, 15, tzinfo=LONDON)


def new_case(**overrides) -> NewCase:
    values = dict(
        kind="complaint",
        category="repairs",
        description="The kitchen tap has leaked for three weeks and nobody came.",
        outcome_sought="Fix the tap",
        received_at=RECEIVED,
        resident=Resident(
            name="Jane Smith", email="Jane.Smith@Example.org", phone="07700 900123",
            address="1 High Street, London", postcode="SW1A 1AA", relationship="tenant",
        ),
        channel="web",
        conversation_id="conv-1",
        acknowledgement_due=date(2024, 6, 10),
    )
    values.update(overrides)
    return NewCase(**values)


@pytest.fixture
def store(database_url: str):
    store = CaseStore(database_url, sync_enabled=False, timezone_name="Europe/London")
    yield store
    store.dispose()


def stores(database_url: str, count: int) -> list[CaseStore]:
    """Separate store objects (separate engines), as separate processes would have."""
    return [CaseStore(database_url, sync_enabled=False, timezone_name="Europe/London") for _ in range(count)]


def run_in_threads(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    return results


# ---------------------------------------------------------------- references

def test_references_have_the_format_and_count_per_kind(store: CaseStore) -> None:
    first = store.create(new_case(idempotency_key="a"))
    second = store.create(new_case(idempotency_key="b"))
    request = store.create(new_case(kind="service_request", category="repair", idempotency_key="c"))
    assert first.reference == "CMP-2024-000001"
    assert second.reference == "CMP-2024-000002"
    assert request.reference == "SR-2024-000001"
    assert all(re.fullmatch(r"(CMP|SR)-\d{4}-\d{6}", c.reference) for c in (first, second, request))
    assert first.status == "open" and first.stage == 1
    assert [entry.kind for entry in first.history] == ["logged"]


def test_year_comes_from_london_time_and_numbering_restarts(store: CaseStore) -> None:
    late = store.create(new_case(received_at=datetime(2024, 12, 31, 23, 30, tzinfo=LONDON), idempotency_key="a"))
    # 00:30 on 1 January in UTC+2 is still 31 December in London.
    abroad = store.create(
        new_case(received_at=datetime(2025, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))), idempotency_key="b")
    )
    new_year = store.create(new_case(received_at=datetime(2025, 1, 1, 0, 30, tzinfo=LONDON), idempotency_key="c"))
    assert late.reference == "CMP-2024-000001"
    assert abroad.reference == "CMP-2024-000002"
    assert new_year.reference == "CMP-2025-000001"
    # Stored in UTC, same instant.
    assert abroad.received_at == datetime(2024, 12, 31, 22, 30, tzinfo=timezone.utc)


def test_a_case_acknowledged_when_logged_says_so(store: CaseStore) -> None:
    case = store.create(new_case(acknowledged_at=RECEIVED, idempotency_key="ack"))
    assert case.status == "acknowledged" and case.acknowledged_at == RECEIVED
    assert [entry.kind for entry in case.history] == ["logged", "acknowledged"]


def test_naive_received_at_is_refused(store: CaseStore) -> None:
    with pytest.raises(ValueError):
        store.create(new_case(received_at=datetime(2024, 6, 3, 10, 0)))


# ---------------------------------------------------------------- idempotency and concurrency

def test_same_idempotency_key_returns_the_same_case(store: CaseStore) -> None:
    first = store.create(new_case(idempotency_key="conv-1:complaint"))
    again = store.create(new_case(idempotency_key="conv-1:complaint", description="typed twice"))
    assert again.reference == first.reference
    assert again.description == first.description
    assert len(store.list()) == 1
    assert [entry.kind for entry in again.history] == ["logged"]


def test_two_writers_racing_with_one_key_make_one_case(database_url: str) -> None:
    racers = stores(database_url, 2)
    try:
        results = run_in_threads(2, lambda i: racers[i].create(new_case(idempotency_key="double-click")))
        assert results[0].reference == results[1].reference == "CMP-2024-000001"
        assert len(racers[0].list()) == 1
    finally:
        for racer in racers:
            racer.dispose()


def test_many_writers_racing_with_one_key_make_one_case(store: CaseStore) -> None:
    results = run_in_threads(8, lambda i: store.create(new_case(idempotency_key="retry-storm")))
    assert {case.reference for case in results} == {"CMP-2024-000001"}
    assert len(store.list()) == 1
    # The losers' counter increments were rolled back: no gap in the numbering.
    assert store.create(new_case(idempotency_key="next")).reference == "CMP-2024-000002"


def test_concurrent_creates_get_distinct_consecutive_references(database_url: str) -> None:
    writers = stores(database_url, 6)
    try:
        def work(index: int) -> list[str]:
            return [
                writers[index].create(new_case(idempotency_key=f"w{index}-{n}")).reference for n in range(5)
            ]

        references = [ref for batch in run_in_threads(6, work) for ref in batch]
        assert len(set(references)) == 30
        assert sorted(int(ref.rsplit("-", 1)[1]) for ref in references) == list(range(1, 31))
    finally:
        for writer in writers:
            writer.dispose()


# ---------------------------------------------------------------- verification

@pytest.mark.parametrize(
    "detail",
    ["SW1A 1AA", "sw1a1aa", "  Sw1A  1aA ", "jane.smith@example.org", "JANE.SMITH@EXAMPLE.ORG ",
     "07700900123", "07700 900 123", "+44 7700 900123", "+447700900123", "0044 7700 900123", "+44 (0)7700 900123"],
)
def test_find_verified_accepts_matching_details(store: CaseStore, detail: str) -> None:
    case = store.create(new_case(idempotency_key="v"))
    found = store.find_verified(case.reference.lower(), detail)
    assert found is not None and found.reference == case.reference


@pytest.mark.parametrize("detail", ["", "   ", "SW1A 1AB", "jane@example.org", "07700900124", "900123", "Jane Smith"])
def test_find_verified_refuses_other_details(store: CaseStore, detail: str) -> None:
    case = store.create(new_case(idempotency_key="v"))
    assert store.find_verified(case.reference, detail) is None


def test_find_verified_unknown_reference_looks_like_a_wrong_detail(store: CaseStore) -> None:
    store.create(new_case(idempotency_key="v"))
    assert store.find_verified("CMP-2024-999999", "SW1A 1AA") is None
    assert store.get("CMP-2024-999999") is None


def test_find_verified_does_not_match_another_cases_details(store: CaseStore) -> None:
    mine = store.create(new_case(idempotency_key="a"))
    store.create(new_case(idempotency_key="b", resident=Resident(name="Other", postcode="E1 6AN")))
    assert store.find_verified(mine.reference, "E1 6AN") is None


# ---------------------------------------------------------------- history and status changes

def test_history_is_append_only_and_in_order(store: CaseStore) -> None:
    case = store.create(new_case(idempotency_key="h"))
    store.add_history(case.reference, "note", "resident rang", actor="staff:ab")
    store.acknowledge(case.reference, datetime(2024, 6, 4, 9, 0, tzinfo=LONDON), response_due=date(2024, 6, 18))
    store.extend(case.reference, date(2024, 7, 2), "waiting for a contractor's report", 10)
    store.record_response(case.reference, datetime(2024, 7, 1, 16, 0, tzinfo=LONDON))
    store.close(case.reference, "upheld: tap replaced, £50 goodwill")
    history = store.get(case.reference).history
    assert [entry.kind for entry in history] == ["logged", "note", "acknowledged", "extended", "responded", "closed"]
    assert [entry.at for entry in history] == sorted(entry.at for entry in history)
    assert history[1].actor == "staff:ab" and history[1].detail == "resident rang"
    assert "waiting for a contractor's report" in history[3].detail
    public = [name for name in dir(CaseStore) if not name.startswith("_")]
    assert not [name for name in public if re.search(r"delete|remove|edit_history|update_history", name)]


def test_unknown_history_kind_is_refused(store: CaseStore) -> None:
    case = store.create(new_case(idempotency_key="h"))
    with pytest.raises(ValueError):
        store.add_history(case.reference, "rewritten", "no")
    assert len(store.get(case.reference).history) == 1


def test_status_changes(store: CaseStore) -> None:
    case = store.create(new_case(idempotency_key="s"))
    acked = store.acknowledge(case.reference, datetime(2024, 6, 4, 9, 0, tzinfo=LONDON), response_due=date(2024, 6, 18))
    assert (acked.status, acked.response_due) == ("acknowledged", date(2024, 6, 18))
    assert acked.acknowledged_at == datetime(2024, 6, 4, 8, 0, tzinfo=timezone.utc)
    extended = store.extend(case.reference, date(2024, 6, 25), "survey needed", 5)
    extended = store.extend(case.reference, date(2024, 7, 2), "parts on order", 5)
    assert (extended.response_due, extended.extension_working_days) == (date(2024, 7, 2), 10)
    responded = store.record_response(case.reference, datetime(2024, 7, 1, 12, 0, tzinfo=LONDON))
    assert responded.status == "responded"
    escalated = store.escalate(case.reference, datetime(2024, 7, 5, 9, 0, tzinfo=LONDON), date(2024, 7, 12), None)
    assert (escalated.stage, escalated.status, escalated.acknowledged_at) == (2, "open", None)
    assert (escalated.acknowledgement_due, escalated.response_due, escalated.extension_working_days) == (
        date(2024, 7, 12), None, 0,
    )
    with pytest.raises(ValueError, match="stage 2"):
        store.escalate(case.reference, datetime(2024, 7, 6, tzinfo=LONDON), None, None)
    handed = store.mark_handed_to_staff(case.reference, "resident: I want a person\nassistant: passing you on")
    assert handed.handed_to_staff_at is not None
    assert handed.history[-1].detail.endswith("passing you on")
    closed = store.close(case.reference, "not upheld")
    assert (closed.status, closed.outcome) == ("closed", "not upheld")


def test_service_requests_are_not_escalated(store: CaseStore) -> None:
    request = store.create(new_case(kind="service_request", idempotency_key="sr"))
    with pytest.raises(ValueError):
        store.escalate(request.reference, datetime(2024, 6, 5, tzinfo=LONDON), None, None)
    assert store.get(request.reference).stage == 1


def test_update_case_records_consent_with_history(store: CaseStore) -> None:
    case = store.create(new_case(
        idempotency_key="r", representative=Representative(name="Sam Smith", relationship="son", consent_status="pending"),
    ))
    updated = store.update_case(
        case.reference, representative_consent_status="given", history_detail="signed consent form received",
        actor="staff:cd",
    )
    assert updated.representative == Representative(name="Sam Smith", relationship="son", consent_status="given")
    assert (updated.history[-1].kind, updated.history[-1].actor) == ("note", "staff:cd")
    with pytest.raises(ValueError):
        store.update_case(case.reference, representative_consent_status="maybe")
    with pytest.raises(ValueError):
        store.update_case(case.reference, reference="CMP-2024-000099")
    with pytest.raises(ValueError):
        store.update_case(case.reference, kind="service_request")
    with pytest.raises(ValueError):
        store.update_case(case.reference, stage=3)


def test_unknown_reference_raises_for_changes(store: CaseStore) -> None:
    store.create(new_case(idempotency_key="x"))
    with pytest.raises(CaseNotFoundError):
        store.add_history("CMP-2024-000404", "note", "x")
    with pytest.raises(CaseNotFoundError):
        store.close("CMP-2024-000404", "x")


# ---------------------------------------------------------------- listing and outbox

def test_list_is_newest_first_and_filters(store: CaseStore) -> None:
    for n in range(3):
        store.create(new_case(received_at=RECEIVED + timedelta(days=n), idempotency_key=f"c{n}"))
    store.create(new_case(kind="service_request", received_at=RECEIVED + timedelta(days=10), idempotency_key="s"))
    store.acknowledge("CMP-2024-000002", RECEIVED + timedelta(days=2))
    assert [c.reference for c in store.list()] == ["SR-2024-000001", "CMP-2024-000003", "CMP-2024-000002", "CMP-2024-000001"]
    assert [c.reference for c in store.list(kind="complaint", limit=2)] == ["CMP-2024-000003", "CMP-2024-000002"]
    assert [c.reference for c in store.list(status="acknowledged")] == ["CMP-2024-000002"]


def test_outbox_pending_failed_synced(database_url: str) -> None:
    store = CaseStore(database_url, sync_enabled=True, timezone_name="Europe/London")
    try:
        case = store.create(new_case(idempotency_key="o"))
        assert case.sync_status == "pending"
        assert [c.reference for c in store.pending_sync(10)] == [case.reference]
        store.mark_sync_failed(case.reference, "ConnectionError: refused")
        failed = store.mark_sync_failed(case.reference, "ConnectionError: refused again")
        assert (failed.sync_status, failed.sync_attempts) == ("failed", 2)
        assert [e.kind for e in failed.history].count("sync_failed") == 1  # not one per retry
        assert [c.reference for c in store.pending_sync(10)] == [case.reference]
        synced = store.mark_synced(case.reference, "EXT-42")
        assert (synced.sync_status, synced.external_id, synced.sync_error) == ("synced", "EXT-42", None)
        assert store.pending_sync(10) == []
    finally:
        store.dispose()


def test_local_only_cases_are_not_pending(store: CaseStore) -> None:
    case = store.create(new_case(idempotency_key="l"))
    assert case.sync_status == "local"
    assert store.pending_sync(10) == []


# ---------------------------------------------------------------- untrusted text

def test_long_description_with_emoji_and_script_round_trips(store: CaseStore) -> None:
    chunk = "Damp 😀🏚️ <script>alert('x')</script> Ünïcödé \"quotes\" ; DROP TABLE cases; -- "
    description = (chunk * (10_000 // len(chunk) + 1))[:10_000]
    assert len(description) == 10_000
    case = store.create(new_case(description=description, resident=Resident(name="Zoë 🙂 <b>O'Brien</b>"), idempotency_key="t"))
    again = store.get(case.reference)
    assert again.description == description
    assert again.resident.name == "Zoë 🙂 <b>O'Brien</b>"
    assert len(store.list()) == 1  # the table survived the "; DROP TABLE"


def test_over_long_and_awkward_text_is_cut_not_refused(store: CaseStore) -> None:
    case = store.create(new_case(
        description="x" * 50_000,
        outcome_sought="nul\x00byte and a lone surrogate \ud83d",
        resident=Resident(name="n" * 5_000),
        idempotency_key="k" * 1_000,
    ))
    again = store.get(case.reference)
    assert again.description == "x" * 40_000
    assert again.outcome_sought.startswith("nulbyte and a lone surrogate")
    assert len(again.resident.name) == 500
    assert store.create(new_case(idempotency_key="k" * 1_000)).reference == case.reference


# ---------------------------------------------------------------- first use

def test_database_file_is_not_created_before_first_use(tmp_path) -> None:
    path = tmp_path / "not" / "yet" / "cases.db"
    store = CaseStore(f"sqlite:///{path}", sync_enabled=False, timezone_name="Europe/London")
    assert not path.exists() and not path.parent.exists()
    assert store.get("CMP-2024-000001") is None  # first use
    assert path.exists()
    store.dispose()


def test_default_url_comes_from_settings(tmp_path, monkeypatch) -> None:
    from housing.settings import get_settings

    monkeypatch.setenv("CASES_DATABASE_URL", f"sqlite:///{tmp_path / 'from-env.db'}")
    monkeypatch.delenv("CASE_SYSTEM_URL", raising=False)
    get_settings.cache_clear()
    try:
        store = CaseStore()
        assert store.database_url.endswith("from-env.db") and store.sync_enabled is False
        assert not (tmp_path / "from-env.db").exists()
    finally:
        get_settings.cache_clear()

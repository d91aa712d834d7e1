"""Sending cases to the landlord's case system, with HTTP intercepted by `responses`."""
from __future__ import annotations

import json
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError

from housing.cases import CaseStore, CaseSync, CaseSystemClient, CaseSystemError, NewCase, Resident, SyncCounts

URL = "https://cases.example.org/api"
ENDPOINT = URL + "/cases"


def refused() -> requests.ConnectionError:
    """What requests raises when nothing listens: the request never left."""
    return requests.ConnectionError(MaxRetryError(None, ENDPOINT, NewConnectionError(None, "connection refused")))


def new_case(key: str = "k1") -> NewCase:
    return NewCase(
        kind="complaint", category="repairs", description="Leaking tap, third report.",
        received_at=datetime(2024, 6, 3, 10, 15, tzinfo=ZoneInfo("Europe/London")),
        resident=Resident(name="Jane Smith", postcode="SW1A 1AA"), idempotency_key=key,
    )


@pytest.fixture
def store(tmp_path):
    store = CaseStore(f"sqlite:///{tmp_path / 'cases.db'}", sync_enabled=True, timezone_name="Europe/London")
    yield store
    store.dispose()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps) -> CaseSystemClient:
    return CaseSystemClient(URL, "s3cret-token", timeout=2.5, retries=2, backoff_seconds=0.5, sleep=sleeps.append)


@responses.activate
def test_send_returns_the_external_id_with_auth_and_idempotency_headers(store, client) -> None:
    responses.add(responses.POST, ENDPOINT, json={"id": "EXT-1001"}, status=201)
    case = store.create(new_case())
    assert client.send(case) == "EXT-1001"
    assert len(responses.calls) == 1
    request = responses.calls[0].request
    assert request.headers["Authorization"] == "Bearer s3cret-token"
    assert request.headers["Idempotency-Key"] == case.reference
    body = json.loads(request.body)
    assert body["reference"] == case.reference and body["resident"]["name"] == "Jane Smith"
    assert body["received_at"] == "2024-06-03T09:15:00+00:00"
    assert "sync_status" not in body and "idempotency_key" not in body


@responses.activate
def test_503_then_200_is_retried_with_backoff(store, client, sleeps) -> None:
    responses.add(responses.POST, ENDPOINT, status=503)
    responses.add(responses.POST, ENDPOINT, json={"id": 7}, status=200)
    assert client.send(store.create(new_case())) == "7"
    assert len(responses.calls) == 2
    assert sleeps == [0.5]


@responses.activate
def test_429_honours_retry_after_and_backoff_doubles(store, client, sleeps) -> None:
    responses.add(responses.POST, ENDPOINT, body=refused())
    responses.add(responses.POST, ENDPOINT, status=429, headers={"Retry-After": "3"})
    responses.add(responses.POST, ENDPOINT, json={"id": "X"}, status=200)
    assert client.send(store.create(new_case())) == "X"
    assert sleeps == [0.5, 3.0]


@responses.activate
def test_every_call_has_a_timeout(store, client) -> None:
    responses.add(responses.POST, ENDPOINT, body=requests.ConnectTimeout("slow to connect"))
    responses.add(responses.POST, ENDPOINT, status=502)
    responses.add(responses.POST, ENDPOINT, json={"id": "T"}, status=200)
    assert client.send(store.create(new_case())) == "T"
    assert len(responses.calls) == 3
    assert [call.request.req_kwargs["timeout"] for call in responses.calls] == [2.5, 2.5, 2.5]


@responses.activate
def test_a_read_timeout_is_in_doubt_and_not_retried_within_the_send(store, client, sleeps) -> None:
    """The request may have arrived: a second attempt now would put two in flight."""
    responses.add(responses.POST, ENDPOINT, body=requests.ReadTimeout("no answer"))
    responses.add(responses.POST, ENDPOINT, json={"id": "never"}, status=200)
    with pytest.raises(CaseSystemError) as caught:
        client.send(store.create(new_case()))
    assert caught.value.in_doubt and not caught.value.permanent
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_400_is_a_permanent_failure_and_not_retried(store, client, sleeps) -> None:
    responses.add(responses.POST, ENDPOINT, json={"error": "postcode missing"}, status=400)
    with pytest.raises(CaseSystemError) as caught:
        client.send(store.create(new_case()))
    assert caught.value.permanent and caught.value.status_code == 400
    assert len(responses.calls) == 1 and sleeps == []


@responses.activate
def test_giving_up_after_the_retries(store, client, sleeps) -> None:
    responses.add(responses.POST, ENDPOINT, status=500)
    with pytest.raises(CaseSystemError) as caught:
        client.send(store.create(new_case()))
    assert not caught.value.permanent
    assert len(responses.calls) == 3 and sleeps == [0.5, 1.0]


@responses.activate
def test_a_2xx_without_an_id_is_an_error(store, client) -> None:
    responses.add(responses.POST, ENDPOINT, body="OK", status=200)
    with pytest.raises(CaseSystemError):
        client.send(store.create(new_case()))


@responses.activate
def test_connection_error_keeps_the_case_flagged_then_retry_sends_it(store, client) -> None:
    responses.add(responses.POST, ENDPOINT, body=refused())
    sync = CaseSync(store, client)
    case = store.create(new_case())
    assert sync.push(case.reference) == "failed"  # no exception reaches the caller
    kept = store.get(case.reference)
    assert kept.sync_status == "failed" and "connection refused" in kept.sync_error
    assert kept.history[-1].kind == "sync_failed"
    assert len(responses.calls) == 3  # first try + 2 retries

    responses.replace(responses.POST, ENDPOINT, json={"id": "EXT-9"}, status=201)
    assert sync.retry_pending() == SyncCounts(attempted=1, synced=1, failed=0)
    sent = store.get(case.reference)
    assert (sent.sync_status, sent.external_id) == ("synced", "EXT-9")
    assert [entry.kind for entry in sent.history] == ["logged", "sync_failed", "synced"]
    assert sync.retry_pending() == SyncCounts()  # nothing left
    assert responses.calls[-1].request.headers["Idempotency-Key"] == case.reference


@responses.activate
def test_push_of_a_synced_case_sends_nothing(store, client) -> None:
    responses.add(responses.POST, ENDPOINT, json={"id": "A"}, status=201)
    sync = CaseSync(store, client)
    case = store.create(new_case())
    assert sync.push(case.reference) == "synced"
    assert sync.push(case.reference) == "synced"
    assert len(responses.calls) == 1


def test_push_never_raises_even_if_the_store_fails(client) -> None:
    class BrokenStore:
        def get(self, reference):
            raise RuntimeError("database unreachable")

        def mark_sync_failed(self, reference, error):
            raise RuntimeError("database unreachable")

    assert CaseSync(BrokenStore(), client).push("CMP-2024-000001") == "failed"


@responses.activate
def test_no_url_configured_keeps_cases_local_and_sends_nothing(tmp_path, monkeypatch) -> None:
    from housing.settings import get_settings

    monkeypatch.delenv("CASE_SYSTEM_URL", raising=False)
    monkeypatch.setenv("CASES_DATABASE_URL", f"sqlite:///{tmp_path / 'local.db'}")
    get_settings.cache_clear()
    try:
        store = CaseStore()
        sync = CaseSync.from_settings(store)
        assert not sync.enabled
        case = store.create(new_case())
        assert case.sync_status == "local"
        assert sync.push(case.reference) == "local"
        assert sync.retry_pending() == SyncCounts()
        assert store.get(case.reference).sync_status == "local"
        assert len(responses.calls) == 0
        store.dispose()
    finally:
        get_settings.cache_clear()


def test_from_settings_builds_a_client(tmp_path, monkeypatch) -> None:
    from housing.settings import get_settings

    monkeypatch.setenv("CASE_SYSTEM_URL", URL + "/")
    monkeypatch.setenv("CASE_SYSTEM_TOKEN", "tok")
    monkeypatch.setenv("CASE_SYSTEM_TIMEOUT", "7")
    monkeypatch.setenv("CASE_SYSTEM_RETRIES", "1")
    get_settings.cache_clear()
    try:
        sync = CaseSync.from_settings(CaseStore(f"sqlite:///{tmp_path / 'x.db'}"))
        assert sync.enabled and sync.client.endpoint == ENDPOINT
        assert (sync.client.timeout, sync.client.retries) == (7.0, 1)
        assert "tok" not in repr(sync.client)
        assert sync.store.sync_enabled
    finally:
        get_settings.cache_clear()


@responses.activate
def test_background_retry_sends_pending_cases(store) -> None:
    responses.add(responses.POST, ENDPOINT, json={"id": "BG"}, status=201)
    case = store.create(new_case())
    sync = CaseSync(store, CaseSystemClient(URL, "t", timeout=1, retries=0))
    retry = sync.start_background_retry(interval_seconds=0.05)
    try:
        deadline = time.monotonic() + 10
        while store.get(case.reference).sync_status != "synced" and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        retry.stop(timeout=5)
    assert store.get(case.reference).external_id == "BG"
    assert retry.thread.daemon and not retry.thread.is_alive()


@responses.activate
def test_push_later_returns_at_once_and_a_worker_sends(store, client) -> None:
    responses.add(responses.POST, ENDPOINT, json={"id": "LATER"}, status=201)
    sync = CaseSync(store, client)
    case = store.create(new_case())
    assert sync.push_later(case.reference) is None
    sync.wait_for_queued()
    assert store.get(case.reference).external_id == "LATER"
    assert len(responses.calls) == 1


@responses.activate
def test_push_later_failure_leaves_the_case_flagged(store, client) -> None:
    responses.add(responses.POST, ENDPOINT, status=503)
    sync = CaseSync(store, client)
    case = store.create(new_case())
    sync.push_later(case.reference)
    sync.wait_for_queued()
    assert store.get(case.reference).sync_status == "failed"


def test_build_sync_takes_a_settings_object(tmp_path) -> None:
    from dataclasses import replace

    from housing.cases import build_sync
    from housing.settings import get_settings

    store = CaseStore(f"sqlite:///{tmp_path / 'b.db'}", sync_enabled=False)
    settings = replace(get_settings(), case_system_url=None)
    sync = build_sync(store, settings)
    assert not sync.enabled
    sync.push_later("CMP-2024-000001")  # no case system: nothing queued, no thread
    assert sync._worker is None
    assert build_sync(store, replace(settings, case_system_url=URL, case_system_token="t")).enabled

"""Sending cases to the landlord's own case system over HTTP.

`CaseSystemClient.send()` POSTs one case as JSON to `{url}/cases` with a
bearer token and the case reference as `Idempotency-Key`, so a repeated send
cannot create a second case there. Connection errors, timeouts, 5xx and 429
are retried with exponential backoff; any other 4xx fails at once.

`CaseSync` is the outbox: the store is the record, and a case that cannot be
sent stays in it flagged `failed` until `retry_pending()` gets it through.
`push_later()` hands the send to a worker thread so a chat turn never waits
on the network. With no case system configured, cases are local only and
nothing is sent. No thread starts at import.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Optional

import requests

from housing.cases.models import Case, case_to_dict
from housing.cases.store import CaseStore

__all__ = [
    "CaseSystemError",
    "CaseSystemClient",
    "CaseSync",
    "SyncCounts",
    "BackgroundRetry",
    "case_payload",
    "build_sync",
]

log = logging.getLogger(__name__)

_NOT_SENT = ("external_id", "sync_status", "sync_error", "sync_attempts", "idempotency_key")


class CaseSystemError(Exception):
    """The case system did not take the case. `permanent` means retrying will not help."""

    def __init__(self, message: str, *, permanent: bool, status_code: Optional[int] = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status_code = status_code


def case_payload(case: Case) -> dict[str, Any]:
    """The JSON body sent for a case (everything but our own sync bookkeeping)."""
    data = case_to_dict(case)
    for name in _NOT_SENT:
        data.pop(name, None)
    return data


def _retry_after(response: requests.Response) -> Optional[float]:
    value = response.headers.get("Retry-After", "").strip()
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: fall back to our own backoff
        return None


class CaseSystemClient:
    """HTTP client for a landlord case system: `POST {url}/cases` -> `{"id": ...}`.

    `retries` is the number of retries after the first attempt; the wait
    before retry n is `backoff_seconds * 2 ** (n - 1)` (or the server's
    numeric Retry-After), capped at `max_backoff_seconds`.
    """

    def __init__(
        self,
        url: str,
        token: Optional[str],
        timeout: float = 5.0,
        retries: int = 3,
        backoff_seconds: float = 0.5,
        *,
        max_backoff_seconds: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not url:
            raise ValueError("a case system URL is needed")
        self.endpoint = url.rstrip("/") + "/cases"
        self._token = token
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._sleep = sleep

    def __repr__(self) -> str:  # never show the token
        return f"CaseSystemClient({self.endpoint!r}, timeout={self.timeout}, retries={self.retries})"

    def send(self, case: Case) -> str:
        """Send the case and return the case system's id for it; raises `CaseSystemError`."""
        headers = {"Accept": "application/json", "Idempotency-Key": case.reference}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        payload = case_payload(case)
        problem = ""
        wait: Optional[float] = None
        for attempt in range(self.retries + 1):
            if attempt:
                backoff = self.backoff_seconds * 2 ** (attempt - 1)
                self._sleep(min(self.max_backoff_seconds, backoff if wait is None else wait))
            wait = None
            try:
                response = requests.post(
                    self.endpoint, json=payload, headers=headers, timeout=self.timeout,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem = f"{type(exc).__name__}: {exc}"
                continue
            except requests.RequestException as exc:
                raise CaseSystemError(f"{type(exc).__name__}: {exc}", permanent=True) from exc
            status = response.status_code
            if status == 429 or status >= 500:
                problem = f"HTTP {status} from the case system"
                wait = _retry_after(response)
                continue
            if not 200 <= status < 300:
                body = response.text[:200]
                raise CaseSystemError(f"HTTP {status} from the case system: {body}", permanent=True, status_code=status)
            return self._external_id(response)
        raise CaseSystemError(f"gave up after {self.retries + 1} attempts: {problem}", permanent=False)

    @staticmethod
    def _external_id(response: requests.Response) -> str:
        try:
            external_id = response.json()["id"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CaseSystemError(
                f"the case system answered HTTP {response.status_code} without an id", permanent=True,
                status_code=response.status_code,
            ) from exc
        if external_id is None or str(external_id) == "":
            raise CaseSystemError("the case system answered with an empty id", permanent=True)
        return str(external_id)


@dataclass(frozen=True)
class SyncCounts:
    """What one `retry_pending()` run did."""

    attempted: int = 0
    synced: int = 0
    failed: int = 0


class BackgroundRetry:
    """A daemon thread calling `CaseSync.retry_pending()` every `interval` seconds."""

    def __init__(self, sync: "CaseSync", interval: float) -> None:
        self.sync = sync
        self.interval = interval
        self._stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="case-sync-retry", daemon=True)

    def _run(self) -> None:
        while True:
            try:
                self.sync.retry_pending()
            except Exception:  # keep the thread alive whatever happens
                log.exception("case system retry run failed")
            if self._stopped.wait(self.interval):
                return

    def stop(self, timeout: Optional[float] = None) -> None:
        """Ask the thread to finish and wait for it."""
        self._stopped.set()
        self.thread.join(timeout)


class CaseSync:
    """Push cases from the store to the case system; with no client, cases stay local."""

    def __init__(self, store: CaseStore, client: Optional[CaseSystemClient] = None) -> None:
        self.store = store
        self.client = client
        self._send_lock = threading.Lock()  # one send at a time: no double send of a case
        self._queue: "queue.Queue[str]" = queue.Queue()
        self._worker: Optional[threading.Thread] = None
        self._worker_lock = threading.Lock()

    @classmethod
    def from_settings(cls, store: CaseStore, settings: Any = None) -> "CaseSync":
        """A `CaseSync` using the case system named by the settings, if any."""
        if settings is None:
            from housing.settings import get_settings

            settings = get_settings()
        client = None
        if settings.case_system_url:
            client = CaseSystemClient(
                settings.case_system_url, settings.case_system_token,
                timeout=settings.case_system_timeout, retries=settings.case_system_retries,
            )
        return cls(store, client)

    @property
    def enabled(self) -> bool:
        return self.client is not None

    def push(self, reference: str) -> str:
        """Send one case now; returns "synced", "failed", "local" or "missing". Never raises."""
        if self.client is None:
            return "local"
        with self._send_lock:
            return self._push(reference)

    def _push(self, reference: str) -> str:
        assert self.client is not None
        try:
            case = self.store.get(reference)
            if case is None:
                log.warning("case %s not found; nothing sent", reference)
                return "missing"
            if case.sync_status == "synced":
                return "synced"
            external_id = self.client.send(case)
        except Exception as exc:  # the case stays in the store, flagged for a retry
            error = str(exc) if isinstance(exc, CaseSystemError) else f"{type(exc).__name__}: {exc}"
            log.warning("case %s not sent to the case system: %s", reference, error)
            try:
                self.store.mark_sync_failed(reference, error)
            except Exception:
                log.exception("could not flag case %s as not sent", reference)
            return "failed"
        try:
            self.store.mark_synced(reference, external_id)
        except Exception:  # sent, but not recorded: a retry re-sends with the same Idempotency-Key
            log.exception("case %s sent as %s but not recorded", reference, external_id)
            return "failed"
        return "synced"

    def push_later(self, reference: str) -> None:
        """Queue the case for a worker thread to send; returns at once. Never raises.

        The case is already stored as pending, so if the process stops before
        the worker gets to it, `retry_pending()` sends it later.
        """
        if self.client is None:
            return
        try:
            self._ensure_worker()
            self._queue.put(reference)
        except Exception:
            log.exception("could not queue case %s for sending", reference)

    def _ensure_worker(self) -> None:
        with self._worker_lock:
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="case-sync-push", daemon=True)
                self._worker.start()

    def _work(self) -> None:
        while True:
            reference = self._queue.get()
            try:
                self.push(reference)
            finally:
                self._queue.task_done()

    def wait_for_queued(self) -> None:
        """Block until every queued `push_later` has been tried (tests, shutdown)."""
        self._queue.join()

    def retry_pending(self, limit: int = 100) -> SyncCounts:
        """Push every case that is pending or failed (oldest first)."""
        if self.client is None:
            return SyncCounts()
        synced = failed = 0
        for case in self.store.pending_sync(limit):
            if self.push(case.reference) == "synced":
                synced += 1
            else:
                failed += 1
        return SyncCounts(attempted=synced + failed, synced=synced, failed=failed)

    def start_background_retry(self, interval_seconds: Optional[float] = None) -> BackgroundRetry:
        """Start (explicitly, never at import) a daemon thread retrying pending cases."""
        if interval_seconds is None:
            from housing.settings import get_settings

            interval_seconds = get_settings().case_system_retry_interval
        retry = BackgroundRetry(self, interval_seconds)
        retry.thread.start()
        return retry


def build_sync(store: CaseStore, settings: Any = None) -> CaseSync:
    """The `CaseSync` for these settings (default: `get_settings()`); starts no thread."""
    return CaseSync.from_settings(store, settings)

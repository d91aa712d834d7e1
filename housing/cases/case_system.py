"""Sending cases to the landlord's own case system over HTTP.

`CaseSystemClient.send()` POSTs one case as JSON to `{url}/cases` with a
bearer token and the case reference as `Idempotency-Key`, so a repeated send
cannot create a second case there. A request that surely did not arrive
(connection refused, connect timeout) and a 5xx or 429 answer are retried
with exponential backoff; any other 4xx fails at once. A request that may
have arrived (read timeout, connection closed before the answer) is not
retried within the same send: it is "in doubt".

`CaseSync` is the outbox: the store is the record, and a case that cannot be
sent stays in it flagged `failed` until `retry_pending()` gets it through.
Every send first claims the case in the database with a lease that outlives
the longest send (`CaseStore.claim_for_sync`), so one process at a time (the
assistant's worker, its background retry, `housing.cli sync`) sends a case;
after an in-doubt failure the lease is left to run out before anyone sends
it again. `retry_pending()` also stores the cases kept in the spool while
the store could not be written. `push_later()` hands the send to a worker
thread so a chat turn never waits on the network. With no case system
configured, cases are local only and nothing is sent. No thread starts at
import.
"""
from __future__ import annotations

import logging
import os
import queue
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Optional

import requests
from urllib3.exceptions import MaxRetryError, NewConnectionError

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

SPOOL_RETRY_SECONDS = 5.0  # how often kept cases are tried while the store refuses them
LEASE_MARGIN_SECONDS = 30.0  # a lease outlives the longest send by this much

_NOT_SENT = ("external_id", "sync_status", "sync_error", "sync_attempts", "idempotency_key")


class CaseSystemError(Exception):
    """The case system did not take the case. `permanent` means retrying will not help."""

    def __init__(self, message: str, *, permanent: bool, status_code: Optional[int] = None,
                 in_doubt: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.status_code = status_code
        self.in_doubt = in_doubt  # the request may have reached the case system


def _surely_not_sent(exc: requests.RequestException) -> bool:
    """True when the request cannot have reached the server (no connection was made)."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        return isinstance(reason, (NewConnectionError, ConnectionRefusedError))
    return False


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
                if _surely_not_sent(exc):
                    continue
                # It may have arrived: sending again now could put a second
                # attempt in flight. The caller waits out its lease first.
                raise CaseSystemError(f"no answer from the case system (it may have the case): {problem}",
                                      permanent=False, in_doubt=True) from exc
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

    def longest_send_seconds(self) -> float:
        """An upper bound on how long one `send()` can take (connect and read
        timeouts for every attempt, plus the waits between them)."""
        return (self.retries + 1) * 2 * self.timeout + self.retries * self.max_backoff_seconds

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
    busy: int = 0  # being sent by another process (claimed), so left alone
    stored_from_spool: int = 0  # cases kept while the store could not be written, now stored


class BackgroundRetry:
    """A daemon thread calling `CaseSync.retry_pending()` at once and then
    every `interval` seconds (every few seconds while cases are kept in the
    spool, so they are stored soon after the store is back)."""

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
            interval = self.interval
            if not self.sync.store.spool.is_empty():
                interval = min(interval, SPOOL_RETRY_SECONDS)
            if self._stopped.wait(interval):
                return

    def stop(self, timeout: Optional[float] = None) -> None:
        """Ask the thread to finish and wait for it."""
        self._stopped.set()
        self.thread.join(timeout)


class CaseSync:
    """Push cases from the store to the case system; with no client, cases stay local.

    `lease_seconds` (default: the client's longest send plus a margin, never
    less) is how long a claim on a case lasts.
    """

    def __init__(self, store: CaseStore, client: Optional[CaseSystemClient] = None,
                 lease_seconds: Optional[float] = None) -> None:
        self.store = store
        self.client = client
        self.claimant = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        shortest = client.longest_send_seconds() + 1.0 if client else 1.0
        if lease_seconds is None:
            lease_seconds = shortest + LEASE_MARGIN_SECONDS
        self.lease_seconds = max(float(lease_seconds), shortest)
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
        return cls(store, client, lease_seconds=settings.case_system_lease_seconds)

    @property
    def enabled(self) -> bool:
        return self.client is not None

    def push(self, reference: str) -> str:
        """Send one case now; returns "synced", "failed", "busy" (another
        process holds its claim), "local" or "missing". Never raises."""
        if self.client is None:
            return "local"
        try:
            case = self.store.claim_for_sync(reference, self.claimant, self.lease_seconds)
            if case is None:
                current = self.store.get(reference)
                if current is None:
                    log.warning("case %s not found; nothing sent", reference)
                    return "missing"
                return "synced" if current.sync_status == "synced" else "busy"
            external_id = self.client.send(case)
        except Exception as exc:  # the case stays in the store, flagged for a retry
            error = str(exc) if isinstance(exc, CaseSystemError) else f"{type(exc).__name__}: {exc}"
            in_doubt = isinstance(exc, CaseSystemError) and exc.in_doubt
            log.warning("case %s not sent to the case system: %s", reference, error)
            try:
                self.store.mark_sync_failed(reference, error, self.claimant, keep_claim=in_doubt)
            except Exception:
                log.exception("could not flag case %s as not sent", reference)
            return "failed"
        try:
            self.store.mark_synced(reference, external_id, self.claimant)
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
        """Store the cases kept in the spool, then push every case that is
        pending or failed (oldest first) and not claimed by another process."""
        stored = len(self.store.drain_spool())
        if self.client is None:
            return SyncCounts(stored_from_spool=stored)
        results = [self.push(case.reference) for case in self.store.pending_sync(limit)]
        return SyncCounts(
            attempted=sum(result in ("synced", "failed") for result in results),
            synced=results.count("synced"), failed=results.count("failed"), busy=results.count("busy"),
            stored_from_spool=stored,
        )

    def start_background_retry(self, interval_seconds: Optional[float] = None) -> BackgroundRetry:
        """Start (explicitly, never at import) a daemon thread that stores kept
        cases and retries pending ones, first at once and then every interval."""
        if interval_seconds is None:
            from housing.settings import get_settings

            interval_seconds = get_settings().case_system_retry_interval
        retry = BackgroundRetry(self, interval_seconds)
        retry.thread.start()
        return retry


def build_sync(store: CaseStore, settings: Any = None) -> CaseSync:
    """The `CaseSync` for these settings (default: `get_settings()`); starts no thread."""
    return CaseSync.from_settings(store, settings)

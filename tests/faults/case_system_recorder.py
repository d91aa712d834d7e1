"""A local HTTP server standing in for the landlord's case system
(`POST /cases` -> `{"id": ...}`), whose behaviour a test switches at any time:

* "ok": 201 with a new id for every request (a case system that does NOT
  deduplicate, so every request that arrives counts);
* "500": answers HTTP 500;
* "hang": holds the request without answering until the mode changes (or 60 s);
* "close": reads the request and closes the connection without answering.

Every request is recorded on arrival (its `Idempotency-Key`, the case
reference in the body, when it arrived and when the server finished with it,
and what it answered), so tests count arrivals per case and attempts in
flight at the same time.
"""
from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Iterator, Optional

from tests.local_http import QuietHandler, serving


@dataclass
class Arrival:
    key: str
    reference: str
    arrived: float
    mode: str
    finished: Optional[float] = None
    answered_id: Optional[str] = None  # the id given in a 201 answer


@dataclass
class CaseSystem:
    url: str = ""
    mode: str = "ok"
    delay: float = 0.0  # seconds before an "ok" answer
    arrivals: list[Arrival] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def set_mode(self, mode: str) -> None:
        with self._changed:
            self.mode = mode
            self._changed.notify_all()

    def record(self, arrival: Arrival) -> None:
        with self._changed:
            self.arrivals.append(arrival)
            self._changed.notify_all()

    def wait_while(self, mode: str, limit: float) -> None:
        deadline = time.monotonic() + limit
        with self._changed:
            while self.mode == mode and time.monotonic() < deadline:
                self._changed.wait(deadline - time.monotonic())

    def for_case(self, reference: str) -> list[Arrival]:
        with self._changed:
            return [a for a in self.arrivals if a.reference == reference]

    def accepted(self, reference: str) -> list[Arrival]:
        return [a for a in self.for_case(reference) if a.answered_id is not None]

    def wait_for_accepted(self, references: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.accepted(ref) for ref in references):
                return
            time.sleep(0.1)
        raise AssertionError(f"not every case reached the case system in {timeout}s: "
                             f"{[(a.reference, a.mode, a.answered_id) for a in self.arrivals]}")

    def most_in_flight(self, reference: str, until: Optional[float] = None) -> int:
        """The most requests for this case the server was holding at one moment."""
        spans = [(a.arrived, a.finished or until or time.monotonic()) for a in self.for_case(reference)]
        return max((sum(1 for s, e in spans if s <= start < e) for start, _ in spans), default=0)


@contextlib.contextmanager
def running_case_system() -> Iterator[CaseSystem]:
    system = CaseSystem()

    class Handler(QuietHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            try:
                reference = json.loads(self.read_body()).get("reference", "")
            except ValueError:
                reference = ""
            mode = system.mode
            arrival = Arrival(self.headers.get("Idempotency-Key", ""), reference, time.monotonic(), mode)
            system.record(arrival)
            try:
                if mode == "hang":
                    system.wait_while("hang", 60)
                    self.send_json(503, {"error": "was hung"})
                elif mode == "close":
                    self.close_connection = True
                    self.connection.shutdown(2)
                elif mode == "500":
                    self.send_json(500, {"error": "internal"})
                else:
                    time.sleep(system.delay)
                    external_id = f"EXT-{uuid.uuid4().hex[:10]}"
                    self.send_json(201, {"id": external_id})
                    arrival.answered_id = external_id
            except OSError:
                pass  # the client gave up
            finally:
                arrival.finished = time.monotonic()

    with serving(Handler, "case-system") as system.url:
        try:
            yield system
        finally:
            system.set_mode("ok")  # releases hung requests

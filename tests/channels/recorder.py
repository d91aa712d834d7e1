"""A local HTTP server standing in for the messaging platforms' APIs.

It records every request (method, path, query, headers, body) and answers 200
with a plausible JSON body for the platform the path belongs to. Point
MESSENGER_API_URL, TWILIO_API_URL and TELEGRAM_API_URL at `recorder.url`
(tests/channels/platforms.py does). Tests get one from the `recorder` fixture
(tests/conftest.py), or `with running_recorder() as recorder:`.
"""
from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

from tests.local_http import QuietHandler, serving


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {name: values[0] for name, values in parse_qs(self.body.decode(), keep_blank_values=True).items()}


@dataclass
class Recorder:
    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def add(self, recorded: Recorded) -> None:
        with self._changed:
            self.requests.append(recorded)
            self._changed.notify_all()

    def matching(self, predicate: Callable[[Recorded], bool]) -> list[Recorded]:
        with self._changed:
            return [r for r in self.requests if predicate(r)]

    def wait_for(self, predicate: Callable[[Recorded], bool], count: int = 1, timeout: float = 30) -> list[Recorded]:
        """The recorded requests matching `predicate` once there are at least `count`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [r for r in self.requests if predicate(r)]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"the recorder got {len(found)} of {count} expected requests in {timeout}s; "
                                         f"all requests: {[(r.method, r.path) for r in self.requests]}")
                self._changed.wait(remaining)


def _answer(path: str) -> tuple[int, dict]:
    if path.endswith("/me/messages"):
        return 200, {"recipient_id": "0", "message_id": f"m_{uuid.uuid4().hex}"}
    if path.endswith("/Messages.json"):
        return 200, {"sid": f"SM{uuid.uuid4().hex}", "status": "queued"}
    if "/sendMessage" in path:
        return 200, {"ok": True, "result": {"message_id": 1, "date": int(time.time())}}
    return 200, {"ok": True}


@contextlib.contextmanager
def running_recorder() -> Iterator[Recorder]:
    """A recorder that answers until the block ends."""
    recorder = Recorder()

    class Handler(QuietHandler):
        def _record(self) -> None:
            parts = urlsplit(self.path)
            recorder.add(Recorded(self.command, parts.path, parse_qs(parts.query), dict(self.headers.items()),
                                  self.read_body()))
            self.send_json(*_answer(parts.path))

        do_GET = do_POST = _record

    with serving(Handler, "api-recorder") as recorder.url:
        yield recorder

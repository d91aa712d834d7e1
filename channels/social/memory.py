"""Small in-memory stores the channels keep per process.

They live in the Rasa server's process: one Rasa process is assumed (as the
in-memory lock store already requires; see README). With several processes a
resident's number reply could reach a process that did not offer the options,
and would then be passed to Rasa as the plain number.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Generic, Hashable, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_MAX_ENTRIES = 10_000
DEFAULT_TTL_SECONDS = 24 * 60 * 60


class ExpiringLRU(Generic[K, V]):
    """A bounded mapping: at most `max_entries` (the least recently used goes
    first), and an entry older than `ttl` seconds is as good as absent."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, ttl: float = DEFAULT_TTL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._max = max_entries
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._entries)

    def _expire(self) -> None:
        now = self._clock()
        while self._entries:
            key, (stored, _) = next(iter(self._entries.items()))
            if now - stored < self._ttl:
                break
            del self._entries[key]

    def set(self, key: K, value: V) -> None:
        with self._lock:
            self._entries.pop(key, None)
            self._entries[key] = (self._clock(), value)
            self._expire()
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def get(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self._clock() - entry[0] >= self._ttl:
                del self._entries[key]
                return None
            return entry[1]

    def pop(self, key: K) -> V | None:
        with self._lock:
            entry = self._entries.pop(key, None)
            if entry is None or self._clock() - entry[0] >= self._ttl:
                return None
            return entry[1]

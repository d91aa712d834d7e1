"""The bounded, expiring in-memory store behind remembered options and re-delivery checks."""
from __future__ import annotations

from channels.social.memory import ExpiringLRU


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire() -> None:
    clock = Clock()
    store: ExpiringLRU[str, int] = ExpiringLRU(max_entries=10, ttl=60, clock=clock)
    store.set("a", 1)
    clock.now += 59
    assert store.get("a") == 1
    clock.now += 1
    assert store.get("a") is None
    assert len(store) == 0


def test_least_recently_set_goes_first() -> None:
    store: ExpiringLRU[str, int] = ExpiringLRU(max_entries=3, ttl=60, clock=Clock())
    for i, key in enumerate("abcd"):
        store.set(key, i)
    assert store.get("a") is None and len(store) == 3
    store.set("b", 10)  # refreshed: now the newest
    store.set("e", 4)
    assert store.get("c") is None and store.get("b") == 10


def test_pop_removes() -> None:
    store: ExpiringLRU[str, int] = ExpiringLRU(clock=Clock())
    store.set("a", 1)
    assert store.pop("a") == 1 and store.pop("a") is None


def test_bounded_at_ten_thousand_by_default() -> None:
    store: ExpiringLRU[int, int] = ExpiringLRU()
    for i in range(10_050):
        store.set(i, i)
    assert len(store) == 10_000 and store.get(0) is None and store.get(10_049) == 10_049

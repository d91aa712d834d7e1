"""Warnings an outsider can trigger at will (a forged webhook call, a signed
call without a message id) are logged at most once a minute per channel and
kind, with the number held back since the last line, so logs cannot be
flooded. `LogThrottle` is the pure rule; `ThrottledWarnings` logs with it.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

DEFAULT_INTERVAL_SECONDS = 60.0


class LogThrottle:
    """Allows one line per `interval` seconds and counts the ones held back."""

    def __init__(self, interval: float = DEFAULT_INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._interval = interval
        self._clock = clock
        self._last = float("-inf")
        self._held_back = 0
        self._lock = threading.Lock()

    def allow(self) -> int | None:
        """None: do not log this one. A number: log it, saying that many were held back before it."""
        with self._lock:
            now = self._clock()
            if now - self._last < self._interval:
                self._held_back += 1
                return None
            held_back, self._held_back, self._last = self._held_back, 0, now
            return held_back


class ThrottledWarnings:
    """One `LogThrottle` per kind of warning, for one channel."""

    def __init__(self, logger: logging.Logger, interval: float = DEFAULT_INTERVAL_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._logger = logger
        self._interval = interval
        self._clock = clock
        self._throttles: dict[str, LogThrottle] = {}

    def warn(self, kind: str, message: str) -> None:
        throttle = self._throttles.setdefault(kind, LogThrottle(self._interval, self._clock))
        held_back = throttle.allow()
        if held_back is None:
            return
        if held_back:
            self._logger.warning("%s (and %d more like it since the last such line, not logged)", message, held_back)
        else:
            self._logger.warning("%s", message)

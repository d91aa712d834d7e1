"""Who is asking: the staff session cookie, CSRF checks and a sign-in throttle.

* The cookie holds a random session token (HttpOnly, SameSite=Strict, only
  sent to /webhooks/staff, Secure when `STAFF_COOKIE_SECURE` is set); the
  database keeps only its hash, and signing out revokes it there.
* Every POST needs `X-CSRF-Token` (an HMAC of the session token, given to the
  page when it signs in) and, from a browser, an Origin of this server.
* Sign-in needs the `X-Staff-Console` header and a same-origin Origin, and is
  throttled per username and per address after repeated failures.
"""
from __future__ import annotations

import time
from collections import defaultdict, deque
from urllib.parse import urlsplit

from sanic.request import Request
from sanic.response import HTTPResponse

from housing.staff.security import csrf_matches

COOKIE = "staff_session"
COOKIE_PATH = "/webhooks/staff"
CSRF_HEADER = "x-csrf-token"
CONSOLE_HEADER = "x-staff-console"


def session_token(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def same_origin(request: Request) -> bool:
    """False if a browser says the request comes from another site (requests
    without Origin or Sec-Fetch-Site, e.g. from scripts, pass: they still
    need the CSRF token)."""
    origin = request.headers.get("origin")
    if origin is not None:
        return urlsplit(origin).netloc.lower() == (request.host or "").lower()
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


def csrf_ok(request: Request, token: str) -> bool:
    return same_origin(request) and csrf_matches(token, request.headers.get(CSRF_HEADER))


def set_session_cookie(response: HTTPResponse, token: str, *, secure: bool, max_age: int) -> None:
    response.cookies[COOKIE] = token
    cookie = response.cookies[COOKIE]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = COOKIE_PATH
    cookie["max-age"] = max_age
    if secure:
        cookie["secure"] = True


def clear_session_cookie(response: HTTPResponse, *, secure: bool) -> None:
    set_session_cookie(response, "", secure=secure, max_age=0)


class SignInThrottle:
    """At most `limit` failed sign-ins per key (a username, or an address) in `window` seconds."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] < time.monotonic() - self.window:
            failures.popleft()
        return failures

    def blocked(self, *keys: str) -> bool:
        return any(len(self._recent(key)) >= self.limit for key in keys)

    def failed(self, *keys: str) -> None:
        for key in keys:
            self._recent(key).append(time.monotonic())

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)

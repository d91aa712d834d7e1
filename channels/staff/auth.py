"""Who is asking: the staff session cookie, CSRF checks and a sign-in throttle.

* The cookie holds a random session token (HttpOnly, SameSite=Strict, only
  sent to /webhooks/staff, Secure when `STAFF_COOKIE_SECURE` is set); the
  database keeps only its hash, and signing out revokes it there.
* Every POST needs `X-CSRF-Token` (an HMAC of the session token, given to the
  page when it signs in) and, from a browser, an Origin of this server.
* Sign-in needs the `X-Staff-Console` header and a same-origin Origin, and
  guesses are slowed down (`SignInThrottle`): per account and client, and per
  client, each failure beyond a few makes the next try wait twice as long, up
  to a minute. Nothing is ever locked: the right password gets in once the
  short wait is over, and an outsider's failures slow down only their own
  client. The client is the direct peer, or, when that is one of
  `TRUSTED_PROXIES`, the address the proxy puts in `X-Forwarded-For`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from sanic.request import Request
from sanic.response import HTTPResponse

from housing.staff import security
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


def client_address(request: Request, trusted_proxies: tuple[str, ...]) -> str:
    """The address a request comes from (see `housing.staff.security.client_address`)."""
    return security.client_address(request.ip or "", request.headers.get("x-forwarded-for"),
                                   _networks(trusted_proxies))


@lru_cache(maxsize=8)
def _networks(trusted_proxies: tuple[str, ...]) -> tuple[security.Network, ...]:
    return security.trusted_networks(trusted_proxies)


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


class SignInThrottle:
    """Failed sign-ins, per (username, client) pair and per client, kept in
    this process for `forget_after` seconds after their last failure.

    A pair gets `pair_free` failures before it must wait (`guess_delay`);
    once an account has had `account_alert` recent failures from anywhere
    (guessing from many addresses), a new pair gets only one. A client gets
    `client_free` failures across all accounts. Every wait is at most `cap`.
    """

    def __init__(self, *, pair_free: int = 3, client_free: int = 20, account_alert: int = 10, cap: float = 60.0,
                 forget_after: float = 900.0, max_entries: int = 100_000) -> None:
        self.pair_free, self.client_free, self.account_alert = pair_free, client_free, account_alert
        self.cap, self.forget_after, self.max_entries = cap, forget_after, max_entries
        self._failures: dict[tuple[str, ...], _Failures] = {}

    def _get(self, key: tuple[str, ...], now: float) -> _Failures:
        failures = self._failures.get(key)
        if failures is None or now - failures.last > self.forget_after:
            return _Failures()
        return failures

    def wait(self, username: str, client: str) -> float:
        """Seconds before `client` may try `username` again (0: now)."""
        now = time.monotonic()
        pair, by_client = self._get(("pair", username, client), now), self._get(("client", client), now)
        free = self.pair_free if self._get(("account", username), now).count < self.account_alert else 1
        due = max(pair.last + security.guess_delay(pair.count, free, self.cap),
                  by_client.last + security.guess_delay(by_client.count, self.client_free, self.cap))
        return max(0.0, due - now)

    def failed(self, username: str, client: str) -> None:
        now = time.monotonic()
        if len(self._failures) >= self.max_entries:
            self._forget_old(now)
        for key in (("pair", username, client), ("client", client), ("account", username)):
            failures = self._get(key, now)
            self._failures[key] = _Failures(failures.count + 1, now)

    def succeeded(self, username: str, client: str) -> None:
        self._failures.pop(("pair", username, client), None)

    def _forget_old(self, now: float) -> None:
        for key in [key for key, f in self._failures.items() if now - f.last > self.forget_after]:
            del self._failures[key]
        while len(self._failures) >= self.max_entries:  # still full: drop the oldest
            del self._failures[min(self._failures, key=lambda key: self._failures[key].last)]

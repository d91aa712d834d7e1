"""Passwords, session tokens and CSRF tokens for the staff console. Pure
functions, no I/O.

* Passwords: scrypt with a random 16-byte salt per password, stored as
  ``scrypt$N$r$p$salt$hash`` (base64); checked in constant time.
* Sessions: the browser holds a random token (``secrets.token_urlsafe(32)``);
  the database holds only its SHA-256, so a copy of the database cannot be
  used to sign in.
* CSRF: every state-changing request carries ``X-CSRF-Token``, an HMAC of the
  session token that only a page that could read the sign-in answer knows.
* Sign-in throttling rules: how long a client waits after failed sign-ins
  (`guess_delay`), and which address a sign-in comes from (`client_address`:
  `X-Forwarded-For` counts only when the direct peer is a trusted proxy).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import secrets
from functools import lru_cache
from typing import Iterable

__all__ = [
    "MIN_PASSWORD_LENGTH", "USERNAME_PATTERN", "hash_password", "verify_password", "check_username",
    "check_password", "new_session_token", "token_digest", "csrf_token_for", "csrf_matches", "burn_time",
    "guess_delay", "trusted_networks", "client_address",
]

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
USERNAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
# scrypt cost: 16 MiB of memory and about 50 ms per check on a small server.
SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN = 2 ** 14, 8, 1, 32
_CSRF_CONTEXT = b"staff-console-csrf-v1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=256 * n * r * p)


def check_username(username: str) -> str:
    """The username in canonical form (lower case); ValueError if it is not allowed."""
    name = (username or "").strip().lower()
    if not USERNAME_PATTERN.fullmatch(name):
        raise ValueError("a username is 2 to 64 characters: lower-case letters, digits, '.', '_' or '-', "
                         "starting with a letter or digit")
    return name


def check_password(password: str) -> None:
    """ValueError if the password is too short or too long."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A new scrypt hash of `password` with its own random salt."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_DKLEN)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True if `password` matches the stored hash; False for anything malformed."""
    try:
        scheme, n, r, p, salt, expected = (stored or "").split("$")
        if scheme != "scrypt":
            return False
        expected_bytes = base64.b64decode(expected, validate=True)
        actual = _scrypt(password or "", base64.b64decode(salt, validate=True), int(n), int(r), int(p),
                         len(expected_bytes))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected_bytes)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_time(password: str) -> None:
    """Do the work of one password check, so an unknown username takes as long
    to refuse as a wrong password."""
    verify_password(password, _dummy_hash())


def new_session_token() -> str:
    """A new random session token for the browser's cookie (256 bits)."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the database keeps of a session token: its SHA-256, hex."""
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


def csrf_token_for(session_token: str) -> str:
    """The CSRF token that goes with a session token."""
    return hmac.new(session_token.encode("utf-8"), _CSRF_CONTEXT, hashlib.sha256).hexdigest()


def csrf_matches(session_token: str, given: str | None) -> bool:
    """True if `given` is the CSRF token of `session_token` (constant time)."""
    if not session_token or not given:
        return False
    return hmac.compare_digest(csrf_token_for(session_token), given)


def guess_delay(failures: int, free: int, cap: float) -> float:
    """Seconds to wait after the last failed sign-in before the next try:
    none for the first `free` failures, then 1, 2, 4 ... seconds, at most `cap`."""
    if failures < free:
        return 0.0
    return min(cap, 2.0 ** min(failures - free, 32))


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """The TRUSTED_PROXIES entries (addresses or CIDR ranges) as networks;
    ValueError naming an entry that is neither."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"TRUSTED_PROXIES: {entry!r} is not an IP address or network") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def client_address(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """Where a request comes from. The direct peer, unless it is a trusted
    proxy: then the right-most address in `X-Forwarded-For` that is not a
    trusted proxy (each proxy appends the address it saw; anything to the left
    of the first untrusted one was written by the client and may be forged)."""
    def is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None) -> bool:
        return address is not None and any(address in network for network in trusted)

    current = peer
    if not is_trusted(_address(peer)):
        return current
    for hop in reversed([part for part in (forwarded_for or "").split(",") if part.strip()]):
        address = _address(hop)
        if address is None:
            return current  # a malformed hop: trust nothing beyond it
        current = str(address)
        if not is_trusted(address):
            return current
    return current

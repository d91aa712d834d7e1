"""Which client a message comes from, as a keyed hash: the per-client budget
on callback requests and hand-overs (`housing.limits.HANDOFFS_PER_CLIENT`)
is counted under it, so opening new chat sessions does not reset it.

* `client_key()` is HMAC-SHA256 (keyed with CLIENT_KEY_SECRET, or a random
  per-process secret when it is unset) of the client's address, chosen as
  the staff sign-in chooses it (`housing.staff.security.client_address`:
  `X-Forwarded-For` counts only when the direct peer is in TRUSTED_PROXIES).
  The raw address is never stored or passed on.
* `with_client_key()` puts the key into a message's metadata under
  `CLIENT_KEY`, overwriting any value the client sent.
* `client_key_of()` reads it back from a message's metadata in an action.

Pure functions, no I/O.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import Any, Mapping, Optional

from housing.staff import security

__all__ = ["CLIENT_KEY", "PROCESS_SECRET", "client_key", "with_client_key", "client_key_of"]

CLIENT_KEY = "client_key"
PROCESS_SECRET = secrets.token_bytes(32)  # used when CLIENT_KEY_SECRET is not set
_CONTEXT = b"resident-client-key-v1\x1f"
_MAX_KEY_CHARS = 128


@lru_cache(maxsize=8)
def _networks(trusted_proxies: tuple[str, ...]) -> tuple[security.Network, ...]:
    return security.trusted_networks(trusted_proxies)


def client_key(peer: str, forwarded_for: Optional[str], trusted_proxies: tuple[str, ...],
               secret: Optional[str]) -> str:
    """The keyed hash (hex) of the client's address: the direct peer, or
    what a trusted proxy says in `X-Forwarded-For`."""
    address = security.client_address(peer or "", forwarded_for, _networks(trusted_proxies))
    key = secret.encode("utf-8") if secret else PROCESS_SECRET
    return hmac.new(key, _CONTEXT + address.encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def with_client_key(metadata: Any, key: str) -> dict[str, Any]:
    """The message's metadata (a dict, else empty) with `CLIENT_KEY` set to
    `key`, whatever the client put there."""
    return {**(metadata if isinstance(metadata, dict) else {}), CLIENT_KEY: key}


def client_key_of(metadata: Optional[Mapping[str, Any]]) -> Optional[str]:
    """The client key in a message's metadata, or None (absent, not text, blank or too long)."""
    value = (metadata or {}).get(CLIENT_KEY) if isinstance(metadata, Mapping) else None
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_KEY_CHARS:
        return None
    return value.strip()

"""Website chat sessions: ids the server issues, and the origins it accepts.

A web-chat conversation id is `web:` and 32 random hex digits (128 bits) made
by `new_session_id()`; the browser never chooses one. `issued_shape()` says
whether an id a browser sends back could be one of ours (the channel then
checks that the conversation exists in the tracker store). `origin_allowed()`
is socket.io's Origin check: the server's own origin, or one in CORS_ORIGINS.

Pure functions, no I/O.
"""
from __future__ import annotations

import re
import secrets
from typing import Any, Mapping

from channels.ids import WEB, conversation_id, own_id

SESSION_BYTES = 16  # 128 random bits
_ISSUED = re.compile(r"[0-9a-f]{32,128}")


def new_session_id() -> str:
    """A fresh web-chat conversation id, `web:<32 random hex digits>`."""
    return conversation_id(WEB, secrets.token_hex(SESSION_BYTES))


def issued_shape(session_id: Any) -> str | None:
    """The id when it has the shape of one `new_session_id()` makes, else None."""
    if not isinstance(session_id, str):
        return None
    own = own_id(session_id, WEB)
    return session_id if own is not None and _ISSUED.fullmatch(own) else None


def own_origin(environ: Mapping[str, Any]) -> str | None:
    """The origin the request was addressed to (scheme and Host header)."""
    host = str(environ.get("HTTP_HOST") or "").strip()
    if not host:
        return None
    scheme = str(environ.get("wsgi.url_scheme") or "http").split(",")[0].strip().lower()
    return f"{scheme}://{host.lower()}"


def origin_allowed(origin: str | None, environ: Mapping[str, Any], configured: tuple[str, ...]) -> bool:
    """socket.io's Origin check. No Origin header (not a browser) is allowed;
    a browser's Origin must be the server's own or one of `configured`
    ("*" in CORS_ORIGINS allows any, as Rasa's --cors does)."""
    if origin is None:
        return True
    origin = origin.strip().rstrip("/").lower()
    if "*" in configured or origin in (allowed.lower() for allowed in configured):
        return True
    return origin == own_origin(environ)

"""Who may call the action server, and with what.

The action server runs the assistant's actions: it creates cases, reads them
back and opens hand-overs, so only the Rasa server may call it. Every request
but `GET /health` must carry the secret shared with the Rasa server
(`Authorization: Bearer <ACTION_SERVER_SECRET>`, compared in constant time),
must not be compressed (the Rasa server never compresses; a small deflate
body can expand to gigabytes) and must fit the size cap. The checks run on
the request's headers, before its body is read (`install`), so a refused
request's body is never kept (at most 1 MiB of it is read and dropped); a
body that turns out larger than its headers said is cut off at the cap by
Sanic (413).
"""
from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any, Mapping

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

logger = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health"})
DRAIN_LIMIT = 1024 * 1024  # bytes of a refused request's body read (and dropped) before closing
IDENTITY = frozenset({"", "identity"})


@dataclass(frozen=True)
class Refusal:
    """Why a request is refused: the HTTP status and a short reason."""

    status: int
    reason: str


def secret_matches(authorization: str | None, secret: str | None) -> bool:
    """True if the Authorization header is `Bearer <secret>` (constant time).
    No secret configured means nothing matches."""
    if not secret:
        return False
    return hmac.compare_digest((authorization or "").encode("utf-8"), f"Bearer {secret}".encode("utf-8"))


def refusal(path: str, headers: Mapping[str, str], secret: str | None, max_body_bytes: int) -> Refusal | None:
    """What is wrong with a request to the action server, from its path and
    (lower-case) headers alone; None if it may go on."""
    if path in OPEN_PATHS:
        return None
    if not secret_matches(headers.get("authorization"), secret):
        return Refusal(401, "the action server only answers the assistant's Rasa server")
    if headers.get("content-encoding", "").strip().lower() not in IDENTITY:
        return Refusal(415, "compressed bodies are not accepted")
    length = headers.get("content-length", "").strip()
    if length and (not length.isdigit() or int(length) > max_body_bytes):
        return Refusal(413, f"the body is larger than {max_body_bytes} bytes")
    return None


def install(app: Sanic, secret: str | None, max_body_bytes: int) -> None:
    """Check every request to `app` before its body is read, cap bodies at
    `max_body_bytes`, and answer Sanic's own refusals (404, 413...) with their
    status rather than rasa-sdk's catch-all 500."""
    if not secret:
        raise ValueError("the action server needs ACTION_SERVER_SECRET (scripts/run generates one)")
    app.config.REQUEST_MAX_SIZE = max_body_bytes

    @app.signal("http.routing.before")
    async def check_request(request: Request, **_: Any) -> None:
        refused = refusal(request.path, request.headers, secret, max_body_bytes)
        if refused is None:
            return
        # After the answer Sanic drains the unread body: a small one, so the
        # client reads the answer cleanly; past DRAIN_LIMIT it closes the connection.
        if request.stream is not None:
            request.stream.request_max_size = min(request.stream.request_max_size, DRAIN_LIMIT)
        raise SanicException(refused.reason, status_code=refused.status, quiet=True)

    @app.exception(SanicException)
    async def refused(_: Request, error: SanicException) -> HTTPResponse:
        return response.json({"error": str(error)}, status=getattr(error, "status_code", 500) or 500)

    async def refuse_in_error_path(request: Request) -> HTTPResponse | None:
        # Sanic 21.12 runs the request middleware again before answering an
        # error, and rasa-sdk's CORS middleware answers any OPTIONS with 200:
        # run first there, so a refused request stays refused.
        refused_request = refusal(request.path, request.headers, secret, max_body_bytes)
        if refused_request is None:
            return None
        return response.json({"error": refused_request.reason}, status=refused_request.status)

    @app.listener("before_server_start")
    async def first_middleware(*_: Any) -> None:  # after rasa-sdk's CORS adds its own, at server start
        app.request_middleware.appendleft(refuse_in_error_path)

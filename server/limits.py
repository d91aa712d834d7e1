"""The Rasa server's HTTP body cap: a request body over `REQUEST_MAX_BYTES`
(default 256 KiB) gets 413 before it is read, and a websocket frame over it
closes the connection (1009), so no huge message reaches the tracker.

Sanic's own default is 100 MB. 256 KiB fits the longest message a resident may
send (`MESSAGE_MAX_CHARS`, 20,000 characters) in any script and encoding: a
JSON client that escapes non-ASCII writes 6 bytes per character (12 for an
emoji), a form post up to 9. See README, "Size limits".
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

import rasa.core.run
from sanic import Sanic

from housing.settings import get_settings

_ConfigureApp = Callable[..., Sanic]


def apply(app: Sanic, max_bytes: int) -> None:
    """Cap request bodies and websocket frames of `app` at `max_bytes`."""
    app.config.REQUEST_MAX_SIZE = max_bytes
    app.config.WEBSOCKET_MAX_SIZE = max_bytes


def capped(configure_app: _ConfigureApp) -> _ConfigureApp:
    """`configure_app` whose app has the size cap from the settings."""

    @wraps(configure_app)
    def configure(*args: Any, **kwargs: Any) -> Sanic:
        app = configure_app(*args, **kwargs)
        apply(app, get_settings().request_max_bytes)
        return app

    return configure


def install() -> None:
    """Every app `rasa run` builds (rasa.core.run.configure_app) gets the cap."""
    rasa.core.run.configure_app = capped(rasa.core.run.configure_app)

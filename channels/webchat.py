"""Serves the website chat page and its assets from the Rasa server itself,
at /webhooks/webchat (Rasa mounts every channel under /webhooks/), so the widget talks to the socketio channel on the same origin.

Enabled in credentials.yml as `channels.webchat.WebChatPage`. It receives no
messages itself: the widget uses the socketio channel.
"""
from __future__ import annotations

import html
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
CONTENT_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
                               "style-src 'self'; script-src 'self'; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _file(relative: str) -> Path | None:
    """The file under web/ for a request path, never outside it."""
    path = (WEB_ROOT / relative).resolve()
    if WEB_ROOT not in path.parents or not path.is_file() or path.suffix not in CONTENT_TYPES:
        return None
    return path


@lru_cache(maxsize=1)
def page_values() -> dict[str, str]:
    """The landlord's details shown on the page, from the policy file."""
    from housing.policy_loader import load_policy
    from housing.settings import get_settings

    policy, _ = load_policy(get_settings().policy_file)
    phone = policy.emergency_repairs_phone or policy.phone
    return {"landlord_name": policy.landlord_name, "emergency_phone": phone,
            "emergency_phone_digits": re.sub(r"[^0-9+]", "", phone)}


def render(path: Path) -> bytes:
    if path.name != "index.html":
        return path.read_bytes()
    text = path.read_text(encoding="utf-8")
    for key, value in page_values().items():
        text = text.replace("{{" + key + "}}", html.escape(value))
    return text.encode("utf-8")


class WebChatPage(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "webchat"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        page = Blueprint("webchat_page", __name__, strict_slashes=False)

        @page.route("/", methods=["GET"], strict_slashes=False)
        async def index(request: Request) -> response.HTTPResponse:
            return await asset(request, "index.html")

        @page.route("/<relative:path>", methods=["GET"])
        async def asset(_: Request, relative: str) -> response.HTTPResponse:
            path = _file(relative)
            if path is None:
                return response.text("Not found", status=404)
            return response.raw(render(path), content_type=CONTENT_TYPES[path.suffix],
                                headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})

        return page

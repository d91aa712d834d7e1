"""The staff console as a Rasa input channel: Rasa mounts it at
/webhooks/staff, on the same server and port as the residents' chat, so
staff replies reach the resident through Rasa's own channels. It receives no
resident messages.

    GET  /webhooks/staff/                      the page (sign-in form until signed in)
    GET  /webhooks/staff/static/<file>         its script and style sheet
    POST /webhooks/staff/api/sign-in           {"username", "password"} -> session cookie + CSRF token
    POST /webhooks/staff/api/sign-out          revokes the session
    GET  /webhooks/staff/api/me                who is signed in (and the CSRF token)
    GET  /webhooks/staff/api/queue             open hand-overs with their waiting time
    GET  /webhooks/staff/api/handoffs/<id>     transcript, case details and due dates
    POST /webhooks/staff/api/handoffs/<id>/<action>
         claim | reply {text} | note {text} | acknowledge | extend {working_days, reason}
         | respond {summary} | close {outcome} | hand-back {message} | end {message}

Staff messages go to the resident on the conversation's own channel
(channels/ids.py `channel_for`). A conversation whose channel cannot deliver
later (REST) says so: the conversation has `"live": false` and a `delivery`
notice, and claim, reply, extend, hand-back and end answer `"delivered": false`
with that notice, so staff are never told a message arrived when it did not.

Every /api route but sign-in needs a valid session cookie (401 otherwise);
every POST also needs the CSRF token (403 otherwise). The console calls the
Rasa HTTP API on loopback with `RASA_AUTH_TOKEN`.
"""
from __future__ import annotations

import asyncio
import logging
import math
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.staff import auth
from channels.staff.rasa_api import RasaApi, RasaApiError
from channels.staff.service import NOT_DELIVERED, ConsoleError, StaffConsoleService
from housing.staff.models import StaffSession, handoff_to_dict
from housing.staff.security import csrf_token_for

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "static"
STATIC_FILES = {"staff.js": "text/javascript; charset=utf-8", "staff.css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
ACTIONS = ("claim", "reply", "note", "acknowledge", "extend", "respond", "close", "hand-back", "end")

Handler = Callable[..., Awaitable[HTTPResponse]]


def _json(body: Any, status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, headers=SECURITY_HEADERS)


def _error(status: int, message: str) -> HTTPResponse:
    return _json({"error": message}, status)


async def _run(function: Callable, *args: Any) -> Any:
    """Run blocking work (the database, password hashing) off the event loop."""
    return await asyncio.to_thread(function, *args)


@lru_cache(maxsize=1)
def _service() -> StaffConsoleService:
    from housing.policy_loader import load_policy
    from housing.settings import get_settings
    from housing.staff.store import StaffStore

    settings = get_settings()
    policy, _ = load_policy(settings.policy_file)
    return StaffConsoleService(StaffStore(settings.database_url, session_hours=settings.staff_session_hours),
                               policy)


def _settings() -> Any:
    from housing.settings import get_settings

    return get_settings()


def _rasa(request: Request) -> RasaApi:
    """The Rasa HTTP API: RASA_API_URL, or this server at the address the request came in on."""
    settings = _settings()
    if not settings.rasa_auth_token:
        raise ConsoleError(503, "the console cannot reach conversations: RASA_AUTH_TOKEN is not set")
    base = settings.rasa_api_url
    if not base:
        sockname = request.conn_info.sockname
        if request.conn_info.ssl or not isinstance(sockname, tuple):
            raise ConsoleError(503, "set RASA_API_URL: the console cannot work out the Rasa server's address")
        host, port = sockname[0], sockname[1]
        base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    return RasaApi(base, settings.rasa_auth_token)


def signed_in(csrf: bool) -> Callable[[Handler], Handler]:
    """Require a valid staff session (and on POSTs the CSRF token)."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def checked(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            token = auth.session_token(request)
            staff = await _run(_service().store.session_for, token) if token else None
            if staff is None:
                return _error(401, "sign in first")
            if csrf and not auth.csrf_ok(request, token):
                return _error(403, "this request did not come from the console page (CSRF check failed)")
            try:
                return await handler(request, staff, *args, **kwargs)
            except ConsoleError as error:
                return _error(error.status, error.message)
            except RasaApiError as error:
                log.error("staff console: %s", error)
                return _error(502, f"the conversation could not be reached: {error}")

        return checked

    return decorate


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:  # noqa: BLE001 - a malformed body is a bad request, whatever the parser raised
        raise ConsoleError(400, "the request body is not JSON") from None
    return body if isinstance(body, dict) else {}


class StaffConsole(InputChannel):
    """The staff console (no resident messages come in here)."""

    def __init__(self) -> None:
        self.throttle = auth.SignInThrottle()

    @classmethod
    def name(cls) -> str:
        return "staff"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "StaffConsole":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        console = Blueprint("staff_console", __name__)
        throttle = self.throttle

        @console.route("/", methods=["GET"], strict_slashes=False)
        async def index(_: Request) -> HTTPResponse:
            return response.raw((STATIC / "index.html").read_bytes(), content_type="text/html; charset=utf-8",
                                headers=SECURITY_HEADERS)

        @console.route("/static/<name>", methods=["GET"])
        async def static(_: Request, name: str) -> HTTPResponse:
            if name not in STATIC_FILES:
                return response.text("Not found", status=404, headers=SECURITY_HEADERS)
            return response.raw((STATIC / name).read_bytes(), content_type=STATIC_FILES[name],
                                headers=SECURITY_HEADERS)

        @console.route("/api/sign-in", methods=["POST"])
        async def sign_in(request: Request) -> HTTPResponse:
            if not request.headers.get(auth.CONSOLE_HEADER) or not auth.same_origin(request):
                return _error(403, "sign in from the console page")
            try:
                body = _body(request)
            except ConsoleError as error:
                return _error(error.status, error.message)
            username = str(body.get("username") or "").strip().lower()[:64]
            password = str(body.get("password") or "")[:1024]
            client = auth.client_address(request, _settings().trusted_proxies)
            wait = math.ceil(throttle.wait(username, client))
            if wait > 0:
                refused = _error(429, f"too many failed sign-ins: wait {wait} seconds and try again")
                refused.headers["Retry-After"] = str(wait)
                return refused
            store = _service().store
            account = await _run(store.authenticate, username, password)
            if account is None:
                throttle.failed(username, client)
                return _error(401, "the username or password is wrong, or the account is disabled")
            throttle.succeeded(username, client)
            token = await _run(store.start_session, account.username)
            reply = _json({"username": account.username, "display_name": account.display_name,
                           "csrf_token": csrf_token_for(token)})
            auth.set_session_cookie(reply, token, secure=_settings().staff_cookie_secure,
                                    max_age=int(store.session_hours * 3600))
            return reply

        @console.route("/api/sign-out", methods=["POST"])
        @signed_in(csrf=True)
        async def sign_out(request: Request, staff: StaffSession) -> HTTPResponse:
            await _run(_service().store.end_session, auth.session_token(request))
            reply = _json({"signed_out": True})
            auth.clear_session_cookie(reply, secure=_settings().staff_cookie_secure)
            return reply

        @console.route("/api/me", methods=["GET"])
        @signed_in(csrf=False)
        async def me(request: Request, staff: StaffSession) -> HTTPResponse:
            return _json({"username": staff.username, "display_name": staff.display_name,
                          "csrf_token": csrf_token_for(auth.session_token(request) or ""),
                          "expires_at": staff.expires_at.isoformat()})

        @console.route("/api/queue", methods=["GET"])
        @signed_in(csrf=False)
        async def queue(request: Request, staff: StaffSession) -> HTTPResponse:
            return _json({"queue": await _run(_service().queue)})

        @console.route("/api/handoffs/<handoff_id:int>", methods=["GET"])
        @signed_in(csrf=False)
        async def conversation(request: Request, staff: StaffSession, handoff_id: int) -> HTTPResponse:
            return _json(await _service().conversation(handoff_id, _rasa(request), _run))

        @console.route("/api/handoffs/<handoff_id:int>/<action>", methods=["POST"])
        @signed_in(csrf=True)
        async def act(request: Request, staff: StaffSession, handoff_id: int, action: str) -> HTTPResponse:
            if action not in ACTIONS:
                return _error(404, "no such action")
            return _json(await _act(request, staff, handoff_id, action))

        return console


def _delivery(delivered: bool) -> dict[str, Any]:
    return {"delivered": True} if delivered else {"delivered": False, "notice": NOT_DELIVERED}


async def _act(request: Request, staff: StaffSession, handoff_id: int, action: str) -> dict[str, Any]:
    """One console action on a hand-over; returns what the page shows next."""
    service = _service()
    body = _body(request)
    if action == "note":
        return {"case": await _run(service.note, handoff_id, staff, body.get("text"))}
    if action in ("acknowledge", "respond", "close"):
        handoff = await _run(service.mine, handoff_id, staff)
        if action == "acknowledge":
            return {"case": await _run(service.acknowledge, handoff, staff)}
        if action == "respond":
            return {"case": await _run(service.record_response, handoff, staff, body.get("summary"))}
        return {"case": await _run(service.close, handoff, staff, body.get("outcome"))}
    rasa = _rasa(request)  # the rest talk to the resident
    if action == "claim":
        handoff, new = await _run(service.claim, handoff_id, staff)
        delivered = await service.greet(handoff, staff, rasa) if new else True
        return {"handoff": handoff_to_dict(handoff, service.now()), **_delivery(delivered)}
    handoff = await _run(service.mine, handoff_id, staff)
    if action == "reply":
        delivered = await service.reply(handoff, staff, body.get("text"), rasa, _run)
        return {"sent": delivered, **_delivery(delivered)}
    if action == "extend":
        extension = await _run(service.extend, handoff, staff, body.get("working_days"), body.get("reason"))
        delivered = await rasa.append(handoff.conversation_id, [service.said(extension.notice, staff)])
        return {"case": await _run(service.case_details, handoff.case_reference), "notice": extension.notice,
                "delivered": delivered}
    done, delivered = await service.finish(handoff, staff, body.get("message"), rasa, _run,
                                           hand_back=action == "hand-back")
    return {"handoff": handoff_to_dict(done, service.now()), **_delivery(delivered)}

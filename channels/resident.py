"""The residents' website (socket.io) and REST channels.

Both are Rasa's channels under Rasa's names ("socketio", "rest": same URLs,
/socket.io and /webhooks/rest/webhook), with these changes:

- A resident's text is never read as an intent command: Rasa parses a message
  starting with "/" as that intent ("/restart" would undo a hand-over to a
  person), so leading slashes are stripped (`resident_text`).
- Conversation ids are the channel's own (channels/ids.py). Website chat: the
  server issues `web:<128 random bits>` (channels/web_sessions.py) on
  `session_request`; an id it never issued (no such conversation) gets a fresh
  one, and a message always goes to the conversation bound to its socket by
  that request, whatever `session_id` it carries. A socket joins only its own
  conversation's room, and browsers from other origins than the server's own
  and CORS_ORIGINS are refused. Every message carries the client's key in
  its metadata (`client_key`, `socket_client_key`, overwriting any the
  client sent), for the per-client budget on callback requests. REST: off (404) unless REST_CHANNEL_SECRET is
  set, every call needs `Authorization: Bearer <secret>`, the conversation is
  `rest:<sender>`, and a malformed body is a 400 (channels/rest_requests.py).
  A relay is trusted with the metadata it sends: it may pass its own
  resident's `client_key` (any opaque text up to 128 characters); without
  one only the per-conversation budgets apply.
- They never leave a resident in silence: when a turn sends no reply, the
  conversation is not paused and the action server does not answer, the
  resident is told there is a technical problem and given the phone number
  (`never_silent`).

Enabled in credentials.yml as `channels.resident.ResidentSocketIOInput` and
`channels.resident.ResidentRestInput`. Other channels use `resident_text` and
`never_silent` too.
"""
from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Any, Awaitable, Callable, Mapping

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from channels.ids import WEB, own_id
from channels.message_limit import capped
from channels.rest_requests import BadRestRequest, bearer_ok, parse_body
from channels.web_sessions import issued_shape, new_session_id, origin_allowed
from housing import messages
from housing.client_key import client_key, with_client_key
from housing.policy_loader import load_policy
from housing.settings import get_settings
from server import action_failures

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
logger = logging.getLogger(__name__)


def resident_text(text: str | None) -> str:
    """The text with any leading slashes removed ("/restart" -> "restart")."""
    cleaned = (text or "").strip()
    while cleaned.startswith("/"):
        cleaned = cleaned[1:].lstrip()
    return cleaned


@lru_cache(maxsize=1)
def technical_problem_text() -> str:
    """What a resident is told when the assistant cannot answer."""
    phone = ""
    try:
        phone = load_policy(get_settings().policy_file)[0].phone
    except Exception:  # the message must go out whatever is wrong
        logger.exception("could not read the landlord's phone number from the policy")
    call = f", or call us on {phone}" if phone else ""
    return ("Sorry, I'm having a technical problem and can't answer right now. Nothing you've told me is lost. "
            f"Please try again in a few minutes{call}.")


async def action_server_answers(timeout: float = 1.0) -> bool:
    """Does the action server's /health answer? (True when none is configured.)"""
    url = get_settings().action_endpoint_url
    if not url:
        return True
    health = url.rsplit("/webhook", 1)[0] + "/health"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session:
            async with session.get(health) as response:
                return response.status == 200
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError):  # on Python 3.10 not the builtin TimeoutError
        return False


def never_silent(on_new_message: OnNewMessage) -> OnNewMessage:
    """Wrap Rasa's message handler: a turn in which a call to the action
    server failed (down, hung past ACTION_TIMEOUT_SECONDS, erroring), a turn
    that failed itself (e.g. the conversations database could not be read or
    written), or a turn that sent no reply while the action server is down,
    ends with a kind message instead of silence. (A paused conversation is
    silent on purpose; its action server still answers.)"""

    async def handler(message: UserMessage) -> Any:
        output = message.output_channel
        sent = 0
        original = output.send_response

        async def counting(recipient_id: str, response: dict) -> None:
            nonlocal sent
            sent += 1
            await original(recipient_id, response)

        output.send_response = counting  # type: ignore[method-assign]
        failed = False
        with action_failures.watching_turn() as turn:
            try:
                return await on_new_message(message)
            except Exception:  # the resident is answered whatever went wrong; the error is logged
                logger.exception("the turn for %s failed", message.sender_id)
                failed = True
                return None
            finally:
                output.send_response = original  # type: ignore[method-assign]
                if failed or turn.action_server_failed or (sent == 0 and not await action_server_answers()):
                    logger.error("no full reply to %s: the action server failed or does not answer",
                                 message.sender_id)
                    await output.send_text_message(message.sender_id, technical_problem_text())

    return handler


def as_plain_text(on_new_message: OnNewMessage) -> OnNewMessage:
    """Wrap Rasa's message handler so a message is never taken as an intent
    command, is held to the size cap (`channels.message_limit.capped`), never
    goes unanswered (`never_silent`), and is never lost to a dropped
    connection: Sanic cancels a request's handler when its client goes away,
    which would discard the turn (a confirming "yes" included) before the
    conversation is saved, so the turn runs to its end in a task of its own."""
    answered = never_silent(capped(on_new_message))

    async def handler(message: UserMessage) -> Any:
        message.text = resident_text(message.text)
        return await asyncio.shield(asyncio.ensure_future(answered(message)))

    return handler


def socket_client_key(environ: Mapping[str, Any]) -> str:
    """The client key (`housing.client_key`) of a socket.io connection. The
    Sanic driver always writes 127.0.0.1 as REMOTE_ADDR, so the direct peer is
    the Sanic request's own address, REMOTE_ADDR only without one."""
    request = environ.get("sanic.request")
    peer = str(getattr(request, "ip", "") or environ.get("REMOTE_ADDR") or "")
    settings = get_settings()
    return client_key(peer, environ.get("HTTP_X_FORWARDED_FOR"), settings.trusted_proxies,
                      settings.client_key_secret)


class ResidentSocketIOOutput(SocketIOOutput):
    """Rasa's socketio output, to the room of a web conversation only, telling
    the widget which messages a member of staff wrote (`staff_name`), so they
    are not announced as the assistant's."""

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if own_id(socket_id, WEB) is None:
            logger.error("socketio: not sending to %r, which is not a website conversation", socket_id)
            return
        await super()._send_message(socket_id, response)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        # Rasa's would let the message choose its own room ("room": ...).
        await self._send_message(recipient_id, json_message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        staff_name = kwargs.get("staff_name")
        if not staff_name:
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part, "staff_name": str(staff_name)})


class _AppAwareBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, telling the channel which app it is on (to
    reach the agent's tracker store)."""

    def __init__(self, sio: AsyncServer, socketio_path: str, on_register: Callable[[Sanic], None],
                 *args: Any, **kwargs: Any) -> None:
        super().__init__(sio, socketio_path, *args, **kwargs)
        self.ctx.on_register = on_register

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.on_register(app)
        super().register(app, options)


class ResidentSocketIOInput(SocketIOInput):
    """The website chat: server-issued session ids, one room per socket,
    allowed origins only; "/..." typed by a resident is plain text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._app: Sanic | None = None
        self._bound: dict[str, str] = {}  # socket id -> its conversation id

    def get_output_channel(self) -> OutputChannel | None:
        """The channel staff replies (Rasa HTTP API, output_channel=socketio) go out on."""
        if self.sio is None:
            return super().get_output_channel()
        return ResidentSocketIOOutput(self.sio, self.bot_message_evt)

    async def _known(self, session_id: Any) -> str | None:
        """The id if the server issued it and its conversation exists."""
        candidate = issued_shape(session_id)
        agent = getattr(self._app.ctx, "agent", None) if self._app is not None else None
        store = getattr(agent, "tracker_store", None)
        if candidate is None or store is None:
            return None
        try:
            return candidate if await store.exists(candidate) else None
        except Exception:  # noqa: BLE001 - a store error must not hand out a conversation
            logger.exception("socketio: could not check a session id in the tracker store")
            return None

    def _allowed_origin(self, origin: str | None, environ: Mapping[str, Any]) -> bool:
        allowed = origin_allowed(origin, environ, get_settings().cors_origins)
        if not allowed:
            logger.warning("socketio: refused a connection from origin %r (not in CORS_ORIGINS)", origin)
        return allowed

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        handle = as_plain_text(on_new_message)
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=self._allowed_origin)
        self.sio = sio

        def attached(app: Sanic) -> None:
            self._app = app

        hook = _AppAwareBlueprint(sio, self.socketio_path, attached, "socketio_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str, *_: Any) -> None:
            self._bound.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = await self._known(asked) or new_session_id()
            previous = self._bound.get(sid)
            if previous and previous != session_id:
                await sio.leave_room(sid, previous, namespace=self.namespace)
            self._bound[sid] = session_id
            await sio.enter_room(sid, session_id, namespace=self.namespace)  # a coroutine (RasaHQ/rasa#13027)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            session_id = self._bound.get(sid)
            if session_id is None:
                logger.warning("socketio: ignored a message from a socket without a session_request")
                return
            output = ResidentSocketIOOutput(sio, self.bot_message_evt)
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str):
                await output.send_text_message(session_id, messages.text_only())
                return
            metadata = with_client_key(data.get(self.metadata_key), socket_client_key(
                sio.get_environ(sid, namespace=self.namespace) or {}))
            await handle(UserMessage(text, output, session_id, input_channel=self.name(), metadata=metadata))

        return hook


def _bad_request(message: str) -> HTTPResponse:
    return response.json({"error": message}, status=400)


class ResidentRestInput(RestInput):
    """The REST channel for tests and trusted relays: off (no routes, 404)
    unless REST_CHANNEL_SECRET is set; then every call needs
    `Authorization: Bearer <secret>` (401 otherwise). The conversation is
    `rest:<sender>`; "/..." is plain text; no streaming."""

    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret if secret is not None else get_settings().rest_channel_secret

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "ResidentRestInput":
        return cls()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        hook = Blueprint("custom_webhook_ResidentRestInput", __name__)
        secret = self.secret
        if not secret:
            logger.info("rest channel is off (REST_CHANNEL_SECRET is not set)")
            return hook
        handle = as_plain_text(on_new_message)

        def refused(request: Request) -> HTTPResponse | None:
            if bearer_ok(secret, request.headers.get("Authorization")):
                return None
            return response.json({"error": "this channel needs 'Authorization: Bearer <REST_CHANNEL_SECRET>'"},
                                 status=401, headers={"WWW-Authenticate": "Bearer"})

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return refused(request) or response.json({"status": "ok"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            denied = refused(request)
            if denied is not None:
                return denied
            try:
                message = parse_body(request.body)
            except BadRestRequest as error:
                return _bad_request(str(error))
            collector = CollectingOutputChannel()
            if message.text is None:
                await collector.send_text_message(message.conversation_id, messages.text_only())
                return response.json(collector.messages)
            try:
                await handle(UserMessage(message.text, collector, message.conversation_id,
                                         input_channel=self.name(), metadata=message.metadata))
            except asyncio.CancelledError:
                logger.error("rest: a turn was cancelled (timeout)")
            except Exception:  # noqa: BLE001 - as Rasa's: log, and answer with what was said
                logger.exception("rest: handling a message failed")
            return response.json(collector.messages)

        return hook

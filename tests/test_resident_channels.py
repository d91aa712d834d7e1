"""The residents' socketio and REST channels, in process: "/..." is plain
text, never an intent command (so "/restart" cannot undo a pause), the REST
channel needs its secret, and web-chat ids are the server's own."""
from __future__ import annotations

import uuid

import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from sanic.response import text

from channels.resident import ResidentRestInput, ResidentSocketIOInput, resident_text
from tests import aio


@pytest.mark.parametrize(("typed", "seen"), [
    ("/restart", "restart"), ("//restart", "restart"), ("  / session_start", "session_start"),
    ('/greet{"name": "x"}', 'greet{"name": "x"}'), ("/", ""), ("hello /restart", "hello /restart"),
    ("my tap is broken", "my tap is broken"), ("", ""), (None, ""),
])
def test_resident_text_drops_leading_slashes(typed, seen):
    assert resident_text(typed) == seen


def recorder() -> tuple[list[UserMessage], object]:
    seen: list[UserMessage] = []

    async def on_new_message(message: UserMessage) -> None:
        seen.append(message)

    return seen, on_new_message


def test_rest_channel_passes_slash_commands_as_plain_text():
    seen, handler = recorder()
    channel = ResidentRestInput(secret="s3cret")
    assert channel.name() == "rest" and channel.url_prefix() == "rest"
    app = Sanic(f"rest-{uuid.uuid4().hex[:8]}")
    app.blueprint(channel.blueprint(handler), url_prefix="/webhooks/rest")
    _, response = app.test_client.post("/webhooks/rest/webhook", json={"sender": "r1", "message": "/restart",
                                                                       "input_channel": "telegram"},
                                       headers={"Authorization": "Bearer s3cret"})
    assert response.status == 200
    assert [(m.sender_id, m.text, m.input_channel) for m in seen] == [("rest:r1", "restart", "rest")]


def test_rest_channel_is_off_without_a_secret():
    seen, handler = recorder()
    app = Sanic(f"rest-{uuid.uuid4().hex[:8]}")
    app.blueprint(ResidentRestInput(secret="").blueprint(handler), url_prefix="/webhooks/rest")

    @app.route("/")
    async def elsewhere(_):  # an app needs one route to answer at all
        return text("ok")

    _, response = app.test_client.post("/webhooks/rest/webhook", json={"sender": "r1", "message": "hi"})
    assert response.status == 404 and seen == []


def test_socketio_channel_passes_slash_commands_as_plain_text():
    seen, handler = recorder()
    channel = ResidentSocketIOInput.from_credentials({"user_message_evt": "user_uttered",
                                                     "bot_message_evt": "bot_uttered",
                                                     "session_persistence": True})
    assert isinstance(channel, ResidentSocketIOInput)
    assert channel.name() == "socketio" and channel.socketio_path == "/socket.io"
    blueprint = channel.blueprint(handler)
    sio = blueprint.ctx.sio
    on_session, on_message = sio.handlers["/"]["session_request"], sio.handlers["/"]["user_uttered"]

    async def scenario() -> tuple[str, str, list[str]]:
        sid = await sio.manager.connect("eio-1", "/")  # as the server does when a socket connects
        await on_message(sid, {"message": "ignored: no session_request yet"})
        await on_session(sid, {"session_id": "s1"})
        await on_message(sid, {"message": "/restart", "session_id": "s1"})
        await on_message(sid, {"message": "/request_human", "session_id": "web:" + "0" * 32})
        return sid, channel._bound[sid], list(sio.manager.get_rooms(sid, "/"))

    sid, session, rooms = aio.run(scenario())
    assert session.startswith("web:") and len(session) == 4 + 32  # the server's id, not "s1"
    assert sorted(rooms) == sorted([sid, session])
    assert [(m.sender_id, m.text, m.input_channel) for m in seen] == [(session, "restart", "socketio"),
                                                                      (session, "request_human", "socketio")]
    assert channel.get_output_channel() is not None  # staff replies can still be pushed live


def test_credentials_use_our_channels_under_rasas_names():
    import importlib

    import yaml

    from channels.staff import StaffConsole
    from housing.settings import ROOT

    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert "rest" not in credentials and "socketio" not in credentials  # Rasa's own would accept "/restart"

    def load(path: str):
        module, _, name = path.rpartition(".")
        return getattr(importlib.import_module(module), name)

    assert load("channels.resident.ResidentRestInput") is ResidentRestInput
    socketio = load("channels.resident.ResidentSocketIOInput").from_credentials(
        credentials["channels.resident.ResidentSocketIOInput"])
    assert (socketio.name(), socketio.session_persistence, socketio.user_message_evt, socketio.bot_message_evt) \
        == ("socketio", True, "user_uttered", "bot_uttered")
    assert load("channels.staff.StaffConsole") is StaffConsole and "channels.staff.StaffConsole" in credentials

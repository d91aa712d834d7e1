"""The pure rules behind conversation ids: web-chat session ids and origins
(channels/web_sessions.py), REST requests and the shared secret
(channels/rest_requests.py), Twilio addresses, and the console's paths and
output channels (channels/staff/rasa_api.py)."""
from __future__ import annotations

from importlib.metadata import version

import pytest

from channels.rest_requests import BadRestRequest, bearer_ok, parse_body
from channels.social.twilio_messaging import address_of, conversation_of
from channels.staff.rasa_api import RasaApiError, conversation_path, live_output_channel
from channels.web_sessions import issued_shape, new_session_id, origin_allowed

OWN = {"HTTP_HOST": "chat.landlord.example", "wsgi.url_scheme": "https"}


def test_session_ids_are_the_servers_own_with_128_random_bits() -> None:
    ids = {new_session_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(i.startswith("web:") and len(i) == 36 and issued_shape(i) == i for i in ids)


@pytest.mark.parametrize("asked", [None, "", 42, {"id": 1}, "telegram:123", "whatsapp:+447700900123", "123",
                                   "web:short", "web:" + "G" * 32, "WEB:" + "a" * 32, "web:" + "a" * 31,
                                   "rest:" + "a" * 32, "web:" + "a" * 129, "web:" + "a" * 32 + "\n"])
def test_ids_the_server_could_not_have_issued_are_not_taken(asked: object) -> None:
    assert issued_shape(asked) is None


@pytest.mark.parametrize(("origin", "allowed"), [
    (None, True),  # not a browser
    ("https://chat.landlord.example", True), ("https://chat.landlord.example/", True),
    ("https://www.landlord.example", True), ("HTTPS://WWW.LANDLORD.EXAMPLE", True),
    ("http://chat.landlord.example", False), ("https://evil.example", False), ("null", False),
    ("https://www.landlord.example.evil.example", False), ("", False),
])
def test_socketio_origins(origin: str | None, allowed: bool) -> None:
    assert origin_allowed(origin, OWN, ("https://www.landlord.example",)) is allowed


def test_a_star_in_cors_origins_allows_any_origin() -> None:
    assert origin_allowed("https://anywhere.example", OWN, ("*",))


def test_bearer_secret() -> None:
    assert bearer_ok("s3cret", "Bearer s3cret") and bearer_ok("s3cret", "bearer  s3cret ")
    for header in (None, "", "Bearer", "Bearer s3cre", "Bearer s3cretx", "Basic s3cret", "s3cret", "Bearer é"):
        assert not bearer_ok("s3cret", header), header
    assert not bearer_ok("", "Bearer ")


def test_a_rest_message_is_in_the_senders_own_namespace() -> None:
    message = parse_body(b'{"sender": "whatsapp:+447700900123", "message": "hi", "metadata": {"a": 1}}')
    assert (message.conversation_id, message.text, message.metadata) == ("rest:whatsapp:+447700900123", "hi",
                                                                         {"a": 1})
    assert parse_body(b'{"sender": 17, "message": 5}').conversation_id == "rest:17"
    assert parse_body(b'{"sender": "x", "message": 5}').text is None  # not text: a kind answer
    assert parse_body(b'{"sender": "x", "message": "", "metadata": "no"}').metadata is None


@pytest.mark.parametrize("raw", [None, b"", b"  ", b"[]", b'"x"', b"1", b"{", b"\xff", b"{}",
                                 b'{"sender": "", "message": "x"}', b'{"sender": true, "message": "x"}',
                                 b'{"sender": "a/b", "message": "x"}', b'{"sender": "x"}',
                                 b'{"sender": "x", "message": null}',
                                 b'{"sender": "' + b"a" * 129 + b'", "message": "x"}'])
def test_malformed_rest_bodies(raw: bytes | None) -> None:
    with pytest.raises(BadRestRequest):
        parse_body(raw)


@pytest.mark.parametrize(("address", "conversation"), [
    ("whatsapp:+447700900123", "whatsapp:+447700900123"), ("+447700900123", "sms:+447700900123")])
def test_twilio_addresses_and_conversations(address: str, conversation: str) -> None:
    assert conversation_of(address) == conversation
    assert address_of(conversation)[1] == address


def test_twilio_sends_only_to_its_own_conversations() -> None:
    for other in ("+447700900123", "telegram:1", "rest:sms:+44", "web:" + "a" * 32):
        assert address_of(other) is None


@pytest.mark.parametrize(("conversation", "channel"), [
    ("web:" + "a" * 32, "socketio"), ("telegram:1", "telegram"), ("messenger:2", "messenger"),
    ("whatsapp:+447700900123", "twilio"), ("sms:+447700900123", "twilio"), ("rest:relay", None),
    ("legacy-id", None), ("+447700900123", None)])
def test_staff_messages_go_to_the_conversations_own_channel(conversation: str, channel: str | None) -> None:
    assert live_output_channel(conversation) == channel


def test_console_paths_keep_ids_exactly() -> None:
    for conversation in ("whatsapp:+447700900123", "rest:a.b_c~d@e+f=g:h-i", "telegram:123"):
        assert conversation_path(conversation) == conversation
    for bad in ("rest:a b", "rest:a/b", "rest:%2B", "rest:é", "rest:a#b", ""):
        with pytest.raises(RasaApiError):
            conversation_path(bad)


def test_python_socketio_is_past_the_memory_exhaustion_advisory() -> None:
    """python-socketio 5.16.2 fixed it; Rasa's own channel cannot run on such a
    release (RasaHQ/rasa#13027), ours awaits enter_room and does."""
    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split(".")[:3])

    assert parts(version("python-socketio")) >= (5, 16, 2)
    assert parts(version("python-engineio")) >= (4, 13, 2)  # what python-socketio 5.16.2 needs

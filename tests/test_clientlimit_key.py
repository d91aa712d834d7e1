"""housing/client_key.py and channels/resident.socket_client_key: the keyed
hash of a website chat client's address (X-Forwarded-For believed only from a
trusted proxy), and client-supplied metadata of the same name overwritten."""
from __future__ import annotations

import hashlib
import hmac

from channels.resident import socket_client_key
from housing.client_key import CLIENT_KEY, PROCESS_SECRET, client_key, client_key_of, with_client_key
from housing.limits import HANDOFFS_PER_CLIENT, HANDOFFS_PER_CONVERSATION
from housing.settings import get_settings

PROXY = ("10.0.0.0/8",)


class FakeSanicRequest:
    """Only the `ip` attribute the socket.io Sanic driver's environ carries."""

    def __init__(self, ip: str) -> None:
        self.ip = ip


def test_key_is_a_keyed_hash_not_the_address():
    """The key is HMAC-SHA256 of the address, never the address itself, and depends on the secret."""
    key = client_key("203.0.113.7", None, (), "s3cret")
    assert key == hmac.new(b"s3cret", b"resident-client-key-v1\x1f203.0.113.7", hashlib.sha256).hexdigest()
    assert "203.0.113.7" not in key
    assert key != client_key("203.0.113.7", None, (), "other")
    assert client_key("203.0.113.7", None, (), None) == hmac.new(
        PROCESS_SECRET, b"resident-client-key-v1\x1f203.0.113.7", hashlib.sha256).hexdigest()


def test_forwarded_for_ignored_from_an_untrusted_peer():
    """A client not behind a trusted proxy cannot choose its key with X-Forwarded-For."""
    direct = client_key("203.0.113.7", None, PROXY, "k")
    assert client_key("203.0.113.7", "198.51.100.1", PROXY, "k") == direct
    assert client_key("203.0.113.7", "198.51.100.1", (), "k") == direct


def test_forwarded_for_believed_from_a_trusted_proxy():
    """Behind a trusted proxy the key is that of the address the proxy saw (the right-most untrusted hop)."""
    behind = client_key("10.1.2.3", "1.2.3.4, 198.51.100.9", PROXY, "k")
    assert behind == client_key("198.51.100.9", None, (), "k")
    # a forged left-most hop does not change it
    assert client_key("10.1.2.3", "9.9.9.9, 198.51.100.9", PROXY, "k") == behind
    assert behind != client_key("10.1.2.3", None, PROXY, "k")


def test_client_supplied_key_is_overwritten():
    """A client_key sent by the browser in its metadata is replaced, other metadata kept."""
    assert with_client_key({CLIENT_KEY: "chosen", "page": "/repairs"}, "real") == {CLIENT_KEY: "real",
                                                                                   "page": "/repairs"}
    assert with_client_key("not a dict", "real") == {CLIENT_KEY: "real"}
    assert with_client_key(None, "real") == {CLIENT_KEY: "real"}


def test_socket_key_uses_the_sanic_peer_not_the_drivers_fixed_remote_addr():
    """The Sanic driver writes REMOTE_ADDR 127.0.0.1 for every client: the request's own peer is used."""
    environ = {"REMOTE_ADDR": "127.0.0.1", "sanic.request": FakeSanicRequest("203.0.113.50"),
               "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    secret = get_settings().client_key_secret
    assert socket_client_key(environ) == client_key("203.0.113.50", None, (), secret)
    assert socket_client_key({"REMOTE_ADDR": "203.0.113.51"}) == client_key("203.0.113.51", None, (), secret)


def test_reading_the_key_back():
    """Only a short non-blank text is a key."""
    assert client_key_of({CLIENT_KEY: "abc"}) == "abc"
    assert client_key_of({CLIENT_KEY: ""}) is None
    assert client_key_of({CLIENT_KEY: 5}) is None
    assert client_key_of({CLIENT_KEY: "x" * 500}) is None
    assert client_key_of(None) is None


def test_documented_per_client_budget():
    """Six per client in an hour, more than one conversation's three."""
    assert (HANDOFFS_PER_CLIENT.limit, HANDOFFS_PER_CLIENT.window.total_seconds()) == (6, 3600)
    assert HANDOFFS_PER_CLIENT.limit > HANDOFFS_PER_CONVERSATION.limit

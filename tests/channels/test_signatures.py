"""Webhook verification, with known vectors and independently computed MACs."""
from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from channels.social.signatures import (
    constant_time_equal, messenger_signature, messenger_signature_valid, telegram_secret_valid,
    twilio_signature, twilio_signature_valid, url_port_variants,
)

# Twilio's documented example (https://www.twilio.com/docs/usage/security).
TWILIO_TOKEN = "12345"
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
                 "From": "+12349013030", "To": "+18005551212"}
TWILIO_EXPECTED = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_twilio_documented_example() -> None:
    assert twilio_signature(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS) == TWILIO_EXPECTED
    assert twilio_signature_valid(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, TWILIO_EXPECTED)


def test_twilio_parameter_order_does_not_matter() -> None:
    pairs = list(reversed(list(TWILIO_PARAMS.items())))
    assert twilio_signature(TWILIO_TOKEN, TWILIO_URL, pairs) == TWILIO_EXPECTED


@pytest.mark.parametrize("change", ["token", "url", "param", "extra", "missing"])
def test_twilio_rejects_any_change(change: str) -> None:
    token, url, params = TWILIO_TOKEN, TWILIO_URL, dict(TWILIO_PARAMS)
    if change == "token":
        token = "54321"
    elif change == "url":
        url = "https://mycompany.com/myapp.php?foo=1&bar=3"
    elif change == "param":
        params["Digits"] = "1235"
    elif change == "extra":
        params["Body"] = "hi"
    else:
        del params["Caller"]
    assert not twilio_signature_valid(token, url, params, TWILIO_EXPECTED)


def test_twilio_missing_or_empty_header() -> None:
    assert not twilio_signature_valid(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, None)
    assert not twilio_signature_valid(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, "")
    assert not twilio_signature_valid("", TWILIO_URL, TWILIO_PARAMS, TWILIO_EXPECTED)
    assert not twilio_signature_valid(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, "zé∂")  # non-ASCII, no error


def test_twilio_signature_matches_twilios_own_library_with_blank_and_repeated_params() -> None:
    validator = pytest.importorskip("twilio.request_validator").RequestValidator("secret-token")
    url = "https://bot.example.org/webhooks/twilio/webhook"
    params = {"Body": "", "From": "whatsapp:+447700900123", "To": "whatsapp:+447700900000",
              "ProfileName": "Zoë", "NumMedia": "0"}
    assert twilio_signature("secret-token", url, params) == validator.compute_signature(url, params)
    repeated = [("A", "2"), ("A", "1"), ("B", "x")]
    expected = base64.b64encode(hmac.new(b"secret-token", (url + "A1A2Bx").encode(), hashlib.sha1).digest()).decode()
    assert twilio_signature("secret-token", url, repeated) == expected


def test_twilio_accepts_a_signature_made_with_or_without_the_default_port() -> None:
    url = "https://bot.example.org/webhooks/twilio/webhook"
    with_port = "https://bot.example.org:443/webhooks/twilio/webhook"
    params = {"Body": "hi"}
    assert twilio_signature_valid("t", url, params, twilio_signature("t", with_port, params))
    assert twilio_signature_valid("t", with_port, params, twilio_signature("t", url, params))


def test_url_port_variants() -> None:
    assert url_port_variants("https://a.example/x?y=1") == ["https://a.example/x?y=1", "https://a.example:443/x?y=1"]
    assert url_port_variants("http://127.0.0.1:5005/w") == ["http://127.0.0.1:5005/w", "http://127.0.0.1/w"]


def _independent_sha256(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def test_messenger_signature_matches_an_independent_hmac() -> None:
    body = b'{"object":"page","entry":[{"messaging":[{"sender":{"id":"1"},"message":{"text":"hi \xc2\xa3"}}]}]}'
    header = _independent_sha256(b"app-secret", body)
    assert messenger_signature("app-secret", body) == header
    assert messenger_signature_valid("app-secret", body, header)
    assert messenger_signature_valid("app-secret", body, header.upper().replace("SHA256=", "sha256="))


def test_messenger_known_vector() -> None:
    # RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?"
    assert messenger_signature("Jefe", b"what do ya want for nothing?") == (
        "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")


@pytest.mark.parametrize("header", [None, "", "sha256=", "sha1=abc", "sha256=" + "0" * 64, "garbage", "sha256=zé"])
def test_messenger_rejects_missing_or_forged(header: str | None) -> None:
    assert not messenger_signature_valid("app-secret", b"{}", header)


def test_messenger_rejects_a_changed_body_or_secret() -> None:
    header = _independent_sha256(b"app-secret", b'{"a":1}')
    assert not messenger_signature_valid("app-secret", b'{"a":2}', header)
    assert not messenger_signature_valid("other-secret", b'{"a":1}', header)
    assert not messenger_signature_valid("", b'{"a":1}', header)


def test_telegram_secret() -> None:
    assert telegram_secret_valid("s3cret_Token-1", "s3cret_Token-1")
    for header in (None, "", "s3cret_Token-2", "s3cret_Token-1 ", "é"):
        assert not telegram_secret_valid("s3cret_Token-1", header)
    assert not telegram_secret_valid("", "")


def test_constant_time_equal() -> None:
    assert constant_time_equal("a", "a") and constant_time_equal(b"a", "a")
    assert not constant_time_equal("a", None) and not constant_time_equal("", "")

"""Pure checks that a webhook call really comes from the platform.

Every comparison uses hmac.compare_digest on bytes, so a wrong value takes as
long to reject as a nearly right one, and non-ASCII input cannot raise.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Iterable, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

MESSENGER_SIGNATURE_HEADER = "X-Hub-Signature-256"
TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def constant_time_equal(expected: str | bytes, given: str | bytes | None) -> bool:
    if given is None or not expected:
        return False
    as_bytes = [value.encode("utf-8") if isinstance(value, str) else value for value in (expected, given)]
    return hmac.compare_digest(as_bytes[0], as_bytes[1])


# Messenger (Meta): X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>

def messenger_signature(app_secret: str, body: bytes) -> str:
    """The X-Hub-Signature-256 header value Meta sends for this body."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def messenger_signature_valid(app_secret: str, body: bytes, header: str | None) -> bool:
    if not app_secret or not header:
        return False
    algorithm, _, given = header.strip().partition("=")
    if algorithm.lower() != "sha256" or not given:
        return False
    return constant_time_equal(messenger_signature(app_secret, body), f"sha256={given.lower()}")


# Twilio: X-Twilio-Signature: base64(HMAC-SHA1(auth token, URL + each POST
# parameter's name and value, sorted by name)).

Params = Mapping[str, "str | Sequence[str]"] | Iterable[tuple[str, str]]


def _param_pairs(params: Params) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    items = params.items() if isinstance(params, Mapping) else params
    for name, value in items:
        values = [value] if isinstance(value, str) else list(value)
        grouped.setdefault(name, []).extend(values)
    return grouped


def twilio_signature(auth_token: str, url: str, params: Params) -> str:
    """The X-Twilio-Signature for a form-encoded POST to `url` (the exact URL
    configured in Twilio, query string included). A name sent more than once
    contributes each distinct value in sorted order, as Twilio's own library does."""
    data = url
    for name, values in sorted(_param_pairs(params).items()):
        for value in sorted(set(values)):
            data += name + value
    digest = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def url_port_variants(url: str) -> list[str]:
    """The URL as given, without its port and with the scheme's default port:
    Twilio signs some requests with the port and some without."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    prefix = f"{userinfo}@" if userinfo else ""
    default_port = 443 if parts.scheme == "https" else 80
    without = urlunsplit(parts._replace(netloc=f"{prefix}{host}"))
    with_port = urlunsplit(parts._replace(netloc=f"{prefix}{host}:{parts.port or default_port}"))
    variants = [url]
    for variant in (without, with_port):
        if variant not in variants:
            variants.append(variant)
    return variants


def twilio_signature_valid(auth_token: str, url: str, params: Params, header: str | None) -> bool:
    if not auth_token or not header:
        return False
    pairs = _param_pairs(params)
    # Check every variant (no early exit), so timing does not tell which one matched.
    results = [constant_time_equal(twilio_signature(auth_token, variant, pairs), header.strip())
               for variant in url_port_variants(url)]
    return any(results)


# Telegram: X-Telegram-Bot-Api-Secret-Token equals the secret_token given to setWebhook.

def telegram_secret_valid(secret: str, header: str | None) -> bool:
    return bool(secret) and constant_time_equal(secret, header)

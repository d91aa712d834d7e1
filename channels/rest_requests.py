"""Reading one REST channel request: the shared secret and the JSON body.

Pure functions, no I/O. The REST channel (channels/resident.py) answers a
`BadRestRequest` with 400 and its message, and a message that is not text
with a kind answer instead of a turn.
"""
from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from typing import Any, Mapping

from channels.ids import REST, conversation_id

# Characters a REST sender may use: they appear as they are in the Rasa HTTP
# API's paths (Sanic 21.12 does not decode percent-escapes), so the staff
# console can always reach the conversation.
SENDER = re.compile(r"[A-Za-z0-9._~@+=:-]{1,128}")


class BadRestRequest(ValueError):
    """A request the REST channel refuses with 400; the message says why."""


@dataclass(frozen=True)
class RestMessage:
    conversation_id: str  # rest:<sender>
    text: str | None  # None: the message was not text (a number, an object...)
    metadata: dict[str, Any] | None


def bearer_ok(secret: str, authorization: str | None) -> bool:
    """`Authorization: Bearer <secret>`, compared in constant time."""
    if not secret or not authorization:
        return False
    scheme, _, given = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), secret.encode("utf-8"))


def _sender(body: Mapping[str, Any]) -> str:
    sender = body.get("sender")
    if isinstance(sender, bool) or not isinstance(sender, (str, int)):
        raise BadRestRequest("'sender' is required: the id of the resident's conversation in your system")
    sender = str(sender).strip()
    if not sender:
        raise BadRestRequest("'sender' is required: the id of the resident's conversation in your system")
    if not SENDER.fullmatch(sender):
        raise BadRestRequest("'sender' must be 1 to 128 letters, digits or . _ ~ @ + = : -")
    return sender


def parse_body(raw: bytes | None) -> RestMessage:
    """The message in a request body: a JSON object with `sender` and `message`."""
    if not raw or not raw.strip():
        raise BadRestRequest("the body is empty: send a JSON object with 'sender' and 'message'")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadRestRequest("the body is not valid JSON: send a JSON object with 'sender' and 'message'") from None
    if not isinstance(body, dict):
        raise BadRestRequest("the body must be a JSON object with 'sender' and 'message'")
    sender = _sender(body)
    if "message" not in body or body["message"] is None:
        raise BadRestRequest("'message' is required")
    message = body["message"]
    metadata = body.get("metadata")
    return RestMessage(conversation_id(REST, sender), message if isinstance(message, str) else None,
                       metadata if isinstance(metadata, dict) else None)

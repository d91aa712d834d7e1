"""Conversation ids: each channel owns a namespace no other channel can produce.

A conversation id is `<namespace>:<the channel's own id>`:

| channel (Rasa input channel name) | namespace | example |
|---|---|---|
| website chat (`socketio`) | `web` | `web:3f2a...` (issued by the server, 128+ random bits) |
| REST relay (`rest`) | `rest` | `rest:relay-42` |
| Telegram (`telegram`) | `telegram` | `telegram:123456789` |
| Messenger (`messenger`) | `messenger` | `messenger:6543210987` |
| WhatsApp through Twilio (`twilio`) | `whatsapp` | `whatsapp:+447700900123` |
| SMS through Twilio (`twilio`) | `sms` | `sms:+447700900123` |

Every channel builds its ids with `conversation_id(namespace, own_id)` and
nothing else, so a REST client that sends "whatsapp:+44..." lands in
`rest:whatsapp:+44...`, never in the WhatsApp resident's conversation. Staff
replies go to `channel_for(conversation_id)`, never to "latest".

Pure functions, no I/O.
"""
from __future__ import annotations

WEB = "web"
REST = "rest"
TELEGRAM = "telegram"
MESSENGER = "messenger"
WHATSAPP = "whatsapp"
SMS = "sms"

# namespace -> the Rasa input channel (its `name()`) that owns it
CHANNEL_OF_NAMESPACE: dict[str, str] = {
    WEB: "socketio",
    REST: "rest",
    TELEGRAM: "telegram",
    MESSENGER: "messenger",
    WHATSAPP: "twilio",
    SMS: "twilio",
}


def conversation_id(namespace: str, own_id: str) -> str:
    """The conversation id for a channel's own id (`own_id` is kept as it is)."""
    if namespace not in CHANNEL_OF_NAMESPACE:
        raise ValueError(f"unknown conversation namespace {namespace!r}")
    return f"{namespace}:{own_id}"


def split(conversation_id_: str) -> tuple[str, str] | None:
    """(namespace, the channel's own id), or None for an id no channel owns."""
    namespace, sep, own_id = conversation_id_.partition(":")
    if not sep or not own_id or namespace not in CHANNEL_OF_NAMESPACE:
        return None
    return namespace, own_id


def channel_for(conversation_id_: str) -> str | None:
    """The Rasa input channel a conversation belongs to (None: unknown shape)."""
    parts = split(conversation_id_)
    return CHANNEL_OF_NAMESPACE[parts[0]] if parts else None


def own_id(conversation_id_: str, namespace: str) -> str | None:
    """The channel's own id when the conversation is in `namespace`, else None."""
    parts = split(conversation_id_)
    return parts[1] if parts and parts[0] == namespace else None

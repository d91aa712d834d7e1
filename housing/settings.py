"""Settings read once from the environment, with documented defaults.

Every other module asks this one; nothing else reads ``os.environ``.
"""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Deployment settings (see README, "Environment variables")."""

    policy_file: Path
    database_url: str
    case_system_url: str | None
    case_system_token: str | None
    case_system_timeout: float
    case_system_retries: int
    timezone: str = "Europe/London"
    case_system_retry_interval: float = 60.0  # seconds between background retries
    # How long a claim on a case lasts while it is sent (at least two HTTP timeouts plus 2 s).
    case_system_lease_seconds: float = 60.0
    # New cases are kept here (one file each) while the case store cannot be written.
    case_spool_dir: Path | None = None
    # Social media channels (channels/social/): each is on only when its
    # variables are set (see README, "Social media channels").
    messenger_app_secret: str | None = None
    messenger_page_access_token: str | None = None
    messenger_verify_token: str | None = None
    messenger_api_url: str = "https://graph.facebook.com/v19.0"
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_number: str | None = None  # SMS, e.g. +447700900123
    twilio_whatsapp_number: str | None = None  # e.g. whatsapp:+447700900123
    twilio_webhook_url: str | None = None  # the public URL Twilio calls; default the request's URL
    twilio_api_url: str = "https://api.twilio.com"
    telegram_bot_token: str | None = None
    telegram_secret_token: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    channel_http_timeout: float = 10.0  # seconds per outbound call to a messaging platform
    # Staff takeover (channels/staff/, README "Staff console").
    handoff_expected_wait_minutes: int = 10  # what a resident is told while waiting for a person
    staff_session_hours: float = 8.0  # a staff sign-in lasts this long (then sign in again)
    staff_cookie_secure: bool = False  # mark the console's cookie Secure (set true behind HTTPS)
    rasa_auth_token: str | None = None  # the Rasa HTTP API token the console uses on loopback
    action_endpoint_url: str | None = None  # where Rasa finds the action server (ACTION_ENDPOINT_URL)
    rasa_api_url: str | None = None  # default: the address the console's own request came in on
    # Size limits (server/limits.py, channels/message_limit.py; README "Size limits").
    request_max_bytes: int = 256 * 1024  # larger HTTP bodies (and websocket frames) get 413
    message_max_chars: int = 20_000  # a resident's message is taken up to this many characters
    # Webhook re-delivery store (channels/social/dedupe.py): message ids seen, kept this long.
    webhook_dedupe_db: Path = ROOT / "var" / "webhook-messages.db"
    webhook_dedupe_hours: float = 24.0
    # Conversations (server/conversation_store.py, README "Conversations store"): a file path
    # (SQLite) or a postgresql://user:pass@host:port/db URL; default var/conversations.db.
    tracker_db: str = str(ROOT / "var" / "conversations.db")
    tracker_db_connect_timeout: float = 30.0  # seconds to keep trying an unreachable PostgreSQL at start-up
    # Residents' channels (channels/resident.py, README "Website chat" and "REST channel").
    rest_channel_secret: str | None = None  # REST_CHANNEL_SECRET: the REST channel is off (404) until it is set
    cors_origins: tuple[str, ...] = ()  # CORS_ORIGINS: origins besides the server's own allowed on socket.io
    # Exposure (server/, README "The action server" and "Supervision").
    var_dir: Path = ROOT / "var"  # local databases and generated secrets (ASSISTANT_VAR_DIR)
    bind_host: str = "127.0.0.1"  # the only interface the servers listen on (BIND_HOST)
    action_port: int = 5055  # the action server's port (ACTION_PORT)
    action_server_secret: str | None = None  # shared by the Rasa server and the action server
    action_server_max_body_bytes: int = 16 * 1024 * 1024  # larger action calls get 413
    action_timeout_seconds: float = 8.0  # how long the Rasa server waits for one action call
    supervisor_hung_seconds: float = 60.0  # make run restarts a server silent this long after answering
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For names the staff or web chat client
    # Key of the web chat's client hashes (housing/client_key.py); unset: a random one per Rasa server process.
    client_key_secret: str | None = None


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _optional(name: str) -> str | None:
    """A secret or identifier that switches something on: unset or blank is None."""
    return os.environ.get(name, "").strip() or None


def _origins(value: str) -> tuple[str, ...]:
    """CORS_ORIGINS: origins separated by spaces or commas, without a trailing slash."""
    return tuple(origin.rstrip("/") for origin in value.replace(",", " ").split() if origin.strip("/"))
def _addresses(name: str) -> tuple[str, ...]:
    """A comma-separated list of IP addresses or networks; ValueError naming a bad entry."""
    entries = tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(f"{name}: {entry!r} is not an IP address or network") from None
    return entries


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read the environment once; later calls return the same object."""
    var = Path(_env("ASSISTANT_VAR_DIR", str(ROOT / "var")))
    return Settings(
        policy_file=Path(_env("LANDLORD_POLICY", str(ROOT / "policies" / "default.yml"))),
        database_url=_env("CASES_DATABASE_URL", f"sqlite:///{var / 'cases.db'}"),
        case_system_url=os.environ.get("CASE_SYSTEM_URL") or None,
        case_system_token=os.environ.get("CASE_SYSTEM_TOKEN") or None,
        case_system_timeout=float(_env("CASE_SYSTEM_TIMEOUT", "5")),
        case_system_retries=int(_env("CASE_SYSTEM_RETRIES", "3")),
        case_system_retry_interval=float(_env("CASE_SYSTEM_RETRY_INTERVAL", "60")),
        case_system_lease_seconds=float(_env("CASE_SYSTEM_LEASE_SECONDS", "60")),
        case_spool_dir=Path(_env("CASE_SPOOL_DIR", str(var / "case-spool"))),
        messenger_app_secret=_optional("MESSENGER_APP_SECRET"),
        messenger_page_access_token=_optional("MESSENGER_PAGE_ACCESS_TOKEN"),
        messenger_verify_token=_optional("MESSENGER_VERIFY_TOKEN"),
        messenger_api_url=_env("MESSENGER_API_URL", "https://graph.facebook.com/v19.0").rstrip("/"),
        twilio_account_sid=_optional("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=_optional("TWILIO_AUTH_TOKEN"),
        twilio_number=_optional("TWILIO_NUMBER"),
        twilio_whatsapp_number=_optional("TWILIO_WHATSAPP_NUMBER"),
        twilio_webhook_url=_optional("TWILIO_WEBHOOK_URL"),
        twilio_api_url=_env("TWILIO_API_URL", "https://api.twilio.com").rstrip("/"),
        telegram_bot_token=_optional("TELEGRAM_BOT_TOKEN"),
        telegram_secret_token=_optional("TELEGRAM_SECRET_TOKEN"),
        telegram_api_url=_env("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/"),
        channel_http_timeout=float(_env("CHANNEL_HTTP_TIMEOUT", "10")),
        handoff_expected_wait_minutes=int(_env("HANDOFF_EXPECTED_WAIT_MINUTES", "10")),
        staff_session_hours=float(_env("STAFF_SESSION_HOURS", "8")),
        staff_cookie_secure=_env("STAFF_COOKIE_SECURE", "false").lower() in ("1", "true", "yes"),
        rasa_auth_token=_optional("RASA_AUTH_TOKEN"),
        action_endpoint_url=_optional("ACTION_ENDPOINT_URL"),
        rasa_api_url=(_optional("RASA_API_URL") or "").rstrip("/") or None,
        request_max_bytes=int(_env("REQUEST_MAX_BYTES", str(256 * 1024))),
        message_max_chars=int(_env("MESSAGE_MAX_CHARS", "20000")),
        webhook_dedupe_db=Path(_env("WEBHOOK_DEDUPE_DB", str(var / "webhook-messages.db"))),
        webhook_dedupe_hours=float(_env("WEBHOOK_DEDUPE_HOURS", "24")),
        tracker_db=_env("TRACKER_DB", str(var / "conversations.db")),
        tracker_db_connect_timeout=float(_env("TRACKER_DB_CONNECT_TIMEOUT", "30")),
        rest_channel_secret=_optional("REST_CHANNEL_SECRET"),
        cors_origins=_origins(os.environ.get("CORS_ORIGINS", "")),
        var_dir=var,
        bind_host=_env("BIND_HOST", "127.0.0.1"),
        action_port=int(_env("ACTION_PORT", "5055")),
        action_server_secret=_optional("ACTION_SERVER_SECRET"),
        action_server_max_body_bytes=int(_env("ACTION_SERVER_MAX_BODY_BYTES", str(16 * 1024 * 1024))),
        action_timeout_seconds=float(_env("ACTION_TIMEOUT_SECONDS", "8")),
        supervisor_hung_seconds=float(_env("SUPERVISOR_HUNG_SECONDS", "60")),
        trusted_proxies=_addresses("TRUSTED_PROXIES"),
        client_key_secret=_optional("CLIENT_KEY_SECRET"),
    )

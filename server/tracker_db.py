"""What the TRACKER_DB setting names: an SQLite file or a PostgreSQL database.

`parse_tracker_db` is pure (no connection is made); `TrackerDbError` says, in
words an operator can act on, why a value cannot be used. The store
(server/conversation_store.py) raises it at start-up, so a bad setting stops
the Rasa server instead of leaving conversations in memory.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from rasa.shared.exceptions import RasaException

SETTING = "TRACKER_DB"
POSTGRES_SCHEMES = ("postgresql", "postgresql+psycopg2", "postgres")
EXAMPLE = "a file path for SQLite (e.g. var/conversations.db) or postgresql://user:password@host:5432/dbname"


class TrackerDbError(RasaException):
    """TRACKER_DB cannot be used; the message names the setting and the reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"{SETTING} cannot be used: {reason}. Set {SETTING} to {EXAMPLE}.")


@dataclass(frozen=True)
class TrackerDb:
    """The database conversations are kept in."""

    url: sa.engine.URL
    sqlite_file: Path | None  # set for SQLite, None for PostgreSQL

    @property
    def shown(self) -> str:
        """The URL without its password, for messages and logs."""
        return self.url.render_as_string(hide_password=True)


def parse_tracker_db(value: str, base: Path) -> TrackerDb:
    """Read a TRACKER_DB value; a relative file path is taken from `base`."""
    value = value.strip()
    if not value:
        raise TrackerDbError("it is empty")
    if "://" not in value:
        path = Path(value).expanduser()
        path = path if path.is_absolute() else base / path
        return TrackerDb(sa.engine.URL.create("sqlite", database=str(path)), path)
    scheme = value.split("://", 1)[0].lower()
    if scheme == "sqlite":
        raise TrackerDbError("give SQLite as a plain file path, not a sqlite:// URL")
    if scheme not in POSTGRES_SCHEMES:
        raise TrackerDbError(f"'{scheme}://' is not a supported database (only PostgreSQL or an SQLite file)")
    try:
        url = sa.engine.make_url(value)
        port = url.port  # parsed lazily: "host:abc" fails here
    except (sa.exc.ArgumentError, ValueError):
        # (sqlalchemy's message would repeat the URL, password included)
        raise TrackerDbError("it is not a valid PostgreSQL URL (check the port and any special characters, "
                             "which must be %-encoded)") from None
    if not url.host and not url.query.get("host"):
        raise TrackerDbError("the PostgreSQL URL has no host")
    if not url.database:
        raise TrackerDbError("the PostgreSQL URL names no database (…/dbname at the end)")
    if port is not None and not 0 < port < 65536:
        raise TrackerDbError(f"port {port} is out of range")
    return TrackerDb(url.set(drivername="postgresql+psycopg2"), None)

"""The case spool: new cases kept on disk while the case store cannot be written.

One file per case in the spool folder, named after the case's idempotency
key, written once (a temporary file, fsync, rename, fsync of the folder) and
removed only after the case is in the store. Keeping the same case again
(a retried confirmation) leaves the first file as it is, so a case is kept once.
If the spool folder cannot be written either (the same full disk), the case
is kept in this process's memory until it can be stored.

Nothing here touches the database: `CaseStore` keeps cases here and drains
them. Pure data conversions (`new_case_to_json`, `new_case_from_json`) are
kept apart from the file I/O.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any, Optional

from housing.cases.models import NewCase, Representative, Resident

__all__ = ["KeptCase", "CaseKeptError", "CaseSpool", "new_case_to_json", "new_case_from_json"]

log = logging.getLogger(__name__)

_FORMAT = 1
_TIME_FIELDS = ("received_at", "acknowledged_at")
_DATE_FIELDS = ("acknowledgement_due", "response_due")


class CaseKeptError(RuntimeError):
    """A step after logging needs the store, but the case could only be kept."""


@dataclass(frozen=True)
class KeptCase:
    """A case kept in the spool, not yet in the store, so it has no reference yet."""

    new: NewCase
    notes: tuple[str, ...] = ()
    on_disk: bool = True  # False: kept only in this process's memory

    @property
    def key(self) -> str:
        return self.new.idempotency_key or ""


def new_case_to_json(new: NewCase, notes: tuple[str, ...] = ()) -> dict[str, Any]:
    """A `NewCase` (and the history notes to add with it) as a JSON-ready dict."""
    data: dict[str, Any] = {"format": _FORMAT, "notes": list(notes)}
    for name in NewCase.__dataclass_fields__:
        value = getattr(new, name)
        if isinstance(value, (datetime, date)):
            value = value.isoformat()
        elif isinstance(value, (Resident, Representative)):
            value = {field: getattr(value, field) for field in value.__dataclass_fields__}
        elif isinstance(value, tuple):
            value = list(value)
        data[name] = value
    return data


def new_case_from_json(data: dict[str, Any]) -> tuple[NewCase, tuple[str, ...]]:
    """The inverse of `new_case_to_json`."""
    values = {name: data.get(name) for name in NewCase.__dataclass_fields__ if name in data}
    for name in _TIME_FIELDS:
        if values.get(name) is not None:
            values[name] = datetime.fromisoformat(values[name])
    for name in _DATE_FIELDS:
        if values.get(name) is not None:
            values[name] = date.fromisoformat(values[name])
    values["resident"] = Resident(**(values.get("resident") or {}))
    if values.get("representative") is not None:
        values["representative"] = Representative(**values["representative"])
    values["reasonable_adjustments"] = tuple(values.get("reasonable_adjustments") or ())
    return NewCase(**values), tuple(data.get("notes") or ())


def _file_name(key: str) -> str:
    return sha256(key.encode("utf-8")).hexdigest()[:40] + ".json"


class CaseSpool:
    """New cases waiting for the store, in `folder` (created 0700, files 0600).

    `folder=None`: no folder, cases are kept in memory only.
    """

    def __init__(self, folder: Optional[Path]) -> None:
        self.folder = Path(folder) if folder is not None else None
        self._memory: dict[str, KeptCase] = {}
        self._lock = threading.Lock()

    def keep(self, new: NewCase, notes: tuple[str, ...] = ()) -> KeptCase:
        """Keep the case (it must have an idempotency key); never raises for I/O."""
        if not new.idempotency_key:
            raise ValueError("a kept case needs an idempotency key, so it is stored exactly once")
        try:
            self._write(new, notes)
            with self._lock:
                self._memory.pop(new.idempotency_key, None)
            return KeptCase(new, notes, on_disk=True)
        except OSError as exc:
            log.error("case spool %s cannot be written (%s): case kept in memory until the store is back",
                      self.folder, exc)
            kept = KeptCase(new, notes, on_disk=False)
            with self._lock:
                self._memory[new.idempotency_key] = kept
            return kept

    def _write(self, new: NewCase, notes: tuple[str, ...]) -> None:
        if self.folder is None:
            raise OSError("no spool folder configured")
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        data = json.dumps(new_case_to_json(new, notes), ensure_ascii=False).encode("utf-8")
        final = self.folder / _file_name(new.idempotency_key or "")
        if final.exists():  # kept by an earlier try of the same submission: written once
            return
        temporary = self.folder / f".{final.stem}.{uuid.uuid4().hex}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, final)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        folder_descriptor = os.open(self.folder, os.O_RDONLY)
        try:
            os.fsync(folder_descriptor)
        finally:
            os.close(folder_descriptor)

    def kept(self) -> list[KeptCase]:
        """Every case waiting, oldest received first (unreadable files are logged and skipped)."""
        found: dict[str, KeptCase] = {}
        if self.folder is not None and self.folder.is_dir():
            for path in sorted(self.folder.glob("*.json")):
                try:
                    new, notes = new_case_from_json(json.loads(path.read_text("utf-8")))
                except FileNotFoundError:  # stored and removed by another process meanwhile
                    continue
                except (OSError, ValueError, TypeError) as exc:
                    log.error("case spool file %s cannot be read: %s", path, exc)
                    continue
                found[new.idempotency_key or path.stem] = KeptCase(new, notes, on_disk=True)
        with self._lock:
            for key, kept in self._memory.items():
                found.setdefault(key, kept)
        return sorted(found.values(), key=lambda kept: kept.new.received_at)

    def is_empty(self) -> bool:
        with self._lock:
            if self._memory:
                return False
        if self.folder is None or not self.folder.is_dir():
            return True
        return not any(self.folder.glob("*.json"))

    def remove(self, key: str) -> None:
        """Forget a case once it is in the store."""
        with self._lock:
            self._memory.pop(key, None)
        if self.folder is not None:
            (self.folder / _file_name(key)).unlink(missing_ok=True)

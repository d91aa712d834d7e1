"""Ways to make a case store really refuse writes, for fault tests (as root,
chmod does not stop writes, so these use what does):

* SQLite: `immutable(path, ...)` sets the immutable attribute (`chattr +i`)
  on the database file and its folder: open connections and new ones both
  get "attempt to write a readonly database"; `small_filesystem()` mounts a
  small tmpfs that `fill()` fills, so writes get "database or disk is full".
* PostgreSQL: `read_only_url(url)` is the same database with every
  transaction read-only (`default_transaction_read_only`).
"""
from __future__ import annotations

import contextlib
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa


def chattr_works(folder: Path) -> bool:
    """Does `chattr +i` stop writes here (needs root and a file system that supports it)?"""
    if shutil.which("chattr") is None:
        return False
    probe = folder / f"chattr-probe-{uuid.uuid4().hex}"
    probe.write_text("x")
    try:
        if subprocess.run(["chattr", "+i", str(probe)], capture_output=True).returncode != 0:
            return False
        try:
            probe.write_text("y")
            return False
        except OSError:
            return True
    finally:
        subprocess.run(["chattr", "-i", str(probe)], capture_output=True)
        probe.unlink(missing_ok=True)


@contextlib.contextmanager
def immutable(*paths: Path) -> Iterator[None]:
    """`chattr +i` on each path for the block, then `chattr -i` (the store is back)."""
    if not paths or not chattr_works(Path(paths[0]).parent if Path(paths[0]).is_file() else Path(paths[0])):
        pytest.skip("chattr +i does not stop writes here (needs root on ext4/xfs/btrfs)")
    subprocess.run(["chattr", "+i", *map(str, paths)], check=True)
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", *map(str, paths)], check=True)


def set_immutable(paths: list[Path], on: bool) -> None:
    subprocess.run(["chattr", "+i" if on else "-i", *map(str, paths)], check=True)


@contextlib.contextmanager
def small_filesystem(folder: Path, size: str = "2m") -> Iterator[Path]:
    """A tmpfs of `size` mounted on `folder` for the block (skips if mount is not allowed)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)],
                             capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Fill the file system `folder` is on; returns the filler file (delete it to free the space)."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
    return filler


def read_only_url(url: str) -> str:
    """A PostgreSQL URL to the same database whose transactions are all read-only."""
    parsed = sa.engine.make_url(url)
    options = (parsed.query.get("options") or "") + " -cdefault_transaction_read_only=on"
    return parsed.update_query_dict({"options": options.strip()}).render_as_string(hide_password=False)

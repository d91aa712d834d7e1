"""Files this service writes are its user's alone.

The var folder holds the case and conversation databases (names, phone
numbers, addresses, disclosures) and the generated secrets. `make_private()`
is called first thing in every server process: new files are created 0600
and folders 0700 (umask 077), the var folder is made 0700, and files already
in it from an older start are made 0600.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_UMASK = 0o077
FOLDER_MODE = 0o700
FILE_MODE = 0o600


def make_private(var_dir: Path) -> None:
    """Restrict this process's new files, and the var folder and its files."""
    os.umask(PRIVATE_UMASK)
    var_dir.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(var_dir, FOLDER_MODE)
    for entry in var_dir.iterdir():
        mode = entry.lstat().st_mode
        if stat.S_ISREG(mode) and stat.S_IMODE(mode) & ~FILE_MODE:
            os.chmod(entry, FILE_MODE)

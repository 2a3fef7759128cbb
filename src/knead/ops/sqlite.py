"""The SQLite database holds PHI: its file and its -wal and -shm files are readable by their
owner only (mode 0600)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

OWNER_ONLY = 0o600


def database_files(name: str) -> list[Path]:
    """The database file named ``name`` and its write-ahead log and shared-memory files."""
    path = Path(name)
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def restrict_files(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On each new SQLite connection, set the database's files that exist to 0600 (a
    ``connection_created`` receiver). SQLite creates a new -wal or -shm file with the database
    file's mode, so once the database is 0600 they are too."""
    if connection.vendor != "sqlite":
        return
    if connection.is_in_memory_db():
        return
    for path in database_files(str(connection.settings_dict["NAME"])):
        try:
            mode = stat.S_IMODE(path.stat().st_mode)
        except FileNotFoundError:
            continue
        if mode != OWNER_ONLY:
            os.chmod(path, OWNER_ONLY)

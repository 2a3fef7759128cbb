"""A file-backed ``ControlNumbers`` for the CLI: a JSON counter file replaced atomically.

The file maps each sender ID to the last interchange (ISA13) and group (GS06) numbers issued.
A lock file serialises concurrent writers; the new content is written to a temporary file,
flushed to disk and renamed over the old one, so a crash never leaves a half-written counter.
The Django layer can provide a database-backed implementation of the same protocol.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from pathlib import Path

from knead.billing.x12.envelope import MAX_CONTROL_NUMBER
from knead.billing.x12.errors import X12Error

FILE_NAME = "x12-control-numbers.json"


def default_path() -> Path:
    """``$KNEAD_DATA_DIR/x12-control-numbers.json`` (``./var`` when the variable is unset)."""
    return Path(os.environ.get("KNEAD_DATA_DIR") or Path.cwd() / "var") / FILE_NAME


class FileControlNumbers:
    """Control numbers persisted in a JSON file; each call issues and records the next number."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()

    def next_interchange(self, sender: str) -> int:
        return self._next(sender, "interchange")

    def next_group(self, sender: str) -> int:
        return self._next(sender, "group")

    def _next(self, sender: str, kind: str) -> int:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            counters = self._load()
            last = counters.setdefault(sender, {}).get(kind, 0)
            value = last % MAX_CONTROL_NUMBER + 1
            counters[sender][kind] = value
            self._save(counters)
            return value

    def _load(self) -> dict[str, dict[str, int]]:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise X12Error(f"cannot read the control-number file {self.path}: {exc}") from None
        if not isinstance(data, dict) or not all(
            isinstance(v, dict) and all(isinstance(n, int) for n in v.values())
            for v in data.values()
        ):
            raise X12Error(
                f"the control-number file {self.path} is not a mapping of sender to counters"
            )
        return data

    def _save(self, counters: dict[str, dict[str, int]]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".control-numbers-")
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(counters, out, indent=1, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

"""How X12 files reach the clearinghouse and come back: a pluggable transport.

``FolderTransport`` is the first: Knead writes outbound files into a folder and reads inbound
files from another, and the clearinghouse's SFTP client (or a person) moves them. An API
transport only needs the same two methods.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class InboundFile:
    name: str
    content: str


class Transport(Protocol):
    def send(self, name: str, content: str) -> str:
        """Deliver a file; return where it went (shown to the user)."""
        ...

    def receive(self) -> list[InboundFile]:
        """Files waiting to be imported, oldest first. Reading does not remove them."""
        ...

    def done(self, name: str) -> None:
        """Mark an inbound file as imported so it is not offered again."""
        ...


class FolderTransport:
    """``outbound/`` and ``inbound/`` folders; imported files move to ``inbound/done/``."""

    def __init__(self, root: Path) -> None:
        self.outbound = root / "outbound"
        self.inbound = root / "inbound"
        self.archive = self.inbound / "done"

    def send(self, name: str, content: str) -> str:
        self.outbound.mkdir(parents=True, exist_ok=True)
        target = self.outbound / Path(name).name
        temporary = target.with_suffix(target.suffix + ".part")
        # Write then rename, so an SFTP client polling the folder never picks up half a file.
        temporary.write_text(content, encoding="ascii", newline="")
        os.replace(temporary, target)
        return str(target)

    def receive(self) -> list[InboundFile]:
        if not self.inbound.is_dir():
            return []
        files = sorted(
            (p for p in self.inbound.iterdir() if p.is_file() and not p.name.endswith(".part")),
            key=lambda p: (p.stat().st_mtime, p.name),
        )
        return [InboundFile(p.name, p.read_text(encoding="latin-1")) for p in files]

    def done(self, name: str) -> None:
        self.archive.mkdir(parents=True, exist_ok=True)
        source = self.inbound / Path(name).name
        if source.exists():
            os.replace(source, self.archive / source.name)


def transport_for(practice_id: int) -> Transport:
    """The practice's transport: folders under ``$KNEAD_DATA_DIR/exchange/<practice id>/``."""
    return FolderTransport(Path(settings.DATA_DIR) / "exchange" / str(practice_id))

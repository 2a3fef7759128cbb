"""The error every X12 reader and writer raises for input it cannot accept."""

from __future__ import annotations

from typing import NamedTuple


class X12Error(ValueError):
    """Malformed or unacceptable X12, located by segment position and segment ID.

    ``position`` counts segments from 1 at the ISA segment (0 when no segment applies);
    ``segment_id`` is the segment's tag ("CLP"), or "" when unknown.
    """

    def __init__(self, message: str, position: int = 0, segment_id: str = "") -> None:
        self.message = message
        self.position = position
        self.segment_id = segment_id
        where = ""
        if position:
            where = f"segment {position}" + (f" ({segment_id})" if segment_id else "") + ": "
        elif segment_id:
            where = f"{segment_id}: "
        super().__init__(where + message)


class Problem(NamedTuple):
    """Something a reader noticed that does not stop it, such as a claim that does not balance.

    ``position`` and ``segment_id`` locate the segment the finding is about.
    """

    message: str
    position: int
    segment_id: str

    def __str__(self) -> str:
        return f"segment {self.position} ({self.segment_id}): {self.message}"

    def as_json(self) -> dict[str, object]:
        return {"segment": self.position, "segment_id": self.segment_id, "message": self.message}

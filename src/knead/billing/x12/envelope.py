"""Interchange envelopes: ISA/IEA, GS/GE and ST/SE, computed when writing.

``write_interchange`` counts segments, transaction sets and groups from what it writes, and
takes the ISA13/GS06 control numbers from a ``ControlNumbers`` source (unique per sender).
Reading is in ``envelope_reader`` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from knead.billing.x12.envelope_reader import (
    ENVELOPE_SEGMENTS,
    EnvelopeReader,
    Transaction,
    read_transaction_sets,
)
from knead.billing.x12.errors import X12Error
from knead.billing.x12.syntax import Delimiters, check_delimiters

__all__ = [
    "ENVELOPE_SEGMENTS",
    "MAX_CONTROL_NUMBER",
    "ControlNumbers",
    "EnvelopeReader",
    "Interchange",
    "MemoryControlNumbers",
    "TradingPartners",
    "Transaction",
    "TransactionSet",
    "read_transaction_sets",
    "write_interchange",
]

MAX_CONTROL_NUMBER = 999_999_999

Element = str | tuple[str, ...] | list[str | tuple[str, ...]]
"""An element to write: text, a composite (tuple of components) or repetitions (list)."""

Segment = Sequence[Element]


class ControlNumbers(Protocol):
    """Source of interchange (ISA13) and group (GS06) control numbers, unique per sender.

    Implementations persist the last number issued, so that numbers never repeat.
    """

    def next_interchange(self, sender: str) -> int: ...

    def next_group(self, sender: str) -> int: ...


@dataclass(slots=True)
class MemoryControlNumbers:
    """Control numbers counted in memory (tests, one-off tools); starts after ``start``."""

    start: int = 0
    _last: dict[tuple[str, str], int] = field(default_factory=dict)

    def _next(self, sender: str, kind: str) -> int:
        value = self._last.get((sender, kind), self.start) % MAX_CONTROL_NUMBER + 1
        self._last[(sender, kind)] = value
        return value

    def next_interchange(self, sender: str) -> int:
        return self._next(sender, "interchange")

    def next_group(self, sender: str) -> int:
        return self._next(sender, "group")


@dataclass(frozen=True, slots=True)
class Interchange:
    """An interchange as written: its text and the control numbers it was given (ISA13, GS06
    and each transaction set's ST02, in order), so no caller reads them back out of the text."""

    text: str
    interchange_control: int
    group_control: int
    set_controls: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TradingPartners:
    """Who an interchange is from and to (ISA05-08, GS02-03), as configured per clearinghouse."""

    sender_id: str
    receiver_id: str
    sender_qualifier: str = "ZZ"
    receiver_qualifier: str = "ZZ"
    application_sender: str = ""
    application_receiver: str = ""
    production: bool = True
    acknowledgment_requested: bool = False

    def __post_init__(self) -> None:
        for name in ("sender_id", "receiver_id"):
            value = getattr(self, name)
            if not 1 <= len(value) <= 15:
                raise X12Error(f"{name} must be 1 to 15 characters; got {value!r}")
        for name in ("sender_qualifier", "receiver_qualifier"):
            if len(getattr(self, name)) != 2:
                raise X12Error(f"{name} must be 2 characters; got {getattr(self, name)!r}")


@dataclass(frozen=True, slots=True)
class TransactionSet:
    """One ST/SE set to write: its ST01 kind, ST03 version and body (segments between ST and SE)."""

    kind: str
    version: str
    body: Sequence[Segment]


class _Serializer:
    """Turns element values into delimited text, refusing data that contains a delimiter."""

    def __init__(self, delimiters: Delimiters) -> None:
        self.d = delimiters
        self._reserved = (
            delimiters.element,
            delimiters.repetition,
            delimiters.component,
            delimiters.segment,
        )

    def _text(self, value: str, position: int, tag: str, index: int) -> str:
        for char in self._reserved:
            if char in value:
                raise X12Error(
                    f"{tag}{index:02d} {value!r} contains the delimiter {char!r}", position, tag
                )
        return value

    def _composite(self, value: tuple[str, ...], position: int, tag: str, index: int) -> str:
        parts = [self._text(p, position, tag, index) for p in value]
        while parts and not parts[-1]:
            parts.pop()
        return self.d.component.join(parts)

    def segment(self, seg: Segment, position: int) -> str:
        tag = str(seg[0])
        out = [tag]
        for index, value in enumerate(seg[1:], 1):
            if isinstance(value, tuple):
                out.append(self._composite(value, position, tag, index))
            elif isinstance(value, list):
                out.append(
                    self.d.repetition.join(
                        self._composite(v, position, tag, index)
                        if isinstance(v, tuple)
                        else self._text(v, position, tag, index)
                        for v in value
                    )
                )
            else:
                out.append(self._text(value, position, tag, index))
        while len(out) > 1 and not out[-1]:
            out.pop()
        return self.d.element.join(out)


def write_interchange(
    partners: TradingPartners,
    control_numbers: ControlNumbers,
    functional_code: str,
    version: str,
    transactions: Iterable[TransactionSet],
    created: datetime,
    delimiters: Delimiters = Delimiters(),  # noqa: B008 - immutable default
    line_breaks: bool = False,
) -> Interchange:
    """Write one interchange holding one functional group of the given transaction sets.

    SE01, GE01 and IEA01 are counted from what is written; ST02 numbers the sets 0001, 0002 …
    ISA13 and GS06 come from ``control_numbers`` for ``partners.sender_id``.
    """
    check_delimiters(delimiters)
    ser = _Serializer(delimiters)
    end = delimiters.segment + ("\n" if line_breaks else "")
    interchange = control_numbers.next_interchange(partners.sender_id)
    group = control_numbers.next_group(partners.sender_id)
    if not (1 <= interchange <= MAX_CONTROL_NUMBER and 1 <= group <= MAX_CONTROL_NUMBER):
        raise X12Error("control numbers must be between 1 and 999999999")
    isa13 = f"{interchange:09d}"
    e = delimiters.element
    isa = e.join(
        (
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            partners.sender_qualifier,
            partners.sender_id.ljust(15),
            partners.receiver_qualifier,
            partners.receiver_id.ljust(15),
            created.strftime("%y%m%d"),
            created.strftime("%H%M"),
            delimiters.repetition,
            "00501",
            isa13,
            "1" if partners.acknowledgment_requested else "0",
            "P" if partners.production else "T",
            delimiters.component,
        )
    )
    for value in (partners.sender_id, partners.receiver_id):
        ser._text(value, 1, "ISA", 6)
    lines = [isa]
    position = 1

    def add(seg: Segment) -> None:
        nonlocal position
        position += 1
        lines.append(ser.segment(seg, position))

    add(
        (
            "GS",
            functional_code,
            partners.application_sender or partners.sender_id,
            partners.application_receiver or partners.receiver_id,
            created.strftime("%Y%m%d"),
            created.strftime("%H%M"),
            str(group),
            "X",
            version,
        )
    )
    controls: list[str] = []
    for count, tx in enumerate(transactions, 1):
        control = f"{count:04d}"
        controls.append(control)
        start = position + 1
        add(("ST", tx.kind, control, tx.version))
        for seg in tx.body:
            add(seg)
        add(("SE", str(position + 2 - start), control))
    if not controls:
        raise X12Error("an interchange needs at least one transaction set")
    add(("GE", str(len(controls)), str(group)))
    add(("IEA", "1", isa13))
    return Interchange(end.join(lines) + end, interchange, group, tuple(controls))

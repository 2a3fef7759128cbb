"""Interchange envelopes when reading: ISA/IEA, GS/GE and ST/SE nesting, counts and control
numbers.

``EnvelopeReader`` follows the nesting while a transaction reader streams, and rejects wrong
counts, mismatched control numbers, unclosed or unexpected envelopes. Writing is in
``envelope``. This module avoids dataclasses so that ``knead x12 835`` starts fast.
"""

from __future__ import annotations

from typing import NamedTuple, TextIO

from knead.billing.x12.errors import Problem, X12Error
from knead.billing.x12.syntax import Delimiters, SegmentStream, element

ENVELOPE_SEGMENTS = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})


class Transaction(NamedTuple):
    """The ST/SE envelope of one transaction set being read."""

    kind: str
    control_number: str
    position: int
    version: str


class EnvelopeReader:
    """Check the envelopes of an interchange as its segments stream past.

    ``kinds`` maps the transaction set ID accepted (ST01, e.g. "835") to its functional group
    code (GS01, e.g. "HP"). Structural faults raise ``X12Error``; a GS08 version other than the
    expected one is recorded in ``problems`` (the reader still tries).
    """

    def __init__(self, kinds: dict[str, str], version: str | None) -> None:
        self._kinds = kinds
        self._version = version
        self.problems: list[Problem] = []
        self.delimiters_seen = False
        self._isa: tuple[int, str] | None = None
        self._gs: tuple[int, str, str] | None = None
        self._groups = 0
        self._sets = 0
        self.transaction: Transaction | None = None
        self.transactions_read = 0

    def handle(self, position: int, segment: list[str]) -> Transaction | None:
        """Process an envelope segment; return the transaction an SE just closed, else None."""
        tag = segment[0]
        if tag == "ISA":
            self._open_interchange(position, segment)
        elif tag == "GS":
            self._open_group(position, segment)
        elif tag == "ST":
            self._open_transaction(position, segment)
        elif tag == "SE":
            return self._close_transaction(position, segment)
        elif tag == "GE":
            self._close_group(position, segment)
        elif tag == "IEA":
            self._close_interchange(position, segment)
        return None

    def outside(self, position: int, tag: str) -> X12Error:
        """The error for a non-envelope segment that is not inside an ST/SE transaction set."""
        return X12Error("this segment is outside any ST/SE transaction set", position, tag)

    def _open_interchange(self, position: int, seg: list[str]) -> None:
        if self._isa is not None:
            raise X12Error("ISA inside an interchange that has no IEA yet", position, "ISA")
        if len(seg) != 17:
            raise X12Error(f"ISA has 16 elements; found {len(seg) - 1}", position, "ISA")
        if seg[12] != "00501":
            raise X12Error(f"ISA12 version {seg[12]!r} is not 00501 (X12 5010)", position, "ISA")
        if not (len(seg[13]) == 9 and seg[13].isdigit()):
            raise X12Error(f"ISA13 control number {seg[13]!r} is not 9 digits", position, "ISA")
        self._isa = (position, seg[13])
        self._groups = 0

    def _open_group(self, position: int, seg: list[str]) -> None:
        if self._isa is None:
            raise X12Error("GS outside an ISA/IEA interchange", position, "GS")
        if self._gs is not None:
            raise X12Error("GS inside a functional group that has no GE yet", position, "GS")
        if len(seg) < 9 or not seg[6]:
            raise X12Error("GS needs 8 elements with a GS06 control number", position, "GS")
        codes = set(self._kinds.values())
        if seg[1] not in codes:
            raise X12Error(
                f"GS01 {seg[1]!r} is not the functional group this reader handles "
                f"({', '.join(sorted(codes))})",
                position,
                "GS",
            )
        if self._version and not seg[8].startswith(self._version):
            self.problems.append(
                Problem(
                    f"GS08 version {seg[8]!r} is not {self._version}; read as if it were",
                    position,
                    "GS",
                )
            )
        self._gs = (position, seg[6], seg[8])
        self._sets = 0
        self._groups += 1

    def _open_transaction(self, position: int, seg: list[str]) -> None:
        if self._gs is None:
            raise X12Error("ST outside a GS/GE functional group", position, "ST")
        if self.transaction is not None:
            raise X12Error("ST inside a transaction set that has no SE yet", position, "ST")
        kind = element(seg, 1)
        if kind not in self._kinds:
            raise X12Error(
                f"ST01 {kind!r} is not a transaction set this reader handles "
                f"({', '.join(sorted(self._kinds))})",
                position,
                "ST",
            )
        if not element(seg, 2):
            raise X12Error("ST02 control number is missing", position, "ST")
        self.transaction = Transaction(kind, seg[2], position, element(seg, 3) or self._gs[2])
        self._sets += 1

    def _close_transaction(self, position: int, seg: list[str]) -> Transaction:
        current = self.transaction
        if current is None:
            raise X12Error("SE without a matching ST", position, "SE")
        expected = position - current.position + 1
        if element(seg, 1) != str(expected):
            raise X12Error(
                f"SE01 says {element(seg, 1) or 'nothing'} segments but the set has "
                f"{expected} (ST to SE)",
                position,
                "SE",
            )
        if element(seg, 2) != current.control_number:
            raise X12Error(
                f"SE02 {element(seg, 2)!r} does not match ST02 {current.control_number!r}",
                position,
                "SE",
            )
        self.transaction = None
        self.transactions_read += 1
        return current

    def _close_group(self, position: int, seg: list[str]) -> None:
        if self._gs is None:
            raise X12Error("GE without a matching GS", position, "GE")
        if self.transaction is not None:
            raise X12Error("GE before the SE that closes the transaction set", position, "GE")
        if element(seg, 1) != str(self._sets):
            raise X12Error(
                f"GE01 says {element(seg, 1) or 'nothing'} transaction sets but the "
                f"group has {self._sets}",
                position,
                "GE",
            )
        if element(seg, 2) != self._gs[1]:
            raise X12Error(
                f"GE02 {element(seg, 2)!r} does not match GS06 {self._gs[1]!r}", position, "GE"
            )
        self._gs = None

    def _close_interchange(self, position: int, seg: list[str]) -> None:
        if self._isa is None:
            raise X12Error("IEA without a matching ISA", position, "IEA")
        if self._gs is not None:
            raise X12Error("IEA before the GE that closes the functional group", position, "IEA")
        if element(seg, 1) != str(self._groups):
            raise X12Error(
                f"IEA01 says {element(seg, 1) or 'nothing'} functional groups but the "
                f"interchange has {self._groups}",
                position,
                "IEA",
            )
        if element(seg, 2) != self._isa[1]:
            raise X12Error(
                f"IEA02 {element(seg, 2)!r} does not match ISA13 {self._isa[1]!r}", position, "IEA"
            )
        self._isa = None

    def finish(self, last_position: int) -> None:
        """Call at end of input: every envelope must be closed and a transaction set read."""
        if self._isa is not None:
            opened = "ST" if self.transaction else "GS" if self._gs else "ISA"
            raise X12Error(
                f"the file ends before the envelope is closed (open {opened}, no IEA); "
                "it may be truncated",
                last_position,
            )
        if not self.transactions_read:
            raise X12Error("the file holds no transaction set", last_position)


def read_transaction_sets(
    source: str | TextIO, kinds: dict[str, str], version: str | None
) -> tuple[list[tuple[Transaction, list[tuple[int, list[str]]]]], Delimiters, list[Problem]]:
    """Read every ST/SE set of a small file with envelope checks.

    Returns the sets with their body segments (position, elements), the delimiters and the
    envelope problems. For acknowledgments and eligibility responses, which are small; the
    835 reader streams instead.
    """
    stream = SegmentStream(source)
    envelope = EnvelopeReader(kinds, version)
    sets: list[tuple[Transaction, list[tuple[int, list[str]]]]] = []
    body: list[tuple[int, list[str]]] = []
    position = 0
    for position, seg in enumerate(stream, 1):
        tag = seg[0]
        if tag in ENVELOPE_SEGMENTS:
            if envelope.transaction is not None and tag not in ("SE", "ST"):
                raise X12Error(f"{tag} inside an open ST/SE set (missing SE?)", position, tag)
            closed = envelope.handle(position, seg)
            if tag == "ST":
                body = []
            elif closed is not None:
                sets.append((closed, body))
        elif envelope.transaction is None:
            raise envelope.outside(position, tag[:3])
        elif not (2 <= len(tag) <= 3 and tag.isalnum() and tag.isupper()):
            raise X12Error(f"{tag[:10]!r} is not a segment ID", position, tag[:3])
        else:
            body.append((position, seg))
    envelope.finish(position)
    return sets, stream.delimiters, envelope.problems


def first_set_kind(text: str) -> str:
    """ST01 of the first transaction set (looked for in the first 600 characters), or "" when
    there is none: enough to tell a 999 from a 277CA before reading either. The delimiters come
    from the ISA, so a control number such as 000000277 is never taken for the kind."""
    element = text[3] if len(text) > 3 else "*"
    terminator = text[105] if len(text) > 105 else "~"
    for chunk in text[:600].replace("\n", "").split(terminator):
        fields = chunk.split(element)
        if fields[0] == "ST" and len(fields) > 1:
            return fields[1]
    return ""

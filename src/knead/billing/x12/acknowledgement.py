"""999 implementation acknowledgment (005010X231A1) reader: was the batch accepted, and if not,
which segments and elements were wrong.

A functional group (AK1) is accepted when AK901 is A (accepted) or E (accepted with errors
noted); P is partial (some transaction sets accepted, see each IK5); R, M, W and X reject it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from knead.billing.x12.envelope_reader import read_transaction_sets
from knead.billing.x12.errors import Problem, X12Error
from knead.billing.x12.syntax import element

VERSION = "005010X231A1"
ACCEPTED = frozenset({"A", "E"})
STATUS = {
    "A": "accepted",
    "E": "accepted, errors noted",
    "P": "partially accepted",
    "R": "rejected",
    "M": "rejected, message authentication code failed",
    "W": "rejected, assurance failed",
    "X": "rejected, content could not be analysed",
}


@dataclass(frozen=True, slots=True)
class ElementError:
    """IK4: the element in error (IK401 position, e.g. "3" or "3:1"), its reference number,
    the IK403 error code and the bad value when reported."""

    element: str
    reference: str
    code: str
    bad_value: str
    position: int


@dataclass(frozen=True, slots=True)
class SegmentError:
    """IK3: the segment in error within the acknowledged set (IK302 counts from its ST)."""

    segment_id: str
    segment_position: str
    loop: str
    code: str
    elements: tuple[ElementError, ...]
    position: int


@dataclass(frozen=True, slots=True)
class SetAcknowledgement:
    """AK2/IK5: one acknowledged transaction set (e.g. one 837 ST/SE)."""

    kind: str
    control_number: str
    status: str
    codes: tuple[str, ...]
    errors: tuple[SegmentError, ...]
    position: int

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED


@dataclass(frozen=True, slots=True)
class GroupAcknowledgement:
    """AK1/AK9: the acknowledged functional group (GS06 control number ``group_control``)."""

    functional_code: str
    group_control: str
    version: str
    status: str
    sets_included: int
    sets_received: int
    sets_accepted: int
    codes: tuple[str, ...]
    sets: tuple[SetAcknowledgement, ...]
    position: int

    @property
    def accepted(self) -> bool:
        return self.status in ACCEPTED


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """Every group acknowledged in a 999 file, and envelope problems found reading it."""

    groups: tuple[GroupAcknowledgement, ...]
    problems: tuple[Problem, ...]

    @property
    def accepted(self) -> bool:
        return bool(self.groups) and all(g.accepted for g in self.groups)


def _count(seg: list[str], index: int, position: int) -> int:
    text = element(seg, index)
    if not text.isdigit():
        raise X12Error(f"AK9{index:02d} {text!r} is not a count", position, "AK9")
    return int(text)


def _segment_error(ik3: tuple[int, list[str]], elements: list[ElementError]) -> SegmentError:
    position, seg = ik3
    return SegmentError(
        element(seg, 1),
        element(seg, 2),
        element(seg, 3),
        element(seg, 4),
        tuple(elements),
        position,
    )


def read_999(source: str | TextIO) -> Acknowledgement:
    """Read a 999 file; raises ``X12Error`` if it is malformed."""
    sets, _delimiters, problems = read_transaction_sets(source, {"999": "FA"}, VERSION)
    groups: list[GroupAcknowledgement] = []
    for _transaction, body in sets:
        ak1: tuple[int, list[str]] | None = None
        acks: list[SetAcknowledgement] = []
        ak2: tuple[int, list[str]] | None = None
        seg_errors: list[SegmentError] = []
        ik3: tuple[int, list[str]] | None = None
        elem_errors: list[ElementError] = []

        for position, seg in body:
            tag = seg[0]
            if tag == "AK1":
                if ak1 is not None:
                    raise X12Error("a second AK1 in one 999 set", position, tag)
                ak1 = (position, seg)
            elif tag == "AK2":
                if ak1 is None or ak2 is not None:
                    raise X12Error("AK2 must follow AK1 or an IK5", position, tag)
                ak2, seg_errors = (position, seg), []
            elif tag == "IK3":
                if ak2 is None:
                    raise X12Error("IK3 outside an AK2 loop", position, tag)
                if ik3 is not None:
                    seg_errors.append(_segment_error(ik3, elem_errors))
                ik3, elem_errors = (position, seg), []
            elif tag == "IK4":
                if ik3 is None:
                    raise X12Error("IK4 outside an IK3 loop", position, tag)
                elem_errors.append(
                    ElementError(
                        element(seg, 1), element(seg, 2), element(seg, 3), element(seg, 4), position
                    )
                )
            elif tag == "IK5":
                if ak2 is None:
                    raise X12Error("IK5 without its AK2", position, tag)
                if ik3 is not None:
                    seg_errors.append(_segment_error(ik3, elem_errors))
                ik3, elem_errors = None, []
                if element(seg, 1) not in STATUS:
                    raise X12Error(
                        f"IK501 {element(seg, 1)!r} is not an acknowledgment code", position, tag
                    )
                acks.append(
                    SetAcknowledgement(
                        element(ak2[1], 1),
                        element(ak2[1], 2),
                        seg[1],
                        tuple(c for c in seg[2:7] if c),
                        tuple(seg_errors),
                        ak2[0],
                    )
                )
                ak2 = None
            elif tag == "AK9":
                if ak1 is None or ak2 is not None:
                    raise X12Error(
                        "AK9 must close an AK1 after every AK2 is closed by IK5", position, tag
                    )
                if element(seg, 1) not in STATUS:
                    raise X12Error(
                        f"AK901 {element(seg, 1)!r} is not an acknowledgment code", position, tag
                    )
                groups.append(
                    GroupAcknowledgement(
                        element(ak1[1], 1),
                        element(ak1[1], 2),
                        element(ak1[1], 3),
                        seg[1],
                        _count(seg, 2, position),
                        _count(seg, 3, position),
                        _count(seg, 4, position),
                        tuple(c for c in seg[5:10] if c),
                        tuple(acks),
                        ak1[0],
                    )
                )
                ak1, acks = None, []
        if ak1 is not None:
            raise X12Error("the 999 set has an AK1 but no AK9", ak1[0], "AK1")
    return Acknowledgement(tuple(groups), tuple(problems))


def acknowledgement_json(ack: Acknowledgement) -> dict[str, object]:
    return {
        "accepted": ack.accepted,
        "groups": [
            {
                "functional_code": g.functional_code,
                "group_control": g.group_control,
                "version": g.version,
                "status": g.status,
                "status_text": STATUS[g.status],
                "accepted": g.accepted,
                "sets_included": g.sets_included,
                "sets_received": g.sets_received,
                "sets_accepted": g.sets_accepted,
                "codes": list(g.codes),
                "segment": g.position,
                "sets": [
                    {
                        "kind": s.kind,
                        "control_number": s.control_number,
                        "status": s.status,
                        "accepted": s.accepted,
                        "codes": list(s.codes),
                        "segment": s.position,
                        "errors": [
                            {
                                "segment_id": e.segment_id,
                                "segment_position": e.segment_position,
                                "loop": e.loop,
                                "code": e.code,
                                "segment": e.position,
                                "elements": [
                                    {
                                        "element": x.element,
                                        "reference": x.reference,
                                        "code": x.code,
                                        "bad_value": x.bad_value,
                                        "segment": x.position,
                                    }
                                    for x in e.elements
                                ],
                            }
                            for e in s.errors
                        ],
                    }
                    for s in g.sets
                ],
            }
            for g in ack.groups
        ],
        "problems": [p.as_json() for p in ack.problems],
    }


def acknowledgement_summary(ack: Acknowledgement) -> str:
    lines = []
    for g in ack.groups:
        lines.append(
            f"Group {g.group_control} ({g.functional_code}): {STATUS[g.status]}; "
            f"{g.sets_accepted} of {g.sets_received} transaction sets accepted"
        )
        for s in g.sets:
            lines.append(f"  set {s.control_number}: {STATUS.get(s.status, s.status)}")
            for e in s.errors:
                lines.append(
                    f"    {e.segment_id} at position {e.segment_position} "
                    f"(loop {e.loop or '?'}): error {e.code}"
                )
                lines += [
                    f"      element {x.element}: error {x.code}"
                    + (f" ({x.bad_value!r})" if x.bad_value else "")
                    for x in e.elements
                ]
    lines += [f"problem: {p}" for p in ack.problems]
    return "\n".join(lines) + "\n"

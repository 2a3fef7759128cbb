"""277CA claim acknowledgment (005010X214) reader: per claim, accepted into adjudication or
rejected, with the status codes (STC) that say why.

Each patient loop (HL level PT) names the claim by TRN02, the patient control number Knead
sent as CLM01. Claim status comes from the category code of its STC segments: A2/A5 mean
accepted into adjudication, A3/A4/A6/A7/A8 rejected (billing batches are marked from this).
A0/A1 alone mean only forwarded or received: "This does not mean that the claim has been
accepted for adjudication" (category code A1), so such a claim stays awaiting its outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TextIO

from knead.billing.x12.envelope_reader import read_transaction_sets
from knead.billing.x12.errors import Problem, X12Error
from knead.billing.x12.syntax import ccyymmdd, element, optional_amount

VERSION = "005010X214"
ACCEPTED_CATEGORIES = frozenset({"A2", "A5"})
RECEIVED_CATEGORIES = frozenset({"A0", "A1"})
REJECTED_CATEGORIES = frozenset({"A3", "A4", "A6", "A7", "A8"})
CATEGORY = {
    "A0": "forwarded to another entity",
    "A1": "received",
    "A2": "accepted into adjudication",
    "A3": "returned as unprocessable",
    "A4": "not found",
    "A5": "split claim",
    "A6": "rejected for missing information",
    "A7": "rejected for invalid information",
    "A8": "rejected for relational field in error",
}


@dataclass(frozen=True, slots=True)
class StatusCode:
    """One STC composite: category (A2), status code (20) and entity (PR), with STC02-04."""

    category: str
    code: str
    entity: str
    date: date | None
    action: str
    amount: Decimal | None
    position: int


@dataclass(frozen=True, slots=True)
class LineStatus:
    """A service line in the acknowledgment (SVC with its STC)."""

    procedure: str
    charge: Decimal | None
    statuses: tuple[StatusCode, ...]
    control_number: str
    position: int


@dataclass(frozen=True, slots=True)
class ClaimAcknowledgement:
    """One claim: ``status`` is "accepted", "rejected", "received" (A0/A1 only: not yet
    accepted or rejected) or "unknown" (no A-category STC)."""

    claim_id: str
    status: str
    statuses: tuple[StatusCode, ...]
    payer_claim_id: str
    clearinghouse_trace: str
    patient_name: str
    lines: tuple[LineStatus, ...]
    position: int

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"


@dataclass(frozen=True, slots=True)
class ClaimStatusReport:
    claims: tuple[ClaimAcknowledgement, ...]
    problems: tuple[Problem, ...]


def _stc(seg: list[str], position: int, component: str) -> list[StatusCode]:
    when = ccyymmdd(element(seg, 2))
    amount = optional_amount(element(seg, 4), position, "STC", "STC04")
    out = []
    for index in (1, 10, 11):
        composite = element(seg, index)
        if not composite:
            continue
        parts = [*composite.split(component), "", ""]
        out.append(
            StatusCode(parts[0], parts[1], parts[2], when, element(seg, 3), amount, position)
        )
    if not out:
        raise X12Error("STC01 status composite is missing", position, "STC")
    return out


def _status(statuses: list[StatusCode]) -> str:
    categories = {s.category for s in statuses}
    if categories & REJECTED_CATEGORIES:
        return "rejected"
    if categories & ACCEPTED_CATEGORIES:
        return "accepted"
    if categories & RECEIVED_CATEGORIES:
        return "received"
    return "unknown"


class _Line:
    """A service line being read (mutable until its claim closes)."""

    __slots__ = ("charge", "control_number", "position", "procedure", "statuses")

    def __init__(self, procedure: str, charge: Decimal | None, position: int) -> None:
        self.procedure, self.charge, self.position = procedure, charge, position
        self.statuses: list[StatusCode] = []
        self.control_number = ""

    def freeze(self) -> LineStatus:
        return LineStatus(
            self.procedure, self.charge, tuple(self.statuses), self.control_number, self.position
        )


class _Claim:
    """A patient-level (PT) loop being read."""

    __slots__ = ("claim_id", "lines", "patient", "payer_claim_id", "position", "statuses", "trace")

    def __init__(self, position: int) -> None:
        self.position = position
        self.claim_id = self.payer_claim_id = self.trace = self.patient = ""
        self.statuses: list[StatusCode] = []
        self.lines: list[_Line] = []

    def freeze(self) -> ClaimAcknowledgement:
        if not self.claim_id:
            raise X12Error("the patient loop has no TRN*2 claim identifier", self.position, "HL")
        return ClaimAcknowledgement(
            self.claim_id,
            _status(self.statuses),
            tuple(self.statuses),
            self.payer_claim_id,
            self.trace,
            self.patient,
            tuple(line.freeze() for line in self.lines),
            self.position,
        )


def read_277ca(source: str | TextIO) -> ClaimStatusReport:
    """Read a 277CA file; raises ``X12Error`` if it is malformed."""
    sets, delimiters, problems = read_transaction_sets(source, {"277": "HN"}, VERSION)
    component = delimiters.component
    claims: list[ClaimAcknowledgement] = []
    for _transaction, body in sets:
        claim: _Claim | None = None
        line: _Line | None = None
        for position, seg in body:
            tag = seg[0]
            if tag == "HL":
                if claim is not None:
                    claims.append(claim.freeze())
                claim = _Claim(position) if element(seg, 3) == "PT" else None
                line = None
            elif claim is None:
                continue
            elif tag == "NM1" and element(seg, 1) == "QC":
                first = element(seg, 4)
                claim.patient = f"{element(seg, 3)}, {first}" if first else element(seg, 3)
            elif tag == "TRN" and line is None:
                claim.claim_id = element(seg, 2)
            elif tag == "STC":
                (line or claim).statuses.extend(_stc(seg, position, component))
            elif tag == "REF":
                qualifier, value = element(seg, 1), element(seg, 2)
                if line is not None:
                    if qualifier == "FJ":
                        line.control_number = value
                elif qualifier == "1K":
                    claim.payer_claim_id = value
                elif qualifier == "D9":
                    claim.trace = value
            elif tag == "SVC":
                line = _Line(
                    element(seg, 1).replace(component, " "),
                    optional_amount(element(seg, 2), position, tag, "SVC02"),
                    position,
                )
                claim.lines.append(line)
        if claim is not None:
            claims.append(claim.freeze())
    for claim_ack in claims:
        if claim_ack.status == "unknown":
            problems.append(
                Problem(
                    f"claim {claim_ack.claim_id} has no acceptance or rejection "
                    "category (A0-A8) in its STC",
                    claim_ack.position,
                    "HL",
                )
            )
    return ClaimStatusReport(tuple(claims), tuple(problems))


def _status_json(s: StatusCode) -> dict[str, object]:
    return {
        "category": s.category,
        "category_text": CATEGORY.get(s.category, ""),
        "code": s.code,
        "entity": s.entity,
        "date": s.date.isoformat() if s.date else None,
        "action": s.action,
        "amount": None if s.amount is None else str(s.amount),
        "segment": s.position,
    }


def claim_status_json(report: ClaimStatusReport) -> dict[str, object]:
    return {
        "claims": [
            {
                "id": c.claim_id,
                "status": c.status,
                "accepted": c.accepted,
                "payer_claim_id": c.payer_claim_id,
                "clearinghouse_trace": c.clearinghouse_trace,
                "patient": c.patient_name,
                "statuses": [_status_json(s) for s in c.statuses],
                "lines": [
                    {
                        "procedure": ln.procedure,
                        "charge": None if ln.charge is None else str(ln.charge),
                        "control_number": ln.control_number,
                        "statuses": [_status_json(s) for s in ln.statuses],
                        "segment": ln.position,
                    }
                    for ln in c.lines
                ],
                "segment": c.position,
            }
            for c in report.claims
        ],
        "problems": [p.as_json() for p in report.problems],
    }


def claim_status_summary(report: ClaimStatusReport) -> str:
    lines = []
    for c in report.claims:
        codes = ", ".join(
            f"{s.category}:{s.code}" + (f":{s.entity}" if s.entity else "") for s in c.statuses
        )
        lines.append(
            f"claim {c.claim_id}: {c.status} ({codes})"
            + (f", payer claim {c.payer_claim_id}" if c.payer_claim_id else "")
        )
    lines += [f"problem: {p}" for p in report.problems]
    return "\n".join(lines) + "\n"

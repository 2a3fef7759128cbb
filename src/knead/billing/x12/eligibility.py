"""Eligibility: 270 inquiry writer and 271 response reader (005010X279A1).

The 270 asks about one client's coverage on a date of service for service types 30 (health
benefit plan coverage), AE (physical medicine), PT (physical therapy), 33 (chiropractic) and
1 (medical care), one EQ segment each (billing-rules.md §9: there is no massage service type,
and payers answer different subsets).

The 271 summary says whether coverage is active, the plan dates, and per service type the
deductible (total and remaining), coinsurance, copay, visit limit and visits remaining, whether
authorization is required, and the payer's free-text messages. When a payer sends both in- and
out-of-network (EB12) or individual and family (EB02) values, in-network individual ones win.
An EB segment without a service type (EB03) applies to the plan: it is filed under "30".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TextIO

from knead.billing.identifiers import npi_problem
from knead.billing.x12.envelope import (
    ControlNumbers,
    Interchange,
    TradingPartners,
    TransactionSet,
    read_transaction_sets,
    write_interchange,
)
from knead.billing.x12.errors import Problem, X12Error
from knead.billing.x12.syntax import Delimiters, ccyymmdd, element, optional_amount

VERSION = "005010X279A1"
MASSAGE_SERVICE_TYPES = ("30", "AE", "PT", "33", "1")
SERVICE_TYPES = {
    "30": "health benefit plan coverage",
    "AE": "physical medicine",
    "PT": "physical therapy",
    "33": "chiropractic",
    "1": "medical care",
    "A9": "rehabilitation",
    "AC": "rehabilitation, outpatient",
    "98": "professional (physician) visit, office",
    "64": "acupuncture",
}
_ACTIVE = frozenset({"1", "2", "3", "4", "5"})
_INACTIVE = frozenset({"6", "7", "8"})
_REMAINING = "29"  # EB06 / HSD05 time period qualifier "remaining"


@dataclass(frozen=True, slots=True)
class EligibilityInquiry:
    """What a 270 asks: is ``member_id`` covered by ``payer_id`` on ``service_date``?

    The provider is the practice (organization name) or a person (``provider_first_name``).
    """

    provider_name: str
    provider_npi: str
    payer_name: str
    payer_id: str
    member_id: str
    subscriber_last_name: str
    subscriber_first_name: str
    subscriber_birth_date: date | None
    service_date: date
    trace_number: str
    provider_first_name: str = ""
    provider_tax_id: str = ""
    service_types: tuple[str, ...] = MASSAGE_SERVICE_TYPES


def inquiry_from_dict(data: object, path: str = "") -> EligibilityInquiry:
    """An inquiry from its JSON form (``knead x12 270``; docs/x12.md). Raises ``X12Error``
    naming the field (``subscriber.birth_date``) and what is wrong with it."""

    def field(parent: object, name: str, where: str, required: bool = True) -> str:
        value = parent.get(name) if isinstance(parent, dict) else None
        if value is None or value == "":
            if required:
                raise X12Error(f"{where}{name} is missing")
            return ""
        if not isinstance(value, str):
            raise X12Error(f"{where}{name} must be text, not {type(value).__name__}")
        return value.strip()

    def day(text: str, label: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise X12Error(f"{label} {text!r} is not a date (YYYY-MM-DD)") from None

    if not isinstance(data, dict):
        raise X12Error(f"{path or 'the inquiry'} must be an object")
    where = f"{path}." if path else ""
    provider, payer, subscriber = (data.get(k) for k in ("provider", "payer", "subscriber"))
    npi = field(provider, "npi", f"{where}provider.")
    problem = npi_problem(npi)
    if problem:
        raise X12Error(f"{where}provider.npi: {problem}")
    born = field(subscriber, "birth_date", f"{where}subscriber.", False)
    types = data.get("service_types", list(MASSAGE_SERVICE_TYPES))
    if not (
        isinstance(types, list)
        and types
        and all(isinstance(t, str) and t in SERVICE_TYPES for t in types)
    ):
        raise X12Error(
            f"{where}service_types must be a list of service type codes from "
            f"{', '.join(SERVICE_TYPES)}"
        )
    return EligibilityInquiry(
        provider_name=field(provider, "name", f"{where}provider."),
        provider_npi=npi,
        payer_name=field(payer, "name", f"{where}payer."),
        payer_id=field(payer, "id", f"{where}payer."),
        member_id=field(subscriber, "member_id", f"{where}subscriber."),
        subscriber_last_name=field(subscriber, "last_name", f"{where}subscriber."),
        subscriber_first_name=field(subscriber, "first_name", f"{where}subscriber."),
        subscriber_birth_date=day(born, f"{where}subscriber.birth_date") if born else None,
        service_date=day(field(data, "service_date", where), f"{where}service_date"),
        trace_number=field(data, "trace", where),
        provider_first_name=field(provider, "first_name", f"{where}provider.", False),
        provider_tax_id=field(provider, "tax_id", f"{where}provider.", False).replace("-", ""),
        service_types=tuple(types),
    )


def inquiry_body(
    inquiry: EligibilityInquiry, reference: str, created: datetime
) -> list[tuple[str, ...]]:
    """The segments between ST and SE of a 270 for one subscriber."""
    person = bool(inquiry.provider_first_name)
    # TRN03: "1" + EIN when the practice has one, else "9" + a user-assigned 9-character ID.
    originator = (
        f"1{inquiry.provider_tax_id}"
        if len(inquiry.provider_tax_id) == 9
        else f"9{inquiry.provider_npi[:9]}"
    )
    body: list[tuple[str, ...]] = [
        ("BHT", "0022", "13", reference, created.strftime("%Y%m%d"), created.strftime("%H%M")),
        ("HL", "1", "", "20", "1"),
        ("NM1", "PR", "2", inquiry.payer_name.upper(), "", "", "", "", "PI", inquiry.payer_id),
        ("HL", "2", "1", "21", "1"),
        (
            "NM1",
            "1P",
            "1" if person else "2",
            inquiry.provider_name.upper(),
            inquiry.provider_first_name.upper(),
            "",
            "",
            "",
            "XX",
            inquiry.provider_npi,
        ),
        ("HL", "3", "2", "22", "0"),
        ("TRN", "1", inquiry.trace_number, originator),
        (
            "NM1",
            "IL",
            "1",
            inquiry.subscriber_last_name.upper(),
            inquiry.subscriber_first_name.upper(),
            "",
            "",
            "",
            "MI",
            inquiry.member_id,
        ),
    ]
    if inquiry.subscriber_birth_date:
        body.append(("DMG", "D8", inquiry.subscriber_birth_date.strftime("%Y%m%d")))
    body.append(("DTP", "291", "D8", inquiry.service_date.strftime("%Y%m%d")))
    if not inquiry.service_types:
        raise X12Error("a 270 needs at least one service type code (EQ01)")
    body += [("EQ", code) for code in inquiry.service_types]
    return body


def write_270(
    inquiries: list[EligibilityInquiry],
    partners: TradingPartners,
    control_numbers: ControlNumbers,
    created: datetime,
    delimiters: Delimiters = Delimiters(),  # noqa: B008 - immutable default
    line_breaks: bool = False,
) -> Interchange:
    """One 270 interchange with one transaction set per inquiry."""
    sets = [
        TransactionSet(
            "270", VERSION, inquiry_body(inquiry, f"{inquiry.trace_number}"[:50], created)
        )
        for inquiry in inquiries
    ]
    return write_interchange(
        partners, control_numbers, "HS", VERSION, sets, created, delimiters, line_breaks
    )


# --- 271 ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceBenefits:
    """The benefits a 271 gives for one service type code. ``coinsurance`` is a fraction
    (0.20 = 20 %)."""

    service_type: str
    active: bool | None
    deductible_total: Decimal | None
    deductible_remaining: Decimal | None
    coinsurance: Decimal | None
    copay: Decimal | None
    visit_limit: Decimal | None
    visits_remaining: Decimal | None
    authorization_required: bool | None
    messages: tuple[str, ...]


_BENEFIT_FIELDS = (
    "active",
    "deductible_total",
    "deductible_remaining",
    "coinsurance",
    "copay",
    "visit_limit",
    "visits_remaining",
    "authorization_required",
)


class _Benefits:
    """Benefits for one service type while the 271 is read."""

    __slots__ = ("messages", "rank", "service_type", "values")

    def __init__(self, service_type: str) -> None:
        self.service_type = service_type
        self.values: dict[str, object] = {}
        self.rank: dict[str, int] = {}
        self.messages: list[str] = []

    def offer(self, name: str, value: object, rank: int) -> None:
        """Set ``name`` unless a better-ranked value (in-network, individual) is already set."""
        if value is None or self.rank.get(name, -1) >= rank:
            return
        self.values[name] = value
        self.rank[name] = rank

    def freeze(self) -> ServiceBenefits:
        benefits = dict(self.values)
        return ServiceBenefits(
            service_type=self.service_type,
            messages=tuple(self.messages),
            **{name: benefits.get(name) for name in _BENEFIT_FIELDS},  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True)
class EligibilityResponse:
    """One subscriber's 271 answer."""

    payer_name: str
    member_id: str
    subscriber_name: str
    active: bool | None
    plan_begin: date | None
    plan_end: date | None
    benefits: tuple[ServiceBenefits, ...]
    rejections: tuple[str, ...]
    messages: tuple[str, ...]
    position: int


@dataclass(frozen=True, slots=True)
class EligibilityReport:
    responses: tuple[EligibilityResponse, ...]
    problems: tuple[Problem, ...]


def _dates(seg: list[str]) -> tuple[date | None, date | None]:
    value = element(seg, 3)
    if element(seg, 2) == "RD8" and "-" in value:
        start, _, end = value.partition("-")
        return ccyymmdd(start), ccyymmdd(end)
    return ccyymmdd(value), None


class _Subscriber:
    __slots__ = (
        "active",
        "begin",
        "benefits",
        "end",
        "member_id",
        "messages",
        "name",
        "payer",
        "position",
        "rejections",
    )

    def __init__(self, payer: str, position: int) -> None:
        self.payer, self.position = payer, position
        self.member_id = self.name = ""
        self.active: bool | None = None
        self.begin: date | None = None
        self.end: date | None = None
        self.benefits: dict[str, _Benefits] = {}
        self.rejections: list[str] = []
        self.messages: list[str] = []

    def freeze(self) -> EligibilityResponse:
        return EligibilityResponse(
            self.payer,
            self.member_id,
            self.name,
            self.active,
            self.begin,
            self.end,
            tuple(b.freeze() for b in self.benefits.values()),
            tuple(self.rejections),
            tuple(self.messages),
            self.position,
        )


def _benefit(sub: _Subscriber, seg: list[str], position: int, repetition: str) -> list[_Benefits]:
    """Apply one EB segment to the service types it names; return their builders."""
    code = element(seg, 1)
    types = [t for t in element(seg, 3).split(repetition) if t] or ["30"]
    targets = [sub.benefits.setdefault(t, _Benefits(t)) for t in types]
    rank = (0 if element(seg, 12) == "N" else 2) + (0 if element(seg, 2) == "FAM" else 1)
    amount = optional_amount(element(seg, 7), position, "EB", "EB07")
    percent = optional_amount(element(seg, 8), position, "EB", "EB08")
    quantity = optional_amount(element(seg, 10), position, "EB", "EB10")
    remaining = element(seg, 6) == _REMAINING
    for target in targets:
        if code in _ACTIVE or code in _INACTIVE:
            target.offer("active", code in _ACTIVE, rank)
        elif code == "I":  # non-covered
            target.offer("active", False, rank)
        elif code == "C":
            target.offer("deductible_remaining" if remaining else "deductible_total", amount, rank)
        elif code == "A":
            target.offer("coinsurance", percent, rank)
        elif code == "B":
            target.offer("copay", amount, rank)
        elif code == "F" and element(seg, 9) == "VS":
            target.offer("visits_remaining" if remaining else "visit_limit", quantity, rank)
        auth = element(seg, 11)
        if auth in ("Y", "N"):
            target.offer("authorization_required", auth == "Y", rank)
    # Payers often answer 30 within a list (EB03 30^1^33^AE …); it still speaks for the plan.
    if "30" in types and (code in _ACTIVE or code in _INACTIVE):
        sub.active = (code in _ACTIVE) or bool(sub.active)
    return targets


def read_271(source: str | TextIO) -> EligibilityReport:
    """Read a 271 file into one summary per subscriber; raises ``X12Error`` if malformed."""
    sets, delimiters, problems = read_transaction_sets(source, {"271": "HB"}, VERSION)
    responses: list[EligibilityResponse] = []
    for _transaction, body in sets:
        payer = ""
        level = ""
        sub: _Subscriber | None = None
        current: list[_Benefits] = []
        for position, seg in body:
            tag = seg[0]
            if tag == "HL":
                if sub is not None:
                    responses.append(sub.freeze())
                    sub = None
                level = element(seg, 3)
                if level in ("22", "23"):
                    sub = _Subscriber(payer, position)
                current = []
            elif tag == "NM1":
                if level == "20" and element(seg, 1) == "PR":
                    payer = element(seg, 3)
                elif sub is not None and element(seg, 1) in ("IL", "03") and not current:
                    first = element(seg, 4)
                    sub.name = f"{element(seg, 3)}, {first}" if first else element(seg, 3)
                    sub.member_id = element(seg, 9) or sub.member_id
            elif tag == "AAA" and element(seg, 1) == "N":
                reason = f"AAA reject reason {element(seg, 3)}, follow-up {element(seg, 4)}"
                if sub is not None:
                    sub.rejections.append(reason)
                else:
                    problems.append(Problem(f"request rejected: {reason}", position, tag))
            elif sub is None:
                continue
            elif tag == "DTP" and not current:
                start, end = _dates(seg)
                if element(seg, 1) in ("291", "346", "356", "307") and start:
                    sub.begin = start
                    sub.end = end or sub.end
                elif element(seg, 1) in ("347", "357"):
                    sub.end = start
            elif tag == "EB":
                current = _benefit(sub, seg, position, delimiters.repetition)
            elif tag == "HSD" and current and element(seg, 1) == "VS":
                visits = optional_amount(element(seg, 2), position, tag, "HSD02")
                for target in current:
                    target.offer(
                        "visits_remaining" if element(seg, 5) == _REMAINING else "visit_limit",
                        visits,
                        1,
                    )
            elif tag == "MSG":
                text = element(seg, 1)
                if current:
                    for target in current:
                        target.messages.append(text)
                else:
                    sub.messages.append(text)
        if sub is not None:
            responses.append(sub.freeze())
    if not responses:
        raise X12Error("the 271 holds no subscriber (HL level 22) loop")
    return EligibilityReport(tuple(responses), tuple(problems))


def _num(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def benefits_json(report: EligibilityReport) -> dict[str, object]:
    return {
        "subscribers": [
            {
                "payer": r.payer_name,
                "member_id": r.member_id,
                "name": r.subscriber_name,
                "active": r.active,
                "plan_begin": r.plan_begin.isoformat() if r.plan_begin else None,
                "plan_end": r.plan_end.isoformat() if r.plan_end else None,
                "rejections": list(r.rejections),
                "messages": list(r.messages),
                "segment": r.position,
                "benefits": {
                    b.service_type: {
                        "description": SERVICE_TYPES.get(b.service_type, ""),
                        "active": b.active,
                        "deductible_total": _num(b.deductible_total),
                        "deductible_remaining": _num(b.deductible_remaining),
                        "coinsurance": _num(b.coinsurance),
                        "copay": _num(b.copay),
                        "visit_limit": _num(b.visit_limit),
                        "visits_remaining": _num(b.visits_remaining),
                        "authorization_required": b.authorization_required,
                        "messages": b.messages,
                    }
                    for b in r.benefits
                },
            }
            for r in report.responses
        ],
        "problems": [p.as_json() for p in report.problems],
    }


def benefits_summary(report: EligibilityReport) -> str:
    lines = []
    for r in report.responses:
        state = {True: "active", False: "not active", None: "unknown"}[r.active]
        lines.append(
            f"{r.subscriber_name} ({r.member_id}) with {r.payer_name}: {state}, plan "
            f"{r.plan_begin or '?'} to {r.plan_end or '?'}"
        )
        lines += [f"  rejected: {reason}" for reason in r.rejections]
        for b in r.benefits:
            facts = [
                f"{label} {value}"
                for label, value in (
                    ("active", b.active),
                    ("deductible", b.deductible_total),
                    ("remaining", b.deductible_remaining),
                    ("coinsurance", b.coinsurance),
                    ("copay", b.copay),
                    ("visits", b.visit_limit),
                    ("visits left", b.visits_remaining),
                    ("auth required", b.authorization_required),
                )
                if value is not None
            ]
            lines.append(
                f"  {b.service_type} {SERVICE_TYPES.get(b.service_type, '')}: "
                + (", ".join(facts) or "no details")
            )
            lines += [f"    note: {m}" for m in b.messages]
    lines += [f"problem: {p}" for p in report.problems]
    return "\n".join(lines) + "\n"

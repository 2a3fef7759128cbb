"""How many visits (and units) a benefit year, an injury case, a referral and an authorization
have used: one set of rules for the reimbursement kit, the reports, the dashboard and the
scrubber's inputs.

What counts: a **signed** visit. Soft-deleted visits never count (the loader leaves them out;
nothing here can see them). An unsigned note does not count: it is a booked or half-written
visit that may still be cancelled, a no-show or never billed, and a payer counts only the
visits billed to it, which are signed first. A future visit cannot be signed (the note of a
visit dated after today is refused), so future visits never count either; a count "as of" a
day is of the signed visits up to that day's limits. A visit counts once however many lines it
has.

Where it counts (each one only inside its own dates, and only for its payer or case):

- **Benefit year** of a coverage: visits billed to that coverage, i.e. naming it, not billed to
  an injury case's carrier (a PIP or workers' comp visit counts against its case, never the
  health plan) and not self-pay (nobody is billed). The year runs from the anniversary of
  ``benefit_year_start`` (January 1 when unknown) that contains the day asked about.
- **Injury case**: visits billed to the case's carrier, all dates (the carrier counts per
  claim, not per year).
- **Referral**: visits naming it, dated from ``issued`` to ``expires`` (open-ended when it has
  no expiry); a referral written for an injury case counts only that case's visits.
- **Authorization**: visits linking it and billed to its payer (and to its case, when it was
  given for one), dated from ``starts`` to ``ends``, with at least one active service line it
  covers. Units are counted per line: a line's units count against the one authorization
  that covers its code (``covering_authorization``), never against two.

``before`` counts only visits earlier than a given one (by date, then record id): what a claim
for that visit finds already used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar


@dataclass(frozen=True, slots=True)
class LineFacts:
    """One active (not replaced) service line: its procedure code and units."""

    code: str
    units: int


@dataclass(frozen=True, slots=True)
class VisitFacts:
    """What counting needs to know about one (not deleted) visit.

    ``case_payer_id`` is the carrier of the visit's injury case (None without a case or when
    the case has no carrier); ``authorization_ids`` are the authorizations the visit links.
    """

    id: int
    date: dt.date
    signed: bool
    coverage_id: int | None = None
    coverage_payer_id: int | None = None
    case_id: int | None = None
    case_payer_id: int | None = None
    self_pay: bool = False
    referral_id: int | None = None
    authorization_ids: tuple[int, ...] = ()
    lines: tuple[LineFacts, ...] = ()

    @property
    def billed_to_case(self) -> bool:
        """Billed to the injury case's carrier (which comes before any coverage)."""
        return self.case_id is not None and self.case_payer_id is not None and not self.self_pay

    @property
    def billed_payer_id(self) -> int | None:
        """The payer billed: the case's carrier, else the coverage's payer; None for self-pay."""
        if self.self_pay:
            return None
        return self.case_payer_id if self.billed_to_case else self.coverage_payer_id

    @property
    def billed_coverage_id(self) -> int | None:
        """The coverage billed: None for self-pay and for visits billed to a case's carrier."""
        return None if self.self_pay or self.billed_to_case else self.coverage_id

    def key(self) -> tuple[dt.date, int]:
        return (self.date, self.id)


@dataclass(frozen=True, slots=True)
class CoverageTerms:
    id: int
    visits_per_year: int | None = None
    benefit_year_start: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ReferralTerms:
    id: int
    issued: dt.date
    expires: dt.date | None = None
    visits_allowed: int | None = None
    case_id: int | None = None


@dataclass(frozen=True, slots=True)
class AuthorizationTerms:
    """A prior authorization. ``codes`` empty: it covers every code."""

    id: int
    number: str
    payer_id: int
    starts: dt.date
    ends: dt.date
    codes: tuple[str, ...] = ()
    visits_approved: int | None = None
    units_approved: int | None = None
    case_id: int | None = None


@dataclass(frozen=True, slots=True)
class Usage:
    """How much of a limit is used. ``allowed`` None: no limit is known."""

    used: int
    allowed: int | None = None

    @property
    def remaining(self) -> int | None:
        """What is left, never below zero (None without a limit)."""
        return None if self.allowed is None else max(self.allowed - self.used, 0)

    @property
    def exhausted(self) -> bool:
        return self.allowed is not None and self.used >= self.allowed


@dataclass(frozen=True, slots=True)
class AuthorizationUsage:
    visits: Usage
    units: Usage


class Covers(Protocol):
    """What line coverage reads from an authorization (the core claim's or ``AuthorizationTerms``)."""

    @property
    def codes(self) -> tuple[str, ...]: ...

    @property
    def starts(self) -> dt.date | None: ...

    @property
    def ends(self) -> dt.date | None: ...


A = TypeVar("A", bound=Covers)


def covers_code(authorization: Covers, code: str) -> bool:
    return not authorization.codes or code in authorization.codes


def in_dates(authorization: Covers, day: dt.date) -> bool:
    starts, ends = authorization.starts, authorization.ends
    return (starts is None or starts <= day) and (ends is None or day <= ends)


def covering_authorization(code: str, day: dt.date, authorizations: Sequence[A]) -> A | None:
    """The one authorization, of those given, that covers a line of ``code`` on ``day``.

    Only authorizations whose codes include ``code`` (or that list no codes) can cover it.
    Among those: one whose dates include ``day`` first, then one that names the code over one
    that covers every code, then the order given. The result may be outside its dates when no
    authorization for the code is in them (the scrubber reports that line as outside the
    authorization; counting ignores it). None when no authorization covers the code.
    """
    candidates = [a for a in authorizations if covers_code(a, code)]
    if not candidates:
        return None
    return min(
        enumerate(candidates),
        key=lambda item: (not in_dates(item[1], day), not item[1].codes, item[0]),
    )[1]


def benefit_year(start: dt.date | None, on: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the benefit year that contains ``on``: it begins on the
    anniversary of ``start`` (January 1 when unknown). A year starting February 29 begins on
    February 28 in other years."""
    month, day = (start.month, start.day) if start else (1, 1)

    def anniversary(year: int) -> dt.date:
        if (month, day) == (2, 29) and not _leap(year):
            return dt.date(year, 2, 28)
        return dt.date(year, month, day)

    first = anniversary(on.year)
    if first > on:
        first = anniversary(on.year - 1)
    return first, anniversary(first.year + 1) - dt.timedelta(days=1)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _earlier(visits: Iterable[VisitFacts], before: VisitFacts | None) -> Iterable[VisitFacts]:
    if before is None:
        return visits
    key = before.key()
    return (v for v in visits if v.key() < key)


def coverage_usage(
    terms: CoverageTerms,
    visits: Iterable[VisitFacts],
    *,
    on: dt.date,
    before: VisitFacts | None = None,
) -> Usage:
    """Signed visits billed to the coverage in the benefit year that contains ``on``."""
    first, last = benefit_year(terms.benefit_year_start, on)
    used = sum(
        1
        for v in _earlier(visits, before)
        if v.signed and v.billed_coverage_id == terms.id and first <= v.date <= last
    )
    return Usage(used, terms.visits_per_year)


def case_usage(
    case_id: int, visits: Iterable[VisitFacts], *, before: VisitFacts | None = None
) -> int:
    """Signed visits billed to the injury case's carrier."""
    return sum(
        1
        for v in _earlier(visits, before)
        if v.signed and v.billed_to_case and v.case_id == case_id
    )


def referral_usage(
    terms: ReferralTerms, visits: Iterable[VisitFacts], *, before: VisitFacts | None = None
) -> Usage:
    """Signed visits naming the referral, inside its dates (and its case, when it has one)."""
    used = sum(
        1
        for v in _earlier(visits, before)
        if v.signed
        and v.referral_id == terms.id
        and terms.issued <= v.date
        and (terms.expires is None or v.date <= terms.expires)
        and (terms.case_id is None or v.case_id == terms.case_id)
    )
    return Usage(used, terms.visits_allowed)


def applies_to(terms: AuthorizationTerms, visit: VisitFacts) -> bool:
    """The authorization is for what the visit is billed to: its payer, and its case if any."""
    return (
        visit.billed_payer_id is not None
        and terms.payer_id == visit.billed_payer_id
        and (terms.case_id is None or terms.case_id == visit.case_id)
    )


def line_authorizations(
    visit: VisitFacts, authorizations: Mapping[int, AuthorizationTerms]
) -> list[tuple[LineFacts, AuthorizationTerms | None]]:
    """Each active line of the visit with the linked authorization that covers it (None when
    none does). Only linked authorizations for the visit's payer or case are considered."""
    linked = [
        authorizations[i]
        for i in visit.authorization_ids
        if i in authorizations and applies_to(authorizations[i], visit)
    ]
    return [(line, covering_authorization(line.code, visit.date, linked)) for line in visit.lines]


def authorization_usage(
    terms: AuthorizationTerms,
    visits: Iterable[VisitFacts],
    authorizations: Mapping[int, AuthorizationTerms],
    *,
    before: VisitFacts | None = None,
) -> AuthorizationUsage:
    """Visits and units used under one authorization. ``authorizations`` holds every
    authorization the visits link (a line is covered by only one of them)."""
    visits_used = units_used = 0
    for visit in _earlier(visits, before):
        if not visit.signed or terms.id not in visit.authorization_ids:
            continue
        if not in_dates(terms, visit.date):
            continue
        units = [
            line.units
            for line, covering in line_authorizations(visit, authorizations)
            if covering is not None and covering.id == terms.id
        ]
        if units:
            visits_used += 1
            units_used += sum(units)
    return AuthorizationUsage(
        Usage(visits_used, terms.visits_approved), Usage(units_used, terms.units_approved)
    )

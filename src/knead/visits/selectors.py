"""Visit counts from the records: how much of a benefit year, an injury case, a referral and an
authorization is used. This module only loads; the counting rules (what counts, inside which
dates, for which payer or case) are the core's, ``knead.billing.visit_counts``, so the kit, the
reports, the dashboard, the client page and the claims all count alike.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from knead.billing import visit_counts as counts
from knead.billing.paths import BillingPath
from knead.billing.visit_counts import AuthorizationUsage, Usage, VisitFacts
from knead.clients.models import Authorization, Case, Coverage, Referral
from knead.visits.models import ServiceLine, Visit


def coverage_terms(coverage: Coverage) -> counts.CoverageTerms:
    return counts.CoverageTerms(coverage.pk, coverage.visits_per_year, coverage.benefit_year_start)


def referral_terms(referral: Referral) -> counts.ReferralTerms:
    return counts.ReferralTerms(
        referral.pk,
        referral.issued_on,
        referral.expires_on,
        referral.visits_allowed,
        referral.case_id,
    )


def authorization_terms(authorization: Authorization) -> counts.AuthorizationTerms:
    return counts.AuthorizationTerms(
        id=authorization.pk,
        number=authorization.number,
        payer_id=authorization.payer_id,
        starts=authorization.starts_on,
        ends=authorization.ends_on,
        codes=tuple(authorization.code_list),
        visits_approved=authorization.visits_approved,
        units_approved=authorization.units_approved,
        case_id=authorization.case_id,
    )


def visit_facts(visits: QuerySet[Visit], *, with_lines: bool = False) -> list[VisitFacts]:
    """The counting facts of these visits, leaving out deleted ones. ``with_lines`` adds the
    active (not replaced) service lines and the linked authorizations."""
    live = visits.filter(deleted_at__isnull=True)
    rows = live.values_list(
        "pk",
        "date",
        "signed_at",
        "coverage_id",
        "coverage__payer_id",
        "case_id",
        "case__payer_id",
        "billing_path",
        "referral_id",
    )
    links: dict[int, list[int]] = defaultdict(list)
    lines: dict[int, list[counts.LineFacts]] = defaultdict(list)
    if with_lines:
        through = Visit.authorizations.through.objects.filter(visit__in=live)
        for visit_id, auth_id in through.values_list("visit_id", "authorization_id"):
            links[visit_id].append(auth_id)
        active = ServiceLine.objects.filter(visit__in=live, replaced_at__isnull=True)
        for visit_id, code, units in active.order_by("position", "id").values_list(
            "visit_id", "code", "units"
        ):
            lines[visit_id].append(counts.LineFacts(code, units))
    return [
        VisitFacts(
            id=pk,
            date=day,
            signed=signed_at is not None,
            coverage_id=coverage_id,
            coverage_payer_id=coverage_payer_id,
            case_id=case_id,
            case_payer_id=case_payer_id,
            self_pay=path == BillingPath.SELF_PAY.value,
            referral_id=referral_id,
            authorization_ids=tuple(sorted(links[pk])),
            lines=tuple(lines[pk]),
        )
        for (
            pk,
            day,
            signed_at,
            coverage_id,
            coverage_payer_id,
            case_id,
            case_payer_id,
            path,
            referral_id,
        ) in rows
    ]


# --- benefit years ------------------------------------------------------------------------


def coverage_usages(coverages: Sequence[Coverage], *, on: dt.date) -> dict[int, Usage]:
    """Each coverage's visits used in its benefit year containing ``on``."""
    if not coverages:
        return {}
    terms = {c.pk: coverage_terms(c) for c in coverages}
    first = min(counts.benefit_year(t.benefit_year_start, on)[0] for t in terms.values())
    by_coverage: dict[int, list[VisitFacts]] = defaultdict(list)
    loaded = Visit.objects.filter(coverage__in=list(terms), date__gte=first)
    for facts in visit_facts(loaded):
        by_coverage[facts.coverage_id or 0].append(facts)
    return {pk: counts.coverage_usage(t, by_coverage[pk], on=on) for pk, t in terms.items()}


def coverage_usage(coverage: Coverage, *, on: dt.date) -> Usage:
    return coverage_usages([coverage], on=on)[coverage.pk]


# --- referrals and authorizations ---------------------------------------------------------


def referral_usages(referrals: Iterable[Referral]) -> dict[int, Usage]:
    terms = {r.pk: referral_terms(r) for r in referrals}
    by_referral: dict[int, list[VisitFacts]] = defaultdict(list)
    if terms:
        for facts in visit_facts(Visit.objects.filter(referral__in=list(terms))):
            by_referral[facts.referral_id or 0].append(facts)
    return {pk: counts.referral_usage(t, by_referral[pk]) for pk, t in terms.items()}


def _linked_terms(visits: QuerySet[Visit]) -> dict[int, counts.AuthorizationTerms]:
    """Every authorization these visits link (a line is covered by only one of them)."""
    linked = Authorization.objects.filter(visits__in=visits).distinct()
    return {a.pk: authorization_terms(a) for a in linked}


def authorization_usages(
    authorizations: Iterable[Authorization],
) -> dict[int, AuthorizationUsage]:
    """Each authorization's visits and units used."""
    terms = {a.pk: authorization_terms(a) for a in authorizations}
    if not terms:
        return {}
    visits = Visit.objects.filter(authorizations__in=list(terms)).distinct()
    facts = visit_facts(visits, with_lines=True)
    every = {**_linked_terms(visits), **terms}
    return {pk: counts.authorization_usage(t, facts, every) for pk, t in terms.items()}


# --- what a claim for one visit finds already used ----------------------------------------


@dataclass(frozen=True)
class EarlierUse:
    """What was used before one visit (earlier by date, then by record): the facts a claim for
    it carries. ``benefit_year`` is the coverage's, or the injury case's when the visit is
    billed to the case's carrier; ``authorizations`` holds the linked authorizations that apply
    to what the visit is billed to, in the order lines are matched to them."""

    facts: VisitFacts
    benefit_year: int | None
    referral: int | None
    authorizations: tuple[tuple[Authorization, AuthorizationUsage], ...]


def earlier_use(visit: Visit) -> EarlierUse:
    """Counts of earlier visits for ``visit``, by the core's rules. A visit not saved yet
    (the kit's model visit) uses what is known of it in memory."""
    facts = _facts_of(visit)
    if facts.billed_to_case:
        case_visits = visit_facts(Visit.objects.filter(case_id=facts.case_id))
        benefit_year: int | None = counts.case_usage(facts.case_id or 0, case_visits, before=facts)
    elif facts.billed_coverage_id is not None:
        coverage: Coverage = visit.coverage
        first, last = counts.benefit_year(coverage.benefit_year_start, facts.date)
        year = visit_facts(Visit.objects.filter(coverage=coverage, date__gte=first, date__lte=last))
        benefit_year = counts.coverage_usage(
            coverage_terms(coverage), year, on=facts.date, before=facts
        ).used
    else:
        benefit_year = None
    referral = None
    if visit.referral_id:
        referral = counts.referral_usage(
            referral_terms(visit.referral),
            visit_facts(Visit.objects.filter(referral_id=visit.referral_id)),
            before=facts,
        ).used
    return EarlierUse(facts, benefit_year, referral, _authorizations_before(visit, facts))


def _facts_of(visit: Visit) -> VisitFacts:
    case: Case | None = visit.case if visit.case_id else None
    coverage: Coverage | None = visit.coverage if visit.coverage_id else None
    linked = list(visit.authorizations.all()) if visit.pk else []
    return VisitFacts(
        id=visit.pk or 0,
        date=visit.date,
        signed=visit.is_signed,
        coverage_id=visit.coverage_id,
        coverage_payer_id=coverage.payer_id if coverage else None,
        case_id=visit.case_id,
        case_payer_id=case.payer_id if case else None,
        self_pay=visit.billing_path == BillingPath.SELF_PAY.value,
        referral_id=visit.referral_id,
        authorization_ids=tuple(sorted(a.pk for a in linked)),
        lines=tuple(counts.LineFacts(line.code, line.units) for line in visit.active_lines)
        if visit.pk
        else (),
    )


def applicable_authorizations(visit: Visit) -> list[Authorization]:
    """The visit's linked authorizations for what it is billed to (its payer, and its case when
    one was given for a case), ordered by start date then record: the order lines are matched."""
    facts = _facts_of(visit)
    linked = sorted(visit.authorizations.all(), key=lambda a: (a.starts_on, a.pk))
    return [a for a in linked if counts.applies_to(authorization_terms(a), facts)]


def _authorizations_before(
    visit: Visit, facts: VisitFacts
) -> tuple[tuple[Authorization, AuthorizationUsage], ...]:
    if not visit.pk:
        return ()
    applicable = applicable_authorizations(visit)
    if not applicable:
        return ()
    visits = Visit.objects.filter(authorizations__in=applicable).distinct()
    history = visit_facts(visits, with_lines=True)
    every = _linked_terms(visits)
    return tuple(
        (a, counts.authorization_usage(every[a.pk], history, every, before=facts))
        for a in applicable
    )


def line_coverage(visit: Visit) -> list[tuple[ServiceLine, Authorization | None]]:
    """Each active service line with the authorization covering it (None when none does): what
    the visit page shows, by the rule the claim and the counts use."""
    applicable = applicable_authorizations(visit)
    terms = [authorization_terms(a) for a in applicable]
    by_id = {a.pk: a for a in applicable}
    out = []
    for line in visit.active_lines:
        covering = counts.covering_authorization(line.code, visit.date, terms)
        out.append((line, by_id[covering.id] if covering else None))
    return out

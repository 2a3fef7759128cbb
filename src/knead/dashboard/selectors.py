"""What the dashboard shows: today's visits and what needs attention."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from knead.clients.models import Authorization, Coverage, Referral, VerificationCall
from knead.visits.models import Visit

EXPIRY_WINDOW_DAYS = 30


def _visits_using(field: str) -> Coalesce:
    """How many live visits use the outer referral or authorization (a correlated count)."""
    visits = (
        Visit.objects.filter(**{field: OuterRef("pk")}, deleted_at__isnull=True)
        .values(field)
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(visits, output_field=IntegerField()), 0)


def todays_visits(practice: Any, today: dt.date) -> QuerySet[Visit]:
    return (
        Visit.objects.for_practice(practice)
        .filter(date=today)
        .select_related("client", "provider")
        .order_by("start_time")
    )


def unsigned_notes(practice: Any, today: dt.date) -> QuerySet[Visit]:
    return (
        Visit.objects.for_practice(practice)
        .filter(signed_at__isnull=True, date__lte=today)
        .select_related("client", "provider")
        .order_by("date")
    )


def expiring_referrals(practice: Any, today: dt.date) -> QuerySet[Referral]:
    soon = today + dt.timedelta(days=EXPIRY_WINDOW_DAYS)
    return (
        Referral.objects.for_practice(practice)
        .filter(expires_on__gte=today - dt.timedelta(days=7), expires_on__lte=soon)
        .annotate(used=_visits_using("referral"))
        .select_related("client")
        .order_by("expires_on")
    )


def expiring_authorizations(practice: Any, today: dt.date) -> QuerySet[Authorization]:
    soon = today + dt.timedelta(days=EXPIRY_WINDOW_DAYS)
    return (
        Authorization.objects.for_practice(practice)
        .filter(ends_on__gte=today - dt.timedelta(days=7), ends_on__lte=soon)
        .annotate(used=_visits_using("authorization"))
        .select_related("client", "payer")
        .order_by("ends_on")
    )


def unverified_coverages(practice: Any, today: dt.date) -> QuerySet[Coverage]:
    verified = VerificationCall.objects.filter(coverage=OuterRef("pk"), deleted_at__isnull=True)
    return (
        Coverage.objects.for_practice(practice)
        .filter(Q(terminates_on__isnull=True) | Q(terminates_on__gte=today))
        .exclude(Exists(verified))
        .select_related("client", "payer")
        .order_by("client__last_name")
    )

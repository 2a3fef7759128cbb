"""What the dashboard shows: today's visits and what needs attention."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from knead.clients.models import Authorization, Coverage, Referral, VerificationCall
from knead.visits.models import Visit
from knead.visits.selectors import authorization_usages, referral_usages

EXPIRY_WINDOW_DAYS = 30


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
        .select_related("client")
        .order_by("expires_on")
    )


def expiring_authorizations(practice: Any, today: dt.date) -> QuerySet[Authorization]:
    soon = today + dt.timedelta(days=EXPIRY_WINDOW_DAYS)
    return (
        Authorization.objects.for_practice(practice)
        .filter(ends_on__gte=today - dt.timedelta(days=7), ends_on__lte=soon)
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


def with_usage(referrals: list[Referral], authorizations: list[Authorization]) -> None:
    """Set ``usage`` on each referral (visits used of allowed) and each authorization (its
    visits and units), counted as the kit, the reports and the claims count them."""
    used = referral_usages(referrals)
    for referral in referrals:
        referral.usage = used[referral.pk]  # type: ignore[attr-defined]
    usages = authorization_usages(authorizations)
    for authorization in authorizations:
        authorization.usage = usages[authorization.pk]  # type: ignore[attr-defined]

"""Read-side queries for clients: search, usage of referrals and authorizations, what needs attention."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, Sum

from knead.clients.models import Authorization, Coverage, Referral


@dataclass(frozen=True)
class Usage:
    used: int
    allowed: int | None

    @property
    def remaining(self) -> int | None:
        return None if self.allowed is None else max(self.allowed - self.used, 0)

    @property
    def exhausted(self) -> bool:
        return self.allowed is not None and self.used >= self.allowed


def referral_usage(referral: Referral) -> Usage:
    used = referral.visits.filter(deleted_at__isnull=True).count()
    return Usage(used, referral.visits_allowed)


def authorization_visits(authorization: Authorization) -> Usage:
    used = authorization.visits.filter(deleted_at__isnull=True).count()
    return Usage(used, authorization.visits_approved)


def authorization_units(authorization: Authorization) -> Usage:
    lines = authorization.visits.filter(deleted_at__isnull=True)
    codes = authorization.code_list
    query = Q(lines__code__in=codes) if codes else Q()
    used = lines.filter(query).aggregate(total=Sum("lines__units"))["total"] or 0
    return Usage(used, authorization.units_approved)


def last_verified(coverage: Coverage) -> dt.date | None:
    call = coverage.verifications.filter(deleted_at__isnull=True).first()
    return call.called_on if call else None

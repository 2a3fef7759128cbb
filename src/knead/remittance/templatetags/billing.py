"""Template tags for the billing slots in other apps' pages (dashboard, visit, coverage)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template

from knead.accounts.roles import allowed
from knead.claims.eligibility import VERIFIED_DAYS, last_verified
from knead.claims.models import Claim, ClaimLine
from knead.claims.states import ClaimState
from knead.practice import clock
from knead.remittance.models import Appeal, AppealStatus
from knead.remittance.selectors import open_queue_counts

register = template.Library()


@register.inclusion_tag("claims/_dashboard_panels.html", takes_context=True)
def billing_panels(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    if request.practice is None or not allowed(request, "billing.view"):
        return {"show": False}
    today = clock.today(request.practice)
    appeals = Appeal.objects.for_practice(request.practice).select_related("claim__client")
    return {
        "show": True,
        "today": today,
        "due": appeals.filter(status=AppealStatus.DRAFT).order_by("deadline")[:8],
        "follow_ups": appeals.filter(
            status=AppealStatus.SENT, follow_up_on__lte=today + dt.timedelta(days=7)
        ).order_by("follow_up_on")[:8],
        "queue": sum(open_queue_counts(request.practice).values()),
        "drafts": Claim.objects.for_practice(request.practice)
        .filter(status=ClaimState.DRAFT)
        .count(),
        "rejected": Claim.objects.for_practice(request.practice)
        .filter(status=ClaimState.REJECTED)
        .count(),
    }


@register.inclusion_tag("claims/_coverage_panel.html", takes_context=True)
def coverage_billing(context: dict[str, Any], coverage: Any) -> dict[str, Any]:
    check = coverage.eligibility.filter(deleted_at__isnull=True).first()
    answered = coverage.eligibility.filter(answered_at__isnull=False).first()
    benefits = []
    if answered:
        for subscriber in answered.benefits.get("subscribers", []):
            for code, b in subscriber.get("benefits", {}).items():
                benefits.append(
                    {"code": code, **b, "coinsurance_percent": _percent(b.get("coinsurance"))}
                )
    return {
        "coverage": coverage,
        "check": check,
        "answered": answered,
        "benefits": benefits,
        "can": context.get("can"),
        "csrf_token": context.get("csrf_token"),
    }


def _percent(fraction: str | None) -> str | None:
    """A 271 coinsurance (EB08 is a fraction: 0.2) as the percent people read: "20%"."""
    if not fraction:
        return None
    return f"{(Decimal(fraction) * 100).normalize():f}%"


@register.inclusion_tag("claims/_visit_banner.html", takes_context=True)
def visit_billing(context: dict[str, Any], visit: Any) -> dict[str, Any]:
    stale = None
    if visit.coverage_id:
        verified = last_verified(visit.coverage)
        if verified is None or (clock.today(visit.practice) - verified).days > VERIFIED_DAYS:
            stale = verified or "never"
    line = (
        ClaimLine.objects.filter(visit=visit, claim__deleted_at__isnull=True)
        .select_related("claim")
        .order_by("-claim_id")
        .first()
    )
    return {
        "visit": visit,
        "stale": stale,
        "claim": line.claim if line else None,
        "can": context.get("can"),
    }

"""Eligibility from a coverage: write the 270 (download or send), import the 271, keep the
benefit summary on the coverage's page."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.db import transaction
from django.utils import timezone

from knead.billing.x12.eligibility import EligibilityInquiry, benefits_json, read_271, write_270
from knead.billing.x12.envelope import TradingPartners
from knead.billing.x12.errors import X12Error
from knead.claims.control_numbers import DbControlNumbers
from knead.claims.models import EligibilityCheck
from knead.claims.services import BillingRefused, file_digest
from knead.claims.transport import transport_for
from knead.clients.models import Coverage, Relationship
from knead.practice import clock

VERIFIED_DAYS = 30


def _npi(coverage: Coverage) -> tuple[str, str, str]:
    practice = coverage.practice
    if practice.npi:
        return practice.name, "", practice.npi
    provider = coverage.client.visits.filter(deleted_at__isnull=True).order_by("-date").first()
    if provider is None:
        raise BillingRefused(
            "Set the practice's group NPI (or see the client once) before "
            "asking the payer about eligibility."
        )
    p = provider.provider
    return p.last_name, p.first_name, p.npi


@transaction.atomic
def new_inquiry(
    coverage: Coverage, *, user: Any, day: dt.date, send: bool = False
) -> EligibilityCheck:
    name, first, npi = _npi(coverage)
    client = coverage.client
    self_insured = coverage.relationship == Relationship.SELF
    check = EligibilityCheck(
        practice=coverage.practice, coverage=coverage, service_date=day, inquiry="", trace=""
    )
    check.stamp(user)
    check.save()
    check.trace = f"KNE{check.pk:09d}"
    inquiry = EligibilityInquiry(
        provider_name=name,
        provider_first_name=first,
        provider_npi=npi,
        payer_name=coverage.payer.name,
        payer_id=coverage.payer.payer_id,
        member_id=coverage.member_id,
        subscriber_last_name=client.last_name if self_insured else coverage.subscriber_last_name,
        subscriber_first_name=client.first_name if self_insured else coverage.subscriber_first_name,
        subscriber_birth_date=client.date_of_birth
        if self_insured
        else coverage.subscriber_date_of_birth,
        service_date=day,
        trace_number=check.trace,
    )
    try:
        check.inquiry = write_270(
            [inquiry],
            TradingPartners(npi[:15], coverage.payer.payer_id[:15] or "PAYER"),
            DbControlNumbers(),
            timezone.localtime().replace(tzinfo=None),
        ).text
    except X12Error as error:
        raise BillingRefused(f"The 270 could not be written: {error}") from None
    check.save(update_fields=["trace", "inquiry"])
    if send:
        transport_for(coverage.practice_id).send(f"270-{check.trace}.x12", check.inquiry)
    return check


@transaction.atomic
def import_271(check: EligibilityCheck, text: str, *, user: Any) -> EligibilityCheck:
    """Store the 271's benefit summary on the check (the same file twice changes nothing)."""
    digest = file_digest(text)
    if check.response_sha256 == digest:
        return check
    try:
        report = read_271(io.StringIO(text))
    except X12Error as error:
        raise BillingRefused(f"The 271 could not be read: {error}") from None
    data = benefits_json(report)
    subscribers = data["subscribers"]
    check.response = text
    check.response_sha256 = digest
    check.benefits = data
    check.active = subscribers[0]["active"] if subscribers else None  # type: ignore[index]
    check.answered_at = timezone.now()
    check.stamp(user)
    check.save()
    return check


def import_271_anywhere(text: str, *, practice: Any, user: Any) -> EligibilityCheck:
    """A 271 from the inbound folder: matched to its inquiry by the trace number (TRN02)."""
    checks = EligibilityCheck.objects.for_practice(practice).filter(response="")
    for check in checks.order_by("-id")[:500]:
        if check.trace and check.trace in text:
            return import_271(check, text, user=user)
    raise BillingRefused("No open eligibility inquiry matches this 271's trace number.")


def last_verified(coverage: Coverage) -> dt.date | None:
    """The latest phone verification or answered 271 for a coverage."""
    call = coverage.verifications.filter(deleted_at__isnull=True).order_by("-called_on").first()
    answer = coverage.eligibility.filter(answered_at__isnull=False).order_by("-answered_at").first()
    days = [
        d
        for d in (
            call.called_on if call else None,
            clock.date_of(answer.answered_at, coverage.practice) if answer else None,
        )
        if d
    ]
    return max(days) if days else None

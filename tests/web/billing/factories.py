"""Billing test data: a practice ready to bill (group NPI, EIN, 9-digit ZIP), a payer, a client
with coverage, signed visits, and X12 files written out segment by segment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from knead.billing.x12.envelope import (
    MemoryControlNumbers,
    TradingPartners,
    TransactionSet,
    write_interchange,
)
from knead.clients.models import Client, Coverage
from knead.practice.models import Credentialing, Payer, Practice, Provider
from knead.visits.models import ServiceLine, Visit

# 1234567893 is CMS's worked NPI example; 1558598797 the rule book's second (billing-rules.md §5.1).
GROUP_NPI = "1234567893"
THERAPIST_NPI = "1558598797"

# Every URL of the billing apps that takes a record id, with the record kind it takes
# (for tests/web/test_isolation.py once other_records carries billing records).
BILLING_RECORD_URLS = {
    "claims:detail": "claim",
    "claims:scrub": "claim",
    "claims:move": "claim",
    "remittance:secondary": "claim",
    "claims:correct": "claim",
    "claims:cms1500": "claim",
    "claims:batch": "batch",
    "claims:batch_download": "batch",
    "claims:batch_send": "batch",
    "claims:ack": "ack",
    "claims:eligibility": "eligibility",
    "claims:eligibility_new": "coverage",
    "claims:eligibility_download": "eligibility",
    "claims:eligibility_import": "eligibility",
    "remittance:detail": "remittance",
    "remittance:progress": "remittance",
    "remittance:work_item": "work_item",
    "remittance:act": "work_item",
    "remittance:appeal": "appeal",
    "remittance:appeal_pdf": "appeal",
    "remittance:ledger": "client",
    "remittance:statement": "client",
    "remittance:payment_new": "client",
    "remittance:appeal_new": "claim",
}


def ready_practice(practice: Practice) -> Practice:
    practice.npi = GROUP_NPI
    practice.tax_id_kind = "EIN"
    practice.tax_id = "91-1234567"
    practice.address_line1 = "100 Cedar Lane"
    practice.city = "Seattle"
    practice.state = "WA"
    practice.zip_code = "98101-1234"
    practice.phone = "206-555-0100"
    practice.save()
    return practice


def billing_setup(practice: Practice, therapist: Any) -> dict[str, Any]:
    """A payer (AMA unit rule, 180-day appeal window), a credentialed therapist, a client with
    primary coverage; no visits yet."""
    ready_practice(practice)
    provider = Provider.objects.create(
        practice=practice,
        first_name="Ana",
        last_name="Rivera",
        npi=THERAPIST_NPI,
        licence_state="WA",
        licence_number="MA60000001",
        user=therapist,
    )
    payer = Payer.objects.create(
        practice=practice,
        name="Evergreen Health Plan",
        payer_id="EVG01",
        unit_rule="ama",
        address_line1="PO Box 100",
        city="Seattle",
        state="WA",
        zip_code="98101",
        appeal_window_days=180,
    )
    Credentialing.objects.create(
        practice=practice, provider=provider, payer=payer, status="credentialed"
    )
    client = Client.objects.create(
        practice=practice,
        first_name="Jordan",
        last_name="Example",
        date_of_birth=dt.date(1985, 3, 14),
        sex="F",
        address_line1="12 Maple St",
        city="Seattle",
        state="WA",
        zip_code="98103",
        phone="206-555-0142",
        signature_on_file_on=dt.date(2026, 1, 5),
    )
    coverage = Coverage.objects.create(
        practice=practice,
        client=client,
        payer=payer,
        member_id="EVG123456789",
        group_number="GRP778",
        effective_on=dt.date(2026, 1, 1),
    )
    return {"provider": provider, "payer": payer, "client": client, "coverage": coverage}


def signed_visit(
    setup: dict[str, Any],
    day: dt.date,
    lines: list[tuple[str, int, int, str, list[str]]],
    user: Any,
    billing_path: str = "",
) -> Visit:
    """A visit with (code, minutes, units, charge, modifiers) lines, signed by ``user``;
    ``billing_path`` blank: the visit's own default (its coverage makes it DIRECT)."""
    visit = Visit.objects.create(
        practice=setup["client"].practice,
        billing_path=billing_path,
        client=setup["client"],
        provider=setup["provider"],
        date=day,
        coverage=setup["coverage"],
        subjective="Neck and shoulder pain after desk work.",
        objective="Hypertonic upper trapezius bilaterally.",
        assessment="Improving range.",
        plan="Weekly for 6 weeks.",
        diagnoses=["M542"],
        pain_before=6,
        pain_after=3,
    )
    for position, (code, minutes, units, charge, modifiers) in enumerate(lines, 1):
        ServiceLine.objects.create(
            visit=visit,
            position=position,
            code=code,
            minutes=minutes,
            units=units,
            charge=Decimal(charge),
            modifiers=modifiers,
            pointers=[1],
        )
    Visit.objects.filter(pk=visit.pk).update(signed_at=timezone.now(), signed_by=user)
    visit.refresh_from_db()
    return visit


def x12(
    kind: str, version: str, functional: str, body: list[tuple[Any, ...]], control: int = 500
) -> str:
    """An interchange around hand-written segments (the envelope counts are the writer's)."""
    return write_interchange(
        TradingPartners("PAYER01", "KNEADTEST"),
        MemoryControlNumbers(control - 1),
        functional,
        version,
        [TransactionSet(kind, version, body)],
        dt.datetime(2026, 4, 1, 9, 0),
    ).text


def make_billing_records(practice: Practice, records: dict[str, Any]) -> dict[str, Any]:
    """Billing records of one practice for isolation tests: four claims posted from an 835
    (one denied and appealed), a 999, an eligibility inquiry and a batch. ``records`` may carry
    the lead's fixtures ("owner", "provider"); missing people are created."""
    from knead.accounts.models import User
    from knead.claims.eligibility import new_inquiry
    from knead.claims.models import Batch, Claim
    from knead.claims.services import create_claims, import_acknowledgement
    from knead.remittance.imports import start_import
    from knead.remittance.models import WorkItem
    from knead.remittance.queue import start_appeal

    from .test_end_to_end import _era2

    owner = records.get("owner") or User.objects.create_user(
        f"billing_owner_{practice.pk}", password="x-very-long-password-1"
    )
    setup = billing_setup(practice, records.get("provider_user"))
    visits = [
        signed_visit(setup, dt.date(2026, 3, 2 + 7 * i), [("97124", 30, 2, "60.00", [])], owner)
        for i in range(4)
    ]
    claims = create_claims(visits, user=owner, practice=practice)
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(status="accepted")
    result = start_import(
        _era2(*[c.claim_id for c in claims]), name="era.835", user=owner, practice=practice
    )
    ack = import_acknowledgement(
        x12(
            "999",
            "005010X231A1",
            "FA",
            [("AK1", "HC", "77", "005010X222A1"), ("AK9", "A", "0", "0", "0")],
        ),
        name="a.999",
        user=owner,
        practice=practice,
    ).record
    appeal = start_appeal(Claim.objects.get(pk=claims[2].pk), user=owner)
    return {
        "claim": claims[0],
        "remittance": result.remittance,
        "ack": ack,
        "appeal": appeal,
        "work_item": WorkItem.objects.filter(claim=claims[1]).first(),
        "eligibility": new_inquiry(setup["coverage"], user=owner, day=dt.date(2026, 4, 1)),
        "coverage": setup["coverage"],
        "client": setup["client"],
        "batch": Batch.objects.create(
            practice=practice,
            sender_id="S",
            receiver_id="R",
            interchange_control=1,
            group_control=1,
            file_name="f",
            content="ISA",
        ),
    }

"""Billing data for the demo practice, made through the billing services themselves: claims for
signed visits older than two weeks, 837P batches, an accepting 999, and synthetic 835s with
payments, partial payments, CO-97 / CO-197 / PR-1 denials, one reversal, one claim number the
payer keyed wrongly (a claim not found, for the biller to post by hand), and one claim the first
payer allowed below its contracted rates (underpaid lines). All invented."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.utils import timezone

from knead.billing.x12.envelope import (
    MemoryControlNumbers,
    Segment,
    TradingPartners,
    TransactionSet,
    write_interchange,
)
from knead.claims.models import Claim, ClaimLine, ClaimStatus
from knead.claims.services import (
    billable_visits,
    build_batch,
    create_claims,
    import_acknowledgement,
    scrub_claim,
)
from knead.practice.models import ContractRate, Membership, Role

_CENT = Decimal("0.01")
# Payers allow 80% of the charge (the first payer's contract says so); one claim gets 70%.
_ALLOWED = Decimal("0.8")
_SHORT = Decimal("0.7")


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT))


def _paid_lines(
    claim: Claim, denied_code: str | None, allowed_share: Decimal = _ALLOWED
) -> tuple[list[Segment], Decimal, Decimal]:
    """SVC loops: ``allowed_share`` of the charge allowed, the client pays 20% of it (PR-2);
    ``denied_code`` denies the last line."""
    segments: list[Segment] = []
    paid = patient = Decimal(0)
    lines = list(claim.lines.all())
    for index, line in enumerate(lines):
        svc = ("SVC", ("HC", line.code, *line.modifiers), _money(line.charge))
        day = ("DTM", "472", line.service_date.strftime("%Y%m%d"))
        if denied_code and index == len(lines) - 1:
            segments += [(*svc, "0", "", str(line.units)), day, ("CAS", "CO", denied_code, _money(line.charge))]
            continue
        allowed = (line.charge * allowed_share).quantize(_CENT)
        share = (allowed * Decimal("0.2")).quantize(_CENT)
        segments += [(*svc, _money(allowed - share), "", str(line.units)), day,
                     ("CAS", "CO", "45", _money(line.charge - allowed)),
                     ("CAS", "PR", "2", _money(share))]
        paid += allowed - share
        patient += share
    return segments, paid, patient


def _negate(segment: Segment) -> Segment:
    """The reversal of an SVC or CAS segment: its amounts (and units) with a minus sign."""
    if segment[0] == "SVC":
        _tag, code, charge, paid, empty, units = segment
        return ("SVC", code, f"-{charge}", f"-{paid}" if paid != "0" else "0", empty, f"-{units}")
    if segment[0] == "CAS":
        return ("CAS", segment[1], segment[2], f"-{segment[3]}")
    return segment


def _era(payer_name: str, paid_on: dt.date, trace: str, body: list[Segment], amount: Decimal,
         control: int) -> str:
    header: list[Segment] = [
        ("BPR", "I", _money(amount), "C", "ACH", "CCP", "01", "999999992", "DA", "123456",
         "1512345678", "", "01", "999988880", "DA", "98765", paid_on.strftime("%Y%m%d")),
        ("TRN", "1", trace, "1512345678"),
        ("N1", "PR", payer_name.upper()[:60]), ("N3", "PO BOX 100"),
        ("N4", "SEATTLE", "WA", "98101"), ("PER", "BL", "PROVIDER SERVICES", "TE", "8005551212"),
        ("N1", "PE", "DEMO PRACTICE", "XX", "1234567893"), ("LX", "1"),
    ]
    return write_interchange(TradingPartners("DEMOPAYER", "KNEADDEMO"),
                             MemoryControlNumbers(control - 1), "HP", "005010X221A1",
                             [TransactionSet("835", "", [*header, *body])],
                             dt.datetime.combine(paid_on, dt.time(9)))


def seed_billing(practice: Any, out: Callable[[str], None] = print, seed: int = 2026) -> None:
    """Claims, batches, a 999 and 835s for the demo practice; does nothing if it has claims."""
    if Claim.objects.filter(practice=practice).exists():
        out("Billing demo data already there.")
        return
    membership = (Membership.objects.filter(practice=practice, role=Role.BILLER).first()
                  or Membership.objects.filter(practice=practice, role=Role.OWNER).first())
    user = membership.user if membership else None
    today = timezone.localdate()
    visits = [v for v in billable_visits(practice) if v.date <= today - dt.timedelta(days=14)]
    claims = create_claims(visits, user=user, practice=practice)
    for claim in claims:
        scrub_claim(claim, user=user, as_of=today)
    rng = random.Random(seed)
    eras = reversal = 0
    mistyped = short_paid = contract_made = False
    for payer_id in sorted({c.payer_id for c in claims if c.status == ClaimStatus.READY}):
        ready = [c for c in claims if c.payer_id == payer_id and c.status == ClaimStatus.READY]
        batch = build_batch(ready, user=user, practice=practice, as_of=today).batch
        if batch is None:
            continue
        ready = [c for c in ready if c.batch_id == batch.pk]
        import_acknowledgement(write_interchange(
            TradingPartners("CLEARINGHOUSE", "KNEADDEMO"), MemoryControlNumbers(batch.pk), "FA",
            "005010X231A1", [TransactionSet("999", "005010X231A1", [
                ("AK1", "HC", str(batch.group_control), "005010X222A1"),
                ("AK2", "837", "0001", "005010X222A1"), ("IK5", "A"),
                ("AK9", "A", "1", "1", "1")])], timezone.localtime().replace(tzinfo=None)),
            name=f"{batch.file_name}.999", user=user, practice=practice)
        contracted = not contract_made and any(
            c.service_from <= today - dt.timedelta(days=30) for c in ready)
        if contracted:
            contract_made = True
            # The contract: 80% of the lowest per-unit charge billed for each code.
            per_unit: dict[str, Decimal] = {}
            for line in ClaimLine.objects.filter(claim__in=ready):
                unit = line.charge / line.units
                per_unit[line.code] = min(per_unit.get(line.code, unit), unit)
            ContractRate.objects.bulk_create(
                ContractRate(practice=practice, payer=ready[0].payer, code=code,
                             allowed=(unit * _ALLOWED).quantize(_CENT, ROUND_DOWN),
                             created_by=user, updated_by=user)
                for code, unit in sorted(per_unit.items()))
        body: list[Segment] = []
        total = Decimal(0)
        paid_claims: list[tuple[Claim, list[Segment], Decimal, Decimal]] = []
        for claim in ready:
            if claim.service_from > today - dt.timedelta(days=30) and rng.random() < 0.5:
                continue  # recent claims still waiting on the payer: A/R
            roll = rng.random()
            if roll < 0.08:
                segments = [("SVC", ("HC", line.code, *line.modifiers), _money(line.charge), "0",
                             "", str(line.units)) for line in claim.lines.all()]
                lines = []
                for line, svc in zip(claim.lines.all(), segments, strict=True):
                    lines += [svc, ("DTM", "472", line.service_date.strftime("%Y%m%d")),
                              ("CAS", "CO", "197", _money(line.charge))]
                body += [("CLP", claim.claim_id, "4", _money(claim.charge), "0", "", "12",
                          f"D{claim.pk:08d}"), *lines]
                continue
            denied = "97" if roll < 0.16 and claim.lines.count() > 1 else None
            share = _ALLOWED
            # Not the first paid claim: the demo reverses that one.
            if contracted and paid_claims and not short_paid and denied is None:
                share, short_paid = _SHORT, True
            lines, paid, patient = _paid_lines(claim, denied, share)
            if 0.16 <= roll < 0.22:
                # The whole allowed amount went to the deductible (PR-1).
                lines = [s if s[0] != "CAS" or s[1] != "PR" else ("CAS", "PR", "1", s[3])
                         for s in lines]
            number = claim.claim_id
            if not mistyped:
                number, mistyped = "KM" + number[2:], True
            body += [("CLP", number, "1", _money(claim.charge), _money(paid),
                      _money(patient), "12", f"D{claim.pk:08d}"), *lines]
            total += paid
            if number == claim.claim_id:
                paid_claims.append((claim, lines, paid, patient))
        if not body:
            continue
        payer = ready[0].payer
        eras += 1
        start_demo_import(_era(payer.name, today - dt.timedelta(days=7), f"DEMO{payer_id:04d}",
                               body, total, 600 + eras), f"era-{payer_id}.835", user, practice)
        if paid_claims and not reversal:
            claim, lines, paid, patient = paid_claims[0]
            negated = [_negate(segment) for segment in lines]
            reversal += 1
            start_demo_import(_era(payer.name, today - dt.timedelta(days=2), f"DEMOREV{payer_id:04d}",
                                   [("CLP", claim.claim_id, "22", f"-{_money(claim.charge)}",
                                     f"-{_money(paid)}", f"-{_money(patient)}", "12",
                                     f"D{claim.pk:08d}"), *negated], -paid, 700 + eras),
                              f"era-{payer_id}-reversal.835", user, practice)
    out(f"Billing: {len(claims)} claims, {eras} remittances posted.")


def start_demo_import(text: str, name: str, user: Any, practice: Any) -> None:
    from knead.remittance.posting import start_import

    start_import(text, name=name, user=user, practice=practice, background=False)

"""A secondary (or later) claim: the next payer is billed with the primary's adjudication,
which the remittance's postings hold."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from knead.billing.claim_json import claim_to_dict
from knead.claims.models import Claim
from knead.claims.services import bill_next_payer, core_claim
from knead.remittance.models import Posting, PostingKind


def secondary_claim(primary: Claim, *, user: Any) -> Claim:
    """The claim to the client's secondary coverage, carrying the primary's adjudication (COB);
    ``BillingRefused`` says why when there is none to make."""
    return bill_next_payer(primary, user=user, prior=other_payer(primary))


def other_payer(primary: Claim) -> dict[str, Any]:
    """The primary payer's adjudication as COB data for the next payer's claim (837P loop
    2320/2430, CMS-1500 boxes 9 and 29): claim-level CAS, and per line the payment and CAS."""
    data = claim_to_dict(core_claim(primary))["coverage"]
    postings = list(
        Posting.objects.filter(claim=primary).exclude(
            kind__in=[PostingKind.WRITE_OFF, PostingKind.TO_CLIENT]
        )
    )
    claim_level = [p for p in postings if p.line_id is None and p.kind != PostingKind.PAYMENT]
    by_line: dict[int, list[Any]] = {}
    for posting in postings:
        if posting.line_id is not None:
            by_line.setdefault(posting.line_id, []).append(posting)
    positions = dict(primary.lines.values_list("id", "position"))
    paid_date = primary.first_paid_on or primary.adjudicated_on
    return {
        "payer": data["payer"],
        "subscriber": data["subscriber"],
        "priority": data.get("priority", "primary"),
        "paid_amount": str(primary.paid),
        "paid_date": paid_date.isoformat() if paid_date else None,
        "claim_number": primary.payer_claim_number or None,
        "adjustments": _adjustments(claim_level),
        "line_adjudications": [
            {
                "line": positions[line_id],
                "paid_amount": str(
                    sum((p.amount for p in items if p.kind == PostingKind.PAYMENT), Decimal("0.00"))
                ),
                "paid_date": paid_date.isoformat() if paid_date else None,
                "adjustments": _adjustments([p for p in items if p.kind != PostingKind.PAYMENT]),
            }
            for line_id, items in sorted(by_line.items(), key=lambda kv: positions[kv[0]])
        ],
    }


def _adjustments(postings: list[Any]) -> list[dict[str, str]]:
    totals: dict[tuple[str, str], Decimal] = {}
    for p in postings:
        if p.group and p.reason:
            totals[(p.group, p.reason)] = totals.get((p.group, p.reason), Decimal(0)) + p.amount
    return [{"group": g, "reason": r, "amount": str(a)} for (g, r), a in totals.items() if a]

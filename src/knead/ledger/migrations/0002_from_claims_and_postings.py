"""Move the money kept before the ledger into it.

Before the ledger, money lived in three places: visit lines (charges, only once a claim was
made), postings (the payer's adjudication and the work queue's actions) and client payments.
This replays them, oldest claim first, as the ledger services would have written them:

1. each visit gets its billing path: direct when it is on a claim or has a coverage or an
   injury case's payer, else self-pay; each claim line gets the service line it billed;
2. each signed visit is charged (its lines' charges) to the payer billed directly, else the
   client;
3. each claim takes its lines over (an original from the visit, a replacement from the claim it
   replaces, a secondary from what the client was left), a void takes back the original's open
   balance, and the claim's postings are mirrored (payment, contractual, the client's share,
   write-offs); a closed claim settles what is left (written off if the payer had decided,
   else back to the visit, unbilled);
4. client payments become receipts applied to the client's open lines, oldest first.

It uses only the historical models and the pure ledger arithmetic, so later changes to the
services cannot change what it did.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from uuid import uuid4

from django.db import migrations

from knead.billing import ledger as core

ZERO = Decimal("0.00")
ADJUDICATED = {"paid", "partial", "denied", "appealed"}


def forward(apps, schema_editor):  # noqa: C901 - one replay, in the order money moved
    Visit = apps.get_model("visits", "Visit")
    ServiceLine = apps.get_model("visits", "ServiceLine")
    Claim = apps.get_model("claims", "Claim")
    ClaimLine = apps.get_model("claims", "ClaimLine")
    Posting = apps.get_model("remittance", "Posting")
    ClientPayment = apps.get_model("remittance", "ClientPayment")
    Entry = apps.get_model("ledger", "Entry")
    Payment = apps.get_model("ledger", "Payment")

    claimed = set(ClaimLine.objects.values_list("visit_id", flat=True))
    for visit in Visit.objects.filter(billing_path="").select_related("case"):
        direct = visit.pk in claimed or visit.coverage_id or (visit.case_id and visit.case.payer_id)
        visit.billing_path = "direct" if direct else "self_pay"
        Visit.objects.filter(pk=visit.pk).update(billing_path=visit.billing_path)

    lines_by_visit = defaultdict(list)
    for line in ServiceLine.objects.order_by("visit_id", "position", "id"):
        lines_by_visit[line.visit_id].append(line)
    for claim_line in ClaimLine.objects.filter(service_line__isnull=True).order_by("id"):
        match = next(
            (s for s in lines_by_visit[claim_line.visit_id] if s.code == claim_line.code), None
        )
        if match is not None:
            ClaimLine.objects.filter(pk=claim_line.pk).update(service_line=match)

    balances = defaultdict(lambda: ZERO)  # (payer or None, service line, claim line) → open

    def add(**kw):
        entry = Entry.objects.create(**kw)
        balances[(entry.payer_id, entry.service_line_id, entry.claim_line_id)] += entry.amount
        return entry

    def move(amount, source, target, base, memo, adjudication=False):
        group = uuid4().hex
        for (payer, claim, claim_line), value in zip(
            (source, target), core.transfer(amount, source, target), strict=True
        ):
            add(
                payer_id=payer,
                claim_id=claim,
                claim_line_id=claim_line,
                amount=value,
                kind="transfer",
                group=group,
                memo=memo,
                adjudication=adjudication,
                **base,
            )

    charged_payer = {}
    for visit in Visit.objects.filter(signed_at__isnull=False).select_related("case", "coverage"):
        payer = None
        if visit.billing_path == "direct":
            if visit.case_id and visit.case.payer_id:
                payer = visit.case.payer_id
            elif visit.coverage_id:
                payer = visit.coverage.payer_id
        for line in lines_by_visit[visit.pk]:
            if line.replaced_at is None and line.charge > 0:
                charged_payer[line.pk] = payer
                add(
                    practice_id=visit.practice_id,
                    client_id=visit.client_id,
                    payer_id=payer,
                    visit_id=visit.pk,
                    service_line_id=line.pk,
                    kind="charge",
                    amount=line.charge,
                    posted_on=visit.date,
                    memo=f"{line.code} × {line.units}",
                )

    for claim in Claim.objects.order_by("id"):
        day = claim.created.date()
        lines = list(ClaimLine.objects.filter(claim=claim).order_by("position"))

        def base(line, claim=claim, day=day):
            return dict(
                practice_id=claim.practice_id,
                client_id=claim.client_id,
                visit_id=line.visit_id,
                service_line_id=line.service_line_id,
                posted_on=day,
                created_by_id=claim.created_by_id,
            )

        source_claim = claim.replaces if claim.replaces_id else claim.primary_claim
        source_lines = (
            {line.position: line for line in ClaimLine.objects.filter(claim=source_claim)}
            if source_claim
            else {}
        )
        for line in lines:
            if line.service_line_id is None:
                continue
            earlier = source_lines.get(line.position)
            if claim.frequency == "8" and earlier is not None:
                open_ = balances[(source_claim.payer_id, earlier.service_line_id, earlier.pk)]
                if open_ > 0:
                    add(
                        payer_id=source_claim.payer_id,
                        claim_id=source_claim.pk,
                        claim_line_id=earlier.pk,
                        kind="void",
                        amount=-open_,
                        memo=f"Voided by claim {claim.claim_id}",
                        **base(line),
                    )
                continue
            if claim.replaces_id and earlier is not None:
                source = (source_claim.payer_id, source_claim.pk, earlier.pk)
                memo = f"Replaced by claim {claim.claim_id}"
            elif claim.primary_claim_id and earlier is not None:
                source = (None, source_claim.pk, earlier.pk)
                memo = f"Billed to the next payer on claim {claim.claim_id}"
            else:
                source = (charged_payer.get(line.service_line_id), None, None)
                memo = f"Billed on claim {claim.claim_id}"
            if source[0] is None and source[1] is not None:
                open_ = sum(
                    v
                    for (p, s, _c), v in balances.items()
                    if p is None and s == line.service_line_id
                )
            else:
                open_ = balances[(source[0], line.service_line_id, source[2])]
            if open_ > 0:
                move(open_, source, (claim.payer_id, claim.pk, line.pk), base(line), memo)

        opening = {
            line.pk: balances[(claim.payer_id, line.service_line_id, line.pk)] for line in lines
        }
        figures = defaultdict(lambda: defaultdict(lambda: ZERO))
        first_segment = {}
        remittance_of = {}
        for p in Posting.objects.filter(claim=claim).order_by("id"):
            figures[p.line_id][p.kind] += p.amount
            first_segment.setdefault(p.line_id, p.segment)
            remittance_of.setdefault(p.line_id, p.remittance_id)
        by_pk = {line.pk: line for line in lines}
        for line_id, t in figures.items():
            line = by_pk.get(line_id)
            common = dict(
                practice_id=claim.practice_id,
                client_id=claim.client_id,
                visit_id=line.visit_id if line else None,
                service_line_id=line.service_line_id if line else None,
                posted_on=claim.adjudicated_on or day,
                segment=first_segment[line_id],
                remittance_id=remittance_of[line_id],
                adjudication=True,
            )
            contractual = t["contractual"]
            if claim.priority > 1:
                contractual = core.cob_adjustment(
                    opening.get(line_id, ZERO),
                    paid=t["payment"],
                    patient=t["patient"] + t["to_client"],
                    denied=t["denial"],
                    contractual=contractual,
                )
            for kind, amount in (
                ("insurer_payment", t["payment"]),
                ("contractual", contractual),
                ("write_off", t["write_off"]),
            ):
                if amount:
                    add(
                        payer_id=claim.payer_id,
                        claim_id=claim.pk,
                        claim_line_id=line_id,
                        kind=kind,
                        amount=-amount,
                        **common,
                    )
            share = t["patient"] + t["to_client"]
            if share:
                group = uuid4().hex
                for payer, value in ((claim.payer_id, -share), (None, share)):
                    add(
                        payer_id=payer,
                        claim_id=claim.pk,
                        claim_line_id=line_id,
                        kind="transfer",
                        amount=value,
                        group=group,
                        **common,
                    )
        written_off_at_close = ZERO
        if claim.status == "closed":
            for line in lines:
                open_ = balances[(claim.payer_id, line.service_line_id, line.pk)]
                if open_ > 0 and not figures:
                    # Never adjudicated (cancelled): back to the visit, unbilled.
                    move(
                        open_,
                        (claim.payer_id, claim.pk, line.pk),
                        (claim.payer_id, None, None),
                        base(line),
                        f"Claim {claim.claim_id} cancelled; back to unbilled",
                    )
                elif open_ > 0:
                    written_off_at_close += open_
                    add(
                        payer_id=claim.payer_id,
                        claim_id=claim.pk,
                        claim_line_id=line.pk,
                        kind="write_off",
                        amount=-open_,
                        adjudication=True,
                        memo=f"Claim {claim.claim_id} closed with its balance open",
                        **base(line),
                    )
        total = sum(
            (v for (p, _s, c), v in balances.items() if p == claim.payer_id and c in by_pk), ZERO
        )
        # The claim's written-off figure includes what its closing wrote off, as the ledger does.
        Claim.objects.filter(pk=claim.pk).update(
            balance=total, written_off=claim.written_off + written_off_at_close
        )

    for old in ClientPayment.objects.order_by("received_on", "id"):
        payment = Payment.objects.create(
            practice_id=old.practice_id,
            client_id=old.client_id,
            received_on=old.received_on,
            amount=old.amount,
            method=old.method,
            kind="payment",
            reference=old.reference,
            created_by_id=old.created_by_id,
            updated_by_id=old.created_by_id,
        )
        open_lines = defaultdict(lambda: ZERO)
        for e in Entry.objects.filter(
            client_id=old.client_id, payer__isnull=True, service_line__isnull=False
        ).select_related("visit"):
            open_lines[(e.visit.date, e.visit_id, e.service_line_id)] += e.amount
        items = sorted(open_lines.items())
        applied, left = core.allocate(old.amount, [(k, v) for k, v in items])
        common = dict(
            practice_id=old.practice_id,
            client_id=old.client_id,
            payer_id=None,
            kind="client_payment",
            posted_on=old.received_on,
            payment=payment,
            created_by_id=old.created_by_id,
        )
        for (_day, visit_id, line_id), value in applied:
            add(visit_id=visit_id, service_line_id=line_id, amount=-value, **common)
        if left:
            add(amount=-left, memo="Credit on account", **common)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial"),
        ("visits", "0003_billing_path"),
        ("claims", "0003_claim_line_service_line"),
        ("remittance", "0002_workitem_remittance__practic_4ebf13_idx"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

"""From signed visits to posted money: claims, scrub, 837P (checked by pyx12), 999, two 835s
(payment, partial payment with a CO-97 line, a CO-50 denial, a reversal, a PLB), then the
ledger, the denial queue and A/R checked to the cent against hand calculations.

Fees: 97124 $30.00 per unit, 97140 $35.00 per unit.
  Visit 1 (03/02/2026): 97124 x2 = $60.00
  Visit 2 (03/09/2026): 97124 x2 = $60.00 + 97140-59 x1 = $35.00 → $95.00
  Visit 3 (03/16/2026): 97124 x2 = $60.00
  Visit 4 (03/23/2026): 97124 x2 = $60.00
ERA 1 (04/13/2026) pays claim 4: paid 41.60, CO-45 8.00, PR-2 10.40 (60 - 41.60 = 18.40).
ERA 2 (04/20/2026):
  claim 1 paid 41.60, CO-45 8.00, PR-2 10.40                              → PAID, balance 0
  claim 2 97124 paid 41.60, CO-45 8.00, PR-2 10.40; 97140 (payer dropped the 59) CO-97 35.00
          → PARTIAL, balance 95 - 41.60 - 8.00 - 10.40 = 35.00 (the denied line stays open)
  claim 3 status 4, CO-50 60.00                                            → DENIED, balance 60
  claim 4 status 22: -41.60, CO-45 -8.00, PR-2 -10.40 (undoes ERA 1)      → ACCEPTED, balance 60
  PLB WO 5.00; BPR02 = 41.60 + 41.60 + 0 - 41.60 - 5.00 = 36.60
Ledger: charges 60 + 95 + 60 + 60 = 275.00; insurer 41.60 x3 - 41.60 = 83.20;
  adjustments 8 x3 - 8 = 16.00; client share 10.40 x3 - 10.40 = 20.80;
  insurance balance 0 + 35 + 60 + 60 = 155.00 (= 275 - 83.20 - 16.00 - 20.80).
A/R as of 05/10/2026 (age from the date of service): claim 2 62 days → 61–90: 35.00;
  claim 3 55 days and claim 4 48 days → 31–60: 120.00.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Q, Sum

from knead.billing.ledger import EntryKind
from knead.claims.models import Claim, ClaimEvent
from knead.claims.services import (
    BillingRefused,
    build_batch,
    create_claims,
    import_acknowledgement,
    scrub_claim,
)
from knead.ledger.models import Entry
from knead.ledger.selectors import client_balance, insurance_balance
from knead.remittance.imports import start_import
from knead.remittance.models import Posting, PostingKind, WorkItem, WorkKind, WorkStatus
from knead.remittance.queue import bill_client, explain, write_off
from knead.remittance.reports import ar_aging
from tests.x12.support import pyx12_errors

from .factories import billing_setup, signed_visit, x12

D = Decimal


def _era1(c4: str) -> str:
    return x12(
        "835",
        "005010X221A1",
        "HP",
        [
            (
                "BPR",
                "I",
                "41.60",
                "C",
                "ACH",
                "CCP",
                "01",
                "999999992",
                "DA",
                "123456",
                "1512345678",
                "",
                "01",
                "999988880",
                "DA",
                "98765",
                "20260413",
            ),
            ("TRN", "1", "EFT0001", "1512345678"),
            ("N1", "PR", "EVERGREEN HEALTH PLAN"),
            ("N3", "PO BOX 100"),
            ("N4", "SEATTLE", "WA", "98101"),
            ("PER", "BL", "PROVIDER SERVICES", "TE", "8005551212"),
            ("N1", "PE", "CEDAR LANE", "XX", "1234567893"),
            ("LX", "1"),
            ("CLP", c4, "1", "60", "41.6", "10.4", "12", "PCN4"),
            ("NM1", "QC", "1", "EXAMPLE", "JORDAN"),
            ("SVC", ("HC", "97124"), "60", "41.6", "", "2"),
            ("DTM", "472", "20260323"),
            ("CAS", "CO", "45", "8"),
            ("CAS", "PR", "2", "10.4"),
        ],
        control=501,
    )


def _era2(c1: str, c2: str, c3: str, c4: str) -> str:
    return x12(
        "835",
        "005010X221A1",
        "HP",
        [
            (
                "BPR",
                "I",
                "36.60",
                "C",
                "ACH",
                "CCP",
                "01",
                "999999992",
                "DA",
                "123456",
                "1512345678",
                "",
                "01",
                "999988880",
                "DA",
                "98765",
                "20260420",
            ),
            ("TRN", "1", "EFT0002", "1512345678"),
            ("N1", "PR", "EVERGREEN HEALTH PLAN"),
            ("N3", "PO BOX 100"),
            ("N4", "SEATTLE", "WA", "98101"),
            ("PER", "BL", "PROVIDER SERVICES", "TE", "8005551212"),
            ("N1", "PE", "CEDAR LANE", "XX", "1234567893"),
            ("LX", "1"),
            ("CLP", c1, "1", "60", "41.6", "10.4", "12", "PCN1"),
            ("NM1", "QC", "1", "EXAMPLE", "JORDAN"),
            ("SVC", ("HC", "97124"), "60", "41.6", "", "2"),
            ("DTM", "472", "20260302"),
            ("CAS", "CO", "45", "8"),
            ("CAS", "PR", "2", "10.4"),
            ("CLP", c2, "1", "95", "41.6", "10.4", "12", "PCN2"),
            ("NM1", "QC", "1", "EXAMPLE", "JORDAN"),
            ("SVC", ("HC", "97124"), "60", "41.6", "", "2"),
            ("DTM", "472", "20260309"),
            ("CAS", "CO", "45", "8"),
            ("CAS", "PR", "2", "10.4"),
            ("SVC", ("HC", "97140"), "35", "0", "", "1"),
            ("DTM", "472", "20260309"),
            ("CAS", "CO", "97", "35"),
            ("LQ", "HE", "M15"),
            ("CLP", c3, "4", "60", "0", "", "12", "PCN3"),
            ("NM1", "QC", "1", "EXAMPLE", "JORDAN"),
            ("SVC", ("HC", "97124"), "60", "0", "", "2"),
            ("DTM", "472", "20260316"),
            ("CAS", "CO", "50", "60"),
            ("CLP", c4, "22", "-60", "-41.6", "-10.4", "12", "PCN4"),
            ("NM1", "QC", "1", "EXAMPLE", "JORDAN"),
            ("SVC", ("HC", "97124"), "-60", "-41.6", "", "-2"),
            ("DTM", "472", "20260323"),
            ("CAS", "CO", "45", "-8"),
            ("CAS", "PR", "2", "-10.4"),
            ("PLB", "1234567893", "20261231", ("WO", "RECOUP1"), "5"),
        ],
        control=502,
    )


@pytest.fixture
def billed(practice, users):
    setup = billing_setup(practice, users["therapist"])
    owner = users["owner"]
    visits = [
        signed_visit(setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], owner),
        signed_visit(
            setup,
            dt.date(2026, 3, 9),
            [("97124", 30, 2, "60.00", []), ("97140", 15, 1, "35.00", ["59"])],
            owner,
        ),
        signed_visit(setup, dt.date(2026, 3, 16), [("97124", 30, 2, "60.00", [])], owner),
        signed_visit(setup, dt.date(2026, 3, 23), [("97124", 30, 2, "60.00", [])], owner),
    ]
    return setup, visits, users["biller"]


@pytest.mark.django_db
def _net(client, kind: EntryKind) -> Decimal:
    """The ledger's entries of one kind on the client's services, less their reversals."""
    entries = Entry.objects.filter(client=client).filter(
        Q(kind=kind) | Q(kind=EntryKind.REVERSAL, reverses__kind=kind)
    )
    return (entries.aggregate(t=Sum("amount"))["t"] or D("0")).quantize(D("0.01"))


def test_signed_visits_to_posted_money_to_the_cent(practice, billed):
    setup, visits, biller = billed
    # 2. One claim per visit; CLM01 is each claim's own id.
    claims = create_claims(visits, user=biller, practice=practice)
    assert [c.charge for c in claims] == [D("60.00"), D("95.00"), D("60.00"), D("60.00")]
    assert all(c.claim_id == f"KN{c.pk:08d}" for c in claims)
    # 3. Scrub: every claim is clean and READY.
    for claim in claims:
        findings = scrub_claim(claim, user=biller, as_of=dt.date(2026, 3, 30))
        assert [f for f in findings if f["severity"] == "error"] == []
        assert claim.status == "ready"
    # 4. Batch → 837P that pyx12 accepts.
    batch = build_batch(claims, user=biller, practice=practice, as_of=dt.date(2026, 3, 30)).batch
    assert pyx12_errors(batch.content) == []
    assert batch.claim_count == 4 and batch.total_charge == D("275.00")
    assert all(f"CLM*{c.claim_id}*" in batch.content for c in claims)
    assert "SV1*HC:97140:59*35.00*UN*1***1" in batch.content
    # 5. The 999 accepts the group.
    ack = x12(
        "999",
        "005010X231A1",
        "FA",
        [
            ("AK1", "HC", str(batch.group_control), "005010X222A1"),
            ("AK2", "837", "0001", "005010X222A1"),
            ("IK5", "A"),
            ("AK9", "A", "1", "1", "1"),
        ],
    )
    result = import_acknowledgement(ack, name="batch.999", user=biller, practice=practice)
    assert (result.record.accepted, result.record.rejected) == (4, 0)
    c1, c2, c3, c4 = (Claim.objects.get(pk=c.pk) for c in claims)
    assert {c.status for c in (c1, c2, c3, c4)} == {"accepted"}
    # 6. Two ERAs.
    start_import(_era1(c4.claim_id), name="era1.835", user=biller, practice=practice)
    era2 = _era2(c1.claim_id, c2.claim_id, c3.claim_id, c4.claim_id)
    first = start_import(era2, name="era2.835", user=biller, practice=practice)
    assert not first.already and first.remittance.status == "done"
    assert first.remittance.amount == D("36.60")
    c1, c2, c3, c4 = (Claim.objects.get(pk=c.pk) for c in claims)
    assert (c1.status, c1.paid, c1.contractual, c1.patient_responsibility, c1.balance) == (
        "paid",
        D("41.60"),
        D("8.00"),
        D("10.40"),
        D("0.00"),
    )
    assert (c2.status, c2.paid, c2.denied, c2.balance) == (
        "partial",
        D("41.60"),
        D("35.00"),
        D("35.00"),
    )
    assert (c3.status, c3.denied, c3.balance) == ("denied", D("60.00"), D("60.00"))
    assert (c4.status, c4.paid, c4.patient_responsibility, c4.balance) == (
        "accepted",
        D("0.00"),
        D("0.00"),
        D("60.00"),
    )
    assert c2.payer_claim_number == "PCN2"
    # The 97140 line matched although the payer dropped modifier 59.
    denied_line = Posting.objects.get(claim=c2, kind=PostingKind.DENIAL)
    assert denied_line.line.code == "97140" and denied_line.line.modifiers == ["59"]
    # Traceability: the posting's segment position points at that CAS segment in the file.
    segments = era2.split("~")
    assert segments[denied_line.segment - 1] == "CAS*CO*97*35"
    plb = Posting.objects.get(kind=PostingKind.PROVIDER)
    assert plb.amount == D("5.00") and segments[plb.segment - 1].startswith("PLB*")
    # The reversal undid ERA 1 and is recorded in the claim's history.
    assert list(ClaimEvent.objects.filter(claim=c4).values_list("to_status", flat=True)) == [
        "draft",
        "ready",
        "submitted",
        "accepted",
        "paid",
        "accepted",
    ]
    # 7. Ledger, denial queue, A/R.
    assert _net(setup["client"], EntryKind.CHARGE) == D("275.00")
    assert _net(setup["client"], EntryKind.INSURER_PAYMENT) == D("-83.20")
    assert _net(setup["client"], EntryKind.CONTRACTUAL) == D("-16.00")
    assert client_balance(setup["client"]) == D("20.80")  # the client's share
    assert insurance_balance(setup["client"]) == D("155.00")
    queue = WorkItem.objects.filter(status=WorkStatus.OPEN).order_by("claim_id")
    assert [(i.claim_id, i.kind, i.amount, i.codes) for i in queue] == [
        (c2.pk, WorkKind.DENIAL, D("35.00"), [["CO", "97", "35.00"]]),
        (c3.pk, WorkKind.DENIAL, D("60.00"), [["CO", "50", "60.00"]]),
    ]
    co97 = explain(queue[0])[0]
    assert co97.code == "CO-97" and "59" in co97.action
    aging = ar_aging(practice, dt.date(2026, 5, 10))
    assert [(r.payer, r.buckets, r.total) for r in aging] == [
        ("Evergreen Health Plan", [D("0"), D("120.00"), D("35.00"), D("0"), D("0")], D("155.00"))
    ]
    # Re-importing the same file posts nothing new, and says so.
    count = Posting.objects.count()
    again = start_import(era2, name="era2-copy.835", user=biller, practice=practice)
    assert again.already and again.remittance.pk == first.remittance.pk
    assert Posting.objects.count() == count
    # Actions: write off the CO-97 line (not distinct), bill the client for the CO-50 denial
    # (CO: only with the client's signed waiver).
    write_off(queue[0], reason="NCCI bundling", user=biller)
    with pytest.raises(BillingRefused, match="unless they signed a waiver"):
        bill_client(WorkItem.objects.get(claim=c3), user=biller)
    bill_client(WorkItem.objects.get(claim=c3), user=biller, waiver=True)
    c2.refresh_from_db()
    c3.refresh_from_db()
    assert (c2.status, c2.written_off, c2.balance) == ("closed", D("35.00"), D("0.00"))
    assert (c3.status, c3.billed_to_client, c3.balance) == ("closed", D("60.00"), D("0.00"))
    assert client_balance(setup["client"]) == D("80.80")  # 20.80 + 60.00
    assert insurance_balance(setup["client"]) == D("60.00")  # claim 4 only

"""Property test: random sequences of money events keep every ledger invariant.

Charges (self-pay and direct), client payments, ERAs with partial payments, denials, patient
shares and PLBs (interest and takebacks), reversals, secondary and tertiary claims, voids, replacements, write-offs and refunds.
After each step ``check_practice`` finds nothing and ``knead ledger check`` agrees (exit 0);
the check includes each claim's cached balance against its entries.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knead.claims.models import Claim
from knead.claims.services import BillingRefused, corrected_claim, create_claims
from knead.cli import main as knead
from knead.clients.models import Coverage
from knead.ledger.checks import check_practice
from knead.ledger.selectors import client_balance
from knead.ledger.services import LedgerRefused, record_payment, refund
from knead.practice.models import Payer
from knead.remittance.imports import start_import
from knead.remittance.models import WorkItem, WorkStatus
from knead.remittance.queue import write_off
from knead.remittance.secondary import secondary_claim

from ..billing.factories import billing_setup, signed_visit, x12
from .test_money import _self_pay_visit

D = Decimal
NO_PLB = Decimal("0")
_n = itertools.count(20000)

amounts = st.integers(min_value=1, max_value=400).map(lambda n: D(n) / 4)  # quarters, exact
steps = st.lists(
    st.one_of(
        st.tuples(st.just("self_pay"), st.integers(40, 200)),
        st.tuples(st.just("direct"), st.integers(40, 200)),
        st.tuples(st.just("pay"), amounts),
        st.tuples(
            st.just("era"),
            st.integers(0, 3),
            st.integers(0, 100),
            st.integers(0, 100),
            st.booleans(),
        ),
        st.tuples(st.just("reverse"), st.integers(0, 3)),
        st.tuples(st.just("secondary"), st.integers(0, 3)),
        st.tuples(st.just("void"), st.integers(0, 3)),
        st.tuples(st.just("replace"), st.integers(0, 3)),
        st.tuples(st.just("write_off")),
        st.tuples(st.just("refund")),
    ),
    min_size=1,
    max_size=9,
)


def _era(
    claim: Claim, paid: D, cas: list[tuple[str, str, D]], status: str = "1", plb: D = NO_PLB
) -> str:
    n = next(_n)
    line = claim.lines.get()
    pr = sum((a for g, _r, a in cas if g == "PR"), D(0))
    body = [
        (
            "BPR",
            "I",
            f"{paid - plb:.2f}",
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
        ("TRN", "1", f"EFT{n}", "1512345678"),
        ("N1", "PR", claim.payer.name.upper()),
        ("N3", "PO BOX 100"),
        ("N4", "SEATTLE", "WA", "98101"),
        ("PER", "BL", "PROVIDER SERVICES", "TE", "8005551212"),
        ("N1", "PE", "CEDAR LANE", "XX", "1234567893"),
        ("LX", "1"),
        (
            "CLP",
            claim.claim_id,
            status,
            f"{line.charge if status != '22' else -line.charge:.2f}",
            f"{paid:.2f}",
            f"{pr:.2f}",
            "12",
            f"PCN{claim.pk}",
        ),
        ("NM1", "QC", "1", "EXAMPLE", "JORDAN"),
        (
            "SVC",
            ("HC", line.code),
            f"{line.charge if status != '22' else -line.charge:.2f}",
            f"{paid:.2f}",
            "",
            str(line.units),
        ),
        ("DTM", "472", line.service_date.strftime("%Y%m%d")),
        *[("CAS", g, r, f"{a:.2f}") for g, r, a in cas if a],
    ]
    if plb:
        body.append(("PLB", "1234567893", "20261231", ("L6", f"INT{n}"), f"{plb:.2f}"))
    return x12("835", "005010X221A1", "HP", body, control=n)


def _post(text: str, practice, user) -> None:
    start_import(text, name="era.835", user=user, practice=practice)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps)
def test_every_sequence_of_money_events_keeps_the_ledger_true(practice, users, plan):
    with transaction.atomic():
        _run(practice, users, plan)
        transaction.set_rollback(True)


def _run(practice, users, plan) -> None:
    setup = billing_setup(practice, users["therapist"])
    medicaid = Payer.objects.create(
        practice=practice,
        name="Apple Health",
        payer_id="SKWA0",
        kind="medicaid",
        address_line1="PO Box 9",
        city="Olympia",
        state="WA",
        zip_code="98504",
    )
    Coverage.objects.create(
        practice=practice,
        client=setup["client"],
        payer=medicaid,
        priority=2,
        member_id="123456789WA",
    )
    # A third plan, so a secondary claim's "secondary" step makes a tertiary one.
    Coverage.objects.create(
        practice=practice,
        client=setup["client"],
        payer=Payer.objects.create(
            practice=practice,
            name="Cascade Mutual",
            payer_id="CSC01",
            address_line1="PO Box 7",
            city="Tacoma",
            state="WA",
            zip_code="98401",
        ),
        priority=3,
        member_id="CSC0000001",
    )
    biller, desk = users["biller"], users["front_desk"]
    claims: list[Claim] = []
    posted: dict[int, tuple[D, list]] = {}
    day = itertools.count(1)
    for step in plan:
        kind = step[0]
        if kind == "self_pay":
            _self_pay_visit(
                setup,
                users["therapist"],
                dt.date(2026, 1, 1) + dt.timedelta(days=next(day)),
                f"{step[1]}.00",
            )
        elif kind == "direct":
            visit = signed_visit(
                setup,
                dt.date(2026, 1, 1) + dt.timedelta(days=next(day)),
                [("97124", 30, 2, f"{step[1]}.00", [])],
                users["therapist"],
            )
            [claim] = create_claims([visit], user=biller, practice=practice)
            Claim.objects.filter(pk=claim.pk).update(status="accepted")
            claims.append(claim)
        elif kind == "pay":
            record_payment(
                setup["client"],
                amount=step[1],
                method="card",
                received_on=dt.date(2026, 6, 1),
                user=desk,
            )
        elif kind == "era" and claims:
            claim = Claim.objects.get(pk=claims[step[1] % len(claims)].pk)
            if claim.status not in ("submitted", "accepted") or claim.frequency == "8":
                continue
            charge = claim.lines.get().charge
            if step[4]:  # denied outright
                cas = [("CO", "50", charge)]
                paid = D(0)
            else:
                allowed = (charge * step[2] / 100).quantize(D("0.01"))
                pr = (allowed * step[3] / 100).quantize(D("0.01"))
                paid = allowed - pr
                cas = [("CO", "45", charge - allowed), ("PR", "2", pr)]
            if claim.priority > 1:
                cas = [(g if g != "CO" else "OA", r if g != "CO" else "23", a) for g, r, a in cas]
            _post(
                # PLB: interest added (negative), a takeback (positive, out of the payment), or
                # none.
                _era(claim, paid, cas, plb=(D("-1.25"), min(paid, D("2.50")), D(0))[step[2] % 3]),
                practice,
                biller,
            )
            posted[claim.pk] = (paid, cas)
        elif kind == "reverse" and posted:
            pk = list(posted)[step[1] % len(posted)]
            claim = Claim.objects.get(pk=pk)
            if claim.status in ("closed",):
                continue
            paid, cas = posted.pop(pk)
            _post(
                _era(claim, -paid, [(g, r, -a) for g, r, a in cas], status="22"), practice, biller
            )
        elif kind in ("secondary", "void", "replace") and claims:
            claim = Claim.objects.get(pk=claims[step[1] % len(claims)].pk)
            try:
                if kind == "secondary":
                    new = secondary_claim(claim, user=biller)
                else:
                    new = corrected_claim(
                        claim, user=biller, frequency="8" if kind == "void" else "7"
                    )
            except BillingRefused:
                continue
            Claim.objects.filter(pk=new.pk).update(status="accepted")
            claims.append(new)
        elif kind == "write_off":
            item = WorkItem.objects.filter(
                practice=practice, status=WorkStatus.OPEN, claim__isnull=False
            ).first()
            if item is not None:
                try:
                    write_off(item, reason="Small balance", user=biller)
                except BillingRefused:
                    continue
        elif kind == "refund":
            credit = -client_balance(setup["client"])
            if credit > 0:
                try:
                    refund(
                        setup["client"],
                        amount=credit,
                        reason="Overpaid",
                        method="card",
                        user=users["owner"],
                        received_on=dt.date(2026, 6, 2),
                    )
                except LedgerRefused:
                    continue
        report = check_practice(practice)
        assert report.failures == [], (step, report.failures)
        assert knead(["ledger", "check", "--practice", str(practice.pk)]) == 0

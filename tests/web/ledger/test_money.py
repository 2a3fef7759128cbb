"""One ledger from the visit's charge to a zero balance: charges at signing, the front desk's
payments and refunds, claims and their remittances, secondary claims, voids and replacements.
Every expected figure is worked by hand in the test."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from decimal import Decimal

import pytest

from knead.billing.ledger import EntryKind
from knead.claims.models import Claim
from knead.claims.services import BillingRefused, corrected_claim, create_claims, transition
from knead.claims.states import ClaimState
from knead.clients.models import Coverage
from knead.ledger.checks import check_practice
from knead.ledger.export import export_rows
from knead.ledger.models import AppendOnly, Entry
from knead.ledger.selectors import client_balance, client_paid, insurance_balance
from knead.ledger.services import LedgerRefused, charge_visit, record_payment, refund
from knead.practice.models import Payer
from knead.remittance.imports import start_import
from knead.remittance.secondary import secondary_claim
from knead.visits.models import ServiceLine, Visit
from knead.visits.services import sign_visit

from ..billing.factories import billing_setup, signed_visit, x12

D = Decimal
_trace = itertools.count(9100)


def era(
    claim_id: str,
    *,
    charge: str,
    paid: str,
    cas: list[tuple[str, str, str]],
    status: str = "1",
    code: str = "97124",
    day: str = "20260302",
    units: str = "2",
) -> str:
    """A one-claim 835 with its own trace and control number (so each file is new content)."""
    n = next(_trace)
    clp_pr = sum((D(a) for g, _r, a in cas if g == "PR"), D("0"))
    return x12(
        "835",
        "005010X221A1",
        "HP",
        [
            (
                "BPR",
                "I",
                paid,
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
            ("N1", "PR", "EVERGREEN HEALTH PLAN"),
            ("N3", "PO BOX 100"),
            ("N4", "SEATTLE", "WA", "98101"),
            ("PER", "BL", "PROVIDER SERVICES", "TE", "8005551212"),
            ("N1", "PE", "CEDAR LANE", "XX", "1234567893"),
            ("LX", "1"),
            ("CLP", claim_id, status, charge, paid, f"{clp_pr}", "12", f"PCN{n}"),
            ("NM1", "QC", "1", "EXAMPLE", "JORDAN"),
            ("SVC", ("HC", code), charge, paid, "", units),
            ("DTM", "472", day),
            *[("CAS", g, r, a) for g, r, a in cas],
        ],
        control=n,
    )


@pytest.fixture
def setup(practice, users):
    return billing_setup(practice, users["therapist"])


def _sent(claim: Claim, user) -> Claim:
    Claim.objects.filter(pk=claim.pk).update(status=ClaimState.ACCEPTED.value)
    claim.refresh_from_db()
    return claim


def _post(text: str, practice, user) -> None:
    result = start_import(text, name="era.835", user=user, practice=practice)
    assert not result.already


def _ok(practice) -> None:
    report = check_practice(practice)
    assert report.failures == []


def _self_pay_visit(setup, therapist, day=dt.date(2026, 3, 2), charge="165.00") -> Visit:
    visit = Visit.objects.create(
        practice=setup["client"].practice,
        client=setup["client"],
        provider=setup["provider"],
        date=day,
        subjective="Low back ache.",
        objective="Hypertonic QL.",
        assessment="Better.",
        plan="Weekly.",
        diagnoses=["M545"],
    )
    ServiceLine.objects.create(
        visit=visit, position=1, code="97124", minutes=60, units=4, charge=D(charge), pointers=[1]
    )
    return sign_visit(visit, user=therapist)


def test_a_self_pay_visit_is_charged_to_the_client_when_signed_and_a_card_payment_clears_it(
    practice, users, setup
):
    visit = _self_pay_visit(setup, users["therapist"])
    assert visit.billing_path == "self_pay"
    assert client_balance(setup["client"]) == D("165.00")
    record_payment(
        setup["client"],
        amount=D("165.00"),
        method="card",
        reference="4242",
        received_on=dt.date(2026, 3, 2),
        user=users["front_desk"],
    )
    assert client_balance(setup["client"]) == D("0.00")
    assert client_paid([visit]) == D("165.00")
    _ok(practice)


def test_signing_twice_or_charging_again_posts_one_charge(practice, users, setup):
    visit = _self_pay_visit(setup, users["therapist"])
    charge_visit(visit, user=users["therapist"])
    assert Entry.objects.filter(visit=visit, kind=EntryKind.CHARGE).count() == 1


def test_a_prepayment_is_credit_on_account_until_the_visit_is_signed_then_pays_it(
    practice, users, setup
):
    record_payment(
        setup["client"],
        amount=D("200.00"),
        method="cash",
        kind="prepayment",
        received_on=dt.date(2026, 3, 1),
        user=users["front_desk"],
    )
    assert client_balance(setup["client"]) == D("-200.00")
    visit = _self_pay_visit(setup, users["therapist"])
    # $165 of the $200 now pays the visit; $35 stays credit.
    assert client_paid([visit]) == D("165.00")
    assert client_balance(setup["client"]) == D("-35.00")
    _ok(practice)


def test_a_refund_needs_a_reason_and_never_exceeds_the_credit(practice, users, setup):
    record_payment(
        setup["client"],
        amount=D("50.00"),
        method="cash",
        received_on=dt.date(2026, 3, 1),
        user=users["front_desk"],
    )
    with pytest.raises(LedgerRefused, match="Say why"):
        refund(
            setup["client"],
            amount=D("50.00"),
            reason=" ",
            method="cash",
            user=users["owner"],
            received_on=dt.date(2026, 3, 2),
        )
    with pytest.raises(LedgerRefused, match=r"\$50.00 of credit"):
        refund(
            setup["client"],
            amount=D("60.00"),
            reason="Moved away",
            method="cash",
            user=users["owner"],
            received_on=dt.date(2026, 3, 2),
        )
    refund(
        setup["client"],
        amount=D("50.00"),
        reason="Moved away",
        method="cash",
        user=users["owner"],
        received_on=dt.date(2026, 3, 2),
    )
    assert client_balance(setup["client"]) == D("0.00")
    _ok(practice)


def test_payments_apply_to_the_oldest_visit_first(practice, users, setup):
    march = _self_pay_visit(setup, users["therapist"], dt.date(2026, 3, 2), "100.00")
    april = _self_pay_visit(setup, users["therapist"], dt.date(2026, 4, 6), "100.00")
    record_payment(
        setup["client"],
        amount=D("150.00"),
        method="check",
        reference="1044",
        received_on=dt.date(2026, 4, 6),
        user=users["front_desk"],
    )
    assert (client_paid([march]), client_paid([april])) == (D("100.00"), D("50.00"))


def test_a_payment_can_be_applied_to_the_visit_the_user_picks(practice, users, setup):
    march = _self_pay_visit(setup, users["therapist"], dt.date(2026, 3, 2), "100.00")
    april = _self_pay_visit(setup, users["therapist"], dt.date(2026, 4, 6), "100.00")
    record_payment(
        setup["client"],
        amount=D("100.00"),
        method="card",
        visits=[april.pk],
        received_on=dt.date(2026, 4, 6),
        user=users["front_desk"],
    )
    assert (client_paid([march]), client_paid([april])) == (D("0.00"), D("100.00"))


def test_a_payment_in_the_future_or_of_nothing_is_refused(practice, users, setup):
    with pytest.raises(LedgerRefused, match="future"):
        record_payment(
            setup["client"],
            amount=D("10.00"),
            method="cash",
            received_on=dt.date(2999, 1, 1),
            user=users["front_desk"],
        )
    with pytest.raises(LedgerRefused, match="more than"):
        record_payment(
            setup["client"],
            amount=D("0.00"),
            method="cash",
            received_on=dt.date(2026, 1, 1),
            user=users["front_desk"],
        )
    assert Entry.objects.count() == 0


def test_entries_cannot_be_changed_or_deleted(practice, users, setup):
    visit = _self_pay_visit(setup, users["therapist"])
    entry = Entry.objects.get(visit=visit)
    entry.amount = D("1.00")
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        Entry.objects.filter(pk=entry.pk).update(amount=D("1.00"))
    with pytest.raises(AppendOnly):
        Entry.objects.filter(pk=entry.pk).delete()


def test_a_direct_bill_claim_moves_from_the_payer_to_the_client_by_the_remittance(
    practice, users, setup
):
    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["therapist"]
    )
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    assert claim.balance == D("60.00")
    assert insurance_balance(setup["client"]) == D("60.00")
    _post(
        era(
            _sent(claim, users["biller"]).claim_id,
            charge="60",
            paid="41.6",
            cas=[("CO", "45", "8"), ("PR", "2", "10.4")],
        ),
        practice,
        users["biller"],
    )
    claim.refresh_from_db()
    # 60.00 − 41.60 paid − 8.00 contractual − 10.40 moved to the client = 0.00.
    assert claim.balance == D("0.00")
    assert client_balance(setup["client"]) == D("10.40")
    assert insurance_balance(setup["client"]) == D("0.00")
    _ok(practice)


def test_a_reversal_reverses_the_entries_it_undoes(practice, users, setup):
    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["therapist"]
    )
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    _sent(claim, users["biller"])
    _post(
        era(claim.claim_id, charge="60", paid="41.6", cas=[("CO", "45", "8"), ("PR", "2", "10.4")]),
        practice,
        users["biller"],
    )
    _post(
        era(
            claim.claim_id,
            charge="-60",
            paid="-41.6",
            status="22",
            cas=[("CO", "45", "-8"), ("PR", "2", "-10.4")],
        ),
        practice,
        users["biller"],
    )
    claim.refresh_from_db()
    assert claim.balance == D("60.00")
    assert client_balance(setup["client"]) == D("0.00")
    payment = Entry.objects.get(claim=claim, kind=EntryKind.INSURER_PAYMENT)
    assert payment.reversed_by.amount == D("41.60")
    _ok(practice)


def test_a_secondary_claim_expects_only_what_the_primary_left(practice, users, setup):
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
    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "130.00", [])], users["therapist"]
    )
    [primary] = create_claims([visit], user=users["biller"], practice=practice)
    _post(
        era(
            _sent(primary, users["biller"]).claim_id,
            charge="130",
            paid="83.2",
            cas=[("CO", "45", "26"), ("PR", "2", "20.8")],
        ),
        practice,
        users["biller"],
    )
    second = secondary_claim(Claim.objects.get(pk=primary.pk), user=users["biller"])
    # The primary allowed 104.00, paid 83.20 and left 20.80 to the client: only that moves.
    assert second.charge == D("130.00")
    assert second.balance == D("20.80")
    assert client_balance(setup["client"]) == D("0.00")
    # Medicaid pays the 20.80 and adjusts the rest of the charge (the primary's share).
    _post(
        era(
            _sent(second, users["biller"]).claim_id,
            charge="130",
            paid="20.8",
            cas=[("OA", "23", "109.2")],
        ),
        practice,
        users["biller"],
    )
    second.refresh_from_db()
    assert second.balance == D("0.00")
    assert client_balance(setup["client"]) == D("0.00")
    _ok(practice)


def test_a_tertiary_claim_expects_only_what_the_secondary_left(practice, users, setup):
    def payer(name: str, payer_id: str, kind: str) -> Payer:
        return Payer.objects.create(
            practice=practice,
            name=name,
            payer_id=payer_id,
            kind=kind,
            address_line1="PO Box 9",
            city="Olympia",
            state="WA",
            zip_code="98504",
        )

    for priority, plan in (
        (2, payer("Cascade Mutual", "CSC01", "commercial")),
        (3, payer("Apple Health", "SKWA0", "medicaid")),
    ):
        Coverage.objects.create(
            practice=practice,
            client=setup["client"],
            payer=plan,
            priority=priority,
            member_id=f"M{priority}000001",
        )
    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "130.00", [])], users["therapist"]
    )
    [primary] = create_claims([visit], user=users["biller"], practice=practice)
    biller = users["biller"]
    _post(
        era(
            _sent(primary, biller).claim_id,
            charge="130",
            paid="83.2",
            cas=[("CO", "45", "26"), ("PR", "2", "20.8")],
        ),
        practice,
        biller,
    )
    second = secondary_claim(Claim.objects.get(pk=primary.pk), user=biller)
    assert (second.priority, second.balance) == (2, D("20.80"))
    # The secondary pays 10.00 of the 20.80 and leaves 10.80 as coinsurance.
    _post(
        era(
            _sent(second, biller).claim_id,
            charge="130",
            paid="10",
            cas=[("OA", "23", "109.2"), ("PR", "2", "10.8")],
        ),
        practice,
        biller,
    )
    assert client_balance(setup["client"]) == D("10.80")
    third = secondary_claim(Claim.objects.get(pk=second.pk), user=biller)
    # Only the 10.80 the secondary left moves on; both payers' adjudications travel with it.
    assert (third.priority, third.payer.payer_id, third.balance) == (3, "SKWA0", D("10.80"))
    assert [p["paid_amount"] for p in third.other_payers] == ["83.20", "10.00"]
    assert client_balance(setup["client"]) == D("0.00")
    _post(
        era(
            _sent(third, biller).claim_id,
            charge="130",
            paid="10.8",
            cas=[("OA", "23", "119.2")],
        ),
        practice,
        biller,
    )
    third.refresh_from_db()
    assert (third.balance, client_balance(setup["client"])) == (D("0.00"), D("0.00"))
    with pytest.raises(BillingRefused, match="tertiary payer's claim: no payer comes after it"):
        secondary_claim(third, user=biller)
    _ok(practice)


def test_a_void_expects_nothing_and_takes_back_the_open_balance(practice, users, setup):
    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["therapist"]
    )
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    _post(
        era(
            _sent(claim, users["biller"]).claim_id, charge="60", paid="0", cas=[("CO", "50", "60")]
        ),
        practice,
        users["biller"],
    )
    claim.refresh_from_db()
    assert claim.balance == D("60.00")  # denied: open until someone acts
    void = corrected_claim(claim, user=users["biller"], frequency="8")
    claim.refresh_from_db()
    assert (void.balance, claim.balance) == (D("0.00"), D("0.00"))
    _ok(practice)


def test_a_replacement_takes_over_the_open_balance_without_doubling_it(practice, users, setup):
    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["therapist"]
    )
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    _post(
        era(_sent(claim, users["biller"]).claim_id, charge="60", paid="0", cas=[("CO", "4", "60")]),
        practice,
        users["biller"],
    )
    new = corrected_claim(
        Claim.objects.get(pk=claim.pk), user=users["biller"], frequency="7", modifiers={1: ["GP"]}
    )
    claim.refresh_from_db()
    assert (new.balance, claim.balance) == (D("60.00"), D("0.00"))
    assert insurance_balance(setup["client"]) == D("60.00")
    _ok(practice)


def test_cancelling_a_draft_claim_gives_its_lines_back_to_the_visit(practice, users, setup):
    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["therapist"]
    )
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    transition(claim, ClaimState.CLOSED, user=users["biller"], reason="Billed in error.")
    assert claim.balance == D("0.00")
    assert insurance_balance(setup["client"]) == D("60.00")  # still owed, not billed
    [again] = create_claims([visit], user=users["biller"], practice=practice)
    assert again.balance == D("60.00")
    _ok(practice)


def test_the_export_rows_of_each_responsibility_sum_to_what_it_owes(practice, users, setup):
    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["therapist"]
    )
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    _post(
        era(
            _sent(claim, users["biller"]).claim_id,
            charge="60",
            paid="41.6",
            cas=[("CO", "45", "8"), ("PR", "2", "10.4")],
        ),
        practice,
        users["biller"],
    )
    record_payment(
        setup["client"],
        amount=D("5.00"),
        method="cash",
        received_on=dt.date(2026, 4, 21),
        user=users["front_desk"],
    )
    rows = export_rows(practice)
    totals: dict[str, Decimal] = {}
    for row in rows:
        totals[row[5]] = totals.get(row[5], D("0")) + D(row[7])
    # The client owes 10.40 − 5.00; the payer owes nothing.
    assert totals == {"client": D("5.40"), setup["payer"].payer_id: D("0.00")}
    assert {row[3] for row in rows} == {"", claim.claim_id}
    # The claim line as code, modifiers and date of service; each ERA row names its segment.
    assert {row[4] for row in rows if row[3]} == {"97124 2026-03-02"}
    era_sources = [row[8] for row in rows if row[8].startswith("ERA ")]
    assert era_sources and all(re.fullmatch(r"ERA \d+ segment \d+", s) for s in era_sources)


def test_a_reversed_claim_that_closes_shows_no_balance(practice, users, setup):
    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["therapist"]
    )
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    _sent(claim, users["biller"])
    biller = users["biller"]
    # Paid, then the payer takes the payment back (CLP02 22) and denies the claim instead.
    _post(
        era(claim.claim_id, charge="60", paid="41.6", cas=[("CO", "45", "8"), ("PR", "2", "10.4")]),
        practice,
        biller,
    )
    reversal = era(
        claim.claim_id,
        charge="-60",
        paid="-41.6",
        status="22",
        cas=[("CO", "45", "-8"), ("PR", "2", "-10.4")],
    )
    _post(reversal, practice, biller)
    _post(era(claim.claim_id, charge="60", paid="0", cas=[("CO", "50", "60")]), practice, biller)
    claim.refresh_from_db()
    assert (claim.state, claim.balance, claim.paid) == (ClaimState.DENIED, D("60.00"), D("0.00"))
    transition(claim, ClaimState.CLOSED, user=biller, reason="Not worth appealing.")
    claim.refresh_from_db()
    # The payer decided: the open 60.00 is written off, so nothing shows as owed.
    assert (claim.balance, claim.written_off) == (D("0.00"), D("60.00"))
    assert insurance_balance(setup["client"]) == D("0.00")
    assert client_balance(setup["client"]) == D("0.00")
    assert Entry.objects.get(claim=claim, kind=EntryKind.WRITE_OFF).amount == D("-60.00")
    _ok(practice)


def test_ledger_check_exits_1_naming_a_claim_whose_stored_balance_disagrees(
    practice, users, setup, capsys
):
    from knead.cli import main as knead

    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["therapist"]
    )
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    assert knead(["ledger", "check", "--practice", practice.name]) == 0
    Claim.objects.filter(pk=claim.pk).update(balance=D("130.00"))
    assert knead(["ledger", "check", "--practice", practice.name]) == 1
    out = capsys.readouterr().out
    assert (
        f"FAIL Claim {claim.claim_id}: its balance reads 130.00 but its entries on its payer "
        "sum to 60.00." in out
    )


def test_money_for_a_claim_not_found_sits_on_the_payer_naming_its_segment(practice, users, setup):
    _post(
        era("ZZNOTOURS1", charge="60", paid="41.6", cas=[("CO", "45", "18.4")]),
        practice,
        users["biller"],
    )
    [entry] = Entry.objects.filter(practice=practice, claim__isnull=True)
    # ISA 1, GS 2, ST 3, BPR 4, TRN 5, N1 6, N3 7, N4 8, PER 9, N1 10, LX 11, CLP 12, NM1 13:
    # the payment is the SVC's, segment 14.
    assert (entry.payer_id, entry.kind, entry.amount, entry.segment, entry.overpayment) == (
        setup["payer"].pk, EntryKind.INSURER_PAYMENT, D("-41.60"), 14, True
    )  # fmt: skip
    assert entry.source == f"ERA {entry.remittance_id} segment 14"
    _ok(practice)

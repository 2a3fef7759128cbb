"""The ledger's arithmetic: allocation, aging, COB room, and the invariants it checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from knead.billing.ledger import (
    CLIENT,
    EntryKind,
    Leg,
    aging,
    allocate,
    balances,
    check,
    cob_adjustment,
    transfer,
)

D = Decimal
K = EntryKind


def test_a_payment_pays_the_oldest_visit_first_and_leaves_the_rest_as_credit():
    applied, left = allocate(D("200.00"), [("jan", D("90.00")), ("feb", D("80.00"))])
    assert applied == [("jan", D("90.00")), ("feb", D("80.00"))]
    assert left == D("30.00")


def test_a_partial_payment_stops_part_way_through_a_visit():
    applied, left = allocate(D("100.00"), [("jan", D("90.00")), ("feb", D("80.00"))])
    assert applied == [("jan", D("90.00")), ("feb", D("10.00"))]
    assert left == D("0.00")


def test_allocation_skips_items_that_owe_nothing():
    applied, _ = allocate(
        D("10.00"), [("paid", D("0.00")), ("credit", D("-5.00")), ("due", D("20.00"))]
    )
    assert applied == [("due", D("10.00"))]


def test_a_transfer_takes_from_the_source_what_it_gives_the_target():
    assert transfer(D("20.80"), 7, CLIENT) == (D("-20.80"), D("20.80"))


def test_aging_buckets_by_days_since_service_as_on_a_statement():
    as_of = dt.date(2026, 6, 30)
    items = [
        (dt.date(2026, 6, 10), D("50.00")),  # 20 days: current
        (dt.date(2026, 5, 20), D("40.00")),  # 41 days: 31–60
        (dt.date(2026, 4, 15), D("30.00")),  # 76 days: 61–90
        (dt.date(2026, 1, 5), D("20.00")),  # 176 days: over 90
    ]
    assert aging(items, as_of) == (D("50.00"), D("40.00"), D("30.00"), D("20.00"))


def test_a_credit_covers_the_oldest_bucket_first():
    as_of = dt.date(2026, 6, 30)
    items = [
        (dt.date(2026, 6, 10), D("50.00")),
        (dt.date(2026, 1, 5), D("20.00")),
        (as_of, D("-30.00")),
    ]
    # $30 credit: $20 clears the over-90 amount, $10 comes off the current one.
    assert aging(items, as_of) == (D("40.00"), D("0.00"), D("0.00"), D("0.00"))


def test_a_secondary_adjusts_off_only_what_is_left_after_its_payment_and_patient_share():
    # Charge $130, the primary paid $104 and left $26 (20% coinsurance) to the client, which
    # moved to the secondary. The secondary pays $20.80 and its 835 adjusts the rest of the
    # charge ($109.20: OA-23 for the primary's share plus its own CO-45): only $5.20 is its own.
    room = cob_adjustment(
        D("26.00"), paid=D("20.80"), patient=D("0.00"), denied=D("0.00"), contractual=D("109.20")
    )
    assert room == D("5.20")


def test_a_secondary_never_adjusts_more_than_its_remittance_says():
    room = cob_adjustment(
        D("26.00"), paid=D("10.00"), patient=D("0.00"), denied=D("0.00"), contractual=D("4.00")
    )
    assert room == D("4.00")


def test_check_finds_a_transfer_that_does_not_balance():
    legs = [
        Leg(0, 7, K.CHARGE, D("20.00")),
        Leg(1, 7, K.TRANSFER, D("-20.00"), group="g"),
        Leg(2, CLIENT, K.TRANSFER, D("25.00"), group="g"),
    ]
    assert check(legs) == ["Transfer g: its legs sum to 5.00, not 0."]


def test_check_finds_a_reversal_that_does_not_undo_its_entry_and_a_double_reversal():
    legs = [
        Leg(1, CLIENT, K.CHARGE, D("100.00")),
        Leg(2, CLIENT, K.REVERSAL, D("-90.00"), reverses=1),
        Leg(3, CLIENT, K.REVERSAL, D("-100.00"), reverses=1),
    ]
    assert check(legs) == [
        "Entry 2: reverses entry 1 by -90.00, not by -100.00 on the same responsibility.",
        "Entry 1 is reversed twice (entries 2 and 3).",
    ]


def test_check_finds_a_wrong_sign_and_fractions_of_a_cent():
    legs = [Leg(1, CLIENT, K.CHARGE, D("-5.00")), Leg(2, CLIENT, K.CLIENT_PAYMENT, D("-1.005"))]
    assert check(legs) == [
        "Entry 1: a charge of -5.00 has the wrong sign.",
        "Entry 2: -1.005 is not a whole number of cents.",
    ]


def test_a_payer_below_zero_fails_unless_an_overpayment_is_on_record():
    paid_twice = [Leg(1, 7, K.CHARGE, D("60.00")), Leg(2, 7, K.INSURER_PAYMENT, D("-70.00"))]
    assert check(paid_twice) == [
        "Payer 7: balance -10.00 is below zero and not an overpayment on record."
    ]
    interest = [Leg(1, 7, K.PROVIDER_ADJUSTMENT, D("-3.10"), overpayment=True)]
    assert check(interest) == []


def test_a_client_credit_is_not_a_failure():
    assert check([Leg(1, CLIENT, K.CLIENT_PAYMENT, D("-165.00"))]) == []


money = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)


@given(st.lists(money, min_size=1, max_size=12), money)
def test_allocation_never_applies_more_than_owed_or_received(owed, amount):
    items = list(enumerate(owed))
    applied, left = allocate(amount, items)
    assert sum((a for _k, a in applied), D(0)) + left == amount
    assert all(a <= owed[k] for k, a in applied)
    assert left == 0 or sum((a for _k, a in applied), D(0)) == sum(owed, D(0))


@given(
    st.lists(
        st.tuples(
            st.integers(0, 400), st.decimals(min_value=D("-500"), max_value=D("500"), places=2)
        ),
        max_size=20,
    )
)
def test_aging_buckets_add_up_to_what_is_owed_and_never_show_a_credit(items):
    as_of = dt.date(2026, 12, 31)
    dated = [(as_of - dt.timedelta(days=age), amount) for age, amount in items]
    buckets = aging(dated, as_of)
    assert sum(buckets, D(0)) == max(sum((a for _d, a in dated), D(0)), D(0))
    assert all(b >= 0 for b in buckets)


@given(st.lists(st.tuples(st.sampled_from([CLIENT, 1, 2]), money), max_size=10))
def test_transfers_move_balances_without_changing_the_total(moves):
    legs = [Leg(0, 1, K.CHARGE, D("10000.00"))]
    for n, (target, amount) in enumerate(moves, 1):
        if target == 1:
            continue
        out, into = transfer(amount, 1, target)
        legs += [
            Leg(2 * n, 1, K.TRANSFER, out, group=str(n)),
            Leg(2 * n + 1, target, K.TRANSFER, into, group=str(n)),
        ]
    assert sum(balances(legs).values(), D(0)) == D("10000.00")
    assert [f for f in check(legs) if f.startswith("Transfer")] == []

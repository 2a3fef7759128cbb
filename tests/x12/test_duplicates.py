"""Recognising an 835 by its content (knead.billing.x12.duplicates): the same payments with
other bytes have the same content key; an adjudication already posted is a repeat; a reversal
undoes its original, which may then be posted again."""

from __future__ import annotations

import datetime as dt
import io

from knead.billing.x12.duplicates import (
    adjudication_key,
    content_key,
    keys_to_look_up,
    payer_key,
    review,
    undone_key,
    without,
)
from knead.billing.x12.envelope import (
    MemoryControlNumbers,
    TradingPartners,
    TransactionSet,
    write_interchange,
)
from knead.billing.x12.remittance import read_835
from knead.billing.x12.syntax import Delimiters

# (CLP01, CLP02, CLP03 charge, CLP04 paid, CLP07 payer claim number)
PAID = ("KN1", "1", "60", "41.6", "PCN1")
OTHER = ("KN2", "1", "95", "41.6", "PCN2")
REVERSAL = ("KN1", "22", "-60", "-41.6", "PCN1")


def _era(
    claims: list[tuple[str, ...]],
    *,
    trace: str = "EFT0001",
    amount: str = "41.60",
    control: int = 500,
    line_breaks: bool = False,
    payer: str = "EVERGREEN HEALTH PLAN",
    originator: str = "1512345678",
) -> str:
    body = [
        ("BPR", "I", amount, "C", "ACH", "CCP", "01", "999999992", "DA", "123456",
         "1512345678", "", "01", "999988880", "DA", "98765", "20260413"),
        ("TRN", "1", trace, originator),
        ("N1", "PR", payer),
        ("N1", "PE", "CEDAR LANE", "XX", "1234567893"),
        ("LX", "1"),
    ]  # fmt: skip
    for clp01, status, charge, paid, pcn in claims:
        body.append(("CLP", clp01, status, charge, paid, "", "12", pcn))
    return write_interchange(
        TradingPartners("PAYER01", "KNEADTEST"), MemoryControlNumbers(control - 1), "HP",
        "005010X221A1", [TransactionSet("835", "005010X221A1", body)],
        dt.datetime(2026, 4, 13, 9, 0), Delimiters(), line_breaks,
    ).text  # fmt: skip


def _read(text: str):
    return read_835(io.StringIO(text))


def test_a_resend_with_other_bytes_and_control_numbers_has_the_same_content_key():
    original = _era([PAID, OTHER])
    resends = [
        _era([PAID, OTHER], control=777),  # new ISA13, GS06 and ST02
        _era([PAID, OTHER], line_breaks=True),  # a line break after every segment
        original.replace("~", "~\r\n"),  # CRLF after every segment
        original + "\n",  # a trailing newline
        _era([OTHER, PAID]),  # the same claim payments in another order
        # the same amounts written with other decimals: 60 = 60.00, 41.6 = 41.60
        _era([("KN1", "1", "60.00", "41.60", "PCN1"), OTHER], amount="41.6"),
    ]
    assert len({original, *resends}) == 7  # seven different files…
    assert {content_key(_read(text)) for text in resends} == {content_key(_read(original))}


def test_another_trace_amount_payer_or_claim_payment_is_other_content():
    key = content_key(_read(_era([PAID, OTHER])))
    others = [
        _era([PAID, OTHER], trace="EFT0002"),
        _era([PAID, OTHER], amount="41.61"),
        _era([PAID, OTHER], payer="CASCADE MUTUAL", originator="1987654321"),
        _era([PAID, ("KN2", "1", "95", "41.5", "PCN2")]),  # CLP04 differs
        _era([PAID]),
    ]
    keys = [content_key(_read(text)) for text in others]
    assert key not in keys and len(set(keys)) == len(others)


def test_the_payer_is_named_by_its_ids_and_by_name_only_without_them():
    header = _read(_era([PAID])).payments[0].header
    assert payer_key(header) == "id:1512345678/"  # TRN03; the N1*PR has no N104 here
    renamed = _read(_era([PAID], payer="EVERGREEN HEALTH PLAN OF WA")).payments[0].header
    assert payer_key(renamed) == payer_key(header)  # the ID decides, not the name
    nameless = header._replace(originator="")
    assert payer_key(nameless) == "name:EVERGREEN HEALTH PLAN"


def test_an_adjudication_already_posted_is_a_repeat_and_the_rest_is_not():
    parsed = _read(_era([PAID, OTHER], trace="EFT0009"))
    payer = payer_key(parsed.payments[0].header)
    posted_before = {adjudication_key(payer, parsed.payments[0].claims[0])}
    result = review(parsed, posted_before)
    assert [(v.claim.id, v.repeat) for v in result.verdicts] == [("KN1", True), ("KN2", False)]
    assert [v.claim.id for v in result.repeats] == ["KN1"]
    kept = without(parsed, {v.claim.position for v in result.repeats})
    assert [cp.id for cp in kept.payments[0].claims] == ["KN2"]


def test_the_same_claim_payment_twice_in_one_file_is_a_repeat_the_second_time():
    result = review(_read(_era([PAID, PAID])), set())
    assert [v.repeat for v in result.verdicts] == [False, True]


def test_a_reversal_undoes_its_original_which_may_then_be_posted_again():
    parsed = _read(_era([PAID]))
    payer = payer_key(parsed.payments[0].header)
    original = adjudication_key(payer, parsed.payments[0].claims[0])
    # Posted before; this file reverses it and pays the same adjudication again (reprocessed).
    result = review(_read(_era([REVERSAL, PAID])), {original})
    assert [v.repeat for v in result.verdicts] == [False, False]
    assert result.undone == {original}
    reversal = result.verdicts[0]
    assert reversal.undoes == original == undone_key(payer, reversal.claim)
    assert reversal.key != original  # the reversal's own amounts are negative


def test_a_reversal_sent_again_is_a_repeat_unless_the_original_was_posted_again():
    parsed = _read(_era([REVERSAL]))
    payer = payer_key(parsed.payments[0].header)
    reversal_key = adjudication_key(payer, parsed.payments[0].claims[0])
    # The original was reversed already and not posted again: a second reversal repeats.
    assert [v.repeat for v in review(parsed, set(), {reversal_key}).verdicts] == [True]
    # The original was posted again since: reversing it once more is new.
    original = undone_key(payer, parsed.payments[0].claims[0])
    assert [v.repeat for v in review(parsed, {original}, {reversal_key}).verdicts] == [False]
    # Never posted here at all: not a repeat (posting queues it as a reversal without a payment).
    assert [v.repeat for v in review(parsed, set()).verdicts] == [False]


def test_a_payment_posted_and_reversed_in_the_same_file_is_marked_undone_there():
    parsed = _read(_era([PAID, REVERSAL]))
    result = review(parsed, set())
    paid_position = parsed.payments[0].claims[0].position
    assert result.undone_here == {paid_position} and result.undone == frozenset()


def test_without_a_payer_claim_number_the_claim_number_sent_stands_in():
    parsed = _read(_era([("KN1", "1", "60", "41.6", ""), ("KN2", "1", "60", "41.6", "")]))
    payer = payer_key(parsed.payments[0].header)
    first, second = parsed.payments[0].claims
    assert adjudication_key(payer, first) != adjudication_key(payer, second)
    assert review(parsed, {adjudication_key(payer, first)}).verdicts[0].repeat


def test_the_keys_to_look_up_include_what_each_reversal_undoes():
    parsed = _read(_era([PAID, REVERSAL]))
    payer = payer_key(parsed.payments[0].header)
    paid, reversal = parsed.payments[0].claims
    assert keys_to_look_up(parsed) == {
        adjudication_key(payer, paid),
        adjudication_key(payer, reversal),
        undone_key(payer, reversal),
    }
    assert undone_key(payer, reversal) == adjudication_key(payer, paid)

"""Property tests for the 835 reader: any delimiters, exact read-back, balancing, fuzzing.

The synthetic generator (knead.billing.x12.synthetic) records the truth it wrote: each claim's
CLP01-05 and every CAS triplet. The reader must return exactly that, whatever the delimiters.
"""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knead.billing.x12.acknowledgement import read_999
from knead.billing.x12.claim_status import read_277ca
from knead.billing.x12.eligibility import read_271
from knead.billing.x12.errors import X12Error
from knead.billing.x12.remittance import read_835
from knead.billing.x12.syntax import Delimiters
from knead.billing.x12.synthetic import iter_claim_truth, synthetic_835

from .support import fixture, pyx12_errors

# Characters that never occur in the generated data (letters, digits, space, . , -).
SEPARATORS = "!\"#$%&'()*+/;<=>?@[\\]^_`{|}~\x1c\x1d\x1e\x1f"

delimiters = st.lists(st.sampled_from(SEPARATORS), min_size=4, max_size=4, unique=True).map(
    lambda chars: Delimiters(*chars)
)
# pyx12 refuses control characters as the ISA16 component separator; X12 itself allows them.
printable_delimiters = st.lists(
    st.sampled_from(SEPARATORS[:-4]), min_size=4, max_size=4, unique=True
).map(lambda chars: Delimiters(*chars))


@settings(max_examples=60, deadline=None)
@given(delimiters, st.integers(1, 40), st.integers(1, 3), st.integers(0, 10_000), st.booleans())
def test_reader_reads_back_what_was_written_with_any_delimiters(d, claims, payments, seed, breaks):
    text, truth = synthetic_835(
        claims, seed=seed, payments=payments, delimiters=d, line_breaks=breaks
    )
    result = read_835(text)
    assert result.problems == ()
    assert [p.header.amount for p in result.payments] == [t.amount for t in truth]
    read = [c for p in result.payments for c in p.claims]
    for got, want in zip(read, iter_claim_truth(truth), strict=True):
        assert (got.id, got.status, got.charge, got.paid) == (
            want.id,
            want.status,
            want.charge,
            want.paid,
        )
        assert (got.patient_responsibility or Decimal(0)) == want.patient_responsibility
        assert [(a.group, a.reason, a.amount) for a in got.all_adjustments()] == list(
            want.adjustments
        )


@settings(max_examples=12, deadline=None)
@given(printable_delimiters, st.integers(1, 6), st.integers(0, 10_000))
def test_pyx12_accepts_the_synthetic_835_with_any_delimiters(d, claims, seed):
    text, _ = synthetic_835(claims, seed=seed, delimiters=d)
    assert pyx12_errors(text) == []


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 30), st.integers(0, 10_000), st.data())
def test_changing_one_claim_payment_is_reported_for_the_claim_and_the_payment(claims, seed, data):
    text, truth = synthetic_835(claims, seed=seed)
    victim = data.draw(st.sampled_from(list(iter_claim_truth(truth))))
    cents = Decimal(data.draw(st.integers(-5000, 5000).filter(bool))) / 100
    old = f"CLP*{victim.id}*{victim.status}*{victim.charge}*{victim.paid}*"
    new = f"CLP*{victim.id}*{victim.status}*{victim.charge}*{victim.paid + cents}*"
    assert text.count(old) == 1
    result = read_835(text.replace(old, new))
    claim_position = next(
        c.position for p in result.payments for c in p.claims if c.id == victim.id
    )
    # charge - (paid + cents) differs from the untouched CAS total by exactly -cents, so the
    # claim is out of balance; BPR02 no longer equals the claim payments minus PLB either.
    assert {(p.position, p.segment_id) for p in result.problems} == {
        (claim_position, "CLP"),
        (result.payments[0].header.position, "BPR"),
    }


def _mutate(text: str, rng: random.Random) -> str:
    """Damage X12 text: character edits, or whole-segment and element edits."""
    if rng.random() < 0.5:
        chars = list(text)
        for _ in range(rng.randint(1, 4)):
            where = rng.randrange(len(chars))
            action = rng.random()
            if action < 0.4:
                del chars[where]
            elif action < 0.7:
                chars.insert(where, rng.choice("*:~^0123456789.-ABCSEQ\n"))
            else:
                chars[where] = rng.choice("*:~^0123456789.-ABCSEQ ")
        return "".join(chars)
    segments = text.split("~")
    for _ in range(rng.randint(1, 3)):
        where = rng.randrange(1, len(segments) - 1)
        action = rng.random()
        elements = segments[where].split("*")
        if action < 0.3:
            del segments[where]
        elif action < 0.5:
            segments.insert(where, segments[rng.randrange(len(segments))])
        elif action < 0.8:
            elements[rng.randrange(len(elements))] = rng.choice(
                ["", "X", "-1", "1e5", "ZZZ", ":", "9" * 30, "A:B:C"]
            )
            segments[where] = "*".join(elements)
        else:
            segments[where] = "*".join(elements[: rng.randrange(1, len(elements) + 1)])
    return "~".join(segments)


READERS = [
    ("two-payers.835", read_835),
    ("batch-partly-rejected.999", read_999),
    ("claims-acknowledged.277", read_277ca),
    ("benefits.271", read_271),
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32), st.sampled_from(READERS))
def test_mutated_files_give_a_clean_error_never_a_crash(seed, reader):
    name, read = reader
    text = _mutate(fixture(name), random.Random(seed))
    try:
        read(text)
    except X12Error as error:
        assert str(error)

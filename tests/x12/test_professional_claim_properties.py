"""Random valid claims and random delimiters: what the 837P writer writes, the tokenizer reads
back to the same facts, and pyx12 accepts (few examples: pyx12 is slow)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from knead.billing.claim_json import claim_from_dict
from knead.billing.x12.envelope import MemoryControlNumbers, TradingPartners
from knead.billing.x12.professional_claim import (
    ClearinghouseSettings,
    Receiver,
    Submitter,
    write_837p,
)
from knead.billing.x12.syntax import Delimiters, SegmentStream

from .support import pyx12_errors

SETTINGS = ClearinghouseSettings(
    TradingPartners("SUB1", "RCV1"),
    Submitter("Sub One", "SUB1", "Desk", "2065550100"),
    Receiver("Receiver One", "RCV1"),
)
SEPARATORS = "!\"#$%&'()*+/;<=>?@[\\]^_`{|}~"
delimiters = st.lists(st.sampled_from(SEPARATORS), min_size=4, max_size=4, unique=True).map(
    lambda chars: Delimiters(*chars)
)
# Names and IDs of 2 to 12 letters: the guide's minimum length for cities and IDs is 2.
words = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=12)
DIAGNOSES = [
    "M5450",
    "M62830",
    "M7918",
    "S161XXA",
    "S134XXA",
    "M542",
    "G44209",
    "M6281",
    "S335XXA",
    "M25511",
    "M25512",
    "M5412",
    "M5416",
]


@st.composite
def claims(draw, number: int):
    dx = draw(st.lists(st.sampled_from(DIAGNOSES), min_size=1, max_size=12, unique=True))
    lines = [
        {
            "service_date": f"2026-10-{draw(st.integers(1, 28)):02d}",
            "code": draw(st.sampled_from(["97124", "97140", "97112", "97530"])),
            "modifiers": draw(
                st.lists(st.sampled_from(["GP", "59", "XS", "KX", "25"]), max_size=4, unique=True)
            ),
            "units": draw(st.integers(1, 8)),
            "charge": str(Decimal(draw(st.integers(1, 99_999))) / 100),
            "pointers": draw(
                st.lists(st.integers(1, len(dx)), min_size=1, max_size=4, unique=True)
            ),
        }
        for _ in range(draw(st.integers(1, 6)))
    ]
    self_pay = draw(st.booleans())
    address = {
        "line1": f"{draw(st.integers(1, 999))} {draw(words)} ST",
        "city": draw(words),
        "state": "WA",
        "zip": "98101",
    }
    data = {
        "id": f"R{number}-{draw(words)}",
        "place_of_service": draw(st.sampled_from(["11", "12"])),
        "billing_provider": {
            "organization": draw(words),
            "npi": "1245319599",
            "tax_id_kind": "EIN",
            "tax_id": "834567890",
            "address": {**address, "zip": "981011234"},
        },
        "patient": {
            "name": {"last": draw(words), "first": draw(words)},
            "birth_date": "1980-01-01",
            "sex": draw(st.sampled_from("MFU")),
            "address": address,
        },
        "coverage": {
            "payer": {
                "name": draw(words),
                "payer_id": draw(words),
                "kind": "commercial",
                "filing_indicator": draw(st.sampled_from(["CI", "12", "BL"])),
            },
            "subscriber": {
                "name": {"last": draw(words), "first": draw(words)},
                "member_id": draw(words),
                "patient_relationship": "self" if self_pay else "spouse",
            },
        },
        "diagnoses": dx,
        "lines": lines,
        "note_signed": True,
    }
    return claim_from_dict(data)


claim_lists = st.integers(1, 4).flatmap(lambda n: st.tuples(*(claims(i) for i in range(n))))


def _read_back(text: str) -> list[tuple[str, Decimal, list[str], list[tuple]]]:
    stream = SegmentStream(text)
    component = stream.delimiters.component
    out: list = []
    for seg in stream:
        if seg[0] == "CLM":
            out.append((seg[1], Decimal(seg[2]), [], []))
        elif seg[0] == "HI":
            out[-1][2].extend(c.split(component)[1] for c in seg[1:])
        elif seg[0] == "SV1":
            parts = seg[1].split(component)
            out[-1][3].append(
                (
                    parts[1],
                    tuple(parts[2:]),
                    Decimal(seg[2]),
                    int(seg[4]),
                    tuple(int(p) for p in seg[7].split(component)),
                )
            )
    return out


def _expected(written_claims) -> list[tuple[str, Decimal, list[str], list[tuple]]]:
    return [
        (
            c.id,
            c.total_charge,
            list(c.diagnoses),
            [(ln.code, ln.modifier_codes, ln.charge, ln.units, ln.pointers) for ln in c.lines],
        )
        for c in written_claims
    ]


@settings(max_examples=60, deadline=None)
@given(claim_lists, delimiters, st.booleans())
def test_written_claims_read_back_with_any_delimiters(batch, d, breaks):
    text = write_837p(
        list(batch), SETTINGS, MemoryControlNumbers(), datetime(2026, 11, 1), d, breaks
    ).text
    # The writer groups claims by subscriber, so compare as sets keyed by claim ID.
    assert sorted(_read_back(text)) == sorted(_expected(batch))


@settings(max_examples=12, deadline=None)
@given(claim_lists, delimiters)
def test_pyx12_accepts_random_claims(batch, d):
    text = write_837p(list(batch), SETTINGS, MemoryControlNumbers(), datetime(2026, 11, 1), d).text
    assert pyx12_errors(text) == []

"""Document throughput: superbill + SOAP note packets and CMS-1500 forms, on one core.

Prints the one-off warm-up (loading the ICD-10-CM code set for descriptions), the time for one
packet, and batches of increasing size to show the scaling is linear (ms per packet should stay
flat). Usage: ``python bench/documents.py [--quick]`` (batches 100/300/1,000; 20/50/100 with
--quick). Target: under 50 ms per packet (superbill with its scrub + one signed SOAP note).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import time

from knead.billing.claim_json import claim_from_dict
from knead.billing.documents.soap_note import Amendment, SignedNote
from knead.billing.documents.superbill import Superbill, issue_superbill
from knead.billing.forms.cms1500 import cms1500_boxes
from knead.billing.forms.render import FormMode, render_cms1500
from knead.billing.rules import load_rules

DIAGNOSES = ["M54.50", "M54.2", "M54.6", "M62.830", "M79.18", "M79.7", "G44.209", "M25.511"]
FIRST = ["Robin", "Alex", "Sam", "Jordan", "Casey", "Riley", "Avery", "Quinn", "Morgan", "Drew"]
LAST = ["Testperson", "Example", "Sample", "Demo", "Placeholder", "Fictional", "Madeup"]


def synthetic_claim(rng: random.Random, n: int):
    diagnoses = rng.sample(DIAGNOSES, rng.randint(1, 4))
    minutes = rng.choice([30, 45, 60, 75, 90])
    lines = [
        {"service_date": "2026-09-15", "code": "97124", "modifiers": ["GP"], "minutes": minutes,
         "units": (minutes + 7) // 15, "charge": f"{(minutes + 7) // 15 * 30}.00",
         "pointers": list(range(1, len(diagnoses) + 1))[:4]},
    ]  # fmt: skip
    name = {"last": rng.choice(LAST), "first": rng.choice(FIRST)}
    return claim_from_dict(
        {
            "id": f"BENCH-{n:06d}",
            "place_of_service": "11",
            "billing_mode": "superbill",
            "billing_provider": {
                "person": {"last": "Okonkwo", "first": "Dana"}, "credentials": "LMT",
                "npi": "1558598797", "tax_id_kind": "EIN", "tax_id": "91-2345678",
                "taxonomy": "225700000X", "phone": "360-555-0101",
                "license": {"number": "MA61234567", "state": "WA"},
                "address": {"line1": "410 Fern St", "city": "Olympia", "state": "WA",
                            "zip": "98501"},
            },
            "patient": {
                "name": name, "birth_date": "1984-06-09", "sex": "F",
                "address": {"line1": f"{n} Alder Way", "city": "Lacey", "state": "WA",
                            "zip": "98503"},
            },
            "coverage": {
                "payer": {"name": "Salish Health Plan", "payer_id": "SAL01",
                          "kind": "commercial", "filing_indicator": "CI"},
                "subscriber": {"name": name, "member_id": f"SAL-{n:06d}",
                               "group_number": "GRP-4411"},
                "provider_status": "not_credentialed",
            },
            "diagnoses": diagnoses,
            "lines": lines,
            "note_signed": True,
            "amount_paid": lines[0]["charge"],
            "payment_method": "card",
        }
    )  # fmt: skip


def synthetic_note(claim) -> SignedNote:
    return SignedNote(
        visit_date=claim.lines[0].service_date,
        provider_name="Dana Okonkwo",
        provider_credentials="LMT",
        client_name=claim.patient.name.display(),
        client_birth_date=claim.patient.birth_date,
        subjective="Neck and low back ache after long days at the desk; 6/10 at worst.",
        objective="Hypertonic upper trapezius and lumbar erectors; rotation limited to the left.",
        assessment="Myofascial pain; tolerated treatment well, rotation improved.",
        plan="Weekly sessions for 6 weeks; stretches at home twice a day.",
        signed_by="Dana Okonkwo, LMT",
        signed_at=dt.datetime(2026, 9, 15, 18, 0),
        body_regions=("neck", "low back"),
        techniques=("Swedish", "trigger point"),
        pain_before=6,
        pain_after=3,
        minutes=claim.lines[0].minutes,
        amendments=(
            Amendment(
                "Dana Okonkwo, LMT", dt.datetime(2026, 9, 16, 9), "Late entry", "Heat advised."
            ),
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller batches")
    args = parser.parse_args()
    sizes = (20, 50, 100) if args.quick else (100, 300, 1000)
    rng = random.Random(7)
    rules = load_rules()
    claims = [synthetic_claim(rng, n) for n in range(max(sizes))]
    notes = [synthetic_note(c) for c in claims]
    issued = dt.date(2026, 10, 1)

    start = time.perf_counter()
    issue_superbill(Superbill((claims[0],), issued), rules, notes=(notes[0],))
    print(
        f"warm-up (first packet, loads the ICD-10-CM code set): {time.perf_counter() - start:.2f} s"
    )

    start = time.perf_counter()
    pdf = issue_superbill(Superbill((claims[1],), issued), rules, notes=(notes[1],))
    one = time.perf_counter() - start
    print(f"one superbill + SOAP note packet: {one * 1000:.1f} ms ({len(pdf):,} bytes)")

    for size in sizes:
        start = time.perf_counter()
        total = 0
        for claim, note in zip(claims[:size], notes[:size], strict=True):
            total += len(issue_superbill(Superbill((claim,), issued), rules, notes=(note,)))
        elapsed = time.perf_counter() - start
        print(
            f"batch of {size:>5,} packets: {elapsed:6.2f} s, {elapsed / size * 1000:5.1f} ms per "
            f"packet, {total / size / 1024:.0f} KiB average"
        )

    forms = [cms1500_boxes(dataclasses.replace(c, billing_mode="direct")) for c in claims]
    for mode in FormMode:
        start = time.perf_counter()
        pdf = render_cms1500(forms[: sizes[-1]], mode=mode)
        elapsed = time.perf_counter() - start
        print(
            f"CMS-1500 {mode.value:>9}: {sizes[-1]:,} forms in one PDF {elapsed:5.2f} s, "
            f"{elapsed / sizes[-1] * 1000:4.1f} ms per form"
        )
    start = time.perf_counter()
    for claim in claims:
        cms1500_boxes(claim)
    elapsed = time.perf_counter() - start
    print(f"box mapping: {elapsed / len(claims) * 1e6:.0f} µs per claim")


if __name__ == "__main__":
    main()

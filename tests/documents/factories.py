"""Synthetic claims and notes for the document tests (invented people and numbers).

NPIs are the worked examples of billing-rules.md §5.1 (1234567893, 1558598797, 1000000004).
Every expected value in the tests is written out from these facts, not computed by the code.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path
from typing import Any

from knead.billing.claim import Claim
from knead.billing.claim_json import claim_from_dict
from knead.billing.documents.soap_note import Amendment, SignedNote

GOLDEN = Path(__file__).parent / "golden"
REWRITE = os.environ.get("KNEAD_REWRITE_GOLDEN") == "1"

BASE: dict[str, Any] = {
    "id": "KN-1001",
    "place_of_service": "11",
    "billing_provider": {
        "organization": "Fernwood Bodywork PLLC",
        "npi": "1234567893",
        "tax_id_kind": "EIN",
        "tax_id": "91-2345678",
        "taxonomy": "225700000X",
        "address": {"line1": "410 Fern St", "city": "Olympia", "state": "WA", "zip": "98501-2222"},
        "phone": "360-555-0101",
    },
    "rendering_provider": {
        "name": {"last": "Okonkwo", "first": "Dana", "middle": "Lee"},
        "npi": "1558598797",
        "taxonomy": "225700000X",
        "license": {"number": "MA61234567", "state": "WA"},
        "credentials": "LMT",
    },
    "patient": {
        "name": {"last": "Testperson", "first": "Robin", "middle": "Kay"},
        "birth_date": "1984-06-09",
        "sex": "F",
        "address": {"line1": "77 Alder Way", "city": "Lacey", "state": "WA", "zip": "98503"},
        "contact": {"phone": "360-555-0177"},
    },
    "coverage": {
        "payer": {
            "name": "Salish Health Plan",
            "payer_id": "SAL01",
            "kind": "commercial",
            "filing_indicator": "CI",
            "address": {"line1": "PO Box 9000", "city": "Tukwila", "state": "WA", "zip": "98188"},
        },
        "subscriber": {
            "name": {"last": "Testperson", "first": "Robin", "middle": "Kay"},
            "member_id": "SAL-778899",
            "group_number": "GRP-4411",
            "birth_date": "1984-06-09",
            "sex": "F",
        },
    },
    "onset_date": "2026-08-01",
    "diagnoses": ["M54.50", "M62.830"],
    "lines": [
        {
            "service_date": "2026-09-15",
            "code": "97124",
            "modifiers": ["GP"],
            "minutes": 45,
            "units": 3,
            "charge": "105.00",
            "pointers": [1, 2],
        },
        {
            "service_date": "2026-09-15",
            "code": "97140",
            "modifiers": ["GP", "59"],
            "minutes": 15,
            "units": 1,
            "charge": "40.00",
            "pointers": [2],
        },
    ],
    "note_signed": True,
    "amount_paid": "145.00",
    "payment_method": "card",
}

# 13 billable codes, A-M (descriptions checked against the code set in the tests that use them).
THIRTEEN_DIAGNOSES = [
    "M54.50", "M54.2", "M54.6", "M62.830", "M79.18", "M79.7", "G44.209", "M25.511",
    "M25.512", "M25.551", "M25.561", "M54.41", "M54.42",
]  # fmt: skip


def claim_data(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(changes))
    return data


def make_claim(**changes: Any) -> Claim:
    return claim_from_dict(claim_data(**changes))


def client_filed_claim() -> Claim:
    """The commercial claim as a form the client files: they paid $45.00 of the $145.00."""
    return make_claim(id="V0000042", billing_mode="superbill", amount_paid="45.00")


def seven_lines_claim() -> Claim:
    """Seven visits' lines (weekly, 97124 1 unit $35 each): one more than a 1500 page holds."""
    lines = [
        {
            "service_date": (dt.date(2026, 9, 1) + dt.timedelta(days=7 * i)).isoformat(),
            "code": "97124",
            "modifiers": ["GP"],
            "minutes": 15,
            "units": 1,
            "charge": "35.00",
            "pointers": [1],
        }
        for i in range(7)
    ]
    return make_claim(id="KN-7LINES", lines=lines, amount_paid="0.00")


def thirteen_diagnoses_claim() -> Claim:
    """13 diagnoses; line 1 points to A-D, line 2 to E-H, line 3 to I-L, line 4 to M (13th)."""
    lines = [
        {
            "service_date": "2026-09-15",
            "code": code,
            "modifiers": ["GP"],
            "minutes": 15,
            "units": 1,
            "charge": "30.00",
            "pointers": pointers,
        }
        for code, pointers in (
            ("97124", [1, 2, 3, 4]),
            ("97140", [5, 6, 7, 8]),
            ("97112", [9, 10, 11, 12]),
            ("97530", [13]),
        )
    ]
    return make_claim(id="KN-13DX", diagnoses=THIRTEEN_DIAGNOSES, lines=lines, amount_paid="0.00")


def auto_injury_claim() -> Claim:
    return make_claim(
        id="KN-PIP-1",
        coverage={
            "payer": {"name": "Rainier Auto Insurance", "payer_id": "RAIN1", "kind": "auto",
                      "filing_indicator": "AM"},
            "subscriber": {"name": {"last": "Testperson", "first": "Robin"},
                           "member_id": "POL-2026-555"},
            "provider_status": "not_required",
        },
        injury={"kind": "auto", "accident_date": "2026-07-04", "state": "WA",
                "claim_number": "RA-CLM-8812"},
        onset_date=None,
        referring_provider={"name": {"last": "Varga", "first": "Sam"}, "npi": "1000000004",
                            "credentials": "DC"},
        referral={"number": "RX-3301", "issued": "2026-07-10", "expires": "2026-10-10",
                  "visits_allowed": 12},
        diagnoses=["S16.1XXA", "S13.4XXA"],
        amount_paid="0.00",
    )  # fmt: skip


def secondary_claim() -> Claim:
    data = claim_data(id="KN-SEC-1", amount_paid="10.00")
    data["coverage"]["priority"] = "secondary"
    data["coverage"]["other_payers"] = [
        {
            "payer": {"name": "Puget Primary Care Plan", "payer_id": "PPC01", "kind": "commercial",
                      "filing_indicator": "CI"},
            "subscriber": {"name": {"last": "Testperson", "first": "Lee"}, "member_id": "PPC-4455",
                           "group_number": "PG-77", "patient_relationship": "spouse"},
            "priority": "primary",
            "paid_amount": "80.00",
            "paid_date": "2026-10-01",
        }
    ]  # fmt: skip
    return claim_from_dict(data)


LONG_NAME = {
    "last": "Vandermeulen-Castellanos-Worthington",
    "first": "Maximiliana-Josephine",
    "middle": "Quincy",
}
LONG_STREET = "12345 Northeast Extraordinarily Long Boulevard Apartment 1203B"


def long_names_claim() -> Claim:
    data = claim_data(id="KN-LONG-NAMES-AND-ADDRESS")
    data["patient"]["name"] = LONG_NAME
    data["patient"]["address"]["line1"] = LONG_STREET
    data["patient"]["address"]["city"] = "Sedro-Woolley Northernmost District"
    data["coverage"]["subscriber"]["name"] = LONG_NAME
    data["billing_provider"]["organization"] = (
        "The Very Long Name Therapeutic Massage and Bodywork Collective of Western Washington PLLC"
    )
    return claim_from_dict(data)


def signed_note(**changes: Any) -> SignedNote:
    values: dict[str, Any] = {
        "visit_date": dt.date(2026, 9, 15),
        "provider_name": "Dana L. Okonkwo",
        "provider_credentials": "LMT",
        "provider_npi": "1558598797",
        "client_name": "Robin K. Testperson",
        "client_birth_date": dt.date(1984, 6, 9),
        "subjective": "Low back ache 6/10 after gardening; worse bending forward.",
        "objective": "Hypertonic lumbar erectors L>R; forward flexion to mid-shin.",
        "assessment": "Muscle spasm of back; flexion improved to ankles after treatment.",
        "plan": "Weekly 60-minute sessions for 6 weeks; hip-flexor stretches daily.",
        "signed_by": "Dana L. Okonkwo, LMT",
        "signed_at": dt.datetime(2026, 9, 15, 18, 30),
        "body_regions": ("lumbar", "hips"),
        "techniques": ("Swedish massage", "myofascial release"),
        "pain_before": 6,
        "pain_after": 2,
        "minutes": 60,
        "amendments": (
            Amendment(
                "Dana L. Okonkwo, LMT",
                dt.datetime(2026, 9, 16, 9, 0),
                "Late entry: home-care advice",
                "Advised heat 15 minutes before stretching.",
            ),
        ),
    }
    values.update(changes)
    return SignedNote(**values)

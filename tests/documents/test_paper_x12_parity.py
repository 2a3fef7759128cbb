"""The same claim gives the same facts on the CMS-1500 and in the 837P (005010X222A1).

Each side is read into the same small dict of facts: from the box values of
``cms1500_boxes`` and from the segments ``write_837p`` produces. Where the two carry a fact in
different shapes (names in one box vs NM1 elements, 9-digit ZIP with or without the hyphen,
pointer letters vs numbers), the reading below says so.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from knead.billing.claim import Claim
from knead.billing.forms.cms1500 import cms1500_boxes
from knead.billing.x12.envelope import MemoryControlNumbers
from knead.billing.x12.professional_claim import settings_from_claim, write_837p
from knead.billing.x12.syntax import SegmentStream

from .factories import (
    auto_injury_claim,
    make_claim,
    secondary_claim,
)

LETTERS = "ABCDEFGHIJKL"


def _d8(iso: str) -> str:
    return iso.replace("-", "")


def paper_facts(claim: Claim) -> dict[str, object]:
    (page,) = cms1500_boxes(claim).pages
    v = page.values
    last_first = v["2"].split(", ")
    facts: dict[str, object] = {
        "member_id": v["1a"],
        "patient": (last_first[0], last_first[1]),
        "patient_birth": _d8(v["3.birth_date"]),
        "patient_sex": v.get("3.sex"),
        "group": v.get("11"),
        "claim_id": v["26"],
        "total": Decimal(v["28"]),
        "place": v["24.1.B"],
        "frequency": v.get("22.code", "1"),
        "original_ref": v.get("22.original_ref"),
        "related": tuple(
            cause for box, cause in (("10a", "EM"), ("10b", "AA"), ("10c", "OA")) if v[box] == "Y"
        ),
        "accident_state": v.get("10b.state"),
        "y4": v.get("11b") if v.get("11b.qualifier") == "Y4" else None,
        "prior_auth_or_referral": v.get("23"),
        "onset": _d8(v["14"]) if "14" in v else None,
        "accident": _d8(v["15"]) if "15" in v else None,
        "diagnoses": tuple(v[f"21.{x}"] for x in LETTERS if f"21.{x}" in v),
        "referring_npi": v.get("17b"),
        "rendering_npi": v.get("24.1.J"),
        "rendering_taxonomy": v.get("24.1.J.other"),
        "billing_npi": v["33a"],
        "billing_taxonomy": v.get("33b"),
        "tax_id": (v["25.kind"], v["25"]),
        "release_signed": "12" in v,
        "assignment_signed": "13" in v,
        "accept_assignment": v["27"] == "Y",
        "other_insurance": v["11d"] == "Y",
        "other_insured_policy": v.get("9a"),
        "other_plan": v.get("9d"),
        "paid_total": Decimal(v.get("29", "0")),
        "billing_zip": v["33.city_state_zip"].rsplit(" ", 1)[1].replace("-", ""),
    }
    lines = []
    for n in range(1, 7):
        p = f"24.{n}."
        if p + "D" not in v:
            break
        lines.append(
            (
                _d8(v[p + "A.from"]),
                v[p + "D"],
                tuple(v.get(p + "D.modifiers", "").split()),
                Decimal(v[p + "F"]),
                int(v[p + "G"]),
                tuple(LETTERS.index(ch) + 1 for ch in v[p + "E"]),  # letters -> 1-based numbers
            )
        )
    facts["lines"] = tuple(lines)
    return facts


def x12_facts(claim: Claim) -> dict[str, object]:
    text = write_837p(
        [claim], settings_from_claim(claim), MemoryControlNumbers(), dt.datetime(2026, 10, 1, 12)
    ).text
    segments = list(SegmentStream(text))

    def first(seg_id: str, *qualifiers: str, after: int = 0) -> list[str] | None:
        for seg in segments[after:]:
            if seg[0] == seg_id and all(
                seg[i + 1] == q for i, q in enumerate(qualifiers) if q is not None
            ):
                return seg
        return None

    def index(seg: list[str]) -> int:
        return next(i for i, s in enumerate(segments) if s is seg)

    clm = first("CLM")
    assert clm is not None
    clm_at = index(clm)
    sbr = first("SBR")
    subscriber = first("NM1", "IL")
    patient = first("NM1", "QC") or subscriber
    dmg = segments[index(patient) + 1 :]
    patient_dmg = next(s for s in dmg if s[0] == "DMG")
    place, _, frequency = clm[5].split(":")
    related = tuple(part for part in clm[11].split(":") if part) if len(clm) > 11 else ()
    hi = first("HI")
    other_sbr = first("SBR", after=clm_at)
    ref_y4 = first("REF", "Y4")
    auth = first("REF", "G1", after=clm_at) or first("REF", "9F", after=clm_at)
    onset, accident = first("DTP", "431"), first("DTP", "439")
    original = first("REF", "F8", after=clm_at)
    referring, rendering = first("NM1", "DN"), first("NM1", "82")
    rendering_prv = first("PRV", "PE")
    billing_prv = first("PRV", "BI")
    tax = first("REF", "EI") or first("REF", "SY")
    billing_n4 = segments[index(first("NM1", "85")) + 2]
    amt_f5, amt_d = first("AMT", "F5"), first("AMT", "D")
    other_payer = first("NM1", "PR", after=index(other_sbr)) if other_sbr else None
    lines = []
    for i, seg in enumerate(segments):
        if seg[0] == "SV1":
            composite = seg[1].split(":")
            date = segments[i + 1]
            assert date[:3] == ["DTP", "472", "D8"]
            lines.append(
                (
                    date[3],
                    composite[1],
                    tuple(composite[2:]),
                    Decimal(seg[2]),
                    int(seg[4]),
                    tuple(int(p) for p in seg[7].split(":")),
                )
            )
    # Box 14 holds the onset, or the accident date when there is no separate onset (DTP*439).
    paper_onset = onset[3] if onset else (accident[3] if accident else None)
    paper_accident = accident[3] if accident and onset and accident[3] != onset[3] else None
    return {
        "member_id": subscriber[9],
        "patient": (patient[3], patient[4]),
        "patient_birth": patient_dmg[2],
        "patient_sex": patient_dmg[3] if patient_dmg[3] in ("M", "F") else None,
        "group": sbr[3] or None,
        "claim_id": clm[1],
        "total": Decimal(clm[2]),
        "place": place,
        "frequency": frequency,
        "original_ref": original[2] if original else None,
        "related": tuple(r for r in related if r in ("EM", "AA", "OA")),
        "accident_state": related[-1]
        if related and len(related[-1]) == 2 and related[-1] not in ("EM", "AA", "OA")
        else None,
        "y4": ref_y4[2] if ref_y4 else None,
        "prior_auth_or_referral": auth[2] if auth else None,
        "onset": paper_onset,
        "accident": paper_accident,
        "diagnoses": tuple(part.split(":")[1] for part in hi[1:]),
        "referring_npi": referring[9] if referring else None,
        "rendering_npi": rendering[9] if rendering else None,
        "rendering_taxonomy": rendering_prv[3] if rendering_prv else None,
        "billing_npi": first("NM1", "85")[9],
        "billing_taxonomy": billing_prv[3] if billing_prv else None,
        "tax_id": ("EIN" if tax[1] == "EI" else "SSN", tax[2]),
        "release_signed": clm[9] == "Y",
        "assignment_signed": clm[8] == "Y",
        "accept_assignment": clm[7] == "A",
        "other_insurance": other_sbr is not None,
        "other_insured_policy": other_sbr[3] if other_sbr else None,
        "other_plan": other_payer[3] if other_payer else None,
        "paid_total": sum(
            (Decimal(a[2]) for a in (amt_f5, amt_d) if a is not None), Decimal("0.00")
        ),
        "billing_zip": billing_n4[3],
        "lines": tuple(lines),
    }


@pytest.mark.parametrize(
    "factory",
    [
        make_claim,
        auto_injury_claim,
        secondary_claim,
        lambda: make_claim(
            frequency="7",
            original_claim_number="SAL-0001122",
            authorization={"number": "PA-5566"},
            injury={"kind": "employment", "accident_date": "2026-07-20", "claim_number": "Y99"},
            referring_provider={"name": {"last": "Haddad", "first": "Nour"}, "npi": "1000000004"},
        ),
    ],
)
def test_paper_and_837p_carry_the_same_facts(factory):
    claim = factory()
    paper, x12 = paper_facts(claim), x12_facts(claim)
    assert paper == x12

"""Scrub throughput: scrub N varied synthetic claims on one core; print claims/s and peak memory.

Also times unit allocation for a 4-code visit. Usage: ``python bench/scrub.py [--quick]``
(100,000 claims; 10,000 with --quick). Targets: ≥ 20,000 claims/s, < 20 µs per allocation.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import resource
import time
from decimal import Decimal

from knead.billing.claim import (
    Address,
    Authorization,
    BillingProvider,
    Claim,
    ClaimFrequency,
    Coverage,
    CredentialingStatus,
    InjuryCase,
    InjuryKind,
    Patient,
    Payer,
    PayerKind,
    PersonName,
    Referral,
    ReferringProvider,
    RenderingProvider,
    ServiceLine,
    Sex,
    Subscriber,
)
from knead.billing.codes.code_lists import ClaimFilingIndicator, Modifier, PlaceOfService
from knead.billing.identifiers import TaxIdKind
from knead.billing.rules import load_rules
from knead.billing.scrub import scrub
from knead.billing.units import UnitRule, allocate_units

DIAGNOSES = [
    "M5450",
    "M542",
    "M546",
    "M62830",
    "M7918",
    "M797",
    "G44209",
    "S161XXA",
    "S134XXA",
    "S39012A",
    "M545",
    "S161",
    "M25511",
    "M5441",
]
TIMED = ["97124", "97140", "97112", "97110", "97530", "97035"]
UNTIMED = ["97010", "97012", "98940", "97014"]
PAYERS = [
    Payer("Evergreen", "EVG01", PayerKind.COMMERCIAL, ClaimFilingIndicator("CI")),
    Payer("Medicare B", "MCRB", PayerKind.MEDICARE, ClaimFilingIndicator("MB")),
    Payer("NW Auto", "NWAUTO", PayerKind.AUTO, ClaimFilingIndicator("AM")),
    Payer("L&I", "WALNI", PayerKind.WORKERS_COMP, ClaimFilingIndicator("WC")),
    Payer("Regence", "REGWA", PayerKind.COMMERCIAL, ClaimFilingIndicator("BL")),
]
NPIS = ["1234567893", "1558598797", "1000000004", "1234567890"]
ADDRESS = Address("1 Main St", "Seattle", "WA", "981011234")


def make_claims(count: int, seed: int = 7) -> list[Claim]:
    rng = random.Random(seed)
    gp = Modifier("GP")
    base = Claim(
        id="B0",
        billing_provider=BillingProvider(
            "1234567893", TaxIdKind.EIN, "911234567", ADDRESS, organization="Cedar Lane"
        ),
        patient=Patient(PersonName("Doe", "Sam"), dt.date(1980, 1, 1), Sex.FEMALE, ADDRESS),
        place_of_service=PlaceOfService("11"),
        diagnoses=("M5450",),
        lines=(),
        note_signed=True,
    )
    claims = []
    for n in range(count):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300))
        payer = rng.choice(PAYERS)
        lines = []
        for code in rng.sample(TIMED, rng.randint(1, 3)):
            minutes = rng.choice([7, 8, 15, 22, 23, 30, 38, 45, 53, 60])
            units = max(0, (minutes + 7) // 15 + rng.choice([0, 0, 0, 1, -1]))
            mods = (gp,) if rng.random() < 0.7 else ()
            lines.append(
                ServiceLine(day, code, units, Decimal("30.00") * max(units, 1), (1,), mods, minutes)
            )
        if rng.random() < 0.3:
            lines.append(ServiceLine(day, rng.choice(UNTIMED), 1, Decimal("15.00"), (1, 2)))
        injury = None
        if payer.kind in (PayerKind.AUTO, PayerKind.WORKERS_COMP):
            injury = InjuryCase(
                InjuryKind.AUTO if payer.kind is PayerKind.AUTO else InjuryKind.EMPLOYMENT,
                day - dt.timedelta(days=20),
                "WA" if rng.random() < 0.9 else None,
                f"C{n}" if rng.random() < 0.9 else None,
            )
        claims.append(
            dataclasses.replace(
                base,
                id=f"C{n}",
                billing_provider=dataclasses.replace(base.billing_provider, npi=rng.choice(NPIS)),
                rendering_provider=RenderingProvider(PersonName("Rivera", "Ana"), rng.choice(NPIS)),
                referring_provider=ReferringProvider(PersonName("Lee", "Kim"), "1000000004")
                if rng.random() < 0.5
                else None,
                referral=Referral(
                    "R1",
                    day - dt.timedelta(days=30),
                    day + dt.timedelta(days=60),
                    12,
                    rng.randrange(14),
                )
                if rng.random() < 0.4
                else None,
                authorization=Authorization(
                    "A1",
                    day - dt.timedelta(days=10),
                    None,
                    10,
                    rng.randrange(12),
                    40,
                    rng.randrange(40),
                )
                if rng.random() < 0.2
                else None,
                coverage=Coverage(
                    payer,
                    Subscriber(PersonName("Doe", "Sam"), f"M{n}"),
                    visits_used_this_year=rng.randrange(25),
                    visits_per_year=20 if rng.random() < 0.5 else None,
                    provider_status=rng.choice(list(CredentialingStatus)),
                ),
                injury=injury,
                diagnoses=tuple(rng.sample(DIAGNOSES, rng.randint(1, 4))),
                lines=tuple(lines),
                frequency=ClaimFrequency.ORIGINAL,
                note_signed=rng.random() < 0.95,
            )
        )
    return claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 claims instead of 100,000")
    args = parser.parse_args()
    count = 10_000 if args.quick else 100_000
    claims = make_claims(count)
    rules = load_rules()
    as_of = dt.date(2026, 11, 1)
    for claim in claims[:200]:  # warm the ICD and NPI caches and the payer-rule memo
        scrub(claim, rules, as_of)
    start = time.perf_counter()
    findings = 0
    for claim in claims:
        findings += len(scrub(claim, rules, as_of))
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"scrub: {count:,} claims in {elapsed:.2f} s = {count / elapsed:,.0f} claims/s "
        f"({findings:,} findings); peak RSS {peak_mb:.0f} MB (claims and ICD set included)"
    )
    visit = {"97110": 18, "97140": 13, "97116": 10, "97035": 8}
    rounds = 20_000
    start = time.perf_counter()
    for _ in range(rounds):
        allocate_units(visit, UnitRule.CMS)
    per_call = (time.perf_counter() - start) / rounds * 1e6
    print(f"units: 4-code visit allocation (CMS) {per_call:.1f} µs per call")


if __name__ == "__main__":
    main()

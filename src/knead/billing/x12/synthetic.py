"""Synthetic, balanced 835 remittances with their known truth, for tests, benches and demos.

All names and numbers are invented. Each claim pays massage-therapy lines (97124, 97140, 97112)
with the adjustments seen on real ERAs: CO-45 contractual write-off, PR-1/2/3 patient shares,
claim-level OA-23, denials (status 4, CO-236 with LQ*HE*M80) and reversals (status 22, negative
amounts). Payments carry a PLB WO recovery and BPR02 = Σ paid - Σ PLB.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from knead.billing.x12.envelope import (
    MemoryControlNumbers,
    Segment,
    TradingPartners,
    TransactionSet,
    write_interchange,
)
from knead.billing.x12.syntax import Delimiters

_CENT = Decimal("0.01")
_RATES = {"97124": Decimal("30.00"), "97140": Decimal("32.50"), "97112": Decimal("35.00")}
_NAMES = ("ALDER", "BIRCH", "CEDAR", "DOGWOOD", "ELM", "FIR", "GINKGO", "HAZEL", "IRONWOOD")


@dataclass(frozen=True, slots=True)
class ClaimTruth:
    """What the generator put in one CLP loop: totals and every CAS triplet (claim and lines)."""

    id: str
    status: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    adjustments: tuple[tuple[str, str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class PaymentTruth:
    amount: Decimal
    trace: str
    provider_adjustment: Decimal
    claims: tuple[ClaimTruth, ...]


def _claim(rng: random.Random, number: int, day: date) -> tuple[list[Segment], ClaimTruth]:
    kind = rng.random()
    status = "4" if kind < 0.08 else "22" if kind < 0.11 else "1"
    sign = Decimal(-1) if status == "22" else Decimal(1)
    claim_id = f"KN{number:08d}"
    lines: list[Segment] = []
    adjustments: list[tuple[str, str, Decimal]] = []
    charge = paid = patient = Decimal(0)
    for line_number, code in enumerate(rng.sample(sorted(_RATES), rng.randint(1, 2)), 1):
        units = rng.randint(1, 4)
        line_charge = _RATES[code] * units * sign
        modifiers = ("GP",) if rng.random() < 0.5 else ()
        triplets: list[str] = []
        if status == "4":
            line_paid = Decimal(0)
            line_adj = [("CO", "236", line_charge)]
        else:
            allowed = (line_charge * Decimal("0.8")).quantize(_CENT)
            share = (allowed * Decimal("0.2")).quantize(_CENT)
            line_paid = allowed - share
            line_adj = [("CO", "45", line_charge - allowed)]
            if rng.random() < 0.3:
                deductible = (share / 2).quantize(_CENT)
                line_adj += [("PR", "1", deductible), ("PR", "2", share - deductible)]
            else:
                line_adj.append(("PR", "2", share))
        by_group: dict[str, list[tuple[str, str, Decimal]]] = {}
        for adj in line_adj:
            by_group.setdefault(adj[0], []).append(adj)
        lines.append(
            ("SVC", ("HC", code, *modifiers), str(line_charge), str(line_paid), "", str(units))
        )
        lines.append(("DTM", "472", day.strftime("%Y%m%d")))
        for group, items in by_group.items():
            for _group, reason, value in items:
                triplets += [reason, str(value), ""]
            lines.append(("CAS", group, *triplets[:-1]))
            triplets = []
        lines.append(("REF", "6R", f"{claim_id}L{line_number}"))
        if status != "4":
            lines.append(
                (
                    "AMT",
                    "B6",
                    str(line_paid + sum((v for g, _r, v in line_adj if g == "PR"), Decimal(0))),
                )
            )
        else:
            lines.append(("LQ", "HE", "M80"))
        adjustments += line_adj
        charge += line_charge
        paid += line_paid
        patient += sum((v for g, _r, v in line_adj if g == "PR"), Decimal(0))
    claim_level: list[Segment] = []
    if status == "1" and rng.random() < 0.2:
        # A claim-level adjustment, before the first SVC: the case lossy readers drop.
        extra = Decimal(rng.randint(1, 500)) / 100 * sign
        claim_level.append(("CAS", "OA", "23", str(extra)))
        adjustments.insert(0, ("OA", "23", extra))
        charge += extra
    segments: list[Segment] = [
        (
            "CLP",
            claim_id,
            status,
            str(charge),
            str(paid),
            str(patient) if patient else "",
            "12",
            f"PCN{number:010d}",
            "11",
            "1",
        ),
        *claim_level,
        (
            "NM1",
            "QC",
            "1",
            rng.choice(_NAMES),
            rng.choice(_NAMES),
            "",
            "",
            "",
            "MI",
            f"M{number:09d}",
        ),
        ("NM1", "82", "1", rng.choice(_NAMES), rng.choice(_NAMES), "", "", "", "XX", "1234567893"),
        ("DTM", "232", day.strftime("%Y%m%d")),
        ("DTM", "233", day.strftime("%Y%m%d")),
        *lines,
    ]
    truth = ClaimTruth(claim_id, status, charge, paid, patient, tuple(adjustments))
    return segments, truth


def synthetic_835(
    claims: int,
    seed: int = 835,
    payments: int = 1,
    delimiters: Delimiters = Delimiters(),  # noqa: B008 - immutable default
    line_breaks: bool = False,
) -> tuple[str, tuple[PaymentTruth, ...]]:
    """An 835 interchange of ``claims`` claims over ``payments`` ST/SE sets, and its truth."""
    rng = random.Random(seed)
    day = date(2026, 3, 2)
    sets: list[TransactionSet] = []
    truths: list[PaymentTruth] = []
    per_payment = [
        claims // payments + (1 if i < claims % payments else 0) for i in range(payments)
    ]
    number = 0
    for index, count in enumerate(per_payment):
        body: list[Segment] = []
        claim_truths: list[ClaimTruth] = []
        for lx in range(count):
            number += 1
            segs, truth = _claim(rng, number, day + timedelta(days=number % 28))
            if lx % 1000 == 0:
                body.append(("LX", str(lx // 1000 + 1)))
            body += segs
            claim_truths.append(truth)
        recovery = Decimal(rng.randint(0, 5000)) / 100
        paid = sum((c.paid for c in claim_truths), Decimal(0))
        amount = paid - recovery
        trace = f"EFT{seed:04d}{index:06d}"
        header: list[Segment] = [
            (
                "BPR",
                "I",
                str(amount),
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
                "20260310",
            ),
            ("TRN", "1", trace, "1512345678"),
            ("DTM", "405", "20260309"),
            ("N1", "PR", f"SYNTHETIC HEALTH PLAN {index + 1}"),
            ("N3", "PO BOX 100"),
            ("N4", "SEATTLE", "WA", "98101"),
            ("PER", "BL", "PROVIDER SERVICES", "TE", "8005551212"),
            ("N1", "PE", "KNEAD TEST MASSAGE LLC", "XX", "1234567893"),
            ("REF", "TJ", "911234567"),
        ]
        plb: list[Segment] = (
            [("PLB", "1234567893", "20261231", ("WO", f"RECOVER{index:04d}"), str(recovery))]
            if recovery
            else []
        )
        sets.append(TransactionSet("835", "", [*header, *body, *plb]))
        truths.append(PaymentTruth(amount, trace, recovery, tuple(claim_truths)))
    text = write_interchange(
        TradingPartners("SYNTHPAYER", "KNEADTEST"),
        MemoryControlNumbers(seed - 1),
        "HP",
        "005010X221A1",
        sets,
        datetime(2026, 3, 9, 12, 0),
        delimiters,
        line_breaks,
    ).text
    return text, tuple(truths)


def iter_claim_truth(truths: tuple[PaymentTruth, ...]) -> Iterator[ClaimTruth]:
    for payment in truths:
        yield from payment.claims

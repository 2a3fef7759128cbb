"""What the insurer is expected to pay for a visit, and what the client pays.

``estimate(visit, benefits, fee_schedule, history)`` works for both ways of billing:

- direct billing (``visit.billing_mode`` DIRECT): the insurer pays the practice; the client
  owes the deductible part, the copay and the coinsurance (and, out of network, the amount
  above the allowed amount);
- superbill (SUPERBILL): the client pays the full charge and the plan reimburses them, e.g.
  "50% after the deductible, up to 20 visits a year".

Order of the arithmetic (the usual plan design, stated in each explanation): allowed amount →
deductible → copay → coinsurance (or, for a reimbursement plan, the reimbursement percentage).
Amounts are Decimal, rounded to cents half-up after each percentage; the explanation says each
step in plain words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from knead.billing.claim import BillingMode, Claim

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def _pct(percent: Decimal) -> str:
    return f"{percent.normalize():f}%"


@dataclass(frozen=True, slots=True)
class Benefits:
    """The plan's benefits for massage, as verified with the payer or read from the plan.

    ``coinsurance_percent`` is the client's share after the deductible (in network).
    ``reimbursement_percent`` is what an out-of-network plan pays back after the deductible
    (the basis is the allowed amount when the fee schedule has one, else the charge).
    """

    in_network: bool = True
    deductible: Decimal = ZERO  # per benefit year
    copay: Decimal = ZERO  # per visit
    coinsurance_percent: Decimal = ZERO
    reimbursement_percent: Decimal | None = None  # out of network / superbill plans
    visits_per_year: int | None = None
    covered: bool = True  # massage is a covered benefit at all


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Allowed amount per unit by procedure code (the payer's fee schedule or the contract)."""

    per_unit: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BenefitHistory:
    """What the client already used this benefit year, before this visit."""

    deductible_met: Decimal = ZERO
    visits_used: int = 0


@dataclass(frozen=True, slots=True)
class Estimate:
    billed: Decimal
    allowed: Decimal
    deductible_applied: Decimal
    copay: Decimal
    coinsurance: Decimal
    insurer_pays: Decimal  # to the practice (direct) or to the client (superbill)
    client_pays: Decimal  # the client's own cost after any reimbursement
    visit_limit_reached: bool
    explanation: tuple[str, ...]


def estimate(
    visit: Claim, benefits: Benefits, fee_schedule: FeeSchedule, history: BenefitHistory
) -> Estimate:
    """Estimate the insurer's payment and the client's share for one visit."""
    notes: list[str] = []
    billed = visit.total_charge
    parts = ", ".join(f"{line.code} x {line.units} = {_money(line.charge)}" for line in visit.lines)
    notes.append(f"Billed {_money(billed)} ({parts}).")
    allowed = _allowed(visit, fee_schedule, notes)
    superbill = visit.billing_mode is BillingMode.SUPERBILL
    limit_reached = (
        benefits.visits_per_year is not None and history.visits_used >= benefits.visits_per_year
    )
    if not benefits.covered or limit_reached:
        if limit_reached:
            notes.append(
                f"The plan covers {benefits.visits_per_year} visits a year and "
                f"{history.visits_used} are used, so it pays nothing for this visit."
            )
        else:
            notes.append("The plan does not cover massage, so it pays nothing for this visit.")
        notes.append(f"The client pays the full {_money(billed)}.")
        return Estimate(
            billed, allowed, ZERO, ZERO, ZERO, ZERO, billed, limit_reached, tuple(notes)
        )
    if benefits.visits_per_year is not None:
        notes.append(
            f"Visit {history.visits_used + 1} of {benefits.visits_per_year} covered this year."
        )

    remaining = max(benefits.deductible - history.deductible_met, ZERO)
    deductible = min(remaining, allowed)
    after_deductible = allowed - deductible
    if benefits.deductible:
        notes.append(
            f"Deductible: {_money(remaining)} of {_money(benefits.deductible)} still to meet; "
            f"{_money(deductible)} of this visit goes to it, leaving {_money(after_deductible)}."
        )
    if benefits.reimbursement_percent is not None:
        return _reimbursed(
            billed, allowed, deductible, after_deductible, benefits, superbill, limit_reached, notes
        )

    copay = min(benefits.copay, after_deductible)
    if benefits.copay:
        notes.append(f"Copay: the client pays {_money(copay)} of the {_money(after_deductible)}.")
    rest = after_deductible - copay
    coinsurance = _cents(rest * benefits.coinsurance_percent / HUNDRED)
    if benefits.coinsurance_percent:
        notes.append(
            f"Coinsurance: {_pct(benefits.coinsurance_percent)} of {_money(rest)} = "
            f"{_money(coinsurance)} for the client."
        )
    insurer = rest - coinsurance
    notes.append(f"The insurer pays {_money(rest)} - {_money(coinsurance)} = {_money(insurer)}.")
    client = deductible + copay + coinsurance
    above_allowed = billed - allowed
    if not benefits.in_network and above_allowed > 0:
        client += above_allowed
        notes.append(
            f"Out of network, the client also owes the {_money(above_allowed)} above the allowed "
            "amount."
        )
    if superbill:
        notes.append(
            f"On a superbill the client pays {_money(billed)} at the visit and the plan "
            f"reimburses {_money(insurer)}, so the visit costs the client {_money(billed - insurer)}."
        )
        client = billed - insurer
    else:
        notes.append(f"The client pays {_money(client)}.")
    return Estimate(
        billed,
        allowed,
        deductible,
        copay,
        coinsurance,
        insurer,
        client,
        limit_reached,
        tuple(notes),
    )


def _allowed(visit: Claim, fee_schedule: FeeSchedule, notes: list[str]) -> Decimal:
    total = ZERO
    for line in visit.lines:
        fee = fee_schedule.per_unit.get(line.code)
        if fee is None:
            total += line.charge
            notes.append(
                f"{line.code}: no fee schedule amount, so the charge {_money(line.charge)} is used."
            )
            continue
        amount = min(_cents(fee * line.units), line.charge)
        total += amount
        notes.append(
            f"{line.code}: allowed {line.units} x {_money(fee)} = {_money(_cents(fee * line.units))}"
            + (
                f", capped at the charge {_money(line.charge)}."
                if amount < fee * line.units
                else "."
            )
        )
    notes.append(f"Allowed amount for the visit: {_money(total)}.")
    return total


def _reimbursed(
    billed: Decimal,
    allowed: Decimal,
    deductible: Decimal,
    after_deductible: Decimal,
    benefits: Benefits,
    superbill: bool,
    limit_reached: bool,
    notes: list[str],
) -> Estimate:
    percent = benefits.reimbursement_percent or ZERO
    reimbursed = _cents(after_deductible * percent / HUNDRED)
    notes.append(
        f"The plan pays {_pct(percent)} of {_money(after_deductible)} = {_money(reimbursed)}."
    )
    client = billed - reimbursed
    if superbill:
        notes.append(
            f"The client pays {_money(billed)} at the visit and gets {_money(reimbursed)} back, "
            f"so the visit costs the client {_money(client)}."
        )
    else:
        notes.append(
            f"The practice bills {_money(billed)}; the plan pays {_money(reimbursed)} and the "
            f"client owes {_money(client)}."
        )
    return Estimate(
        billed,
        allowed,
        deductible,
        ZERO,
        ZERO,
        reimbursed,
        client,
        limit_reached,
        tuple(notes),
    )

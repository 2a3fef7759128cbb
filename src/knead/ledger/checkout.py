"""What the front desk sees at checkout: the visit's charge as the ledger holds it, and the
estimated client share with its working, step by step.

The estimate is the core's (``knead.billing.estimate``), from the coverage's benefits on file,
the payer's contracted rates (the allowed amount, in network) and the visits already used this
benefit year, counted by the one visit-counting function (``visits.selectors.earlier_use``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from knead.billing.claim import BillingMode
from knead.billing.estimate import BenefitHistory, Benefits, Estimate, FeeSchedule, estimate
from knead.billing.paths import BillingPath
from knead.ledger import selectors
from knead.ledger.accounts import account_number
from knead.paperwork.services import kit_benefits
from knead.practice.models import ContractRate
from knead.visits.models import Visit
from knead.visits.selectors import earlier_use
from knead.visits.services import billed_payer
from knead.visits.to_claim import claim_for_visit

ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the estimate's working: what it is, its figure, and how it was reached."""

    label: str
    figure: str
    how: str = ""


@dataclass(frozen=True, slots=True)
class Checkout:
    """A visit at checkout. ``charge`` is what the ledger charged (``expected`` the services'
    total while the note is unsigned); ``client_owes`` and ``payers_owe`` are the visit's open
    amounts now. ``steps`` is the estimate's working (empty when nothing is estimated, and
    ``why_no_estimate`` says why)."""

    visit: Visit
    account: str
    billed_to: str
    charged: bool
    charge: Decimal
    client_owes: Decimal
    payers_owe: Decimal
    suggested: Decimal
    steps: tuple[Step, ...] = field(default=())
    explanation: tuple[str, ...] = field(default=())
    estimate: Estimate | None = None
    why_no_estimate: str = ""


def _money(amount: Decimal) -> str:
    return f"${amount:,.2f}"


def checkout(visit: Visit) -> Checkout:
    """The visit's charge, who owes it, and the estimated client share with its working."""
    open_amounts = selectors.visit_responsibility(visit)
    client_owes = open_amounts.get(None, ZERO)
    payers_owe = sum((v for k, v in open_amounts.items() if k is not None), ZERO)
    charged = selectors.is_charged(visit)
    expected = sum((line.charge for line in visit.active_lines), ZERO)
    charge = selectors.visit_charge(visit) if charged else expected
    found, why, steps, explanation = _estimate(visit)
    if client_owes > 0:
        suggested = client_owes
    elif charged and payers_owe == 0:
        suggested = ZERO
    elif found is not None:
        suggested = found.client_pays
    else:
        suggested = expected
    return Checkout(
        visit=visit,
        account=account_number(visit.client),
        billed_to=_billed_to(visit),
        charged=charged,
        charge=charge,
        client_owes=client_owes,
        payers_owe=payers_owe,
        suggested=max(suggested, ZERO),
        steps=steps,
        explanation=explanation,
        estimate=found,
        why_no_estimate=why,
    )


def _billed_to(visit: Visit) -> str:
    """Who owes the charge, in words: the client, or the payer billed directly."""
    if visit.billing_path != BillingPath.DIRECT:
        return "The client" + (
            " (who claims it back with a superbill)"
            if visit.billing_path == BillingPath.SUPERBILL
            else ""
        )
    payer = billed_payer(visit)
    return payer.name if payer is not None else "No payer on the visit: the client"


def _estimate(visit: Visit) -> tuple[Estimate | None, str, tuple[Step, ...], tuple[str, ...]]:
    if visit.billing_path == BillingPath.SELF_PAY:
        return None, "Self-pay: nobody is billed, so the client pays the charge.", (), ()
    if visit.case_id and visit.case.payer_id:
        case = visit.case
        return (
            None,
            f"Billed to the {case.get_kind_display().lower()} carrier {case.payer.name}"
            f"{', claim ' + case.claim_number if case.claim_number else ''}: the carrier pays "
            "under the claim, so no client share is estimated.",
            (),
            (),
        )
    coverage = visit.coverage
    if coverage is None:
        return None, "No coverage on the visit, so the client pays the charge.", (), ()
    superbill = visit.billing_path == BillingPath.SUPERBILL
    claim = claim_for_visit(
        visit, billing_mode=BillingMode.SUPERBILL if superbill else BillingMode.DIRECT
    )
    benefits = kit_benefits(coverage, claim)
    rates = (
        dict(
            ContractRate.objects.for_practice(visit.practice)
            .filter(payer_id=coverage.payer_id)
            .values_list("code", "allowed")
        )
        if benefits.in_network
        else {}
    )
    used = earlier_use(visit).benefit_year or 0
    history = BenefitHistory(deductible_met=coverage.deductible_met or ZERO, visits_used=used)
    found = estimate(claim, benefits, FeeSchedule(rates), history)
    return found, "", _steps(found, benefits, history, superbill), found.explanation


def _steps(
    found: Estimate, benefits: Benefits, history: BenefitHistory, superbill: bool
) -> tuple[Step, ...]:
    """The estimate's figures as the working the front desk reads out: allowed amount,
    deductible left, copay or coinsurance (or the plan's reimbursement), visits left, then the
    client's share."""
    left = max(benefits.deductible - history.deductible_met, ZERO)
    steps = [
        Step(
            "Allowed amount",
            _money(found.allowed),
            "the payer's contracted rates"
            if found.allowed != found.billed
            else "the charge (no contracted rate on file)",
        ),
        Step(
            "Deductible left",
            _money(left),
            f"{_money(history.deductible_met)} of {_money(benefits.deductible)} met; "
            f"{_money(found.deductible_applied)} of this visit goes to it"
            if benefits.deductible
            else "no deductible on file",
        ),
    ]
    if benefits.reimbursement_percent is not None:
        steps.append(
            Step(
                "Plan reimburses",
                _money(found.insurer_pays),
                f"{benefits.reimbursement_percent.normalize():f}% of what is left after the "
                "deductible",
            )
        )
    else:
        if benefits.copay:
            steps.append(Step("Copay", _money(found.copay), "per visit"))
        if benefits.coinsurance_percent:
            steps.append(
                Step(
                    "Coinsurance",
                    _money(found.coinsurance),
                    f"{benefits.coinsurance_percent.normalize():f}% of what is left after the "
                    "deductible and copay",
                )
            )
    if benefits.visits_per_year is not None:
        remaining = max(benefits.visits_per_year - history.visits_used, 0)
        limit = "; the plan pays nothing for this one" if found.visit_limit_reached else ""
        steps.append(
            Step(
                "Visits left",
                f"{remaining} of {benefits.visits_per_year}",
                f"{history.visits_used} used before this visit this benefit year{limit}",
            )
        )
    else:
        steps.append(Step("Visits left", "no limit on file"))
    payer = "Plan pays the client back" if superbill else "Insurer pays"
    steps.append(Step(payer, _money(found.insurer_pays)))
    steps.append(Step("Estimated client share", _money(found.client_pays)))
    return tuple(steps)

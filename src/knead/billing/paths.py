"""How a visit is paid for: one billing path per visit.

- ``SELF_PAY``: the client pays and nobody is billed; the client owes the charge.
- ``SUPERBILL``: the client pays at the visit and claims reimbursement from their insurer with
  the practice's superbill; the client owes the charge, and the practice never bills the payer.
- ``DIRECT``: the practice bills the payer on the visit (a claim); the payer owes the charge
  until its remittance says otherwise.
"""

from __future__ import annotations

from enum import StrEnum


class BillingPath(StrEnum):
    SELF_PAY = "self_pay"
    SUPERBILL = "superbill"
    DIRECT = "direct"


LABELS: dict[BillingPath, str] = {
    BillingPath.SELF_PAY: "Self-pay",
    BillingPath.SUPERBILL: "Superbill (client claims reimbursement)",
    BillingPath.DIRECT: "Bill the payer directly",
}


def default_path(
    *, has_payer: bool, injury_case: bool, credentialed: bool | None = None
) -> BillingPath:
    """The path a new visit starts with: an injury case (PIP, workers' comp) or a payer the
    therapist is credentialed with (or not known not to be: ``None``) is billed directly;
    other insurance gets a superbill; no insurance is self-pay."""
    if injury_case or (has_payer and credentialed is not False):
        return BillingPath.DIRECT
    if has_payer:
        return BillingPath.SUPERBILL
    return BillingPath.SELF_PAY

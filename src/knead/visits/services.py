"""Visit services: pricing and units for service lines, saving a visit, signing and amending notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from knead.billing.units import UnitRule, allocate_units
from knead.clients.models import Authorization
from knead.ledger import services as ledger
from knead.practice import clock
from knead.practice.models import FeeScheduleEntry, Payer
from knead.practice.services import save_record
from knead.visits.models import Amendment, NoteLocked, ServiceLine, Visit

# Without a payer (a cash client with no policy on file) the stricter total-time rule applies.
DEFAULT_UNIT_RULE = UnitRule.CMS


class SignatureRefused(Exception):
    """The note cannot be signed; the message says why."""


@dataclass(frozen=True)
class LineInput:
    code: str
    minutes: int
    modifiers: tuple[str, ...] = ()
    pointers: tuple[int, ...] = ()


@dataclass(frozen=True)
class PricedLine:
    code: str
    minutes: int
    units: int
    charge: Decimal
    modifiers: tuple[str, ...]
    pointers: tuple[int, ...]


def billed_payer(visit: Visit) -> Payer | None:
    """The payer a visit is billed to: the injury case's carrier first, else the coverage's payer."""
    if visit.case_id and visit.case.payer_id:
        return visit.case.payer
    if visit.coverage_id:
        return visit.coverage.payer
    return None


def unit_rule_for(payer: Payer | None) -> UnitRule:
    return UnitRule(payer.unit_rule) if payer is not None else DEFAULT_UNIT_RULE


def fee_schedule(practice: Any) -> dict[str, Decimal]:
    return dict(FeeScheduleEntry.objects.for_practice(practice).values_list("code", "charge"))


def price_lines(
    lines: Sequence[LineInput], rule: UnitRule, fees: dict[str, Decimal]
) -> list[PricedLine]:
    """Units from minutes under the payer's rule, and charge = fee per unit × units."""
    units = allocate_units({line.code: line.minutes for line in lines}, rule)
    return [
        PricedLine(
            code=line.code,
            minutes=line.minutes,
            units=units[line.code],
            charge=(fees.get(line.code, Decimal("0")) * units[line.code]).quantize(Decimal("0.01")),
            modifiers=line.modifiers,
            pointers=line.pointers,
        )
        for line in lines
    ]


@transaction.atomic
def save_visit(
    visit: Visit,
    lines: Sequence[LineInput],
    *,
    user: Any,
    practice: Any,
    authorizations: Sequence[Authorization] | None = None,
) -> Visit:
    """Save an unsigned visit and replace its service lines, with units and charges computed;
    ``authorizations`` (when given) become the visit's linked authorizations."""
    if visit.pk and Visit.objects.filter(pk=visit.pk, signed_at__isnull=False).exists():
        raise NoteLocked(
            "This note is signed and can no longer be edited. Correct the visit or add an "
            "amendment instead."
        )
    save_record(visit, user=user, practice=practice)
    priced = price_lines(lines, unit_rule_for(billed_payer(visit)), fee_schedule(practice))
    visit.lines.all().delete()
    ServiceLine.objects.bulk_create(service_lines(visit, priced, user=user))
    if authorizations is not None:
        visit.authorizations.set(authorizations)
    return visit


def service_lines(visit: Visit, priced: Sequence[PricedLine], *, user: Any) -> list[ServiceLine]:
    """Unsaved service line records for a visit's priced lines, numbered from 1."""
    return [
        ServiceLine(
            visit=visit,
            position=position,
            code=line.code,
            minutes=line.minutes,
            units=line.units,
            charge=line.charge,
            modifiers=list(line.modifiers),
            pointers=list(line.pointers),
            created_by=user,
            updated_by=user,
        )
        for position, line in enumerate(priced, start=1)
    ]


def signing_problems(visit: Visit, user: Any) -> list[str]:
    """What stops this user from signing this note, in plain words (empty when it can be signed).

    A note is signed only once its visit has happened: a visit dated after today (the
    practice's date, ``clock.today``) is refused.
    """
    problems = []
    if visit.is_signed:
        problems.append("The note is already signed.")
    today = clock.today(visit.practice)
    if visit.date > today:
        problems.append(
            f"The visit is dated {visit.date:%m/%d/%Y}, after today ({today:%m/%d/%Y}): sign "
            "the note once the visit has happened, or fix the date if it is wrong."
        )
    if visit.provider.user_id != user.pk:
        problems.append(
            f"Only {visit.provider} can sign this note (signed in as a different user)."
        )
    missing = [
        name
        for name in ("subjective", "objective", "assessment", "plan")
        if not getattr(visit, name).strip()
    ]
    if missing:
        problems.append(
            f"Fill in the {', '.join(missing)} section{'s' if len(missing) > 1 else ''} first."
        )
    if visit.lines.exists() and not visit.diagnoses:
        problems.append("Add at least one diagnosis for the services billed.")
    return problems


@transaction.atomic
def sign_visit(visit: Visit, *, user: Any) -> Visit:
    """Sign and lock the note as its provider, and charge the visit (the ledger)."""

    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    problems = signing_problems(visit, user)
    if problems:
        raise SignatureRefused(" ".join(problems))
    Visit.objects.filter(pk=visit.pk).update(
        signed_at=timezone.now(), signed_by=user, updated_by=user
    )
    visit.refresh_from_db()
    ledger.charge_visit(visit, user=user)
    return visit


def amend_visit(visit: Visit, *, user: Any, reason: str, text: str) -> Amendment:
    """Append an amendment to a signed note; the original note is kept as it was."""
    if not visit.is_signed:
        raise SignatureRefused("Only signed notes are amended; edit this note directly.")
    return Amendment.objects.create(
        visit=visit, author=user, reason=reason.strip(), text=text.strip()
    )

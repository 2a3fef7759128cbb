"""A visit as a claim in the billing core's model: the bridge from the database to the scrubber,
the 837P writer, the CMS-1500 and the superbill.

Every fact comes from the practice's records; nothing is invented. Counts of visits and units
already used (benefit year or injury case, referral, authorization) are of earlier visits, not
this one, counted by ``knead.visits.selectors.earlier_use`` (the core's one set of rules). The
claim carries the visit's authorizations for what it is billed to, with the codes each covers;
the one covering most lines is the claim's own (Box 23, 2300 REF*G1).
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db.models import QuerySet

from knead.billing import claim as core
from knead.billing.codes.code_lists import (
    ClaimFilingIndicator,
    Modifier,
    PlaceOfService,
    TaxonomyCode,
)
from knead.billing.identifiers import TaxIdKind
from knead.billing.visit_counts import covering_authorization
from knead.clients.models import Case, Client, Coverage, Tristate
from knead.clients.models import Referral as ReferralRecord
from knead.practice.models import (
    Credentialing,
    CredentialingProgress,
    Payer,
    Practice,
    Provider,
)
from knead.practice.scoping import Address as AddressFields
from knead.visits.models import ServiceLine, Visit
from knead.visits.selectors import EarlierUse, earlier_use

# Where an application stands, as what it means for billing: not two names for one thing.
_CREDENTIALING = {
    CredentialingProgress.CREDENTIALED: core.CredentialingStatus.CREDENTIALED,
    CredentialingProgress.PENDING: core.CredentialingStatus.PENDING,
    CredentialingProgress.NOT_STARTED: core.CredentialingStatus.NOT_CREDENTIALED,
    CredentialingProgress.DENIED: core.CredentialingStatus.NOT_CREDENTIALED,
}
# Auto PIP and workers' comp carriers pay any licensed provider: there is no network to join.
_NO_NETWORK = {core.PayerKind.AUTO, core.PayerKind.WORKERS_COMP}
_TITLES = re.compile(r"^(dr\.?|doctor)\s+", re.IGNORECASE)
_CREDENTIALS = re.compile(
    r",?\s+(MD|DO|DC|ND|NP|ARNP|PA-C|PA|DPM|PT|DPT|LAC|L\.AC\.)\.?\s*$", re.IGNORECASE
)


def with_claim_facts(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """The visits with every related record ``claim_for_visit`` reads, fetched in the same query."""
    return visits.select_related(
        "practice",
        "provider",
        "client",
        "coverage__payer",
        "case__payer",
        "referral",
    ).prefetch_related("lines", "authorizations")


def claim_id_for_visit(visit: Visit) -> str:
    """The patient control number (CLM01 / Box 26) Knead uses for a visit's claim."""
    return f"V{visit.pk:07d}"


def claim_for_visit(
    visit: Visit,
    *,
    billing_mode: core.BillingMode = core.BillingMode.DIRECT,
    claim_id: str | None = None,
    amount_paid: Decimal = Decimal("0.00"),
    payment_method: core.PaymentMethod | None = None,
) -> core.Claim:
    """Build the claim for one visit, billed to its injury case's carrier or else its coverage."""
    practice: Practice = visit.practice
    provider: Provider = visit.provider
    client: Client = visit.client
    lines = visit.active_lines
    used = earlier_use(visit)
    authorizations = _authorizations(used, lines)
    billing, rendering = _providers(practice, provider)
    return core.Claim(
        id=claim_id or claim_id_for_visit(visit),
        billing_provider=billing,
        rendering_provider=rendering,
        patient=core.Patient(
            name=core.PersonName(
                last=client.last_name, first=client.first_name, middle=client.middle_name or None
            ),
            birth_date=client.date_of_birth,
            sex=core.Sex(client.sex),
            address=_address(client),
            contact=core.Contact(phone=_digits(client.phone) or None, email=client.email or None),
            account_number=str(client.pk),
        ),
        place_of_service=PlaceOfService(visit.place_of_service),
        diagnoses=tuple(visit.diagnoses),
        lines=tuple(_line(visit, line) for line in lines),
        coverage=_coverage(visit, provider, used),
        referring_provider=_referring(visit.referral),
        injury=_injury(visit.case),
        onset_date=visit.case.accident_date if visit.case_id else None,
        referral=_referral(visit, used),
        authorization=authorizations[0] if authorizations else None,
        additional_authorizations=tuple(authorizations[1:]),
        signature_on_file=client.signature_on_file_on is not None,
        assignment_of_benefits=client.signature_on_file_on is not None,
        billing_mode=billing_mode,
        note_signed=visit.is_signed,
        amount_paid=amount_paid,
        payment_method=payment_method,
    )


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value or "")


def _address(record: AddressFields) -> core.Address:
    return core.Address(
        line1=record.address_line1,
        line2=record.address_line2 or None,
        city=record.city,
        state=record.state,
        zip=_digits(record.zip_code),
    )


def _providers(
    practice: Practice, provider: Provider
) -> tuple[core.BillingProvider, core.RenderingProvider | None]:
    """A practice with a group NPI bills as the organization and names the therapist as rendering;
    a solo therapist bills under their own NPI and tax ID."""
    taxonomy = TaxonomyCode(provider.taxonomy)
    licence = core.ProviderLicense(provider.licence_number, provider.licence_state)
    person = core.PersonName(last=provider.last_name, first=provider.first_name)
    if practice.npi:
        billing = core.BillingProvider(
            npi=practice.npi,
            tax_id_kind=TaxIdKind(practice.tax_id_kind),
            tax_id=_digits(practice.tax_id),
            address=_address(practice),
            organization=practice.name,
            taxonomy=TaxonomyCode(practice.taxonomy),
            phone=_digits(practice.phone) or None,
        )
        rendering = core.RenderingProvider(
            name=person,
            npi=provider.npi,
            taxonomy=taxonomy,
            license=licence,
            credentials=provider.credentials,
        )
        return billing, rendering
    billing = core.BillingProvider(
        npi=provider.npi,
        tax_id_kind=TaxIdKind(provider.tax_id_kind or practice.tax_id_kind),
        tax_id=_digits(provider.tax_id or practice.tax_id),
        address=_address(practice),
        person=person,
        taxonomy=taxonomy,
        phone=_digits(provider.phone or practice.phone) or None,
        license=licence,
        credentials=provider.credentials,
    )
    return billing, None


def _payer(payer: Payer) -> core.Payer:
    return core.Payer(
        name=payer.name,
        payer_id=payer.payer_id,
        kind=core.PayerKind(payer.kind),
        filing_indicator=ClaimFilingIndicator(payer.claim_filing_indicator),
        address=_address(payer) if payer.address_line1 and payer.city else None,
    )


def _provider_status(provider: Provider, payer: Payer) -> core.CredentialingStatus:
    if payer.kind in _NO_NETWORK:
        return core.CredentialingStatus.NOT_REQUIRED
    record = Credentialing.objects.filter(
        provider=provider, payer=payer, deleted_at__isnull=True
    ).first()
    return _CREDENTIALING[record.status] if record else core.CredentialingStatus.NOT_CREDENTIALED


def _client_as_subscriber(
    client: Client, member_id: str, group: str | None = None
) -> core.Subscriber:
    return core.Subscriber(
        name=core.PersonName(
            last=client.last_name, first=client.first_name, middle=client.middle_name or None
        ),
        member_id=member_id,
        birth_date=client.date_of_birth,
        sex=core.Sex(client.sex),
        address=_address(client),
        group_number=group,
    )


_TRISTATE = {Tristate.YES: True, Tristate.NO: False, Tristate.UNKNOWN: None}


def _coverage(visit: Visit, provider: Provider, used: EarlierUse) -> core.Coverage | None:
    case: Case | None = visit.case
    if case is not None and case.payer_id is not None:
        # Auto and WC carriers identify the insured by their claim number, and count the
        # case's visits (e.g. WA L&I's authorization after 6 visits).
        return core.Coverage(
            payer=_payer(case.payer),
            subscriber=_client_as_subscriber(visit.client, case.claim_number or ""),
            visits_used_this_year=used.benefit_year,
            provider_status=_provider_status(provider, case.payer),
        )
    coverage: Coverage | None = visit.coverage
    if coverage is None:
        return None
    if coverage.relationship == core.Relationship.SELF:
        subscriber = _client_as_subscriber(
            visit.client, coverage.member_id, coverage.group_number or None
        )
    else:
        subscriber = core.Subscriber(
            name=core.PersonName(
                last=coverage.subscriber_last_name, first=coverage.subscriber_first_name
            ),
            member_id=coverage.member_id,
            birth_date=coverage.subscriber_date_of_birth,
            group_number=coverage.group_number or None,
            patient_relationship=core.Relationship(coverage.relationship),
        )
    return core.Coverage(
        payer=_payer(coverage.payer),
        subscriber=subscriber,
        priority=[
            core.PayerPriority.PRIMARY,
            core.PayerPriority.SECONDARY,
            core.PayerPriority.TERTIARY,
        ][coverage.priority - 1],
        effective=coverage.effective_on,
        terminates=coverage.terminates_on,
        visits_per_year=coverage.visits_per_year,
        visits_used_this_year=used.benefit_year,
        authorization_required=_TRISTATE[Tristate(coverage.preauth_required)],
        provider_status=_provider_status(provider, coverage.payer),
    )


def _injury(case: Case | None) -> core.InjuryCase | None:
    if case is None:
        return None
    adjuster = (
        core.Adjuster(case.adjuster_name, case.adjuster_phone or None, case.adjuster_email or None)
        if case.adjuster_name
        else None
    )
    return core.InjuryCase(
        kind=core.InjuryKind(case.kind),
        accident_date=case.accident_date,
        state=case.accident_state or None,
        claim_number=case.claim_number or None,
        employer=case.employer_name or None,
        adjuster=adjuster,
    )


def _referring(referral: ReferralRecord | None) -> core.ReferringProvider | None:
    if referral is None:
        return None
    name, credentials = split_prescriber(referral.prescriber_name)
    return core.ReferringProvider(name=name, npi=referral.prescriber_npi, credentials=credentials)


def split_prescriber(full_name: str) -> tuple[core.PersonName, str | None]:
    """``Dr. Catherine Francis MD`` → (first Catherine, last Francis), credentials ``MD``."""
    text = _TITLES.sub("", full_name.strip())
    credentials = []
    while (match := _CREDENTIALS.search(text)) and match.start() > 0:
        credentials.insert(0, match.group(1).upper())
        text = text[: match.start()]
    parts = text.replace(",", " ").split()
    first, last = (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else ("", text.strip())
    return core.PersonName(last=last, first=first), ", ".join(credentials) or None


def _referral(visit: Visit, used: EarlierUse) -> core.Referral | None:
    referral: ReferralRecord | None = visit.referral
    if referral is None:
        return None
    return core.Referral(
        issued=referral.issued_on,
        expires=referral.expires_on,
        visits_allowed=referral.visits_allowed,
        visits_used=used.referral or 0,
    )


def _authorizations(used: EarlierUse, lines: list[ServiceLine]) -> list[core.Authorization]:
    """The visit's applicable authorizations as the claim carries them, the one covering the
    most lines first (ties: the earlier start)."""
    built = [
        core.Authorization(
            number=record.number,
            starts=record.starts_on,
            ends=record.ends_on,
            visits_allowed=record.visits_approved,
            visits_used=usage.visits.used,
            units_allowed=record.units_approved,
            units_used=usage.units.used,
            codes=tuple(record.code_list),
        )
        for record, usage in used.authorizations
    ]
    covering = [covering_authorization(line.code, used.facts.date, built) for line in lines]
    return sorted(built, key=lambda a: -sum(1 for c in covering if c is a))


def _line(visit: Visit, line: ServiceLine) -> core.ServiceLine:
    return core.ServiceLine(
        service_date=visit.date,
        code=line.code,
        units=line.units,
        charge=line.charge,
        pointers=tuple(line.pointers),
        modifiers=tuple(Modifier(m) for m in line.modifiers),
        minutes=line.minutes,
    )

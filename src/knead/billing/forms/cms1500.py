"""Claim → CMS-1500 (02/12) box values: one pure function, ``cms1500_boxes``.

The result is what the paper form says, keyed by box id (``"1a"``, ``"21.A"``, ``"24.3.D"`` …; the
ids are those of ``forms.layout.FIELDS``), so it can be compared fact by fact with the 837P the
same claim produces. Conventions of the values:

- text is upper case, as printed for OCR; ICD-10-CM codes without the decimal point (Box 21);
- dates are ``YYYY-MM-DD`` (the renderer prints ``MM DD YY``); money is ``123.45``;
- check boxes hold the chosen option: ``"1": "GROUP"``, ``"3.sex": "F"``, ``"10a": "N"`` …;
- an absent key means the box is left blank.

Item rules: billing-rules.md §6 (NUCC 1500 manual 02/12), §4.4 (ZZ taxonomy qualifier), §10
(no decimal point), §11.4-11.5 (10a/10b, 11b Y4, 14). Box 26 is the claim's ID as given (a claim
record's KN… ID, which the 835 sends back); a form the client files (billing mode SUPERBILL)
leaves 12 and 13 to the client and says NO in Box 27; Box 29 is what the client paid
(``amount_paid``) plus what prior payers paid. A claim with more than 6 service lines or 12
diagnoses continues on further pages; each page stands alone (its own lines, diagnoses A-L and
pointers, and the total of its own lines in Box 28), and the amount paid (Box 29) is on page 1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from knead.billing.claim import (
    Address,
    BillingMode,
    Claim,
    ClaimFrequency,
    InjuryKind,
    PayerKind,
    PersonName,
    Relationship,
    ServiceLine,
    Sex,
)
from knead.billing.forms.layout import DIAGNOSES_PER_PAGE, DIAGNOSIS_LETTERS, SERVICE_LINES_PER_PAGE

ICD10_INDICATOR = "0"  # Box 21 ICD Ind.: 0 = ICD-10-CM, 9 = ICD-9-CM
QUALIFIER_ONSET = "431"  # Box 14: onset of current symptoms or illness
QUALIFIER_ACCIDENT = "439"  # Box 15: accident date
QUALIFIER_REFERRING = "DN"  # Box 17: referring provider
QUALIFIER_PROPERTY_CASUALTY_CLAIM = "Y4"  # Box 11b: auto PIP / WC claim number
QUALIFIER_TAXONOMY = "ZZ"  # Box 24I / 33b: provider taxonomy on paper (PXC in the 837P)
SIGNATURE_ON_FILE = "SIGNATURE ON FILE"

_PROGRAM_BY_FILING_INDICATOR = {
    "MA": "MEDICARE",
    "MB": "MEDICARE",
    "MC": "MEDICAID",
    "CH": "TRICARE",
    "VA": "CHAMPVA",
    "FI": "FECA",
}
_GROUP_PLAN_INDICATORS = frozenset({"12", "13", "14", "15", "16", "BL", "CI", "HM"})
_RELATIONSHIP = {
    Relationship.SELF: "SELF",
    Relationship.SPOUSE: "SPOUSE",
    Relationship.CHILD: "CHILD",
    Relationship.OTHER: "OTHER",
}


@dataclass(frozen=True, slots=True)
class Cms1500Page:
    """One printed form: box id → value. ``lines`` are the claim's 1-based line numbers on it."""

    number: int
    count: int
    values: Mapping[str, str]
    lines: tuple[int, ...] = ()
    diagnoses: tuple[str, ...] = ()

    def get(self, box: str, default: str = "") -> str:
        return self.values.get(box, default)


@dataclass(frozen=True, slots=True)
class Cms1500Form:
    """The pages one claim prints on (one page up to 6 lines and 12 diagnoses)."""

    claim_id: str
    pages: tuple[Cms1500Page, ...] = field(default_factory=tuple)


def cms1500_boxes(claim: Claim, *, signed_on: dt.date | None = None) -> Cms1500Form:
    """Map a claim to the box values of its CMS-1500 page(s).

    ``signed_on`` is the date printed next to the provider's signature in Box 31 (blank if None).
    """
    header = _header_boxes(claim, signed_on)
    groups = _paginate(claim)
    pages = []
    for index, (line_numbers, diagnoses) in enumerate(groups):
        values = dict(header)
        values.update(_diagnosis_boxes(diagnoses))
        letters = {code: DIAGNOSIS_LETTERS[i] for i, code in enumerate(diagnoses)}
        page_total = Decimal("0.00")
        for slot, number in enumerate(line_numbers, start=1):
            line = claim.lines[number - 1]
            values.update(_line_boxes(claim, line, slot, letters))
            page_total += line.charge
        values["28"] = _money(page_total)
        if index == 0:
            others = claim.coverage.other_payers if claim.coverage else ()
            paid = claim.amount_paid + sum((o.paid_amount for o in others), Decimal("0.00"))
            if paid:
                values["29"] = _money(paid)
        pages.append(
            Cms1500Page(index + 1, len(groups), MappingProxyType(values), line_numbers, diagnoses)
        )
    return Cms1500Form(claim.id, tuple(pages))


def _paginate(claim: Claim) -> list[tuple[tuple[int, ...], tuple[str, ...]]]:
    """Group the lines into pages of ≤ 6 lines whose pointed-to diagnoses number ≤ 12.

    Diagnoses no line points to fill the free letters of the pages in claim order (and an extra
    page if they do not fit), so every diagnosis on the claim is printed.
    """
    pages: list[tuple[list[int], list[str]]] = []
    for number, line in enumerate(claim.lines, start=1):
        pointed = [_pointed(claim, p) for p in line.pointers]
        codes = [c for c in dict.fromkeys(pointed) if c]
        if pages:
            lines, diagnoses = pages[-1]
            merged = list(dict.fromkeys([*diagnoses, *codes]))
            if len(lines) < SERVICE_LINES_PER_PAGE and len(merged) <= DIAGNOSES_PER_PAGE:
                lines.append(number)
                diagnoses[:] = merged
                continue
        pages.append(([number], codes[:DIAGNOSES_PER_PAGE]))
    used = {code for _, diagnoses in pages for code in diagnoses}
    unused = [code for code in dict.fromkeys(claim.diagnoses) if code not in used]
    for _, diagnoses in pages:
        while unused and len(diagnoses) < DIAGNOSES_PER_PAGE:
            diagnoses.append(unused.pop(0))
    while unused:
        pages.append(([], unused[:DIAGNOSES_PER_PAGE]))
        unused = unused[DIAGNOSES_PER_PAGE:]
    for _, diagnoses in pages:
        # Keep the claim's own order (A = primary) on every page.
        diagnoses.sort(key=claim.diagnoses.index)
    return [(tuple(lines), tuple(diagnoses)) for lines, diagnoses in pages]


def _pointed(claim: Claim, pointer: int) -> str | None:
    return claim.diagnoses[pointer - 1] if 1 <= pointer <= len(claim.diagnoses) else None


def _header_boxes(claim: Claim, signed_on: dt.date | None) -> dict[str, str]:
    values: dict[str, str] = {}
    patient = claim.patient
    coverage = claim.coverage

    if coverage:
        payer, subscriber = coverage.payer, coverage.subscriber
        values["carrier.name"] = payer.name
        if payer.address:
            values["carrier.address1"] = payer.address.line1
            if payer.address.line2:
                values["carrier.address2"] = payer.address.line2
            values["carrier.city_state_zip"] = _city_state_zip(payer.address)
        values["1"] = _program(payer.kind, payer.filing_indicator.code)
        values["1a"] = subscriber.member_id
        values["4"] = _name(subscriber.name)
        values["6"] = _RELATIONSHIP[subscriber.patient_relationship]
        insured_address = subscriber.address or (
            patient.address if subscriber.patient_relationship is Relationship.SELF else None
        )
        if insured_address:
            values.update(_address_boxes("7", insured_address))
        if subscriber.group_number:
            values["11"] = subscriber.group_number
        if subscriber.birth_date:
            values["11a.birth_date"] = subscriber.birth_date.isoformat()
        if subscriber.sex in (Sex.MALE, Sex.FEMALE):
            values["11a.sex"] = subscriber.sex.value
        if subscriber.group_name:
            values["11c"] = subscriber.group_name
        if coverage.other_payers:
            other = coverage.other_payers[0]
            values["9"] = _name(other.subscriber.name)
            values["9a"] = other.subscriber.group_number or other.subscriber.member_id
            values["9d"] = other.subscriber.group_name or other.payer.name
        values["11d"] = "Y" if coverage.other_payers else "N"

    values["2"] = _name(patient.name)
    values["3.birth_date"] = patient.birth_date.isoformat()
    if patient.sex in (Sex.MALE, Sex.FEMALE):
        values["3.sex"] = patient.sex.value
    values.update(_address_boxes("5", patient.address))
    if patient.contact.phone:
        values["5.phone"] = patient.contact.phone

    injury = claim.injury
    values["10a"] = "Y" if injury and injury.kind is InjuryKind.EMPLOYMENT else "N"
    values["10b"] = "Y" if injury and injury.kind is InjuryKind.AUTO else "N"
    if injury and injury.kind is InjuryKind.AUTO and injury.state:
        values["10b.state"] = injury.state
    values["10c"] = "Y" if injury and injury.kind is InjuryKind.OTHER_ACCIDENT else "N"
    if injury and injury.claim_number:
        values["11b.qualifier"] = QUALIFIER_PROPERTY_CASUALTY_CLAIM
        values["11b"] = injury.claim_number

    # A client who paid in full mails the form themselves: they sign Box 12, and leave Box 13
    # unsigned so that the plan pays them rather than the practice.
    member_submitted = claim.billing_mode is BillingMode.SUPERBILL
    if claim.signature_on_file and not member_submitted:
        values["12"] = SIGNATURE_ON_FILE
    if claim.assignment_of_benefits and not member_submitted:
        values["13"] = SIGNATURE_ON_FILE

    accident_date = injury.accident_date if injury else None
    onset = claim.onset_date or accident_date
    if onset:
        values["14"] = onset.isoformat()
        values["14.qualifier"] = QUALIFIER_ONSET
    if accident_date and accident_date != onset:
        values["15"] = accident_date.isoformat()
        values["15.qualifier"] = QUALIFIER_ACCIDENT

    referring = claim.referring_provider
    if referring:
        values["17.qualifier"] = QUALIFIER_REFERRING
        values["17"] = " ".join(
            part for part in (referring.name.display(), referring.credentials) if part
        )
        if referring.npi:
            values["17b"] = referring.npi

    values["21.ind"] = ICD10_INDICATOR
    if claim.frequency is not ClaimFrequency.ORIGINAL:
        values["22.code"] = claim.frequency.value
        if claim.original_claim_number:
            values["22.original_ref"] = claim.original_claim_number
    if claim.authorization:
        values["23"] = claim.authorization.number
    elif claim.referral and claim.referral.number:
        values["23"] = claim.referral.number

    billing = claim.billing_provider
    values["25"] = billing.tax_id
    values["25.kind"] = billing.tax_id_kind.value
    values["26"] = claim.id
    # A form the client files is theirs, not the practice's: the practice accepts no
    # assignment on it (Box 27 NO) and the plan pays the client, whatever the claim says.
    values["27"] = "Y" if claim.accept_assignment and not member_submitted else "N"

    signer = claim.rendering_provider
    if signer:
        values["31"] = " ".join(p for p in (signer.name.display(), signer.credentials) if p)
    elif billing.person:
        values["31"] = " ".join(p for p in (billing.person.display(), billing.credentials) if p)
    if signed_on:
        values["31.date"] = signed_on.isoformat()

    facility = claim.service_facility
    if facility:
        values["32.name"] = facility.name
        values["32.street"] = _street(facility.address)
        values["32.city_state_zip"] = _city_state_zip(facility.address)
        if facility.npi:
            values["32a"] = facility.npi

    if billing.phone:
        values["33.phone"] = billing.phone
    values["33.name"] = billing.name
    values["33.street"] = _street(billing.address)
    values["33.city_state_zip"] = _city_state_zip(billing.address)
    values["33a"] = billing.npi
    if billing.taxonomy:
        values["33b.qualifier"] = QUALIFIER_TAXONOMY
        values["33b"] = billing.taxonomy.code
    return {key: value.upper() for key, value in values.items() if value}


def _diagnosis_boxes(diagnoses: tuple[str, ...]) -> dict[str, str]:
    return {f"21.{DIAGNOSIS_LETTERS[i]}": code.upper() for i, code in enumerate(diagnoses)}


def _line_boxes(
    claim: Claim, line: ServiceLine, slot: int, letters: Mapping[str, str]
) -> dict[str, str]:
    p = f"24.{slot}."
    place = line.place_of_service or claim.place_of_service
    pointers = "".join(
        letters[code]
        for code in dict.fromkeys(_pointed(claim, n) for n in line.pointers)
        if code is not None and code in letters
    )
    values = {
        p + "A.from": line.service_date.isoformat(),
        p + "A.to": line.service_date.isoformat(),
        p + "B": place.code,
        p + "D": line.code.upper(),
        p + "E": pointers,
        p + "F": _money(line.charge),
        p + "G": str(line.units),
    }
    if line.modifiers:
        values[p + "D.modifiers"] = " ".join(line.modifier_codes)
    rendering = claim.rendering_provider
    if rendering:
        values[p + "J"] = rendering.npi
        if rendering.taxonomy:
            values[p + "I"] = QUALIFIER_TAXONOMY
            values[p + "J.other"] = rendering.taxonomy.code
    elif claim.billing_provider.person:
        values[p + "J"] = claim.billing_provider.npi
    return {key: value for key, value in values.items() if value}


def _program(kind: PayerKind, filing_indicator: str) -> str:
    """Box 1: the program the payer belongs to. Auto, WC and individual plans are OTHER."""
    if filing_indicator in _PROGRAM_BY_FILING_INDICATOR:
        return _PROGRAM_BY_FILING_INDICATOR[filing_indicator]
    if kind is PayerKind.MEDICARE:
        return "MEDICARE"
    if kind is PayerKind.MEDICAID:
        return "MEDICAID"
    if kind is PayerKind.COMMERCIAL and filing_indicator in _GROUP_PLAN_INDICATORS:
        return "GROUP"
    return "OTHER"


def _name(name: PersonName) -> str:
    """NUCC name order for Boxes 2, 4 and 9: ``LAST, FIRST, M`` (suffix after the last name)."""
    last = f"{name.last} {name.suffix}" if name.suffix else name.last
    parts = [last, name.first]
    if name.middle:
        parts.append(name.middle[0])
    return ", ".join(parts)


def _street(address: Address) -> str:
    return f"{address.line1} {address.line2}" if address.line2 else address.line1


def _city_state_zip(address: Address) -> str:
    return f"{address.city} {address.state} {address.zip_formatted}"


def _address_boxes(box: str, address: Address) -> dict[str, str]:
    return {
        f"{box}.street": _street(address),
        f"{box}.city": address.city,
        f"{box}.state": address.state,
        f"{box}.zip": address.zip_formatted,
    }


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"

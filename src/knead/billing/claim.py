"""The claim model: every fact one professional claim (one visit, one payer) needs.

A claim holds *facts* about the visit, the people and the coverage. Payer *rules* (unit rule,
GP required, referral required, visits per year, timely filing …) live in ``payer_rules``.

Validation policy (deliberate): shapes, dates, money, enumerations and small code lists
(place of service, modifier, taxonomy, SBR09) are validated types, so a malformed claim cannot
be built. Four kinds of identifier are kept as normalized strings instead, because a claim
with a bad one must still load so that the scrubber can report it under its own rule ID:
NPIs (check digit, length), tax IDs (EIN/SSN), ICD-10-CM codes (non-billable, missing 7th
character) and procedure codes (unknown to the catalog). Validated accessors (``npi_value``,
``tax_id_value``, ``icd_codes``, ``procedure``) return the checked type or raise InvalidCode.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from knead.billing.codes.code_lists import (
    ClaimFilingIndicator,
    Modifier,
    PlaceOfService,
    TaxonomyCode,
)
from knead.billing.codes.icd10 import IcdCode
from knead.billing.codes.icd10 import normalize as normalize_icd
from knead.billing.codes.procedures import Procedure, catalog
from knead.billing.identifiers import Npi, TaxId, TaxIdKind

MAX_DIAGNOSES = 12  # 837P HI segment, CMS-1500 Box 21 A to L
MAX_POINTERS = 4  # SV107, Box 24E
MAX_MODIFIERS = 4  # SV101-3..6, Box 24D
MAX_PAPER_LINES = 6  # CMS-1500 Box 24
MAX_837_LINES = 50


class Sex(StrEnum):
    MALE = "M"
    FEMALE = "F"
    UNKNOWN = "U"


class Relationship(StrEnum):
    """The patient's relationship to the subscriber. ``x12`` gives the 837P code (SBR02/PAT01)."""

    SELF = "self"
    SPOUSE = "spouse"
    CHILD = "child"
    OTHER = "other"

    @property
    def x12(self) -> str:
        return {"self": "18", "spouse": "01", "child": "19", "other": "G8"}[self.value]


class ClaimFrequency(StrEnum):
    """CLM05-3 / Box 22: 1 original, 7 replacement of a prior claim, 8 void of a prior claim."""

    ORIGINAL = "1"
    REPLACEMENT = "7"
    VOID = "8"


class PayerPriority(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    TERTIARY = "tertiary"

    @property
    def x12(self) -> str:
        """SBR01 payer responsibility code."""
        return {"primary": "P", "secondary": "S", "tertiary": "T"}[self.value]


class PayerKind(StrEnum):
    COMMERCIAL = "commercial"
    MEDICARE = "medicare"
    MEDICAID = "medicaid"
    AUTO = "auto"
    WORKERS_COMP = "workers_comp"
    OTHER = "other"


class InjuryKind(StrEnum):
    """What the condition is related to: Box 10a/10b/10c, CLM11 EM/AA/OA."""

    AUTO = "auto"
    EMPLOYMENT = "employment"
    OTHER_ACCIDENT = "other_accident"

    @property
    def x12(self) -> str:
        return {"auto": "AA", "employment": "EM", "other_accident": "OA"}[self.value]


class BillingMode(StrEnum):
    """DIRECT: the practice bills the payer. SUPERBILL: the client pays and claims it back."""

    DIRECT = "direct"
    SUPERBILL = "superbill"


class PaymentMethod(StrEnum):
    CASH = "cash"
    CHECK = "check"
    CARD = "card"
    HSA_FSA = "hsa_fsa"  # a health savings or flexible spending account's card
    OTHER = "other"


class CredentialingStatus(StrEnum):
    """Whether the rendering/billing provider is credentialed with the payer for direct billing."""

    CREDENTIALED = "credentialed"
    PENDING = "pending"
    NOT_CREDENTIALED = "not_credentialed"
    NOT_REQUIRED = "not_required"  # auto PIP and most WC carriers have no network


class AdjustmentGroup(StrEnum):
    """CAS01 claim adjustment group code."""

    CO = "CO"
    PR = "PR"
    OA = "OA"
    PI = "PI"


@dataclass(frozen=True, slots=True)
class Address:
    """A US postal address. ``zip`` is 5 or 9 digits without a hyphen."""

    line1: str
    city: str
    state: str
    zip: str
    line2: str | None = None

    @property
    def zip_formatted(self) -> str:
        return f"{self.zip[:5]}-{self.zip[5:]}" if len(self.zip) == 9 else self.zip


@dataclass(frozen=True, slots=True)
class PersonName:
    last: str
    first: str
    middle: str | None = None
    suffix: str | None = None

    def display(self) -> str:
        """``First M. Last Suffix`` for documents."""
        parts = [self.first, f"{self.middle[0]}." if self.middle else None, self.last, self.suffix]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str | None = None  # 10 digits
    email: str | None = None


@dataclass(frozen=True, slots=True)
class ProviderLicense:
    number: str
    state: str


@dataclass(frozen=True, slots=True)
class BillingProvider:
    """Box 33 / loop 2010AA. A practice (``organization``) or a sole practitioner (``person``).

    ``npi`` and ``tax_id`` are kept as given so the scrubber can report bad ones.
    """

    npi: str
    tax_id_kind: TaxIdKind
    tax_id: str  # 9 digits, hyphens removed
    address: Address
    organization: str | None = None
    person: PersonName | None = None
    taxonomy: TaxonomyCode | None = None
    phone: str | None = None
    pay_to_address: Address | None = None  # 2010AB, only when payments go elsewhere
    license: ProviderLicense | None = None
    credentials: str | None = None  # e.g. "LMT"

    @property
    def name(self) -> str:
        if self.organization:
            return self.organization
        return self.person.display() if self.person else ""

    @property
    def npi_value(self) -> Npi:
        return Npi(self.npi)

    @property
    def tax_id_value(self) -> TaxId:
        return TaxId(self.tax_id_kind, self.tax_id)


@dataclass(frozen=True, slots=True)
class RenderingProvider:
    """Box 24J / loop 2310B: the therapist who gave the treatment."""

    name: PersonName
    npi: str
    taxonomy: TaxonomyCode | None = None
    license: ProviderLicense | None = None
    credentials: str | None = None  # e.g. "LMT"

    @property
    def npi_value(self) -> Npi:
        return Npi(self.npi)


@dataclass(frozen=True, slots=True)
class ReferringProvider:
    """Box 17 / loop 2310A (DN): the prescriber of the massage referral."""

    name: PersonName
    npi: str | None = None
    credentials: str | None = None  # e.g. "MD", "DC"

    @property
    def npi_value(self) -> Npi:
        return Npi(self.npi or "")


@dataclass(frozen=True, slots=True)
class ServiceFacility:
    """Box 32 / loop 2310C, when treatment happened somewhere other than the billing address."""

    name: str
    address: Address
    npi: str | None = None


@dataclass(frozen=True, slots=True)
class Patient:
    """The client treated. Always present; the 837P 2000C loop is needed only when the
    subscriber's ``patient_relationship`` is not SELF."""

    name: PersonName
    birth_date: dt.date
    sex: Sex
    address: Address
    contact: Contact = field(default_factory=Contact)
    account_number: str | None = None


@dataclass(frozen=True, slots=True)
class Subscriber:
    """The insured person (Box 4, 7, 11 / loop 2010BA)."""

    name: PersonName
    member_id: str
    birth_date: dt.date | None = None
    sex: Sex | None = None
    address: Address | None = None
    group_number: str | None = None
    group_name: str | None = None
    patient_relationship: Relationship = Relationship.SELF


@dataclass(frozen=True, slots=True)
class Payer:
    """The payer this claim goes to (loop 2010BB). ``payer_id`` keys the payer rules."""

    name: str
    payer_id: str
    kind: PayerKind
    filing_indicator: ClaimFilingIndicator
    address: Address | None = None


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS adjustment: group, CARC reason code, amount (and quantity when given)."""

    group: AdjustmentGroup
    reason: str
    amount: Decimal
    quantity: int | None = None


@dataclass(frozen=True, slots=True)
class LineAdjudication:
    """What a prior payer did with one service line (loop 2430). ``line`` is 1-based."""

    line: int
    paid_amount: Decimal
    paid_date: dt.date | None = None
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True, slots=True)
class OtherPayer:
    """A payer that adjudicated before this one, for a secondary or tertiary claim (2320/2330)."""

    payer: Payer
    subscriber: Subscriber
    priority: PayerPriority
    paid_amount: Decimal
    paid_date: dt.date | None = None
    claim_number: str | None = None  # the other payer's claim control number
    adjustments: tuple[Adjustment, ...] = ()
    line_adjudications: tuple[LineAdjudication, ...] = ()


@dataclass(frozen=True, slots=True)
class Coverage:
    """The policy this claim is billed to, with the facts the scrubber and estimates need.

    ``visits_used_this_year`` counts visits already billed in the benefit year, not this one
    (for an injury case's carrier: the case's earlier visits, as the carrier counts per claim).
    ``visits_per_year`` is the plan's own limit when known (it overrides the payer rule), and
    so is ``authorization_required`` (the plan's answer on prior authorization, None when not
    known).
    """

    payer: Payer
    subscriber: Subscriber
    priority: PayerPriority = PayerPriority.PRIMARY
    effective: dt.date | None = None
    terminates: dt.date | None = None
    visits_used_this_year: int | None = None
    visits_per_year: int | None = None
    authorization_required: bool | None = None
    provider_status: CredentialingStatus = CredentialingStatus.CREDENTIALED
    other_payers: tuple[OtherPayer, ...] = ()


@dataclass(frozen=True, slots=True)
class Adjuster:
    name: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class InjuryCase:
    """An auto (PIP), workers' comp or other accident case. Fields the scrubber must be able to
    report as missing are optional."""

    kind: InjuryKind
    accident_date: dt.date | None = None
    state: str | None = None  # 2-letter, required for auto
    claim_number: str | None = None  # REF*Y4 / Box 11b
    employer: str | None = None
    adjuster: Adjuster | None = None


@dataclass(frozen=True, slots=True)
class Referral:
    """A referral or prescription for massage. The prescriber is the claim's referring provider.

    ``visits_used`` counts visits already used before this one.
    """

    number: str | None = None  # REF*9F
    issued: dt.date | None = None
    expires: dt.date | None = None
    visits_allowed: int | None = None
    visits_used: int = 0


@dataclass(frozen=True, slots=True)
class Authorization:
    """A payer's prior authorization. ``*_used`` counts what was used before this visit.

    ``codes`` are the procedure codes it covers (empty: every code). A service line is covered
    by the claim's authorization whose codes include its code
    (``knead.billing.visit_counts.covering_authorization``); its units count against that one.
    """

    number: str  # REF*G1 / Box 23
    starts: dt.date | None = None
    ends: dt.date | None = None
    visits_allowed: int | None = None
    visits_used: int = 0
    units_allowed: int | None = None
    units_used: int = 0
    codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """One Box 24 line / loop 2400.

    ``code`` is kept as given (see module doc); ``minutes`` is the timed minutes documented for
    it (None for untimed codes or when not recorded). ``pointers`` are 1-based indexes into the
    claim's diagnoses (1 = A).
    """

    service_date: dt.date
    code: str
    units: int
    charge: Decimal
    pointers: tuple[int, ...]
    modifiers: tuple[Modifier, ...] = ()
    minutes: int | None = None
    place_of_service: PlaceOfService | None = None

    @property
    def procedure(self) -> Procedure:
        """The catalog entry; raises InvalidCode for an unknown code."""
        return catalog().get(self.code)

    @property
    def modifier_codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self.modifiers)


@dataclass(frozen=True, slots=True)
class Claim:
    """One claim: one visit, billed to one payer (or documented on a superbill)."""

    id: str  # CLM01 patient control number
    billing_provider: BillingProvider
    patient: Patient
    place_of_service: PlaceOfService
    diagnoses: tuple[str, ...]  # ICD-10-CM wire form (no dot), order = A, B, C …
    lines: tuple[ServiceLine, ...]
    coverage: Coverage | None = None
    frequency: ClaimFrequency = ClaimFrequency.ORIGINAL
    original_claim_number: str | None = None  # REF*F8, required for frequency 7 or 8
    rendering_provider: RenderingProvider | None = None
    referring_provider: ReferringProvider | None = None
    service_facility: ServiceFacility | None = None
    injury: InjuryCase | None = None
    onset_date: dt.date | None = None  # DTP*431 / Box 14
    referral: Referral | None = None
    authorization: Authorization | None = None  # the claim's own (REF*G1 in 2300, Box 23)
    # Further authorizations covering some lines by code (REF*G1 in those lines' 2400 loops).
    additional_authorizations: tuple[Authorization, ...] = ()
    signature_on_file: bool = True  # Box 12, CLM09 release of information
    assignment_of_benefits: bool = True  # Box 13, CLM08
    accept_assignment: bool = True  # Box 27, CLM07
    billing_mode: BillingMode = BillingMode.DIRECT
    note_signed: bool = False  # the visit's clinical note has been signed
    amount_paid: Decimal = Decimal("0.00")  # Box 29: paid by the client at the visit
    payment_method: PaymentMethod | None = None

    def __post_init__(self) -> None:
        # Diagnoses are kept in wire form (no dot, upper case) whichever way they were given.
        wire = tuple(normalize_icd(code) for code in self.diagnoses)
        if wire != self.diagnoses:
            object.__setattr__(self, "diagnoses", wire)

    @property
    def total_charge(self) -> Decimal:
        """Box 28 / CLM02: the sum of the line charges."""
        return sum((line.charge for line in self.lines), Decimal("0.00"))

    @property
    def service_dates(self) -> tuple[dt.date, ...]:
        return tuple(sorted({line.service_date for line in self.lines}))

    @property
    def payer(self) -> Payer | None:
        return self.coverage.payer if self.coverage else None

    @property
    def authorizations(self) -> tuple[Authorization, ...]:
        """Every authorization on the claim: its own first, then the additional ones."""
        own = (self.authorization,) if self.authorization else ()
        return own + self.additional_authorizations

    @property
    def icd_codes(self) -> tuple[IcdCode, ...]:
        """The diagnoses as checked codes; raises InvalidCode for the first bad one."""
        return tuple(IcdCode(code) for code in self.diagnoses)

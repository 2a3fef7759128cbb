"""837P professional claim (005010X222A1) writer, built from the claim model (knead.billing.claim).

Loops written (billing-rules.md §7.2): 1000A submitter and 1000B receiver (per clearinghouse);
2000A/2010AA billing provider (NPI, EIN or SSN, PRV taxonomy, 9-digit ZIP) and 2010AB pay-to;
2000B/2010BA subscriber, 2010BB payer; 2000C/2010CA patient when not the subscriber; 2300 CLM
with place of service, frequency (7/8 with REF*F8), related causes AA/EM/OA with the state,
DTP*431 onset and *439 accident, REF*G1 prior authorization (in 2400 too, for a line covered
by another authorization than the claim's own), REF*9F referral, REF*Y4 property
and casualty claim number (in 2010BA or 2010CA), HI with up to 12 ICD-10-CM codes; 2310A
referring, 2310B rendering with PRV taxonomy, 2310C service facility; 2320/2330A/2330B other
payers with their paid amount and adjustments; 2400 SV1 lines with DTP*472 and 2430 line
adjudication. Segment counts and control numbers come from ``envelope.write_interchange``.

Claims that share a billing provider, subscriber, payer and patient share one 2000A/2000B/2000C
loop. A transaction set holds at most 5,000 claims and a 2000B at most 100 (the guide's limits).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from knead.billing.claim import (
    MAX_837_LINES,
    MAX_DIAGNOSES,
    MAX_MODIFIERS,
    MAX_POINTERS,
    Address,
    Adjustment,
    BillingProvider,
    Claim,
    ClaimFrequency,
    Coverage,
    InjuryKind,
    OtherPayer,
    Patient,
    PersonName,
    Relationship,
    Sex,
)
from knead.billing.identifiers import TaxIdKind
from knead.billing.visit_counts import covering_authorization
from knead.billing.x12.envelope import (
    ControlNumbers,
    Interchange,
    Segment,
    TradingPartners,
    TransactionSet,
    write_interchange,
)
from knead.billing.x12.errors import X12Error
from knead.billing.x12.syntax import Delimiters

VERSION = "005010X222A1"
MAX_CLAIMS_PER_SET = 5000
MAX_CLAIMS_PER_SUBSCRIBER = 100
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Submitter:
    """Loop 1000A: who sends the file (the practice or its billing service), as the
    clearinghouse knows it: ``id`` is the ETIN the clearinghouse assigned (NM109, qualifier 46)."""

    name: str
    id: str
    contact_name: str
    phone: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Receiver:
    """Loop 1000B: the clearinghouse or payer receiving the file (NM109, qualifier 46)."""

    name: str
    id: str


@dataclass(frozen=True, slots=True)
class ClearinghouseSettings:
    """Everything about the destination that is not in the claim."""

    partners: TradingPartners
    submitter: Submitter
    receiver: Receiver


def _d8(day: date) -> str:
    return day.strftime("%Y%m%d")


def _money(value: Decimal) -> str:
    return str(value.quantize(_CENT))


def _upper(text: str | None) -> str:
    return (text or "").upper()


def _sized(value: str, where: str, low: int, high: int) -> str:
    """``value`` if its length fits the element's min/max (implementation guide), else an error."""
    if not low <= len(value) <= high:
        raise X12Error(f"{where} must be {low} to {high} characters; {value!r} has {len(value)}")
    return value


def _nm1(
    kind: str,
    entity: str,
    last: str,
    first: str = "",
    middle: str = "",
    suffix: str = "",
    qualifier: str = "",
    ident: str = "",
) -> Segment:
    where = f"NM1*{kind}"
    return (
        "NM1",
        kind,
        entity,
        _sized(_upper(last), f"{where} NM103 name", 1, 60),
        _sized(_upper(first), f"{where} NM104 first name", 0, 35),
        _sized(_upper(middle), f"{where} NM105 middle name", 0, 25),
        "",
        _sized(_upper(suffix), f"{where} NM107 suffix", 0, 10),
        qualifier if ident else "",
        _sized(ident, f"{where} NM109 identifier", 2, 80) if ident else "",
    )


def _person(kind: str, name: PersonName, qualifier: str = "", ident: str = "") -> Segment:
    return _nm1(
        kind, "1", name.last, name.first, name.middle or "", name.suffix or "", qualifier, ident
    )


def _address(address: Address, where: str, nine_digit_zip: bool = False) -> list[Segment]:
    if nine_digit_zip and len(address.zip) != 9:
        raise X12Error(
            f"{where} N403 needs the 9-digit ZIP+4; {address.zip!r} has {len(address.zip)} digits"
        )
    return [
        (
            "N3",
            _sized(_upper(address.line1), f"{where} N301 address", 1, 55),
            _sized(_upper(address.line2), f"{where} N302 address", 0, 55),
        ),
        (
            "N4",
            _sized(_upper(address.city), f"{where} N401 city", 2, 30),
            _upper(address.state),
            address.zip,
        ),
    ]


def _demographics(birth_date: date | None, sex: Sex | None) -> list[Segment]:
    if birth_date is None:
        return []
    return [("DMG", "D8", _d8(birth_date), sex.value if sex else "U")]


def _billing_provider(provider: BillingProvider, hl: int) -> list[Segment]:
    out: list[Segment] = [("HL", str(hl), "", "20", "1")]
    if provider.taxonomy:
        out.append(("PRV", "BI", "PXC", provider.taxonomy.code))
    if provider.organization:
        out.append(_nm1("85", "2", provider.organization, qualifier="XX", ident=provider.npi))
    elif provider.person:
        out.append(_person("85", provider.person, "XX", provider.npi))
    else:
        raise X12Error("the billing provider needs an organization or a person name")
    out += _address(provider.address, "2010AA billing provider", nine_digit_zip=True)
    out.append(("REF", "EI" if provider.tax_id_kind is TaxIdKind.EIN else "SY", provider.tax_id))
    if provider.phone:
        out.append(("PER", "IC", _upper(provider.name), "TE", provider.phone))
    if provider.pay_to_address:
        out.append(("NM1", "87", "2"))
        out += _address(provider.pay_to_address, "2010AB pay-to")
    return out


def _y4(claim: Claim) -> str | None:
    injury = claim.injury
    return injury.claim_number if injury and injury.claim_number else None


def _subscriber(
    coverage: Coverage,
    patient: Patient,
    y4: str | None,
    hl: int,
    parent: int,
    has_patient_loop: bool,
) -> list[Segment]:
    sub = coverage.subscriber
    is_patient = sub.patient_relationship is Relationship.SELF
    out: list[Segment] = [
        ("HL", str(hl), str(parent), "22", "1" if has_patient_loop else "0"),
        (
            "SBR",
            coverage.priority.x12,
            "18" if is_patient else "",
            sub.group_number or "",
            "" if sub.group_number else _upper(sub.group_name),
            "",
            "",
            "",
            "",
            coverage.payer.filing_indicator.code,
        ),
        _person("IL", sub.name, "MI", sub.member_id),
    ]
    if is_patient:
        # N3/N4/DMG in 2010BA are required when the subscriber is the patient, else not sent.
        out += _address(patient.address, "2010BA subscriber")
        out += _demographics(patient.birth_date, patient.sex)
        if y4:
            out.append(("REF", "Y4", y4))
    out.append(_nm1("PR", "2", coverage.payer.name, qualifier="PI", ident=coverage.payer.payer_id))
    if coverage.payer.address:
        out += _address(coverage.payer.address, "2010BB payer")
    return out


def _patient(
    patient: Patient, relationship: Relationship, y4: str | None, hl: int, parent: int
) -> list[Segment]:
    out: list[Segment] = [
        ("HL", str(hl), str(parent), "23", "0"),
        ("PAT", relationship.x12),
        _person("QC", patient.name),
        *_address(patient.address, "2010CA patient"),
        *_demographics(patient.birth_date, patient.sex),
    ]
    if y4:
        out.append(("REF", "Y4", y4))
    return out


def _cas(adjustments: Sequence[Adjustment]) -> list[Segment]:
    """CAS segments, one per group code, at most six triplets each."""
    by_group: dict[str, list[str]] = {}
    for adj in adjustments:
        by_group.setdefault(adj.group.value, []).extend(
            (adj.reason, _money(adj.amount), "" if adj.quantity is None else str(adj.quantity))
        )
    out: list[Segment] = []
    for group, values in by_group.items():
        for start in range(0, len(values), 18):
            out.append(("CAS", group, *values[start : start + 18]))
    return out


def _other_payer(other: OtherPayer, has_line_adjudication: bool) -> list[Segment]:
    sub = other.subscriber
    out: list[Segment] = [
        (
            "SBR",
            other.priority.x12,
            sub.patient_relationship.x12,
            sub.group_number or "",
            "" if sub.group_number else _upper(sub.group_name),
            "",
            "",
            "",
            "",
            other.payer.filing_indicator.code,
        ),
        *_cas(other.adjustments),
        ("AMT", "D", _money(other.paid_amount)),
        ("OI", "", "", "Y", "", "", "Y"),
        _person("IL", sub.name, "MI", sub.member_id),
    ]
    if sub.address:
        out += _address(sub.address, "2330A other subscriber")
    out.append(_nm1("PR", "2", other.payer.name, qualifier="PI", ident=other.payer.payer_id))
    if other.payer.address:
        out += _address(other.payer.address, "2330B other payer")
    if other.paid_date and not has_line_adjudication:
        out.append(("DTP", "573", "D8", _d8(other.paid_date)))
    if other.claim_number:
        out.append(("REF", "F8", other.claim_number))
    return out


def _claim(claim: Claim) -> list[Segment]:
    if not claim.lines:
        raise X12Error(f"claim {claim.id} has no service lines")
    if len(claim.lines) > MAX_837_LINES:
        raise X12Error(
            f"claim {claim.id} has {len(claim.lines)} lines; an 837P allows {MAX_837_LINES}"
        )
    if not 1 <= len(claim.diagnoses) <= MAX_DIAGNOSES:
        raise X12Error(
            f"claim {claim.id} has {len(claim.diagnoses)} diagnoses; HI holds 1 to {MAX_DIAGNOSES}"
        )
    injury = claim.injury
    related: tuple[str, ...] | str = ""
    if injury:
        related = (
            (injury.kind.x12, "", "", injury.state or "")
            if injury.kind is InjuryKind.AUTO
            else (injury.kind.x12,)
        )
    out: list[Segment] = [
        (
            "CLM",
            _sized(claim.id, "CLM01 claim ID", 1, 38),
            _money(claim.total_charge),
            "",
            "",
            (claim.place_of_service.code, "B", claim.frequency.value),
            "Y",
            "A" if claim.accept_assignment else "C",
            "Y" if claim.assignment_of_benefits else "N",
            "Y" if claim.signature_on_file else "I",
            "",
            related,
        )
    ]
    if claim.onset_date:
        out.append(("DTP", "431", "D8", _d8(claim.onset_date)))
    if injury and injury.accident_date:
        out.append(("DTP", "439", "D8", _d8(injury.accident_date)))
    if claim.amount_paid:
        out.append(("AMT", "F5", _money(claim.amount_paid)))
    # REF order follows the implementation guide: 9F referral, G1 authorization, F8 original.
    if claim.referral and claim.referral.number:
        out.append(("REF", "9F", claim.referral.number))
    if claim.authorization:
        out.append(("REF", "G1", claim.authorization.number))
    if claim.frequency is not ClaimFrequency.ORIGINAL:
        if not claim.original_claim_number:
            raise X12Error(
                f"claim {claim.id}: frequency {claim.frequency.value} needs the "
                "payer's original claim number (REF*F8)"
            )
        out.append(("REF", "F8", claim.original_claim_number))
    out.append(
        (
            "HI",
            *(
                ("ABK" if i == 0 else "ABF", code.replace(".", ""))
                for i, code in enumerate(claim.diagnoses)
            ),
        )
    )
    if claim.referring_provider:
        ref = claim.referring_provider
        out.append(_person("DN", ref.name, "XX", ref.npi or ""))
    rendering = claim.rendering_provider
    if rendering and rendering.npi != claim.billing_provider.npi:
        out.append(_person("82", rendering.name, "XX", rendering.npi))
        if rendering.taxonomy:
            out.append(("PRV", "PE", "PXC", rendering.taxonomy.code))
    if claim.service_facility:
        facility = claim.service_facility
        out.append(_nm1("77", "2", facility.name, qualifier="XX", ident=facility.npi or ""))
        out += _address(facility.address, "2310C service facility")
    others = claim.coverage.other_payers if claim.coverage else ()
    for other in others:
        out += _other_payer(other, bool(other.line_adjudications))
    for number, line in enumerate(claim.lines, 1):
        if len(line.pointers) > MAX_POINTERS or len(line.modifiers) > MAX_MODIFIERS:
            raise X12Error(
                f"claim {claim.id} line {number}: at most {MAX_POINTERS} pointers "
                f"and {MAX_MODIFIERS} modifiers"
            )
        if any(not 1 <= p <= len(claim.diagnoses) for p in line.pointers) or not line.pointers:
            raise X12Error(
                f"claim {claim.id} line {number}: diagnosis pointers "
                f"{list(line.pointers)} must point into the {len(claim.diagnoses)} "
                "diagnoses"
            )
        pos = line.place_of_service
        procedure = ("HC", line.code, *(m.code for m in line.modifiers))
        out += [
            ("LX", str(number)),
            (
                "SV1",
                procedure,
                _money(line.charge),
                "UN",
                str(line.units),
                pos.code if pos and pos != claim.place_of_service else "",
                "",
                tuple(str(p) for p in line.pointers),
            ),
            ("DTP", "472", "D8", _d8(line.service_date)),
        ]
        # A line covered by another authorization than the claim's own names it (2400 REF*G1).
        covering = covering_authorization(line.code, line.service_date, claim.authorizations)
        own = claim.authorization.number if claim.authorization else None
        if covering is not None and covering.number != own:
            out.append(("REF", "G1", covering.number))
        for other in others:
            for adjudication in other.line_adjudications:
                if adjudication.line != number:
                    continue
                out.append(
                    (
                        "SVD",
                        other.payer.payer_id,
                        _money(adjudication.paid_amount),
                        procedure,
                        "",
                        str(line.units),
                    )
                )
                out += _cas(adjudication.adjustments)
                paid_date = adjudication.paid_date or other.paid_date
                if paid_date:
                    out.append(("DTP", "573", "D8", _d8(paid_date)))
    return out


def _group_key(claim: Claim) -> tuple[object, ...]:
    coverage = claim.coverage
    assert coverage is not None
    return (
        claim.billing_provider,
        coverage.payer,
        coverage.subscriber,
        coverage.priority,
        claim.patient,
        _y4(claim),
    )


def transaction_body(
    claims: Sequence[Claim],
    submitter: Submitter,
    receiver: Receiver,
    reference: str,
    created: datetime,
) -> list[Segment]:
    """The segments between ST and SE for ``claims`` (at most 5,000)."""
    body: list[Segment] = [
        (
            "BHT",
            "0019",
            "00",
            reference,
            created.strftime("%Y%m%d"),
            created.strftime("%H%M"),
            "CH",
        ),
        _nm1("41", "2", submitter.name, qualifier="46", ident=submitter.id),
        (
            "PER",
            "IC",
            _upper(submitter.contact_name),
            "TE",
            submitter.phone,
            *(("EM", submitter.email) if submitter.email else ()),
        ),
        _nm1("40", "2", receiver.name, qualifier="46", ident=receiver.id),
    ]
    hl = 0
    billing_hl: dict[BillingProvider, int] = {}
    groups: dict[tuple[object, ...], list[Claim]] = {}
    for claim in claims:
        if claim.coverage is None:
            raise X12Error(f"claim {claim.id} has no coverage: an 837P goes to a payer")
        groups.setdefault(_group_key(claim), []).append(claim)
    by_provider: dict[BillingProvider, list[list[Claim]]] = {}
    for members in groups.values():
        by_provider.setdefault(members[0].billing_provider, []).append(members)
    for provider, subscriber_groups in by_provider.items():
        hl += 1
        billing_hl[provider] = hl
        body += _billing_provider(provider, hl)
        for members in subscriber_groups:
            for start in range(0, len(members), MAX_CLAIMS_PER_SUBSCRIBER):
                chunk = members[start : start + MAX_CLAIMS_PER_SUBSCRIBER]
                first = chunk[0]
                coverage = first.coverage
                assert coverage is not None
                relationship = coverage.subscriber.patient_relationship
                separate_patient = relationship is not Relationship.SELF
                hl += 1
                subscriber_hl = hl
                body += _subscriber(
                    coverage, first.patient, _y4(first), hl, billing_hl[provider], separate_patient
                )
                if separate_patient:
                    hl += 1
                    body += _patient(first.patient, relationship, _y4(first), hl, subscriber_hl)
                for claim in chunk:
                    body += _claim(claim)
    return body


def _chunks(claims: Sequence[Claim]) -> Iterator[Sequence[Claim]]:
    for start in range(0, len(claims), MAX_CLAIMS_PER_SET):
        yield claims[start : start + MAX_CLAIMS_PER_SET]


@dataclass(frozen=True, slots=True)
class ClaimInterchange(Interchange):
    """An 837P as written, with the transaction set (ST02) that carries each claim, by ID."""

    claim_sets: dict[str, str]


def write_837p(
    claims: Sequence[Claim],
    settings: ClearinghouseSettings,
    control_numbers: ControlNumbers,
    created: datetime,
    delimiters: Delimiters = Delimiters(),  # noqa: B008 - immutable default
    line_breaks: bool = False,
) -> ClaimInterchange:
    """Write ``claims`` as one 837P interchange; raises ``X12Error`` for a claim it cannot encode.

    Scrub claims first (``knead.billing.scrub``): this writer only refuses what the 837P format
    itself cannot carry.
    """
    if not claims:
        raise X12Error("no claims to write")
    seen: set[str] = set()
    for claim in claims:
        if claim.id in seen:
            raise X12Error(f"claim ID {claim.id} appears twice; CLM01 must be unique per file")
        seen.add(claim.id)
    chunks = list(_chunks(claims))
    sets = [
        TransactionSet(
            "837",
            VERSION,
            transaction_body(
                chunk,
                settings.submitter,
                settings.receiver,
                f"{created:%Y%m%d%H%M%S}{number:04d}",
                created,
            ),
        )
        for number, chunk in enumerate(chunks, 1)
    ]
    written = write_interchange(
        settings.partners, control_numbers, "HC", VERSION, sets, created, delimiters, line_breaks
    )
    claim_sets = {
        claim.id: control
        for control, chunk in zip(written.set_controls, chunks, strict=True)
        for claim in chunk
    }
    return ClaimInterchange(
        written.text,
        written.interchange_control,
        written.group_control,
        written.set_controls,
        claim_sets,
    )


def settings_from_dict(data: dict[str, object]) -> ClearinghouseSettings:
    """Clearinghouse settings from JSON data (the ``knead x12 837 --config`` file; docs/x12.md)."""
    try:
        submitter = data["submitter"]
        receiver = data["receiver"]
        assert isinstance(submitter, dict) and isinstance(receiver, dict)
        partners = TradingPartners(
            sender_id=str(data.get("sender_id") or submitter["id"]),
            receiver_id=str(data.get("receiver_id") or receiver["id"]),
            sender_qualifier=str(data.get("sender_qualifier", "ZZ")),
            receiver_qualifier=str(data.get("receiver_qualifier", "ZZ")),
            application_sender=str(data.get("application_sender", "")),
            application_receiver=str(data.get("application_receiver", "")),
            production=bool(data.get("production", True)),
            acknowledgment_requested=bool(data.get("acknowledgment_requested", False)),
        )
        return ClearinghouseSettings(
            partners,
            Submitter(
                str(submitter["name"]),
                str(submitter["id"]),
                str(submitter["contact_name"]),
                str(submitter["phone"]),
                submitter.get("email"),
            ),
            Receiver(str(receiver["name"]), str(receiver["id"])),
        )
    except (KeyError, AssertionError) as missing:
        raise X12Error(
            f"clearinghouse settings need submitter{{name, id, contact_name, phone}} "
            f"and receiver{{name, id}}; missing {missing}"
        ) from None


def settings_from_claim(claim: Claim, production: bool = True) -> ClearinghouseSettings:
    """Settings for sending straight to the payer: the billing provider submits under its NPI."""
    provider = claim.billing_provider
    payer = claim.payer
    if payer is None:
        raise X12Error(f"claim {claim.id} has no coverage: an 837P goes to a payer")
    return ClearinghouseSettings(
        TradingPartners(
            provider.npi[:15] or "SUBMITTER",
            payer.payer_id[:15] or "RECEIVER",
            production=production,
        ),
        Submitter(provider.name, provider.npi, provider.name, provider.phone or "0000000000"),
        Receiver(payer.name, payer.payer_id),
    )


def claim_problem(claim: Claim) -> str | None:
    """Why ``claim`` cannot be written as an 837P, or None when it can."""
    from knead.billing.x12.envelope import MemoryControlNumbers

    try:
        write_837p(
            [claim],
            ClearinghouseSettings(
                TradingPartners("SUBMITTER", "RECEIVER"),
                Submitter("CHECK", "SUBMITTER", "CHECK", "0"),
                Receiver("CHECK", "RECEIVER"),
            ),
            MemoryControlNumbers(),
            datetime(2000, 1, 1),
        )
    except X12Error as error:
        return str(error)
    return None

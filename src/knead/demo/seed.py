"""The demo practice: synthetic clients, coverages, injury cases and signed visits (Faker, fixed seed).

Running it again changes nothing; with a larger ``visits`` it tops the visits up to that number.
Every name, number and note is invented.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from faker import Faker

from knead.accounts.models import User
from knead.billing.identifiers import npi_check_digit
from knead.clients.models import (
    Authorization,
    Case,
    Client,
    Coverage,
    InjuryKind,
    Referral,
    Relationship,
    Tristate,
    VerificationCall,
)
from knead.demo.billing import seed_billing
from knead.demo.payments import seed_payments
from knead.ledger.services import charge_signed_visits
from knead.practice import clock
from knead.practice.models import (
    Credentialing,
    CredentialingProgress,
    FeeScheduleEntry,
    Membership,
    Payer,
    PayerKind,
    Practice,
    Provider,
    Role,
)
from knead.visits.models import ServiceLine, Visit
from knead.visits.services import LineInput, fee_schedule, price_lines, service_lines, unit_rule_for

DEMO_PRACTICE = "Willow Creek Massage & Bodywork"
DEMO_PASSWORD = "knead-demo-2026"
STANDARD_VISITS = 400
SEED = 2026
LOGINS = [
    ("owner", Role.OWNER, "Olivia", "Owens"),
    ("therapist", Role.THERAPIST, "Maya", "Lindqvist"),
    ("frontdesk", Role.FRONT_DESK, "Frank", "Delgado"),
    ("biller", Role.BILLER, "Bea", "Ramirez"),
    ("priya", Role.THERAPIST, "Priya", "Raman"),
]
FEES = {
    "97124": "30.00",
    "97140": "35.00",
    "97112": "35.00",
    "97110": "32.00",
    "97530": "36.00",
    "97010": "15.00",
    "97012": "25.00",
    "97035": "22.00",
}
PAYERS = [
    # name, payer id, kind, filing indicator, unit rule, GP required, timely filing days
    ("Regence BlueShield", "00930", PayerKind.COMMERCIAL, "BL", "ama", False, 365),
    ("Premera Blue Cross", "00430", PayerKind.COMMERCIAL, "BL", "ama", False, 365),
    ("Aetna", "60054", PayerKind.COMMERCIAL, "CI", "ama", False, 180),
    ("UnitedHealthcare", "87726", PayerKind.COMMERCIAL, "CI", "ama", True, 90),
    ("Kaiser Permanente WA", "91051", PayerKind.COMMERCIAL, "HM", "ama", False, 365),
    ("Washington Apple Health", "WAMCD", PayerKind.MEDICAID, "MC", "cms", True, 365),
    ("Progressive Auto PIP", "PRGSV", PayerKind.AUTO, "AM", "ama", False, 365),
    ("WA Labor & Industries", "LNI01", PayerKind.WORKERS_COMP, "WC", "cms", False, 365),
]
DIAGNOSES = [
    "M5450",
    "M542",
    "M62830",
    "M7918",
    "G44209",
    "M25511",
    "M25512",
    "M5416",
    "M6281",
    "M5412",
]
INJURY_DIAGNOSES = ["S161XXA", "S335XXA", "S134XXA", "S39012A", "S46011A"]
REGIONS = ["neck", "shoulders", "upper_back", "lower_back", "hips", "legs", "arms"]
TECHNIQUES = [
    "Swedish",
    "deep tissue",
    "myofascial release",
    "trigger point",
    "stretching",
    "lymphatic drainage",
]
SERVICE_PATTERNS = [
    [("97124", 60)],
    [("97124", 45)],
    [("97140", 30), ("97124", 30)],
    [("97140", 38), ("97112", 15)],
    [("97124", 53)],
    [("97140", 23), ("97110", 15), ("97010", 0)],
    [("97112", 24), ("97110", 23)],
]


def _npi(rng: random.Random, kind: str = "1") -> str:
    """A synthetic NPI with a valid check digit (1 = person, 2 = organization)."""
    base = kind + "".join(str(rng.randrange(10)) for _ in range(8))
    return f"{base}{npi_check_digit(base)}"


def seed_demo(visits: int = STANDARD_VISITS, out: Callable[[str], None] = print) -> Practice:
    """Create (or top up) the demo practice and print the demo logins."""
    practice = Practice.objects.filter(name=DEMO_PRACTICE).first()
    if practice is None:
        practice = _create_practice()
        out(f"Seeded the demo practice “{DEMO_PRACTICE}”.")
    existing = Visit.objects.filter(practice=practice).count()
    if existing >= visits:
        out(f"The demo practice already has {existing} visits; nothing to add.")
    # The billing history (claims, 999s, ERAs, denials) covers the standard demo's visits;
    # visits added beyond them by --scale stay unbilled.
    base = min(visits, STANDARD_VISITS)
    if existing < base:
        _add_visits(practice, base - existing, seed=SEED + existing)
        out(f"Added {base - existing} visits.")
    seed_billing(practice, out=out)
    desk = Membership.objects.filter(practice=practice, role=Role.FRONT_DESK).first()
    if seed_payments(practice, desk.user if desk else None, SEED):
        out("Took the cash-pay clients' payments at their visits.")
    total = Visit.objects.filter(practice=practice).count()
    if total < visits:
        _add_visits(practice, visits - total, seed=SEED + total)
        out(f"Added {visits - total} more visits ({visits} in all).")
    out("")
    out("Demo logins (password for all: " + DEMO_PASSWORD + "):")
    for username, role, _first, _last in LOGINS:
        out(f"  {username:<10} {Role(role).label}")
    return practice


@transaction.atomic
def _create_practice() -> Practice:
    fake = Faker("en_US")
    fake.seed_instance(SEED)
    rng = random.Random(SEED)
    practice = Practice.objects.create(
        name=DEMO_PRACTICE,
        npi=_npi(rng, "2"),
        tax_id_kind="EIN",
        tax_id="91-1234567",
        phone="206-555-0100",
        address_line1="1200 Alder Street, Suite 4",
        city="Seattle",
        state="WA",
        zip_code="98101-1234",
    )
    users = {}
    for username, role, first, last in LOGINS:
        user = User.objects.filter(username=username).first() or User.objects.create_user(
            username,
            email=f"{username}@example.test",
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
        )
        Membership.objects.create(user=user, practice=practice, role=role)
        users[username] = user
    providers = []
    for index, (first, last) in enumerate(
        [("Maya", "Lindqvist"), ("Olivia", "Owens"), ("Priya", "Raman")]
    ):
        providers.append(
            Provider.objects.create(
                practice=practice,
                first_name=first,
                last_name=last,
                credentials="LMP" if index else "LMT",
                npi=_npi(rng),
                licence_state="WA",
                licence_number=f"MA{rng.randrange(10**7, 10**8)}",
                licence_expires=clock.today(practice) + dt.timedelta(days=rng.randrange(60, 700)),
                tax_id_kind="EIN",
                tax_id="91-1234567",
                email=f"{first.lower()}@example.test",
                user=users[("therapist", "owner", "priya")[index]],
            )
        )
    payers = [
        Payer.objects.create(
            practice=practice,
            name=name,
            payer_id=payer_id,
            kind=kind,
            claim_filing_indicator=indicator,
            unit_rule=rule,
            gp_required=gp,
            timely_filing_days=filing,
            appeal_window_days=180,
            address_line1=f"PO Box {rng.randrange(1000, 99999)}",
            city="Seattle",
            state="WA",
            zip_code=f"981{rng.randrange(10, 99)}",
        )
        for name, payer_id, kind, indicator, rule, gp, filing in PAYERS
    ]
    for index, provider in enumerate(providers):
        for payer in payers:
            # The newest therapist is still waiting on one payer; everyone else is in network.
            waiting = index == 2 and payer.name == "UnitedHealthcare"
            status = (
                CredentialingProgress.PENDING if waiting else CredentialingProgress.CREDENTIALED
            )
            Credentialing.objects.create(
                practice=practice,
                provider=provider,
                payer=payer,
                status=status,
                applied_on=clock.today(practice) - dt.timedelta(days=rng.randrange(90, 900)),
                effective_on=clock.today(practice) - dt.timedelta(days=rng.randrange(10, 80))
                if status == "credentialed"
                else None,
            )
    for code, charge in FEES.items():
        FeeScheduleEntry.objects.create(practice=practice, code=code, charge=Decimal(charge))
    health = [p for p in payers if p.kind in (PayerKind.COMMERCIAL, PayerKind.MEDICAID)]
    commercial = [p for p in payers if p.kind == PayerKind.COMMERCIAL]
    medicaid = next(p for p in payers if p.kind == PayerKind.MEDICAID)
    auto = next(p for p in payers if p.kind == PayerKind.AUTO)
    wc = next(p for p in payers if p.kind == PayerKind.WORKERS_COMP)
    today = clock.today(practice)
    for index in range(60):
        client = Client.objects.create(
            practice=practice,
            first_name=fake.first_name(),
            last_name=fake.last_name(),
            date_of_birth=fake.date_of_birth(minimum_age=18, maximum_age=82),
            sex=rng.choice("FFM"),
            phone=fake.numerify("206-555-0###"),
            email=fake.email(domain="example.test"),
            address_line1=fake.street_address()[:55],
            city=fake.city()[:30],
            state="WA",
            zip_code=fake.numerify("98###"),
            emergency_contact_name=fake.name(),
            emergency_contact_phone=fake.numerify("425-555-0###"),
            emergency_contact_relationship=rng.choice(["spouse", "parent", "friend", "sibling"]),
            consent_signed_on=today - dt.timedelta(days=rng.randrange(30, 400)),
            signature_on_file_on=today - dt.timedelta(days=rng.randrange(30, 400)),
        )
        if index % 10 != 9:  # most clients have insurance; every tenth pays cash
            # Every twelfth client has a commercial plan first and Medicaid second: Medicaid is
            # the payer of last resort. Others have one plan, commercial or Medicaid.
            dual = index % 12 == 0
            payer = rng.choice(commercial if dual else health)
            coverage = Coverage.objects.create(
                practice=practice,
                client=client,
                payer=payer,
                member_id=fake.bothify("???#########").upper(),
                group_number=fake.numerify("G######"),
                plan_name=f"{payer.name} PPO",
                effective_on=today.replace(month=1, day=1)
                - dt.timedelta(days=365 * rng.randrange(0, 3)),
                massage_covered=rng.choice([Tristate.YES, Tristate.YES, Tristate.UNKNOWN]),
                covered_codes="97124, 97140",
                visits_per_year=rng.choice([12, 20, 24, None]),
                benefit_year_start=today.replace(month=1, day=1),
                deductible=Decimal(rng.choice(["250", "500", "1000"])),
                deductible_met=Decimal(rng.choice(["0", "100", "250"])),
                coinsurance_percent=Decimal(rng.choice(["20", "30", "50"])),
                copay=Decimal(rng.choice(["0", "20", "30"])),
                out_of_network_percent=Decimal("50"),
                referral_required=rng.choice([Tristate.YES, Tristate.NO]),
                preauth_required=rng.choice([Tristate.NO, Tristate.NO, Tristate.YES]),
            )
            if payer.kind == PayerKind.MEDICAID:
                _no_cost_sharing(coverage)
            if index % 3:
                VerificationCall.objects.create(
                    practice=practice,
                    coverage=coverage,
                    called_on=today - dt.timedelta(days=rng.randrange(1, 200)),
                    representative=fake.first_name(),
                    reference_number=fake.bothify("REF-########"),
                    notes="Massage covered with 97124 and 97140 when billed by a licensed therapist.",
                )
            if dual:
                _no_cost_sharing(
                    Coverage.objects.create(
                        practice=practice,
                        client=client,
                        payer=medicaid,
                        priority=2,
                        relationship=Relationship.SELF,
                        member_id=fake.numerify("#########WA"),
                        effective_on=today.replace(month=1, day=1),
                        massage_covered=Tristate.YES,
                        covered_codes="97124, 97140",
                    )
                )
        if index % 5 == 0:
            kind = InjuryKind.EMPLOYMENT if index % 15 == 0 else InjuryKind.AUTO
            accident = today - dt.timedelta(days=rng.randrange(20, 170))
            case = Case.objects.create(
                practice=practice,
                client=client,
                kind=kind,
                payer=wc if kind == InjuryKind.EMPLOYMENT else auto,
                claim_number=fake.bothify("CLM-########"),
                accident_date=accident,
                accident_state="WA",
                adjuster_name=fake.name(),
                adjuster_phone=fake.numerify("800-555-0###"),
                employer_name=fake.company()[:60] if kind == InjuryKind.EMPLOYMENT else "",
                attorney_name=fake.name() if rng.random() < 0.3 else "",
            )
            Referral.objects.create(
                practice=practice,
                client=client,
                case=case,
                prescriber_name=f"Dr. {fake.name()}",
                prescriber_npi=_npi(rng),
                diagnoses=", ".join(f"{c[:3]}.{c[3:]}" for c in rng.sample(INJURY_DIAGNOSES, 2)),
                visits_allowed=12,
                frequency="2x/week for 6 weeks",
                issued_on=accident + dt.timedelta(days=5),
                expires_on=today + dt.timedelta(days=rng.randrange(-5, 60)),
            )
            Authorization.objects.create(
                practice=practice,
                client=client,
                payer=case.payer,
                case=case,
                number=fake.bothify("AUTH-######"),
                codes="97124, 97140",
                visits_approved=12,
                units_approved=48,
                starts_on=accident + dt.timedelta(days=7),
                ends_on=today + dt.timedelta(days=rng.randrange(3, 90)),
            )
    return practice


def _no_cost_sharing(coverage: Coverage) -> None:
    """Medicaid (Apple Health) leaves the client nothing to pay: no deductible, coinsurance or
    copay."""
    coverage.plan_name = "Apple Health (Medicaid)"
    coverage.group_number = ""
    coverage.deductible = coverage.deductible_met = Decimal("0")
    coverage.coinsurance_percent = coverage.copay = Decimal("0")
    coverage.out_of_network_percent = None
    coverage.save()


@transaction.atomic
def _add_visits(practice: Practice, count: int, seed: int) -> None:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    clients = list(
        Client.objects.filter(practice=practice).prefetch_related(
            "coverages__payer", "cases__payer", "cases__referrals", "cases__authorizations"
        )
    )
    providers = list(Provider.objects.filter(practice=practice).select_related("user"))
    owner = Membership.objects.filter(practice=practice, role=Role.OWNER).first().user
    fees = fee_schedule(practice)
    in_network = set(
        Credentialing.objects.filter(
            practice=practice, status=CredentialingProgress.CREDENTIALED
        ).values_list("provider_id", "payer_id")
    )
    today = clock.today(practice)
    now = timezone.now()
    batch: list[tuple[Visit, list]] = []
    for number in range(count):
        client = rng.choice(clients)
        provider = rng.choice(providers)
        case = next(iter(client.cases.all()), None)
        coverage = next((c for c in client.coverages.all() if c.priority == 1), None)
        payer = case.payer if case else (coverage.payer if coverage else None)
        days_ago = rng.randrange(0, 183)
        if case is not None:
            # Injury visits fall while the referral and authorization are valid.
            referral, authorization = case.referrals.all()[0], case.authorizations.all()[0]
            first = max(referral.issued_on, authorization.starts_on)
            last = min(today, referral.expires_on, authorization.ends_on)
            days_ago = (today - last).days + rng.randrange(0, max((last - first).days, 0) + 1)
        signed = days_ago > 0 or number % 3
        injury = case is not None
        diagnoses = rng.sample(INJURY_DIAGNOSES if injury else DIAGNOSES, rng.randrange(1, 3))
        visit = Visit(
            practice=practice,
            client=client,
            provider=provider,
            date=today - dt.timedelta(days=days_ago),
            start_time=dt.time(rng.randrange(8, 18), rng.choice([0, 30])),
            coverage=coverage,
            case=case,
            referral=case.referrals.all()[0] if case else None,
            subjective=f"Client reports {rng.choice(['tightness', 'aching', 'stiffness', 'sharp pain'])} in the "
            f"{rng.choice(['neck', 'low back', 'shoulders', 'upper back'])}, {rng.randrange(3, 8)}/10, worse with {rng.choice(['sitting', 'driving', 'lifting', 'computer work'])}.",
            objective=f"Hypertonicity and trigger points palpated in {rng.choice(['upper trapezius', 'levator scapulae', 'quadratus lumborum', 'rhomboids', 'paraspinals'])}; "
            f"cervical rotation {rng.choice(['limited', 'mildly limited', 'within normal limits'])}.",
            assessment=f"Tissue response good; pain reduced. {fake.sentence(nb_words=8)}",
            plan=f"Continue {rng.choice(['weekly', 'twice weekly'])} for {rng.randrange(3, 7)} weeks; home stretching reviewed.",
            body_regions=rng.sample(REGIONS, rng.randrange(1, 4)),
            pain_before=rng.randrange(4, 9),
            pain_after=rng.randrange(1, 4),
            techniques=", ".join(rng.sample(TECHNIQUES, 2)),
            diagnoses=diagnoses,
            signed_at=now - dt.timedelta(days=days_ago) if signed and provider.user else None,
            signed_by=provider.user if signed and provider.user else None,
            created_by=owner,
            updated_by=owner,
        )
        # Payers the therapist is not yet in network with get a superbill instead of a claim.
        visit.billing_path = visit.default_billing_path(
            credentialed=payer is None or (provider.pk, payer.pk) in in_network
        ).value
        # GP when a payer billed for the visit (its secondary too) requires it.
        gp = (payer is not None and payer.gp_required) or (
            case is None and any(c.payer.gp_required for c in client.coverages.all())
        )
        pattern = rng.choice(SERVICE_PATTERNS)
        priced = price_lines(
            [
                LineInput(
                    code,
                    minutes,
                    ("GP",) if gp else (),
                    (1,),
                )
                for code, minutes in pattern
            ],
            unit_rule_for(payer),
            fees,
        )
        batch.append((visit, priced))
        if len(batch) >= 2000:
            _flush(batch, owner)
    _flush(batch, owner)
    charge_signed_visits(practice, user=owner)


def _flush(batch: list[tuple[Visit, list]], user: User) -> None:
    Visit.objects.bulk_create([visit for visit, _ in batch], batch_size=500)
    # An injury visit is billed under its case's authorization (prefetched with the case).
    link = Visit.authorizations.through
    link.objects.bulk_create(
        [
            link(visit_id=visit.pk, authorization_id=visit.case.authorizations.all()[0].pk)
            for visit, _ in batch
            if visit.case_id
        ],
        batch_size=1000,
    )
    ServiceLine.objects.bulk_create(
        [record for visit, priced in batch for record in service_lines(visit, priced, user=user)],
        batch_size=1000,
    )
    batch.clear()

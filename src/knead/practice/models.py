"""The practice (tenant), its members' roles, its providers, the payers it bills and its fees."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse

from knead.billing import claim as core
from knead.billing import identifiers as core_ids
from knead.billing.codes.procedures import catalog
from knead.billing.units import UnitRule
from knead.choices import choices_from
from knead.practice.scoping import PHONE, STATE, Address, PracticeScoped, Tracked
from knead.validators import validate_ein_or_ssn, validate_npi, validate_procedure_code

TaxIdKind = choices_from(
    core_ids.TaxIdKind,
    {core_ids.TaxIdKind.EIN: "EIN (employer ID)", core_ids.TaxIdKind.SSN: "SSN (sole proprietor)"},
)


def clean_tax_id(record: Practice | Provider) -> None:
    """Check an optional EIN/SSN against its kind, reporting on the ``tax_id`` field."""
    if record.tax_id:
        try:
            validate_ein_or_ssn(record.tax_id_kind, record.tax_id)
        except ValidationError as error:
            raise ValidationError({"tax_id": error.messages}) from None


def default_time_zone() -> str:
    """The install's ``TIME_ZONE``, for a practice that has not chosen its own."""
    return str(settings.TIME_ZONE)


def validate_time_zone(value: str) -> None:
    """Refuse a name the IANA time zone database does not know."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name (e.g. America/New_York).")


class Practice(Tracked, Address):
    name = models.CharField(max_length=60)
    npi = models.CharField(
        "group NPI",
        max_length=10,
        blank=True,
        validators=[validate_npi],
        help_text="Type 2 (organization) NPI, if the practice has one.",
    )
    tax_id_kind = models.CharField(
        "tax ID type", max_length=3, choices=TaxIdKind.choices, default=TaxIdKind.EIN
    )
    tax_id = models.CharField("tax ID", max_length=11, blank=True)
    phone = models.CharField(max_length=25, blank=True, validators=[PHONE])
    taxonomy = models.CharField(max_length=10, default="225700000X")
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="An IANA time zone such as America/Los_Angeles: it decides what date "
        '"today" is for the practice.',
    )
    require_two_factor = models.BooleanField(
        "require two-factor sign-in for owners and billers",
        default=False,
        help_text="Owners and billers without an authenticator app must set one up after their "
        "password before they can open any other page.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        clean_tax_id(self)


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    THERAPIST = "therapist", "Therapist"
    FRONT_DESK = "front_desk", "Front desk"
    BILLER = "biller", "Biller"


class Membership(Tracked):
    """A user's role in one practice. A billing service is one user with biller roles in many."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "practice"], name="one_role_per_practice")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} at {self.practice}"


class Provider(PracticeScoped):
    """A therapist who renders services and signs notes."""

    first_name = models.CharField(max_length=35)
    last_name = models.CharField(max_length=60)
    credentials = models.CharField(max_length=20, default="LMT", help_text="LMT, LMP, PT, DC …")
    npi = models.CharField("NPI", max_length=10, validators=[validate_npi])
    licence_state = models.CharField(max_length=2, validators=[STATE])
    licence_number = models.CharField(max_length=30)
    licence_expires = models.DateField(null=True, blank=True)
    taxonomy = models.CharField(
        max_length=10, default="225700000X", help_text="NUCC code; 225700000X is Massage Therapist."
    )
    tax_id_kind = models.CharField(
        "tax ID type", max_length=3, choices=TaxIdKind.choices, default=TaxIdKind.EIN
    )
    tax_id = models.CharField("tax ID", max_length=11, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=25, blank=True, validators=[PHONE])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="providers",
        help_text="The login that signs this provider's notes.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "npi"],
                condition=models.Q(deleted_at__isnull=True),
                name="provider_npi_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}, {self.credentials}"

    def get_absolute_url(self) -> str:
        return reverse("practice:provider", args=[self.pk])

    def clean(self) -> None:
        clean_tax_id(self)


PayerKind = choices_from(
    core.PayerKind,
    {
        core.PayerKind.COMMERCIAL: "Commercial",
        core.PayerKind.MEDICARE: "Medicare",
        core.PayerKind.MEDICAID: "Medicaid",
        core.PayerKind.AUTO: "Auto (PIP / med-pay)",
        core.PayerKind.WORKERS_COMP: "Workers' comp",
        core.PayerKind.OTHER: "Other",
    },
)


class ClaimFilingIndicator(models.TextChoices):
    """837P SBR09 / 2000B claim filing indicator codes most used by therapy practices."""

    CI = "CI", "CI – Commercial insurance"
    BL = "BL", "BL – Blue Cross / Blue Shield"
    HM = "HM", "HM – HMO"
    MB = "MB", "MB – Medicare Part B"
    MC = "MC", "MC – Medicaid"
    AM = "AM", "AM – Automobile medical"
    WC = "WC", "WC – Workers' compensation"
    CH = "CH", "CH – TRICARE"
    VA = "VA", "VA – Veterans Affairs"
    ZZ = "ZZ", "ZZ – Mutually defined"
    ELEVEN = "11", "11 – Other non-federal program"


class Payer(PracticeScoped, Address):
    name = models.CharField(max_length=60)
    payer_id = models.CharField(
        "payer ID", max_length=20, help_text="The electronic payer ID your clearinghouse uses."
    )
    kind = models.CharField(max_length=12, choices=PayerKind.choices, default=PayerKind.COMMERCIAL)
    claim_filing_indicator = models.CharField(
        max_length=2, choices=ClaimFilingIndicator.choices, default="CI"
    )
    timely_filing_days = models.PositiveIntegerField(
        default=365, help_text="Days from the date of service to file."
    )
    timely_filing_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="For payers that count calendar months instead (Medicare: 12, filled in for a "
        "Medicare payer left blank). When set, the days are not used.",
    )
    appeal_window_days = models.PositiveIntegerField(
        default=180, help_text="Days from the denial to appeal."
    )
    unit_rule = models.CharField(
        max_length=3,
        choices=[
            (UnitRule.CMS.value, "CMS total time (8-minute rule)"),
            (UnitRule.AMA.value, "AMA per code (midpoint)"),
        ],
        default=UnitRule.AMA.value,
    )
    gp_required = models.BooleanField("GP modifier required", default=False)
    phone = models.CharField(max_length=25, blank=True, validators=[PHONE])
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("practice:payer", args=[self.pk])

    @property
    def timely_filing(self) -> str:
        """The filing limit in words: "12 months" or "90 days"."""
        if self.timely_filing_months:
            return f"{self.timely_filing_months} months"
        return f"{self.timely_filing_days} days"


class CredentialingProgress(models.TextChoices):
    """Where a provider's application to a payer's network stands (the core's
    ``CredentialingStatus`` is what that means for a claim: ``visits.to_claim`` decides)."""

    NOT_STARTED = "not_started", "Not started"
    PENDING = "pending", "Pending"
    CREDENTIALED = "credentialed", "Credentialed"
    DENIED = "denied", "Denied"


class Credentialing(PracticeScoped):
    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="credentialings")
    payer = models.ForeignKey(Payer, on_delete=models.CASCADE, related_name="credentialings")
    status = models.CharField(
        max_length=12,
        choices=CredentialingProgress.choices,
        default=CredentialingProgress.NOT_STARTED,
    )
    applied_on = models.DateField(null=True, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    denied_on = models.DateField(null=True, blank=True)
    notes = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["payer__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "payer"],
                condition=models.Q(deleted_at__isnull=True),
                name="one_credentialing_per_payer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} with {self.payer}: {self.get_status_display()}"


class FeeScheduleEntry(PracticeScoped):
    """The practice's charge for one unit of a code."""

    code = models.CharField(max_length=5, validators=[validate_procedure_code])
    charge = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "fee schedule entries"
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "code"],
                condition=models.Q(deleted_at__isnull=True),
                name="one_fee_per_code",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ${self.charge}"

    @property
    def description(self) -> str:
        return catalog().get(self.code).short


class ContractRate(PracticeScoped):
    """What a payer's contract allows for one unit of a code. An 835 line allowed less is
    queued as underpaid, even when the payer called the difference contractual (CO-45)."""

    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="contract_rates")
    code = models.CharField(max_length=5, validators=[validate_procedure_code])
    allowed = models.DecimalField(
        "allowed per unit",
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="What the contract allows for one unit (payer's share plus the client's).",
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "contracted rate"
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "payer", "code"],
                condition=models.Q(deleted_at__isnull=True),
                name="one_contract_rate_per_payer_code",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} ${self.allowed}"

    def get_absolute_url(self) -> str:
        return reverse("practice:payer", args=[self.payer_id]) + "#rates"

    @property
    def description(self) -> str:
        return catalog().get(self.code).short

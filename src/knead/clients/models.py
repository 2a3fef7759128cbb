"""Clients and what pays for their care: coverages, verification calls, injury cases, referrals
and authorizations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from knead.billing import claim as core
from knead.choices import choices_from
from knead.practice import clock
from knead.practice.models import Payer
from knead.practice.scoping import PHONE, STATE, Address, PracticeScoped
from knead.validators import split_codes, validate_icd10, validate_npi, validate_procedure_list

_percent = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]
_money = [MinValueValidator(Decimal("0"))]


Sex = choices_from(
    core.Sex,
    {core.Sex.MALE: "Male", core.Sex.FEMALE: "Female", core.Sex.UNKNOWN: "Unknown / not stated"},
)


def _today(record: PracticeScoped) -> dt.date:
    """Today for the record's practice (the install's date before it has one)."""
    return clock.today(record.practice if record.practice_id else None)


class Client(PracticeScoped, Address):
    first_name = models.CharField(max_length=35)
    middle_name = models.CharField(max_length=25, blank=True)
    last_name = models.CharField(max_length=60)
    preferred_name = models.CharField(max_length=35, blank=True)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    phone = models.CharField(max_length=25, blank=True, validators=[PHONE])
    email = models.EmailField(blank=True)
    emergency_contact_name = models.CharField(max_length=80, blank=True)
    emergency_contact_phone = models.CharField(max_length=25, blank=True, validators=[PHONE])
    emergency_contact_relationship = models.CharField(max_length=40, blank=True)
    consent_signed_on = models.DateField("consent to treat signed", null=True, blank=True)
    signature_on_file_on = models.DateField(
        "signature on file since",
        null=True,
        blank=True,
        help_text="Release of information and assignment of benefits (CMS-1500 boxes 12 and 13).",
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["practice", "last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    def clean(self) -> None:
        if self.date_of_birth and self.date_of_birth > _today(self):
            raise ValidationError({"date_of_birth": "The date of birth cannot be in the future."})


class Priority(models.IntegerChoices):
    PRIMARY = 1, "Primary"
    SECONDARY = 2, "Secondary"
    TERTIARY = 3, "Tertiary"


Relationship = choices_from(
    core.Relationship,
    {
        core.Relationship.SELF: "Self",
        core.Relationship.SPOUSE: "Spouse",
        core.Relationship.CHILD: "Child",
        core.Relationship.OTHER: "Other",
    },
)


class Tristate(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Unknown"


class Coverage(PracticeScoped):
    """A client's insurance policy and what it says about massage."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="coverages")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="coverages")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.PRIMARY)
    relationship = models.CharField(
        "client's relationship to subscriber",
        max_length=6,
        choices=Relationship.choices,
        default=Relationship.SELF,
    )
    subscriber_first_name = models.CharField(
        max_length=35, blank=True, help_text="Only when the subscriber is not the client."
    )
    subscriber_last_name = models.CharField(max_length=60, blank=True)
    subscriber_date_of_birth = models.DateField(null=True, blank=True)
    member_id = models.CharField("member ID", max_length=30)
    group_number = models.CharField(max_length=30, blank=True)
    plan_name = models.CharField(max_length=60, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    terminates_on = models.DateField(null=True, blank=True)

    massage_covered = models.CharField(
        max_length=7, choices=Tristate.choices, default=Tristate.UNKNOWN
    )
    covered_codes = models.CharField(
        max_length=120,
        blank=True,
        validators=[validate_procedure_list],
        help_text="Comma-separated, e.g. 97124, 97140.",
    )
    visits_per_year = models.PositiveSmallIntegerField(null=True, blank=True)
    benefit_year_start = models.DateField(
        null=True, blank=True, help_text="First day of the current benefit year."
    )
    deductible = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, validators=_money
    )
    deductible_met = models.DecimalField(
        max_digits=9, decimal_places=2, default=Decimal("0"), validators=_money
    )
    coinsurance_percent = models.DecimalField(
        "coinsurance % (client pays)",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_percent,
    )
    copay = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True, validators=_money
    )
    out_of_network_percent = models.DecimalField(
        "out-of-network reimbursement %",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=_percent,
    )
    referral_required = models.CharField(
        max_length=7, choices=Tristate.choices, default=Tristate.UNKNOWN
    )
    preauth_required = models.CharField(
        "pre-authorization required",
        max_length=7,
        choices=Tristate.choices,
        default=Tristate.UNKNOWN,
    )
    exclusions = models.TextField(blank=True)

    class Meta:
        ordering = ["priority", "-effective_on"]

    def __str__(self) -> str:
        return f"{self.payer} · {self.member_id} ({self.get_priority_display()})"

    def get_absolute_url(self) -> str:
        return reverse("clients:coverage", args=[self.pk])

    def is_active_on(self, day: dt.date) -> bool:
        return (self.effective_on is None or self.effective_on <= day) and (
            self.terminates_on is None or day <= self.terminates_on
        )

    def clean(self) -> None:
        errors = {}
        if self.effective_on and self.terminates_on and self.terminates_on < self.effective_on:
            errors["terminates_on"] = "The policy cannot end before it starts."
        if self.deductible is not None and self.deductible_met > self.deductible:
            errors["deductible_met"] = "The amount met cannot be more than the deductible."
        if self.relationship != Relationship.SELF and not (
            self.subscriber_first_name and self.subscriber_last_name
        ):
            errors["subscriber_last_name"] = (
                "Give the subscriber's name when the client is not the subscriber."
            )
        if errors:
            raise ValidationError(errors)


class VerificationCall(PracticeScoped):
    """A benefits check with the insurer: who was on the phone and what they said."""

    coverage = models.ForeignKey(Coverage, on_delete=models.CASCADE, related_name="verifications")
    called_on = models.DateField()
    representative = models.CharField(max_length=60, blank=True)
    reference_number = models.CharField("call reference number", max_length=40, blank=True)
    notes = models.TextField("what was said")

    class Meta:
        ordering = ["-called_on", "-id"]

    def __str__(self) -> str:
        return f"Verification {self.called_on} ref {self.reference_number or '—'}"


InjuryKind = choices_from(
    core.InjuryKind,
    {
        core.InjuryKind.AUTO: "Auto accident (PIP / med-pay)",
        core.InjuryKind.EMPLOYMENT: "Workers' comp",
        core.InjuryKind.OTHER_ACCIDENT: "Other accident",
    },
)


class Case(PracticeScoped):
    """An injury case billed to an auto (PIP) or workers' comp carrier, or another accident."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(max_length=14, choices=InjuryKind.choices)
    payer = models.ForeignKey(
        Payer, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    claim_number = models.CharField(max_length=40, blank=True)
    accident_date = models.DateField()
    accident_state = models.CharField(max_length=2, blank=True, validators=[STATE])
    adjuster_name = models.CharField(max_length=60, blank=True)
    adjuster_phone = models.CharField(max_length=25, blank=True, validators=[PHONE])
    adjuster_email = models.EmailField(blank=True)
    attorney_name = models.CharField(max_length=60, blank=True)
    attorney_phone = models.CharField(max_length=25, blank=True, validators=[PHONE])
    employer_name = models.CharField(
        max_length=60, blank=True, help_text="Workers' comp: the employer."
    )
    description = models.TextField(blank=True)
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-accident_date"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.accident_date:%m/%d/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.client_id]) + "#cases"

    def clean(self) -> None:
        errors = {}
        if self.accident_date and self.accident_date > _today(self):
            errors["accident_date"] = "The accident date cannot be in the future."
        if self.kind in (InjuryKind.AUTO, InjuryKind.EMPLOYMENT) and not self.accident_state:
            errors["accident_state"] = (
                "Auto and workers' comp claims need the state where the accident happened."
            )
        if self.kind == InjuryKind.EMPLOYMENT and not self.employer_name:
            errors["employer_name"] = "A workers' comp case needs the employer."
        if errors:
            raise ValidationError(errors)


MAX_UPLOAD_MB = 10


def _upload_size(document: File) -> None:
    if document.size > MAX_UPLOAD_MB * 1024 * 1024:
        raise ValidationError(
            f"The file is {document.size / 1024 / 1024:.1f} MB; the limit is {MAX_UPLOAD_MB} MB."
        )


def _diagnosis_list(value: str) -> None:
    for code in split_codes(value):
        validate_icd10(code)


class Referral(PracticeScoped):
    """A referral or prescription for massage from a physician or other prescriber."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="referrals")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="referrals"
    )
    prescriber_name = models.CharField(max_length=80)
    prescriber_npi = models.CharField("prescriber NPI", max_length=10, validators=[validate_npi])
    diagnoses = models.CharField(
        max_length=120,
        validators=[_diagnosis_list],
        help_text="ICD-10-CM codes, comma-separated, e.g. M54.50, M62.830.",
    )
    visits_allowed = models.PositiveSmallIntegerField(null=True, blank=True)
    frequency = models.CharField(max_length=60, blank=True, help_text="e.g. 2x/week for 6 weeks")
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    document = models.FileField(
        upload_to="referrals/%Y/%m/",
        blank=True,
        validators=[FileExtensionValidator(["pdf", "jpg", "jpeg", "png"]), _upload_size],
        help_text="PDF, JPEG or PNG, up to 10 MB.",
    )

    class Meta:
        ordering = ["-issued_on"]

    def __str__(self) -> str:
        return f"Referral from {self.prescriber_name} ({self.issued_on:%m/%d/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.client_id]) + "#referrals"

    def clean(self) -> None:
        if self.issued_on and self.expires_on and self.expires_on < self.issued_on:
            raise ValidationError(
                {"expires_on": "The referral cannot expire before it was issued."}
            )


class Authorization(PracticeScoped):
    """A payer's prior authorization for a number of visits or units in a date range."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="authorizations")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="authorizations")
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="authorizations"
    )
    number = models.CharField("authorization number", max_length=40)
    codes = models.CharField(
        max_length=120,
        blank=True,
        validators=[validate_procedure_list],
        help_text="Comma-separated codes it covers; blank for all.",
    )
    visits_approved = models.PositiveSmallIntegerField(null=True, blank=True)
    units_approved = models.PositiveSmallIntegerField(null=True, blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self) -> str:
        return f"Auth {self.number} ({self.starts_on:%m/%d/%Y}–{self.ends_on:%m/%d/%Y})"

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.client_id]) + "#authorizations"

    @property
    def code_list(self) -> list[str]:
        return split_codes(self.codes)

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The authorization cannot end before it starts."
        if self.visits_approved is None and self.units_approved is None:
            errors["visits_approved"] = "Give the visits or the units approved (or both)."
        if errors:
            raise ValidationError(errors)

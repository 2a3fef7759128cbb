"""Claims billed to insurers, their append-only history, 837P batches, acknowledgments, control
numbers and eligibility checks."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from knead.billing import claim as core
from knead.choices import choices_from
from knead.claims.states import LABELS, ClaimState
from knead.clients.models import Case, Client, Coverage
from knead.practice.models import Payer, Provider
from knead.practice.scoping import PracticeScoped
from knead.visits.models import Visit

_ZERO = Decimal("0.00")


ClaimFrequency = choices_from(
    core.ClaimFrequency,
    {
        core.ClaimFrequency.ORIGINAL: "Original",
        core.ClaimFrequency.REPLACEMENT: "Corrected (replacement)",
        core.ClaimFrequency.VOID: "Void",
    },
)


class Batch(PracticeScoped):
    """One 837P interchange file, kept as written, with its control numbers."""

    payer = models.ForeignKey(Payer, null=True, on_delete=models.PROTECT, related_name="+")
    sender_id = models.CharField(max_length=15)
    receiver_id = models.CharField(max_length=15)
    interchange_control = models.PositiveIntegerField()
    group_control = models.PositiveIntegerField()
    file_name = models.CharField(max_length=80)
    content = models.TextField()
    claim_count = models.PositiveIntegerField(default=0)
    total_charge = models.DecimalField(max_digits=12, decimal_places=2, default=_ZERO)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"Batch {self.interchange_control:09d}"

    def get_absolute_url(self) -> str:
        return reverse("claims:batch", args=[self.pk])


class Claim(PracticeScoped):
    """A claim to one payer for one visit or several (a date range), with cached money totals.

    ``claim_id`` is CLM01 (the patient control number) and is what the 835 CLP01 repeats.
    The totals are recomputed from postings (knead.remittance) and kept here so lists and the
    A/R report need no aggregation. Denied amounts stay in ``balance`` until someone acts.
    """

    claim_id = models.CharField("claim ID (CLM01)", max_length=20, blank=True, db_index=True)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="claims")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="claims")
    payer = models.ForeignKey(Payer, on_delete=models.PROTECT, related_name="claims")
    coverage = models.ForeignKey(
        Coverage, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    priority = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(
        max_length=10,
        choices=choices_from(ClaimState, LABELS).choices,
        default=ClaimState.DRAFT,
        db_index=True,
    )
    frequency = models.CharField(
        max_length=1, choices=ClaimFrequency.choices, default=ClaimFrequency.ORIGINAL
    )
    original_claim_number = models.CharField(
        "payer's original claim number", max_length=50, blank=True
    )
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    primary_claim = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="secondary_claims"
    )
    other_payers = models.JSONField(
        default=list, blank=True, help_text="COB: core OtherPayer data from the prior payers."
    )
    diagnoses = models.JSONField(default=list, blank=True, help_text="ICD-10-CM, wire form, A–L.")
    service_from = models.DateField()
    service_to = models.DateField()
    charge = models.DecimalField(max_digits=10, decimal_places=2, default=_ZERO)
    paid = models.DecimalField(max_digits=10, decimal_places=2, default=_ZERO)
    contractual = models.DecimalField(max_digits=10, decimal_places=2, default=_ZERO)
    denied = models.DecimalField(max_digits=10, decimal_places=2, default=_ZERO)
    patient_responsibility = models.DecimalField(max_digits=10, decimal_places=2, default=_ZERO)
    written_off = models.DecimalField(max_digits=10, decimal_places=2, default=_ZERO)
    billed_to_client = models.DecimalField(max_digits=10, decimal_places=2, default=_ZERO)
    balance = models.DecimalField(max_digits=10, decimal_places=2, default=_ZERO)
    payer_claim_number = models.CharField(max_length=50, blank=True)
    findings = models.JSONField(default=list, blank=True)
    scrubbed_at = models.DateTimeField(null=True, blank=True)
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    set_control = models.CharField(max_length=9, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    first_paid_on = models.DateField(null=True, blank=True)
    adjudicated_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-service_from", "-id"]
        indexes = [
            models.Index(fields=["practice", "status"]),
            # Covers the per-status counts of live claims (lists, dashboard).
            models.Index(fields=["practice", "deleted_at", "status"]),
            models.Index(fields=["practice", "-service_from", "-id"]),
            models.Index(fields=["practice", "claim_id"]),
        ]

    def __str__(self) -> str:
        return f"Claim {self.claim_id}"

    def get_absolute_url(self) -> str:
        return reverse("claims:detail", args=[self.pk])

    @property
    def state(self) -> ClaimState:
        return ClaimState(self.status)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f.get("severity") == "error"]


def claim_id_for(pk: int) -> str:
    """CLM01 for a claim record: unique per claim, so every 835 CLP01 finds exactly one."""
    return f"KN{pk:08d}"


class ClaimLine(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="claim_lines")
    service_line = models.ForeignKey(
        "visits.ServiceLine",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claim_lines",
        help_text="The visit's service line this claim line bills (its charge is in the ledger).",
    )
    position = models.PositiveSmallIntegerField()
    service_date = models.DateField()
    code = models.CharField(max_length=5)
    modifiers = models.JSONField(default=list, blank=True)
    units = models.PositiveSmallIntegerField()
    charge = models.DecimalField(max_digits=9, decimal_places=2)
    pointers = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        mods = ":".join(self.modifiers)
        return f"{self.code}{':' + mods if mods else ''} × {self.units}"


class ClaimEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise ValueError("Claim history is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("Claim history is append-only.")


class ClaimEvent(models.Model):
    """One move of a claim: from which state to which, who (or which file) moved it, and why."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=10, blank=True)
    to_status = models.CharField(max_length=10)
    source = models.CharField(max_length=20, default="user")
    reason = models.TextField(blank=True)

    objects = ClaimEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Claim history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValueError("Claim history is append-only.")


class ControlNumber(models.Model):
    """The last interchange (ISA13) or group (GS06) control number issued per sender."""

    sender = models.CharField(max_length=15)
    kind = models.CharField(max_length=12)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "kind"], name="one_counter_per_sender")
        ]

    def __str__(self) -> str:
        return f"{self.sender} {self.kind} {self.last}"


class AckKind(models.TextChoices):
    FUNCTIONAL = "999", "999 implementation acknowledgment"
    CLAIM = "277CA", "277CA claim acknowledgment"


class AcknowledgementFile(PracticeScoped):
    kind = models.CharField(max_length=5, choices=AckKind.choices)
    file_name = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    content = models.TextField()
    accepted = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    unmatched = models.JSONField(default=list, blank=True)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [models.UniqueConstraint(fields=["practice", "sha256"], name="ack_file_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("claims:ack", args=[self.pk])


class EligibilityCheck(PracticeScoped):
    """A 270 inquiry for a coverage and, once imported, the payer's 271 answer."""

    coverage = models.ForeignKey(Coverage, on_delete=models.PROTECT, related_name="eligibility")
    service_date = models.DateField()
    inquiry = models.TextField()
    trace = models.CharField(max_length=30)
    response = models.TextField(blank=True)
    response_sha256 = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(null=True)
    benefits = models.JSONField(default=dict, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"Eligibility {self.service_date}"

    def get_absolute_url(self) -> str:
        return reverse("claims:eligibility", args=[self.pk])

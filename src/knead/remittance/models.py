"""Remittances (835 files), every amount posted from them, the work queue and appeals. Client
payments are the ledger's (``knead.ledger.models.Payment``)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

from knead.claims.models import Claim, ClaimLine
from knead.practice.scoping import PracticeScoped

_ZERO = Decimal("0.00")


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Posting"
    DONE = "done", "Posted"
    FAILED = "failed", "Failed"


class Remittance(PracticeScoped):
    """One imported 835 file. Imported once: the file's SHA-256 is unique per practice, and so
    is its content key (``knead.billing.x12.duplicates.content_key``: payer, traces, amounts and
    claim payments), which a re-send with other bytes shares."""

    file_name = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    content_key = models.CharField(max_length=64, blank=True)
    content = models.TextField()
    payer_name = models.CharField(max_length=60, blank=True)
    trace = models.CharField(max_length=50, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=_ZERO)
    claim_count = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    repeats = models.PositiveIntegerField(
        default=0,
        help_text="Claim payments already posted from an earlier 835: queued, not posted.",
    )
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.RUNNING)
    error = models.TextField(blank=True)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "sha256"], name="remittance_once"),
            models.UniqueConstraint(
                fields=["practice", "content_key"],
                condition=~models.Q(content_key=""),
                name="remittance_content_once",
            ),
        ]

    def __str__(self) -> str:
        return f"ERA {self.trace or self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("remittance:detail", args=[self.pk])

    @property
    def percent(self) -> int:
        return 100 if not self.claim_count else int(100 * self.processed / self.claim_count)


class PostingKind(models.TextChoices):
    PAYMENT = "payment", "Insurer payment"
    CONTRACTUAL = "contractual", "Contractual adjustment"
    DENIAL = "denial", "Denied / reduced (open)"
    PATIENT = "patient", "Patient responsibility"
    PROVIDER = "provider", "Provider-level adjustment (PLB)"
    WRITE_OFF = "write_off", "Write-off"
    TO_CLIENT = "to_client", "Billed to the client"


class Posting(models.Model):
    """One amount posted: from an 835 (``segment`` is its position in the file, ISA = 1) or from
    an action in the work queue (``segment`` is null). Reversals are postings with negative
    amounts and ``reversal`` set."""

    practice = models.ForeignKey("practice.Practice", on_delete=models.PROTECT, related_name="+")
    remittance = models.ForeignKey(
        Remittance, null=True, blank=True, on_delete=models.PROTECT, related_name="postings"
    )
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="postings"
    )
    line = models.ForeignKey(
        ClaimLine, null=True, blank=True, on_delete=models.PROTECT, related_name="postings"
    )
    kind = models.CharField(max_length=12, choices=PostingKind.choices)
    group = models.CharField(max_length=2, blank=True)
    reason = models.CharField(max_length=40, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reversal = models.BooleanField(default=False)
    segment = models.PositiveIntegerField(null=True, blank=True)
    segment_id = models.CharField(max_length=3, blank=True)
    posted_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["practice", "kind", "posted_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class PaymentFingerprint(models.Model):
    """One claim payment (CLP) posted from an 835, by its adjudication key (payer, payer claim
    number, charge and payment: ``knead.billing.x12.duplicates``), so that a later 835 repeating
    it is recognised. An adjudication is live until a reversal undoes it (``undone_by``); at
    most one live adjudication per key and practice."""

    practice = models.ForeignKey("practice.Practice", on_delete=models.PROTECT, related_name="+")
    remittance = models.ForeignKey(
        Remittance, on_delete=models.PROTECT, related_name="fingerprints"
    )
    segment = models.PositiveIntegerField(help_text="The CLP segment's position in the file.")
    key = models.CharField(max_length=64)
    reversal = models.BooleanField(default=False)
    undone_by = models.ForeignKey(
        Remittance, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    claim_number = models.CharField(max_length=38, help_text="CLP01, as Knead sent it.")
    payer_claim_number = models.CharField(max_length=50, blank=True)
    charge = models.DecimalField(max_digits=12, decimal_places=2)
    paid = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["practice", "key"])]
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "key"],
                condition=models.Q(reversal=False, undone_by__isnull=True),
                name="one_live_adjudication",
            )
        ]

    def __str__(self) -> str:
        return f"CLP {self.claim_number} at segment {self.segment}"


class WorkKind(models.TextChoices):
    DENIAL = "denial", "Denied"
    UNDERPAID = "underpaid", "Underpaid"
    UNMATCHED_CLAIM = "unmatched_claim", "Claim not found"
    UNMATCHED_LINE = "unmatched_line", "Line not matched"
    REVERSAL = "reversal", "Reversal without a posting"
    PROVIDER = "provider", "Provider adjustment (PLB)"
    DUPLICATE = "duplicate", "Duplicate payment"


class WorkStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class WorkItem(PracticeScoped):
    """Something a biller must look at: a denial, an underpayment, or an 835 item not matched."""

    remittance = models.ForeignKey(
        Remittance, null=True, blank=True, on_delete=models.PROTECT, related_name="work_items"
    )
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="work_items"
    )
    line = models.ForeignKey(
        ClaimLine, null=True, blank=True, on_delete=models.PROTECT, related_name="work_items"
    )
    kind = models.CharField(max_length=16, choices=WorkKind.choices)
    status = models.CharField(max_length=5, choices=WorkStatus.choices, default=WorkStatus.OPEN)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=_ZERO)
    codes = models.JSONField(default=list, blank=True, help_text="[[group, reason, amount]]")
    remarks = models.JSONField(default=list, blank=True)
    segment = models.PositiveIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    resolution = models.CharField(max_length=20, blank=True)
    resolution_note = models.CharField(max_length=200, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["practice", "status", "kind"]),
            models.Index(fields=["practice", "status", "created", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("remittance:work_item", args=[self.pk])

    @property
    def below_contract(self) -> bool:
        """A line the payer allowed below the contracted rate (posting's contract check): the
        payer's to pay, so never billed to the client and nothing on the claim to correct."""
        return self.kind == WorkKind.UNDERPAID and not self.codes and "expected" in self.detail

    @property
    def contractual_obligation(self) -> bool:
        """Every code is group CO: the practice's to absorb, billed to the client only with a
        signed waiver (billing-rules.md §8: CO "cannot bill the patient"; CO-96 with a
        waiver)."""
        return bool(self.codes) and all(group == "CO" for group, _r, _a in self.codes)


class AppealStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    WON = "won", "Won"
    PARTLY_WON = "partly_won", "Partly won"
    LOST = "lost", "Lost"


class Appeal(PracticeScoped):
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="appeals")
    level = models.PositiveSmallIntegerField(default=1)
    denied_on = models.DateField()
    deadline = models.DateField()
    letter = models.TextField()
    attach_notes = models.BooleanField("attach the signed SOAP notes", default=True)
    attach_referral = models.BooleanField("attach the referral", default=True)
    status = models.CharField(
        max_length=10, choices=AppealStatus.choices, default=AppealStatus.DRAFT
    )
    sent_on = models.DateField(null=True, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)

    class Meta:
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return f"Appeal level {self.level} of {self.claim}"

    def get_absolute_url(self) -> str:
        return reverse("remittance:appeal", args=[self.pk])

"""The practice's one ledger: every money event, append-only, and the front desk's receipts.

An ``Entry`` moves money on one responsibility: the client (``payer`` is null) or one payer.
Balances are sums of entries (``knead.billing.ledger`` has the arithmetic and the invariants);
the cached totals on claims are checked against them by ``knead ledger check``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse

from knead.billing import claim as core
from knead.billing.ledger import LABELS, EntryKind
from knead.choices import choices_from
from knead.claims.models import Claim, ClaimLine
from knead.clients.models import Client
from knead.practice.models import Payer
from knead.practice.scoping import PracticeScoped
from knead.visits.models import ServiceLine, Visit

EntryKindChoices = choices_from(EntryKind, LABELS)


class AppendOnly(Exception):
    """Ledger entries are never changed or deleted: post a reversal instead."""


class EntryQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly("Ledger entries are append-only; post a reversal instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Ledger entries are append-only; post a reversal instead.")


PaymentMethod = choices_from(
    core.PaymentMethod,
    {
        core.PaymentMethod.CASH: "Cash",
        core.PaymentMethod.CHECK: "Check",
        core.PaymentMethod.CARD: "Card (on the practice's terminal)",
        core.PaymentMethod.HSA_FSA: "HSA / FSA card",
        core.PaymentMethod.OTHER: "Other",
    },
)


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    PREPAYMENT = "prepayment", "Prepayment"
    PACKAGE = "package", "Package credit"
    REFUND = "refund", "Refund"


class Payment(PracticeScoped):
    """Money the front desk took from a client (or gave back, ``kind`` refund): the receipt.
    Its ledger entries say which visits it paid for; what no visit took is credit on account."""

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="ledger_payments")
    received_on = models.DateField()
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    method = models.CharField(max_length=8, choices=PaymentMethod.choices)
    kind = models.CharField(max_length=10, choices=PaymentKind.choices, default="payment")
    reference = models.CharField(
        max_length=40, blank=True, help_text="Check number or the card's last four digits."
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} on {self.received_on}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:receipt", args=[self.pk])

    @property
    def number(self) -> str:
        return f"R{self.pk:07d}"


class Entry(models.Model):
    """One signed amount on one responsibility; see the module docstring."""

    practice = models.ForeignKey("practice.Practice", on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    payer = models.ForeignKey(
        Payer, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    service_line = models.ForeignKey(
        ServiceLine, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    claim = models.ForeignKey(
        Claim, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    claim_line = models.ForeignKey(
        ClaimLine, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    kind = models.CharField(max_length=20, choices=EntryKindChoices.choices)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    posted_on = models.DateField()
    group = models.CharField(max_length=32, blank=True, help_text="Ties a transfer's two legs.")
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    overpayment = models.BooleanField(
        default=False, help_text="A payer amount known to exceed what it owed (PLB interest)."
    )
    adjudication = models.BooleanField(
        default=False,
        help_text="Mirrors the payer's adjudication (ERA postings and the work queue's actions).",
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    remittance = models.ForeignKey(
        "remittance.Remittance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    segment = models.PositiveIntegerField(null=True, blank=True, help_text="ISA = 1.")
    memo = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["posted_on", "id"]
        verbose_name_plural = "entries"
        indexes = [
            models.Index(fields=["practice", "client", "posted_on"]),
            models.Index(fields=["claim", "kind"]),
            models.Index(fields=["service_line", "payer"]),
            models.Index(fields=["practice", "payer", "posted_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnly("Ledger entries are append-only; post a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("Ledger entries are append-only; post a reversal instead.")

    @property
    def responsibility(self) -> str:
        return "client" if self.payer is None else self.payer.payer_id

    @property
    def source(self) -> str:
        if self.remittance_id:
            return f"ERA {self.remittance_id} segment {self.segment}"
        if self.created_by_id:
            return f"user {self.created_by_id}"
        return "system"


class Statement(PracticeScoped):
    """A client statement as it was printed, kept so it reprints exactly.

    It lists what changed on the client's account since the previous statement: the entries
    posted up to ``period_end`` that the previous one did not print (``through_entry`` is the
    last entry it covers, so an entry dated before a statement but entered after it goes on the
    next). ``brought_forward`` is the previous statement's balance; ``balance`` adds this one's
    lines to it. ``content`` holds every printed word and figure (practice, client, lines,
    aging, due date, message) as JSON.
    """

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="statements")
    period_start = models.DateField()
    period_end = models.DateField(help_text="The statement date.")
    through_entry = models.PositiveBigIntegerField(
        default=0, help_text="The last ledger entry this statement covers (by id)."
    )
    brought_forward = models.DecimalField(max_digits=12, decimal_places=2)
    balance = models.DecimalField(max_digits=12, decimal_places=2)
    due_on = models.DateField(null=True, blank=True)
    content = models.JSONField(default=dict)

    class Meta:
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "period_end"],
                condition=models.Q(deleted_at__isnull=True),
                name="one_statement_per_client_and_date",
            )
        ]

    def __str__(self) -> str:
        return f"Statement {self.number} of {self.period_end}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:statement", args=[self.pk])

    @property
    def number(self) -> str:
        return f"S{self.pk:07d}"

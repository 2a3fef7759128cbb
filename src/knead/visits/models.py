"""Visits: when, who, where, what it is billed to, the SOAP note and the timed services.

A note is signed and locked by its provider. After that the note and its service lines cannot
change; additions are appended as amendments that keep the original. A wrong billed fact (the
date, a code, minutes, modifiers, a diagnosis) is fixed only by a ``VisitCorrection``: the
correction service (``knead.visits.corrections``) alone may, inside ``correction_unlocked``,
change the visit's date and diagnoses and replace its service lines (the replaced lines are
kept, with ``replaced_at`` set).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from knead.billing.documents.soap_note import BilledFacts, BilledLine
from knead.billing.documents.soap_note import Correction as CoreCorrection
from knead.billing.paths import LABELS as PATH_LABELS
from knead.billing.paths import BillingPath, default_path
from knead.choices import choices_from
from knead.clients.models import Authorization, Case, Client, Coverage, Referral
from knead.practice.models import Provider
from knead.practice.scoping import PracticeScoped, Tracked

MAX_DIAGNOSES = 12
MAX_LINE_POINTERS = 4
MAX_MODIFIERS = 4


class NoteLocked(Exception):
    """A signed note, or its service lines, cannot be changed; add an amendment instead."""


# The one visit the correction service is correcting right now (None: every signed visit is
# locked). Set only through ``correction_unlocked``.
_correcting: ContextVar[int | None] = ContextVar("knead_visit_correcting", default=None)
CORRECTABLE_FIELDS = frozenset({"date", "diagnoses"})
_LINE_REPLACE_FIELDS = frozenset({"replaced_at", "updated", "updated_by"})


@contextmanager
def correction_unlocked(visit_id: int) -> Iterator[None]:
    """Inside this block, and for this one signed visit only: ``Visit.save`` may change its date
    and diagnoses, and its service lines may be added or marked replaced (``replaced_at``,
    saved with ``update_fields``). Every other change is still refused. Only the correction
    service (``knead.visits.corrections``) uses it."""
    token = _correcting.set(visit_id)
    try:
        yield
    finally:
        _correcting.reset(token)


class PlaceOfService(models.TextChoices):
    OFFICE = "11", "11 – Office"
    HOME = "12", "12 – Home"
    TELEHEALTH_OTHER = "02", "02 – Telehealth, not in the client's home"
    TELEHEALTH_HOME = "10", "10 – Telehealth in the client's home"


class BodyRegion(models.TextChoices):
    HEAD = "head", "Head / face"
    NECK = "neck", "Neck"
    SHOULDERS = "shoulders", "Shoulders"
    UPPER_BACK = "upper_back", "Upper back"
    LOWER_BACK = "lower_back", "Lower back"
    ARMS = "arms", "Arms / hands"
    HIPS = "hips", "Hips / glutes"
    LEGS = "legs", "Legs"
    FEET = "feet", "Feet"
    CHEST = "chest", "Chest"
    ABDOMEN = "abdomen", "Abdomen"


_pain = [MinValueValidator(0), MaxValueValidator(10)]

NOTE_FIELDS = (
    "subjective",
    "objective",
    "assessment",
    "plan",
    "body_regions",
    "pain_before",
    "pain_after",
    "techniques",
    "diagnoses",
    "date",
    "start_time",
    "provider_id",
    "client_id",
    "place_of_service",
    "billing_path",
)


BillingPathChoices = choices_from(BillingPath, PATH_LABELS)


class Visit(PracticeScoped):
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="visits")
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="visits")
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    place_of_service = models.CharField(
        max_length=2, choices=PlaceOfService.choices, default=PlaceOfService.OFFICE
    )
    coverage = models.ForeignKey(
        Coverage, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    authorizations = models.ManyToManyField(
        Authorization,
        blank=True,
        related_name="visits",
        help_text="The prior authorizations the visit is billed under; each service line is "
        "covered by the one whose codes include its code.",
    )
    billing_path = models.CharField(
        max_length=10,
        choices=BillingPathChoices.choices,
        blank=True,
        help_text="Who owes the charge once the note is signed: the client (self-pay, superbill) "
        "or the payer billed directly.",
    )

    subjective = models.TextField(blank=True)
    objective = models.TextField(blank=True)
    assessment = models.TextField(blank=True)
    plan = models.TextField(blank=True)
    body_regions = models.JSONField(default=list, blank=True)
    pain_before = models.PositiveSmallIntegerField(null=True, blank=True, validators=_pain)
    pain_after = models.PositiveSmallIntegerField(null=True, blank=True, validators=_pain)
    techniques = models.CharField(max_length=200, blank=True)
    diagnoses = models.JSONField(
        default=list, blank=True, help_text="ICD-10-CM codes in wire form, in order (A–L)."
    )

    signed_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-date", "-start_time", "-id"]
        indexes = [
            # The visit list's order, so a page is read straight off the index.
            models.Index(fields=["practice", "-date", "-start_time", "-id"], name="visit_list_idx"),
            # Unsigned notes are few among many signed ones: a partial index finds them at once.
            models.Index(
                fields=["practice", "date"],
                condition=models.Q(signed_at__isnull=True, deleted_at__isnull=True),
                name="visit_unsigned_idx",
            ),
            models.Index(fields=["client", "-date"]),
        ]

    def __str__(self) -> str:
        return f"Visit {self.date:%m/%d/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("visits:detail", args=[self.pk])

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None

    def default_billing_path(self, credentialed: bool | None = None) -> BillingPath:
        """The path this visit starts with (``knead.billing.paths.default_path``)."""
        injury = bool(self.case_id and self.case.payer_id)
        return default_path(
            has_payer=injury or bool(self.coverage_id),
            injury_case=injury,
            credentialed=credentialed,
        )

    @property
    def body_region_labels(self) -> list[str]:
        labels = dict(BodyRegion.choices)
        return [labels.get(region, region) for region in self.body_regions]

    @property
    def active_lines(self) -> list[ServiceLine]:
        """The service lines billed now, in order: those no correction replaced. Reads the
        prefetched ``lines`` when they were prefetched."""
        return [line for line in self.lines.all() if line.replaced_at is None]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.billing_path:
            self.billing_path = self.default_billing_path().value
        if self.pk is not None:
            stored = Visit.objects.filter(pk=self.pk).values(*NOTE_FIELDS, "signed_at").first()
            if stored and stored["signed_at"] is not None:
                changed = [f for f in NOTE_FIELDS if stored[f] != getattr(self, f)]
                correcting = _correcting.get() == self.pk
                if changed and not (correcting and CORRECTABLE_FIELDS.issuperset(changed)):
                    raise NoteLocked(
                        f"This note is signed; {', '.join(changed)} cannot change. Add an "
                        "amendment, or correct the visit (date, codes, minutes, diagnoses)."
                    )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise NoteLocked(
            "Visits are never deleted outright; use soft deletion, and signed notes are kept."
        )


class ServiceLine(Tracked):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField(default=1)
    code = models.CharField("CPT/HCPCS", max_length=5)
    modifiers = models.JSONField(default=list, blank=True)
    minutes = models.PositiveSmallIntegerField(default=0)
    units = models.PositiveSmallIntegerField(default=0)
    charge = models.DecimalField(max_digits=9, decimal_places=2)
    pointers = models.JSONField(
        default=list, blank=True, help_text="Diagnosis positions 1–12, up to four."
    )
    replaced_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set when a correction replaced this line; the line is kept as billed.",
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.code} × {self.units}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Visit.objects.filter(
            pk=self.visit_id, signed_at__isnull=False
        ).exists() and not self._correction_allows(kwargs.get("update_fields")):
            raise NoteLocked(
                "The visit is signed; its services cannot change. Correct the visit instead."
            )
        super().save(*args, **kwargs)

    def _correction_allows(self, update_fields: Any) -> bool:
        """While its visit is being corrected: a new line, or marking a line replaced."""
        if _correcting.get() != self.visit_id:
            return False
        if self.pk is None:
            return self.replaced_at is None
        stored = ServiceLine.objects.filter(pk=self.pk).values_list("replaced_at", flat=True)
        return (
            update_fields is not None
            and "replaced_at" in update_fields
            and _LINE_REPLACE_FIELDS.issuperset(update_fields)
            and self.replaced_at is not None
            and stored.first() is None
        )

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if Visit.objects.filter(pk=self.visit_id, signed_at__isnull=False).exists():
            raise NoteLocked("The visit is signed; its services cannot change.")
        return super().delete(*args, **kwargs)

    @property
    def pointer_letters(self) -> str:
        return "".join("ABCDEFGHIJKL"[p - 1] for p in self.pointers if 1 <= p <= MAX_DIAGNOSES)


class Amendment(models.Model):
    """An addition to a signed note. Append-only: the original note is never changed."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="amendments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200)
    text = models.TextField()

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"Amendment to visit {self.visit_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise NoteLocked("Amendments cannot be edited; add another one.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise NoteLocked("Amendments cannot be deleted.")


def _line_facts(data: dict[str, Any]) -> BilledLine:
    return BilledLine(
        code=data["code"],
        minutes=data["minutes"],
        units=data["units"],
        modifiers=tuple(data["modifiers"]),
        pointers=tuple(data["pointers"]),
    )


def line_snapshot(line: ServiceLine) -> dict[str, Any]:
    """A service line's billed facts as a correction keeps them."""
    return {
        "code": line.code,
        "modifiers": list(line.modifiers),
        "minutes": line.minutes,
        "units": line.units,
        "charge": str(line.charge),
        "pointers": list(line.pointers),
    }


class VisitCorrection(models.Model):
    """A structured amendment of a signed visit's billed facts: the date, the service lines
    (code, modifiers, minutes and so units and charge, pointers) and the diagnoses, as they were
    and as corrected, with who corrected them, when and why, and what happened to the claims.

    Append-only. The replaced service lines are kept on the visit with ``replaced_at`` equal to
    ``created``.
    """

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="corrections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(editable=False)
    reason = models.CharField(max_length=200)
    original_date = models.DateField()
    corrected_date = models.DateField()
    original_diagnoses = models.JSONField(default=list)
    corrected_diagnoses = models.JSONField(default=list)
    original_lines = models.JSONField(default=list, help_text="The lines as they were billed.")
    corrected_lines = models.JSONField(default=list, help_text="The lines that replaced them.")
    rebilling = models.TextField(blank=True, help_text="What was done with the visit's claims.")

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"Correction of visit {self.visit_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise NoteLocked("Corrections cannot be edited; make another correction.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise NoteLocked("Corrections cannot be deleted.")

    def as_core(self, author: str, at: dt.datetime) -> CoreCorrection:
        """The correction as the core prints and describes it (``author`` and ``at`` as shown)."""
        return CoreCorrection(
            author=author,
            at=at,
            reason=self.reason,
            original=BilledFacts(
                self.original_date,
                tuple(self.original_diagnoses),
                tuple(_line_facts(line) for line in self.original_lines),
            ),
            corrected=BilledFacts(
                self.corrected_date,
                tuple(self.corrected_diagnoses),
                tuple(_line_facts(line) for line in self.corrected_lines),
            ),
        )

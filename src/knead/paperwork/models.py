"""What the paperwork pages keep: the practice's printer offsets for red CMS-1500 forms, and the
monthly superbill batch jobs with their progress and result."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from knead.practice.scoping import PracticeScoped

_OFFSET = [MinValueValidator(Decimal("-25")), MaxValueValidator(Decimal("25"))]


class PrintSettings(PracticeScoped):
    """How far the practice's printer must shift data-only CMS-1500 text onto the red form."""

    offset_x_mm = models.DecimalField(
        "move right (mm)",
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        validators=_OFFSET,
        help_text="Negative moves the text left.",
    )
    offset_y_mm = models.DecimalField(
        "move down (mm)",
        max_digits=4,
        decimal_places=1,
        default=Decimal("0"),
        validators=_OFFSET,
        help_text="Negative moves the text up.",
    )

    class Meta:
        verbose_name = "print settings"
        verbose_name_plural = "print settings"
        constraints = [
            models.UniqueConstraint(
                fields=["practice"],
                condition=models.Q(deleted_at__isnull=True),
                name="one_print_settings_per_practice",
            )
        ]

    def __str__(self) -> str:
        return f"CMS-1500 offsets {self.offset_x_mm} mm, {self.offset_y_mm} mm"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class BatchJob(PracticeScoped):
    """Superbills for every client seen in one month: progress while it runs, then one ZIP."""

    month = models.DateField(help_text="First day of the month.")
    status = models.CharField(max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField(default=0, help_text="Superbills to make (one a client).")
    done = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    problems = models.JSONField(
        default=list, blank=True, help_text="Superbills the scrub blocked, with the reasons."
    )
    error = models.CharField(max_length=300, blank=True)
    result = models.BinaryField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["practice", "month", "-created"])]

    def __str__(self) -> str:
        return f"Superbills {self.month:%B %Y}"

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

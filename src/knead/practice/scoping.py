"""Base classes for records: who made them and when, which practice owns them, soft deletion.

Every record that holds practice data inherits ``PracticeScoped``. Queries go through
``Model.objects.for_practice(practice)``, which is the only way views and selectors fetch
records, so a user of one practice can never reach another's rows.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone


class Tracked(models.Model):
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True

    def stamp(self, user: Any) -> None:
        """Record who is saving this record (call before ``save``)."""
        if self.pk is None:
            self.created_by = user
        self.updated_by = user


CLIENT_MODEL = "clients.Client"
# The relations through which a record belongs to a client, tried in this order.
_CLIENT_LINKS = ("client", "coverage", "case", "claim", "visit")


@cache
def client_path(model: type[models.Model]) -> str | None:
    """The lookup from ``model`` to the client its record belongs to (``client``,
    ``claim__client``, …), or None for records of no one client (payers, batches) and for
    clients themselves."""
    names = {f.name: f for f in model._meta.get_fields() if f.is_relation and f.many_to_one}
    for name in _CLIENT_LINKS:
        field = names.get(name)
        if field is None:
            continue
        if field.related_model._meta.label == CLIENT_MODEL:
            return name
        if any(
            f.name == "client" and f.many_to_one and f.related_model._meta.label == CLIENT_MODEL
            for f in field.related_model._meta.get_fields()
        ):
            return f"{name}__client"
    return None


class ScopedQuerySet(models.QuerySet):
    def for_practice(self, practice: Any) -> ScopedQuerySet:
        """Live records of one practice: not deleted, and not belonging to a deleted client
        (a soft-deleted client's visits, claims, coverages… are gone with it until restored)."""
        live = self.filter(practice=practice, deleted_at__isnull=True)
        path = client_path(self.model)
        return live.filter(**{f"{path}__deleted_at__isnull": True}) if path else live


class PracticeScoped(Tracked):
    practice = models.ForeignKey("practice.Practice", on_delete=models.PROTECT, related_name="+")
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    def soft_delete(self, user: Any) -> None:
        self.deleted_at = timezone.now()
        self.stamp(user)
        self.save(update_fields=["deleted_at", "updated", "updated_by"])


STATE = RegexValidator(r"^[A-Z]{2}$", "Use the two-letter state code, e.g. WA.")
ZIP = RegexValidator(r"^\d{5}(-?\d{4})?$", "A ZIP code is 5 digits, or 9 digits as 98101-1234.")
PHONE = RegexValidator(r"^[0-9()+\-. x]{7,25}$", "Enter a phone number such as 206-555-0142.")


class Address(models.Model):
    address_line1 = models.CharField("address", max_length=55, blank=True)
    address_line2 = models.CharField("address line 2", max_length=55, blank=True)
    city = models.CharField(max_length=30, blank=True)
    state = models.CharField(
        max_length=2, blank=True, validators=[STATE], help_text="Two-letter code, e.g. WA."
    )
    zip_code = models.CharField(
        "ZIP code",
        max_length=10,
        blank=True,
        validators=[ZIP],
        help_text="5 digits, or ZIP+4 (claims need all 9 for the billing address).",
    )

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        city_line = " ".join(
            p for p in (f"{self.city}," if self.city else "", self.state, self.zip_code) if p
        )
        return [line for line in (self.address_line1, self.address_line2, city_line) if line]

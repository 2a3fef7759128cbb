"""Services for practice records."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models, transaction

from knead.practice.scoping import PracticeScoped, Tracked

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def save_record(instance: M, *, user: Any, practice: Any) -> M:
    """Save a record for a practice, stamping who made or changed it.

    The practice is always the current one: a form can never move a record to another practice.
    """
    if isinstance(instance, PracticeScoped):
        if instance.pk is not None and instance.practice_id != practice.pk:
            raise PermissionError("A record cannot move between practices.")
        instance.practice = practice
        _check_related_in_practice(instance, practice)
    if isinstance(instance, Tracked):
        instance.stamp(user)
    instance.full_clean()
    instance.save()
    return instance


def _check_related_in_practice(instance: PracticeScoped, practice: Any) -> None:
    """Refuse links to another practice's records, whatever the form offered."""
    for field in instance._meta.concrete_fields:
        if (
            field.is_relation
            and field.name != "practice"
            and issubclass(field.related_model, PracticeScoped)
        ):
            related = getattr(instance, field.name)
            if related is not None and related.practice_id != practice.pk:
                raise PermissionError(f"{field.verbose_name} belongs to another practice.")

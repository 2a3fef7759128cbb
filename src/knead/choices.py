"""Django choices built from the core's enums, so the database and the billing core share one
vocabulary."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from django.db import models

E = TypeVar("E", bound=StrEnum)


def choices_from(enum: type[E], labels: Mapping[E, str]) -> type[models.TextChoices]:
    """A ``TextChoices`` class named like ``enum``, with its members' names and values in its
    order and ``labels`` as their display names. A member without a label, or a label for
    something that is not a member, raises ``ValueError``."""
    missing = [member.name for member in enum if member not in labels]
    extra = [str(key) for key in labels if key not in set(enum)]
    if missing or extra:
        raise ValueError(f"{enum.__name__} labels: missing {missing}, not members {extra}")
    members = [(member.name, (member.value, labels[member])) for member in enum]
    return models.TextChoices(enum.__name__, members)  # type: ignore[return-value]

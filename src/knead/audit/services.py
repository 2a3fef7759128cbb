"""Recording audit events."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.http import HttpRequest

from knead.audit.models import Action, AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    request: HttpRequest | None,
    action: Action,
    obj: models.Model | None = None,
    *,
    object_type: str = "",
    object_id: str = "",
    detail: str = "",
    user=None,
    practice=None,
) -> AuditEvent:
    """Append one audit entry. ``detail`` must never hold PHI (field names are fine, values are not)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if request is not None:
        user = user or (request.user if request.user.is_authenticated else None)
        practice = practice or getattr(request, "practice", None)
    return AuditEvent.objects.create(
        user=user,
        practice=practice,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail[:300],
        ip=client_ip(request),
    )


def changed_fields_detail(fields: Iterable[str]) -> str:
    names = sorted(set(fields))
    return f"fields: {', '.join(names)}" if names else ""

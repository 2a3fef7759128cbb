"""What each role may do. Views ask ``allowed(request, permission)`` or use ``@requires``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from knead.practice.models import Role

OWNER, THERAPIST, FRONT_DESK, BILLER = Role.OWNER, Role.THERAPIST, Role.FRONT_DESK, Role.BILLER
EVERYONE = frozenset(Role)

PERMISSIONS: dict[str, frozenset[str]] = {
    "clients.view": EVERYONE,
    "clients.edit": frozenset({OWNER, THERAPIST, FRONT_DESK, BILLER}),
    "clients.delete": frozenset({OWNER}),
    "clients.restore": frozenset({OWNER}),
    "coverage.edit": frozenset({OWNER, THERAPIST, FRONT_DESK, BILLER}),
    "visits.view": EVERYONE,
    "visits.document": frozenset({OWNER, THERAPIST}),
    "providers.view": EVERYONE,
    "providers.edit": frozenset({OWNER}),
    "payers.view": EVERYONE,
    "payers.edit": frozenset({OWNER, BILLER}),
    "fees.edit": frozenset({OWNER, BILLER}),
    "audit.view": frozenset({OWNER}),
    "accounts.unlock": frozenset({OWNER}),
    "billing.view": frozenset({OWNER, FRONT_DESK, BILLER}),
    "billing.edit": frozenset({OWNER, BILLER}),
    "paperwork.print": EVERYONE,
    "paperwork.batch": frozenset({OWNER, FRONT_DESK, BILLER}),
    "paperwork.settings": frozenset({OWNER, BILLER}),
    # The front desk takes payments at checkout, gives refunds and runs the monthly statements.
    "payments.take": frozenset({OWNER, FRONT_DESK, BILLER}),
}


def allowed(request: HttpRequest, permission: str) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role in PERMISSIONS[permission]


def requires(
    permission: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse the view (403) unless the user's role in the current practice grants the permission."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not allowed(request, permission):
                raise PermissionDenied(f"Your role cannot do this ({permission}).")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from knead.accounts.roles import PERMISSIONS, allowed


def practice_context(request: HttpRequest) -> dict[str, Any]:
    """The current practice, the user's other practices, and what their role allows (``can.*``)."""
    return {
        "practice": getattr(request, "practice", None),
        "membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", ()),
        "can": {name.replace(".", "_"): allowed(request, name) for name in PERMISSIONS},
        "idle_minutes": settings.IDLE_MINUTES,
    }

"""Refused requests go into the audit trail: a 403, and a 404 on a record the practice does
not have (another practice's ID looks exactly like a missing one, on purpose)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from knead.audit.models import Action
from knead.audit.services import record


class RefusalAuditMiddleware:
    """Record a view's PermissionDenied or Http404 with the user, path and address; the
    query string and form values, which may hold names, are never recorded."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            # Knead's refusals name the permission, never a record's contents.
            detail = f"{request.method} {request.path}: {exception}"
            record(request, Action.DENIED, detail=detail)
        elif isinstance(exception, Http404):
            record(request, Action.NOT_FOUND, detail=f"{request.method} {request.path}")

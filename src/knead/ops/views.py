from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from knead.ops.health import check


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """The health report as JSON: 200 when the database and a worker are fine, else 503."""
    healthy, report = check()
    return JsonResponse(report, status=200 if healthy else 503)

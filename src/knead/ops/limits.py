"""Request size limits: a request larger than ``settings.MAX_UPLOAD_BYTES`` is refused from its
Content-Length header, before a byte of its body is read."""

from __future__ import annotations

import math
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

MB = 1024 * 1024


def megabytes(size: int) -> str:
    """``size`` bytes in megabytes for people: whole numbers plain, else rounded up to one
    decimal (so a refused size never reads as the limit itself)."""
    tenths = math.ceil(size * 10 / MB)
    return f"{tenths // 10}" if tenths % 10 == 0 else f"{tenths / 10:.1f}"


def declared_size(request: HttpRequest) -> int | None:
    """The body size the request declares, or None without a valid Content-Length."""
    try:
        size = int(request.META.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    return size if size >= 0 else None


class RequestSizeLimitMiddleware:
    """Answers 413 with a page in plain words to a request whose body is over the limit. First
    in ``MIDDLEWARE``, so nothing has read the body yet."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        size = declared_size(request)
        limit = settings.MAX_UPLOAD_BYTES
        if size is not None and size > limit:
            page = render_to_string(
                "ops/too_large.html", {"size": megabytes(size), "limit": megabytes(limit)}
            )
            return HttpResponse(page, status=413)
        return self.get_response(request)

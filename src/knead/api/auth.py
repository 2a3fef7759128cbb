"""Who is calling the API: a bearer token (scripts) or the signed-in browser session.

Either way the request ends up with ``request.practice`` and ``request.membership``, the same
as a page view, so the same roles and scoping apply.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import APIKeyCookie, HttpBearer

from knead.api.models import ApiToken
from knead.practice.models import Membership


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.find(token)
        if found is None:
            return None
        membership = Membership.objects.filter(
            user=found.user, practice=found.practice, is_active=True
        ).first()
        if membership is None or not found.user.is_active:
            return None
        found.touch()
        request.user = found.user
        request.practice = found.practice
        request.membership = membership
        return found


class SessionAuth(APIKeyCookie):
    """The browser's session (CSRF-checked for changes), in the practice chosen on the site."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated and getattr(request, "membership", None) is not None:
            return request.user
        return None

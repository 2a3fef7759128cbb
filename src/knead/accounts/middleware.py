"""Sign-in enforcement, idle logout, the current practice, required two-factor set-up, and
security headers."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from knead.accounts import two_factor
from knead.audit.models import Action
from knead.audit.services import record
from knead.practice.models import Membership

Handler = Callable[[HttpRequest], HttpResponse]
# The API answers 401 itself (token or session), rather than redirecting to the sign-in page.
_PUBLIC_PREFIXES = (
    "/accounts/login/",
    "/accounts/two-factor/",
    "/accounts/password-reset/",
    "/accounts/reset/",
    "/static/",
    "/favicon.ico",
    "/api/",
    # For load balancers and monitoring: it names no record.
    "/healthz",
)

# Scripts, styles and images come only from this server; htmx needs no inline script.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if not request.path.startswith("/static/"):
            # Pages hold PHI: never keep them in a shared or browser cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class IdleLogoutMiddleware:
    """Sign the user out after ``settings.IDLE_MINUTES`` without a request."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get("last_seen", now)
            if now - last_seen > settings.IDLE_MINUTES * 60:
                record(request, Action.LOGOUT, detail="idle timeout")
                logout(request)
                messages.info(
                    request,
                    f"You were signed out after {settings.IDLE_MINUTES} minutes without activity.",
                )
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            request.session["last_seen"] = now
        return self.get_response(request)


class LoginRequiredMiddleware:
    """Every page but the sign-in page needs a signed-in user."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(_PUBLIC_PREFIXES):
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=401)
                response.headers["HX-Redirect"] = reverse("accounts:login")
                return response
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        return self.get_response(request)


class PracticeMiddleware:
    """Set ``request.practice`` and ``request.membership`` from the session's chosen practice."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.practice = None
        request.membership = None
        if request.user.is_authenticated:
            memberships = Membership.objects.filter(
                user=request.user, is_active=True
            ).select_related("practice")
            chosen = request.session.get("practice_id")
            membership = next((m for m in memberships if m.practice_id == chosen), None) or next(
                iter(memberships), None
            )
            if membership is not None:
                request.session["practice_id"] = membership.practice_id
                request.practice = membership.practice
                request.membership = membership
            request.memberships = memberships
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """An owner or biller whose practice requires two-factor sign-in, signed in without it, can
    open only the set-up page (and sign out) until it is done."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        setup = reverse("accounts:two_factor_setup")
        open_paths = {setup, reverse("accounts:logout"), reverse("accounts:ping")}
        if (
            request.path in open_paths
            or request.path.startswith("/static/")
            or not two_factor.setup_required(request)
        ):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Finish two-factor set-up first."}, status=403)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=401)
            response.headers["HX-Redirect"] = setup
            return response
        return redirect(setup)

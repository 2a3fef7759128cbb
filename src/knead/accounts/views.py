"""Sign in, sign out and switching practice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from knead.accounts import signin, throttle, two_factor
from knead.accounts.models import User
from knead.accounts.roles import requires
from knead.audit.models import Action
from knead.audit.services import record
from knead.practice.models import Membership

LOGIN_TEMPLATE = "accounts/login.html"


def _record_refused(request: HttpRequest, action: Action, detail: str) -> None:
    """Audit a refused sign-in in every practice of the user it named, so their owners see it
    (once, with no practice, when the name is no user's)."""
    user = User.objects.filter(username=request.POST.get("username", "")).first()
    memberships = Membership.objects.filter(user=user, is_active=True).select_related("practice")
    for membership in memberships:
        record(request, action, user, practice=membership.practice, detail=detail)
    if not memberships:
        record(request, action, detail=detail)


class AuditedAuthenticationForm(AuthenticationForm):
    """Django's sign-in form; a wrong password goes into the audit trail (never the password)."""

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except forms.ValidationError:
            if self.request is not None:
                _record_refused(self.request, Action.LOGIN_FAILED, "bad credentials")
            raise


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The sign-in page saying, in plain words, why this sign-in is refused (429).

    Axes answers with it (``AXES_LOCKOUT_CALLABLE``) when a wrong password has just locked a
    username; ``LoginView`` when a locked username tries again."""
    message = throttle.refusal(request) or ""
    context = {"form": AuthenticationForm(request), "locked": message, "next": ""}
    return render(request, LOGIN_TEMPLATE, context, status=429)


class LoginView(auth_views.LoginView):
    template_name = LOGIN_TEMPLATE
    authentication_form = AuditedAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # A locked username is refused before its password is even checked.
        if throttle.refusal(request):
            _record_refused(request, Action.LOGIN_LOCKED, "too many wrong passwords")
            return locked_out(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if two_factor.has_device(user):
            # Not signed in yet: the code step (security_views.two_factor_step) finishes it.
            two_factor.begin_code_step(self.request, user, self.get_success_url())
            return redirect("accounts:two_factor")
        response = super().form_valid(form)
        signin.complete(self.request, response, user)
        return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        record(request, Action.LOGOUT)
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("accounts:login")


@requires("accounts.unlock")
def locked_members(request: HttpRequest) -> HttpResponse:
    """The practice's members locked out by wrong passwords; the owner unlocks them here."""
    members = throttle.locked(request.practice)
    if request.method == "POST":
        member = next((m for m in members if m.username == request.POST.get("username")), None)
        if member is None:
            raise Http404("No such locked member.")
        throttle.unlock(member.username, request)
        messages.success(request, f"{member} can sign in again.")
        return redirect("accounts:locked")
    return render(request, "accounts/locked.html", {"members": members})


def ping(request: HttpRequest) -> HttpResponse:
    """Keeps the session alive while the user is typing (the idle clock restarts on any request)."""
    return HttpResponse(status=204)


@require_POST
def switch_practice(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("practice")
    membership = next((m for m in request.memberships if str(m.practice_id) == wanted), None)
    if membership is None:
        messages.error(request, "You are not a member of that practice.")
    else:
        request.session["practice_id"] = membership.practice_id
        messages.success(request, f"Now working in {membership.practice.name}.")
    return redirect("dashboard:home")

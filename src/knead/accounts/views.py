"""Sign in, sign out and switching practice."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from knead.accounts import signin, throttle, two_factor
from knead.audit.models import Action
from knead.audit.services import client_ip, record


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict:
        username = self.data.get("username", "")
        ip = client_ip(self.request)
        if throttle.is_locked(username, ip):
            raise forms.ValidationError(
                f"Too many failed sign-ins. Wait {settings.LOGIN_LOCKOUT_MINUTES} minutes and try again.",
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.note_failure(username, ip)
            record(self.request, Action.LOGIN_FAILED, detail="bad credentials")
            raise
        throttle.clear(username, ip)
        return cleaned


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = ThrottledAuthenticationForm
    redirect_authenticated_user = True

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

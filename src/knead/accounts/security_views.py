"""The code step after the password, the account's security page (two-factor set-up and turning
it off), and password reset by e-mail."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from knead.accounts import signin, two_factor
from knead.accounts.models import KnownDevice, User
from knead.audit.models import Action
from knead.audit.services import record


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=24,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


def two_factor_step(request: HttpRequest) -> HttpResponse:
    """Ask the user who just gave the right password for a code from their authenticator app
    (or a recovery code), then sign them in."""
    waiting = two_factor.pending(request)
    if waiting is None:
        messages.info(request, "Please sign in again.")
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(waiting.user, form.cleaned_data["code"])
        if device is not None:
            two_factor.end_code_step(request)
            login(request, waiting.user, backend=waiting.backend)
            two_factor.mark_verified(request, device)
            response = redirect(waiting.next_url)
            signin.complete(request, response, waiting.user)
            return response
        if two_factor.note_failed_code(request, waiting.user, "sign-in"):
            messages.error(request, "Too many wrong codes. Sign in again.")
            return redirect("accounts:login")
        form.add_error("code", "That code is not right. Codes change every 30 seconds.")
    return render(request, "accounts/two_factor_step.html", {"form": form})


def security(request: HttpRequest) -> HttpResponse:
    """The signed-in user's two-factor status and the browsers they have signed in from."""
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "accounts/security.html",
        {
            "enabled_since": two_factor.enabled_since(user),
            "codes_left": two_factor.recovery_codes_left(user),
            "required": two_factor.required_for(request),
            "known_devices": KnownDevice.objects.filter(user=user)[:20],
            "form": CodeForm(),
        },
    )


def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Show the QR code and key of a new authenticator, confirm it with a code, and show the ten
    recovery codes once."""
    user: User = request.user  # type: ignore[assignment]
    if two_factor.has_device(user):
        if not two_factor.is_verified(request):
            # A session signed in before two-factor was set up in another one: sign in again.
            logout(request)
            return redirect("accounts:login")
        return redirect("accounts:security")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.confirm_enrolment(request, user, form.cleaned_data["code"])
        if codes is not None:
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
        form.add_error("code", "That code is not right. Check the clock on your phone.")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "enrolment": two_factor.start_enrolment(user),
            "form": form,
            "required": two_factor.required_for(request),
        },
    )


@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    user: User = request.user  # type: ignore[assignment]
    if form.is_valid() and two_factor.disable(request, user, form.cleaned_data["code"]):
        messages.success(request, "Two-factor sign-in is off.")
    else:
        messages.error(request, "That code is not right; two-factor sign-in is still on.")
    return redirect("accounts:security")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        self.use_https = settings.HTTPS
        return super().dispatch(request, *args, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:
        response = super().form_valid(form)
        record(
            self.request,
            Action.UPDATE,
            form.user,
            user=form.user,
            detail="password reset by e-mail",
        )
        return response

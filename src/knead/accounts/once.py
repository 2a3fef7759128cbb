"""Forms that survive a double submit: two identical posts create one record.

A form carries a one-time token (``{% form_token %}`` from ``knead.accounts.templatetags.once``).
A create view wrapped in ``once_per_form`` takes the token atomically (a unique row in the
database, so it holds across app servers) before it runs. If the view saved something (it
redirects), the token keeps the address it redirected to, and a second post of the same token is
redirected there too instead of saving again. If it did not (the form came back with errors), the
token is given back, so the corrected form can be sent. A post without a token (the API, scripts)
runs as before.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from knead.accounts.models import FormSubmission

FIELD = "form_token"
# Long enough for any double click or resent page; short enough that the table stays small.
KEEP = dt.timedelta(days=1)

View = Callable[..., HttpResponse]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def claim(token: str, user: AbstractBaseUser | AnonymousUser) -> FormSubmission | None:
    """Take the token for this sending; None when an earlier sending already took it."""
    FormSubmission.objects.filter(at__lt=timezone.now() - KEEP).delete()
    try:
        with transaction.atomic():
            return FormSubmission.objects.create(token=token[:64], user=user)
    except IntegrityError:
        return None


def finish(submission: FormSubmission, response: HttpResponse) -> None:
    """Keep where a saving sending led; give the token back when nothing was saved."""
    if response.status_code in (301, 302, 303) and response.get("Location"):
        submission.result_url = response["Location"][:500]
        submission.save(update_fields=["result_url"])
    else:
        submission.delete()


def repeat(request: HttpRequest, token: str) -> HttpResponse:
    """The answer to a second sending: what the first one saved, or a plain message while the
    first is still being saved."""
    earlier = FormSubmission.objects.filter(token=token[:64], user=request.user).first()
    if earlier is not None and earlier.result_url:
        messages.info(request, "This form was already sent; here is what it saved.")
        return redirect(earlier.result_url)
    return render(request, "already_sent.html", status=409)


def once_per_form(view: View) -> View:
    """Run the view once per form token; see the module's docstring."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not token:
            return view(request, *args, **kwargs)
        submission = claim(token, request.user)
        if submission is None:
            return repeat(request, token)
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            submission.delete()
            raise
        finish(submission, response)
        return response

    return wrapped

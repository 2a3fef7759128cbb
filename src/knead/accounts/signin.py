"""What happens once a user is fully signed in (password, and a code if they use two-factor)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from knead.accounts import devices
from knead.accounts.models import User
from knead.audit.models import Action
from knead.audit.services import record
from knead.practice.models import Membership


def complete(request: HttpRequest, response: HttpResponse, user: User) -> None:
    """Audit the sign-in in every practice the user works for, and remember the browser (which
    e-mails an alert if it is new to the account)."""
    for membership in Membership.objects.filter(user=user, is_active=True).select_related(
        "practice"
    ):
        record(request, Action.LOGIN, user=user, practice=membership.practice)
    devices.remember(request, response, user)

"""Sign-in throttling, kept in the database by django-axes so every app server sees it.

Failures count per username: ``AXES_FAILURE_LIMIT`` wrong passwords for one username within
``AXES_COOLOFF_TIME`` lock that username, and no other, even behind the same address. An address
is locked too, but only at the much higher ``LOGIN_ADDRESS_FAILURE_LIMIT`` (someone trying many
usernames). A successful sign-in clears that username's failures; ``unlock`` clears them by hand.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from knead.accounts.models import User
from knead.audit.models import Action
from knead.audit.services import record
from knead.practice.models import Membership, Practice


def _failures(attempts: Any) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LoginThrottle(AxesDatabaseHandler):
    """Axes' database handler with one limit per username and a higher one per address."""

    def counts(self, request: HttpRequest, credentials: dict | None = None) -> tuple[int, int]:
        """Failures within the cool-off window for the request's username and for its address."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_username = _failures(recent.filter(username=username)) if username else 0
        # AxesProxyHandler.update_request sets the address before any handler method runs.
        address = getattr(request, "axes_ip_address", None)
        return by_username, _failures(recent.filter(ip_address=address))

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        by_username, by_address = self.counts(request, credentials)
        # The address's count only matters once it reaches its own limit, which is above the
        # username's: so returning it then locks, and a busy shared address alone does not.
        if by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return max(by_address, by_username)
        return by_username

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        """A successful sign-in clears its username's failures, not its address's."""
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def refusal(request: HttpRequest) -> str | None:
    """Why a sign-in with this request's username would be refused now, in plain words; None
    when it would be allowed."""
    credentials = get_credentials(request.POST.get("username", ""))
    if AxesProxyHandler.is_allowed(request, credentials):
        return None
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    by_username, _by_address = LoginThrottle().counts(request, credentials)
    if by_username >= settings.AXES_FAILURE_LIMIT:
        return (
            f"Too many wrong passwords for this username. Try again in {minutes} minutes "
            "or ask the practice owner to unlock it."
        )
    return f"Too many wrong passwords from this network. Try again in {minutes} minutes."


def locked(practice: Practice) -> list[User]:
    """The practice's members whose username is locked now, by name."""
    members = User.objects.filter(memberships__practice=practice, memberships__is_active=True)
    recent = AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
        username__in=members.values("username"),
    )
    names = [
        row["username"]
        for row in recent.order_by().values("username").annotate(n=Sum("failures_since_start"))
        if row["n"] >= settings.AXES_FAILURE_LIMIT
    ]
    return list(members.filter(username__in=names).order_by("username"))


def unlock(username: str, request: HttpRequest | None = None) -> int:
    """Clear a username's failed sign-ins so it can sign in at once, and say so in the audit
    trail of each practice the user works for. Returns how many failure records were cleared
    (0: it was not locked, and nothing is recorded)."""
    cleared = AxesProxyHandler.reset_attempts(username=username)
    if cleared:
        user = User.objects.filter(username=username).first()
        memberships = Membership.objects.filter(user=user, is_active=True).select_related(
            "practice"
        )
        for membership in memberships:
            record(request, Action.UNLOCK, user, practice=membership.practice)
    return cleared

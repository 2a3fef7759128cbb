"""Sign-in alerts: an e-mail when a user signs in from a browser their account has not seen.

Each browser carries a long-lived random token in the ``knead_device`` cookie; a user's known
devices are the hashes of the tokens they signed in with. The first sign-in of an account sends
no alert (every browser is new then, and the user is the one who was just given the account).
Alerts name the time and the browser family only: no address, no client, nothing from a chart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import smtplib

from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from knead.accounts.models import KnownDevice, User

COOKIE = "knead_device"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest that browsers keep a cookie
ALERT_SUBJECT = "A new sign-in to your Knead account"

log = logging.getLogger(__name__)

# Checked in this order: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)


def browser_family(user_agent: str) -> str:
    """An approximate, human name for a browser from its User-Agent: "Firefox on Linux"."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), "Unknown browser")
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    return f"{browser} on {system}" if system else browser


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def remember(request: HttpRequest, response: HttpResponse, user: User) -> bool:
    """Note the browser the user just signed in from, set its device cookie on ``response``, and
    e-mail the user if their account knows other browsers but not this one. Returns whether this
    browser was new to an account that had signed in before."""
    token = request.COOKIES.get(COOKIE) or secrets.token_urlsafe(32)
    browser = browser_family(request.headers.get("User-Agent", ""))[:60]
    now = timezone.now()
    updated = KnownDevice.objects.filter(user=user, token_hash=_hash(token)).update(
        last_seen=now, browser=browser
    )
    alert = False
    if not updated:
        alert = KnownDevice.objects.filter(user=user).exists()
        KnownDevice.objects.create(
            user=user, token_hash=_hash(token), browser=browser, first_seen=now, last_seen=now
        )
    response.set_cookie(
        COOKIE,
        token,
        max_age=COOKIE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    if alert:
        send_alert(request, user, browser, now)
    return alert


def send_alert(request: HttpRequest, user: User, browser: str, when: dt.datetime) -> None:
    """E-mail the new-browser alert, if the user has an address. A mail server that is down does
    not stop the sign-in: the failure is logged, without the address."""
    if not user.email:
        return
    body = render_to_string(
        "accounts/new_device_email.txt",
        {
            "user": user,
            "browser": browser,
            "when": when,
            "reset_url": request.build_absolute_uri(reverse("accounts:password_reset")),
            "security_url": request.build_absolute_uri(reverse("accounts:security")),
        },
    )
    try:
        send_mail(ALERT_SUBJECT, body, None, [user.email])
    except (smtplib.SMTPException, OSError) as error:
        log.warning("sign-in alert not sent: %s", type(error).__name__)

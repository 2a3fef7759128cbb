"""Two-factor sign-in: an authenticator app (TOTP) and ten one-time recovery codes (django-otp).

A user with a confirmed authenticator is asked for a code after the password
(:func:`begin_code_step`); the session counts as verified once django-otp has stored the device
that accepted a code in it. A practice may require two-factor sign-in for its owners and billers
(:func:`setup_required`).
"""

from __future__ import annotations

import datetime as dt
import time
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from knead.accounts.models import User
from knead.audit.models import Action
from knead.audit.services import record
from knead.practice.models import Membership, Role

RECOVERY_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
_PENDING_KEY = "two_factor_pending"
_ROLES_THAT_MAY_NEED_IT = frozenset({Role.OWNER, Role.BILLER})


def has_device(user: User) -> bool:
    """Whether the user has confirmed an authenticator app (and so must give a code to sign in)."""
    return user_has_device(user, confirmed=True)


def is_verified(request: HttpRequest) -> bool:
    """Whether this session was signed in, or set up, with a second factor."""
    return DEVICE_ID_SESSION_KEY in request.session


def required_for(request: HttpRequest) -> bool:
    """Whether one of the user's practices requires two-factor sign-in for the user's role there."""
    return any(
        m.role in _ROLES_THAT_MAY_NEED_IT and m.practice.require_two_factor
        for m in getattr(request, "memberships", ())
    )


def setup_required(request: HttpRequest) -> bool:
    """Whether the signed-in user must finish two-factor set-up before opening any other page."""
    return request.user.is_authenticated and not is_verified(request) and required_for(request)


def normalize(code: str) -> str:
    """Codes are compared without spaces or dashes, and recovery codes in lower case."""
    return "".join(code.split()).replace("-", "").lower()


# --- The code step after the password -------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A user who gave the right password and still owes a code."""

    user: User
    backend: str
    next_url: str


def begin_code_step(request: HttpRequest, user: User, next_url: str) -> None:
    """Remember, in the anonymous session, who gave the right password, for a few minutes."""
    request.session[_PENDING_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,  # set by authenticate(); login() needs it back
        "next": next_url,
        "since": time.time(),
        "failures": 0,
    }


def pending(request: HttpRequest) -> Pending | None:
    """The user waiting at the code step, or None if there is none or it expired."""
    state = request.session.get(_PENDING_KEY)
    if state is None:
        return None
    if time.time() - state["since"] > settings.TWO_FACTOR_PENDING_MINUTES * 60:
        del request.session[_PENDING_KEY]
        return None
    user = User.objects.filter(pk=state["user_id"], is_active=True).first()
    if user is None:
        return None
    return Pending(user=user, backend=state["backend"], next_url=state["next"])


def end_code_step(request: HttpRequest) -> None:
    request.session.pop(_PENDING_KEY, None)


def note_failed_code(request: HttpRequest, user: User, where: str) -> bool:
    """Audit a wrong code. At the sign-in step, too many of them end the step: returns True then,
    and the password must be given again."""
    detail = f"wrong two-factor code ({where})"
    if request.user.is_authenticated:
        record(request, Action.LOGIN_FAILED, user=user, detail=detail)
    else:
        # Not signed in yet, so no current practice: it shows in each practice's trail.
        for membership in Membership.objects.filter(user=user, is_active=True).select_related(
            "practice"
        ):
            record(
                request, Action.LOGIN_FAILED, user=user, practice=membership.practice, detail=detail
            )
    state = request.session.get(_PENDING_KEY)
    if state is None:
        return False
    state["failures"] += 1
    request.session.modified = True
    if state["failures"] >= settings.TWO_FACTOR_MAX_FAILURES:
        end_code_step(request)
        return True
    return False


def verify(user: User, code: str) -> Device | None:
    """The device that accepts ``code``: six digits go to the authenticator app, anything else
    is tried as a recovery code, which is then used up. django-otp throttles each device after
    wrong codes (1 s, 2 s, 4 s … before the next try counts)."""
    code = normalize(code)
    model: type[Device] = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    with transaction.atomic():
        # Locked, so that two requests cannot both use one recovery code or one time step.
        device = model.objects.select_for_update().filter(user=user, confirmed=True).first()
        if device is not None and device.verify_token(code):
            return device
    return None


def mark_verified(request: HttpRequest, device: Device) -> None:
    """Record in the signed-in session that it was verified with ``device``."""
    otp_login(request, device)


# --- Set-up and turning it off --------------------------------------------------------------


@dataclass(frozen=True)
class Enrolment:
    """What the set-up page shows: the QR code (inline SVG) and the same key to type by hand."""

    device: TOTPDevice
    qr_svg: str
    manual_key: str


def start_enrolment(user: User) -> Enrolment:
    """The user's unconfirmed authenticator, made on first visit and kept until confirmed, so
    reloading the page does not change the key already scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    key = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m")
    return Enrolment(
        device=device,
        qr_svg=qr.svg_inline(scale=4, light="#fff", title="Scan with your authenticator app"),
        manual_key=" ".join(key[i : i + 4] for i in range(0, len(key), 4)),
    )


def confirm_enrolment(request: HttpRequest, user: User, code: str) -> list[str] | None:
    """Confirm the unconfirmed authenticator with a code from it. On success, replace any old
    recovery codes with ten new ones, mark the session verified, audit it, and return the codes
    (shown once, never stored in clear elsewhere). A wrong code is audited and returns None."""
    code = normalize(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None or not device.verify_token(code):
            note_failed_code(request, user, "set-up")
            return None
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=user).delete()
        recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    mark_verified(request, device)
    record(request, Action.CREATE, device, detail="two-factor sign-in set up")
    return codes


def disable(request: HttpRequest, user: User, code: str) -> bool:
    """Turn two-factor sign-in off, given a current code (or a recovery code): removes the
    authenticator and the recovery codes and audits it. A wrong code is audited, returns False."""
    device = verify(user, code)
    if device is None:
        note_failed_code(request, user, "turning off")
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    record(request, Action.DELETE, device, detail="two-factor sign-in turned off")
    return True


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def enabled_since(user: User) -> dt.datetime | None:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device.created_at if device is not None else None

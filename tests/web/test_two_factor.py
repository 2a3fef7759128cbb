"""Two-factor sign-in: set-up from the account page, the code step after the password, recovery
codes, turning it off, and the practice setting that requires it for owners and billers."""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from knead.audit.models import Action, AuditEvent

from .conftest import PASSWORD, signed_in
from .totp import totp

pytestmark = pytest.mark.django_db

KEY = re.compile(r'<span class="mono" id="manual-key">([A-Z2-7 ]+)</span>')
CODES = re.compile(r"<li>([a-z2-7]{8})</li>")


@pytest.fixture(autouse=True)
def _no_otp_throttle_delay(settings):
    # django-otp waits 1 s, 2 s … after a wrong code; these tests try a right one straight after.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def set_up(client: HttpClient) -> tuple[bytes, list[str]]:
    """Set up an authenticator from the set-up page as a user would; returns its secret (read
    from the manual key on the page) and the recovery codes shown."""
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    secret = b32decode(KEY.search(page).group(1).replace(" ", ""))
    response = client.post(
        reverse("accounts:two_factor_setup"), {"code": totp(secret, time.time())}
    )
    assert response.status_code == 200
    return secret, CODES.findall(response.content.decode())


def next_code(secret: bytes) -> str:
    """The code for the next 30-second step: the server accepts one step either side, and a
    code newer than the last one used is never a replay."""
    return totp(secret, time.time() + 30)


def wrong_code(secret: bytes) -> str:
    now = time.time()
    valid = {totp(secret, now + 30 * k) for k in range(-3, 4)}
    return next(c for c in ("000000", "111111", "222222") if c not in valid)


def password_step(username: str = "owner_a") -> tuple[HttpClient, str]:
    client = HttpClient()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    return client, response.url


def signed_in_with_code(client: HttpClient) -> bool:
    return "_auth_user_id" in client.session


def test_the_totp_helper_gives_rfc_6238s_sha1_test_vectors():
    secret = b"12345678901234567890"
    assert totp(secret, 59, digits=8) == "94287082"
    assert totp(secret, 1111111109, digits=8) == "07081804"
    assert totp(secret, 20000000000, digits=8) == "65353130"


def test_the_set_up_page_shows_a_qr_code_and_the_key_to_type(as_role, records):
    page = as_role("owner").get(reverse("accounts:two_factor_setup")).content.decode()
    assert '<svg width="' in page and "<title>Scan with your authenticator app</title>" in page
    device = TOTPDevice.objects.get(confirmed=False)
    manual = KEY.search(page).group(1).replace(" ", "")
    assert b32decode(manual) == bytes.fromhex(device.key)


def test_reloading_the_set_up_page_keeps_the_same_key(as_role, records):
    client = as_role("owner")
    first = KEY.search(client.get(reverse("accounts:two_factor_setup")).content.decode())
    second = KEY.search(client.get(reverse("accounts:two_factor_setup")).content.decode())
    assert first.group(1) == second.group(1)


def test_a_right_code_turns_it_on_and_shows_ten_recovery_codes(as_role, records, users):
    _, codes = set_up(as_role("owner"))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.filter(user=users["owner"], confirmed=True).count() == 1
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)
    assert AuditEvent.objects.filter(
        action=Action.CREATE,
        user=users["owner"],
        object_type="otp_totp.totpdevice",
        detail="two-factor sign-in set up",
    ).exists()


def test_a_wrong_code_at_set_up_leaves_it_off_and_is_audited(as_role, records, users):
    client = as_role("owner")
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    secret = b32decode(KEY.search(page).group(1).replace(" ", ""))
    response = client.post(reverse("accounts:two_factor_setup"), {"code": wrong_code(secret)})
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()
    assert AuditEvent.objects.filter(
        action=Action.LOGIN_FAILED, user=users["owner"], detail="wrong two-factor code (set-up)"
    ).exists()


def test_with_it_on_the_password_alone_does_not_sign_in(as_role, records):
    set_up(as_role("owner"))
    client, url = password_step()
    assert url == reverse("accounts:two_factor")
    assert not signed_in_with_code(client)
    assert client.get("/").url.startswith(reverse("accounts:login"))
    assert "Enter your code" in client.get(url).content.decode()


def test_a_right_code_after_the_password_signs_in_and_is_audited(as_role, records, users):
    secret, _ = set_up(as_role("owner"))
    client, url = password_step()
    response = client.post(url, {"code": next_code(secret)})
    assert response.status_code == 302 and response.url == "/"
    assert client.session["_auth_user_id"] == str(users["owner"].pk)
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action=Action.LOGIN, user=users["owner"]).count() == 1


def test_the_code_step_goes_where_the_sign_in_page_was_asked_to(as_role, records):
    secret, _ = set_up(as_role("owner"))
    client = HttpClient()
    client.post(
        f"{reverse('accounts:login')}?next=/clients/",
        {"username": "owner_a", "password": PASSWORD, "next": "/clients/"},
    )
    response = client.post(reverse("accounts:two_factor"), {"code": next_code(secret)})
    assert response.url == "/clients/"


def test_a_wrong_code_at_sign_in_is_refused_and_audited_in_the_practice(
    as_role, records, users, practice
):
    secret, _ = set_up(as_role("owner"))
    client, url = password_step()
    response = client.post(url, {"code": wrong_code(secret)})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not signed_in_with_code(client)
    assert AuditEvent.objects.filter(
        action=Action.LOGIN_FAILED,
        user=users["owner"],
        practice=practice,
        detail="wrong two-factor code (sign-in)",
    ).exists()


def test_a_code_is_accepted_only_once(as_role, records):
    secret, _ = set_up(as_role("owner"))
    code = next_code(secret)
    first, url = password_step()
    first.post(url, {"code": code})
    assert signed_in_with_code(first)
    second, url = password_step()
    second.post(url, {"code": code})
    assert not signed_in_with_code(second)


def test_too_many_wrong_codes_send_the_user_back_to_the_password(as_role, records, settings):
    settings.TWO_FACTOR_MAX_FAILURES = 2
    secret, _ = set_up(as_role("owner"))
    client, url = password_step()
    client.post(url, {"code": wrong_code(secret)})
    response = client.post(url, {"code": wrong_code(secret)})
    assert response.url == reverse("accounts:login")
    late = client.post(url, {"code": next_code(secret)})
    assert late.url == reverse("accounts:login")
    assert not signed_in_with_code(client)


def test_the_code_step_expires_after_a_few_minutes(as_role, records):
    secret, _ = set_up(as_role("owner"))
    client, url = password_step()
    session = client.session
    session["two_factor_pending"]["since"] -= 6 * 60
    session.save()
    response = client.post(url, {"code": next_code(secret)})
    assert response.url == reverse("accounts:login")
    assert not signed_in_with_code(client)


def test_the_code_step_without_a_password_goes_back_to_sign_in(client):
    response = client.get(reverse("accounts:two_factor"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")


def test_each_recovery_code_signs_in_once(as_role, records):
    _, codes = set_up(as_role("owner"))
    first, url = password_step()
    first.post(url, {"code": codes[3].upper()})
    assert signed_in_with_code(first)
    again, url = password_step()
    again.post(url, {"code": codes[3]})
    assert not signed_in_with_code(again)
    other, url = password_step()
    other.post(url, {"code": codes[4]})
    assert signed_in_with_code(other)
    assert StaticToken.objects.count() == 8


def test_turning_it_off_needs_a_current_code(as_role, records, users):
    client = as_role("owner")
    secret, _ = set_up(client)
    client.post(reverse("accounts:two_factor_disable"), {"code": wrong_code(secret)})
    assert TOTPDevice.objects.filter(confirmed=True).exists()
    assert AuditEvent.objects.filter(
        action=Action.LOGIN_FAILED, detail="wrong two-factor code (turning off)"
    ).exists()

    client.post(reverse("accounts:two_factor_disable"), {"code": next_code(secret)})
    assert not TOTPDevice.objects.exists() and not StaticToken.objects.exists()
    assert AuditEvent.objects.filter(
        action=Action.DELETE, user=users["owner"], detail="two-factor sign-in turned off"
    ).exists()
    after, url = password_step()
    assert url == "/" and signed_in_with_code(after)


def test_the_security_page_says_whether_it_is_on(as_role, records):
    client = as_role("owner")
    assert (
        "Set up an authenticator app" in client.get(reverse("accounts:security")).content.decode()
    )
    set_up(client)
    page = client.get(reverse("accounts:security")).content.decode()
    assert "10 of 10 recovery codes left." in page
    assert "Turn off two-factor sign-in" in page


# --- The practice setting -------------------------------------------------------------------


@pytest.fixture
def required(practice):
    practice.require_two_factor = True
    practice.save()
    return practice


@pytest.mark.parametrize("role", ["owner", "biller"])
def test_a_practice_requiring_it_sends_owners_and_billers_to_set_up_first(required, records, role):
    client, url = password_step(f"{role}_a")
    assert url == "/"
    setup = reverse("accounts:two_factor_setup")
    for page in ("/", "/clients/", reverse("accounts:security")):
        assert client.get(page).url == setup
    api = client.get("/api/clients")
    assert api.status_code == 403 and api.json() == {"detail": "Finish two-factor set-up first."}
    htmx = client.post(reverse("visits:units"), headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == setup
    assert "Your practice requires it" in client.get(setup).content.decode()

    set_up(client)
    assert client.get("/").status_code == 200
    assert client.get("/clients/").status_code == 200


@pytest.mark.parametrize("role", ["therapist", "front_desk"])
def test_the_requirement_leaves_therapists_and_the_front_desk_alone(required, records, role):
    client, _ = password_step(f"{role}_a")
    assert client.get("/").status_code == 200


def test_a_required_user_can_still_sign_out(required, records):
    client, _ = password_step()
    response = client.post(reverse("accounts:logout"))
    assert response.url == reverse("accounts:login")
    assert not signed_in_with_code(client)


def test_a_session_from_before_set_up_elsewhere_must_sign_in_again(required, records, users):
    old = signed_in(users["owner"])
    set_up(signed_in(users["owner"]))
    response = old.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert not signed_in_with_code(old)


def test_the_owner_turns_the_requirement_on_from_the_practice_details(as_role, practice):
    client = as_role("owner")
    page = client.get(reverse("practice:settings")).content.decode()
    assert "Require two-factor sign-in for owners and billers" in page
    response = client.post(
        reverse("practice:settings"),
        {
            "name": "Practice A",
            "tax_id_kind": "EIN",
            "taxonomy": "225700000X",
            "state": "WA",
            "time_zone": "America/Los_Angeles",
            "require_two_factor": "on",
        },
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.require_two_factor is True
    assert client.get("/").url == reverse("accounts:two_factor_setup")

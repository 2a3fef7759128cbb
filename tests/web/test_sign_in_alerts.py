"""An e-mail when an account signs in from a browser it has not used before."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from knead.accounts.devices import browser_family
from knead.accounts.models import KnownDevice

from .conftest import PASSWORD
from .mailserver import free_port

pytestmark = pytest.mark.django_db

WHEN = re.compile(r"When: [A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4}, \d{1,2}:\d{2} [AP]M P[SD]T")

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0"
)
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture
def owner(users, records):
    user = users["owner"]
    user.email = "owner.a@example.test"
    user.save()
    return user


def sign_in(client: HttpClient, user_agent: str = FIREFOX_LINUX) -> None:
    response = client.post(
        reverse("accounts:login"),
        {"username": "owner_a", "password": PASSWORD},
        headers={"User-Agent": user_agent},
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session


@pytest.mark.parametrize(
    ("user_agent", "family"),
    [
        (FIREFOX_LINUX, "Firefox on Linux"),
        (SAFARI_IPHONE, "Safari on iOS"),
        (EDGE_WINDOWS, "Edge on Windows"),
        (CHROME_MAC, "Chrome on macOS"),
        (CHROME_ANDROID, "Chrome on Android"),
        ("curl/8.5.0", "Unknown browser"),
    ],
)
def test_alerts_name_the_browser_family_and_system(user_agent, family):
    assert browser_family(user_agent) == family


def test_the_first_sign_in_of_an_account_sends_no_alert_and_remembers_the_browser(owner, mailbox):
    client = HttpClient()
    sign_in(client)
    assert mailbox == []
    assert list(KnownDevice.objects.filter(user=owner).values_list("browser", flat=True)) == [
        "Firefox on Linux"
    ]
    assert client.cookies["knead_device"]["httponly"] is True


def test_signing_in_again_from_a_known_browser_sends_no_alert(owner, mailbox):
    client = HttpClient()
    sign_in(client)
    client.post(reverse("accounts:logout"))
    sign_in(client)
    assert mailbox == []
    assert KnownDevice.objects.filter(user=owner).count() == 1


def test_a_sign_in_from_a_new_browser_emails_the_user_without_phi(owner, records, mailbox):
    sign_in(HttpClient(), FIREFOX_LINUX)
    sign_in(HttpClient(), SAFARI_IPHONE)

    assert len(mailbox) == 1
    received = mailbox[0]
    assert received.rcpt_tos == ["owner.a@example.test"]
    assert received.message["Subject"] == "A new sign-in to your Knead account"
    lines = received.body.splitlines()
    assert lines[0] == (
        'Your Knead account "owner_a" was just signed in to from a browser it has not used before.'
    )
    assert "Browser: Safari on iOS" in lines
    # The time, in the install's time zone (America/Los_Angeles in the tests).
    assert any(WHEN.fullmatch(line) for line in lines)
    assert "http://testserver/accounts/password-reset/" in lines
    client_record = records["client"]
    for phi in (client_record.first_name, client_record.last_name, "Neck pain", "MEMA"):
        assert phi not in received.body
    assert KnownDevice.objects.filter(user=owner).count() == 2


def test_a_user_without_an_address_is_signed_in_without_mail(owner, mailbox):
    owner.email = ""
    owner.save()
    sign_in(HttpClient())
    sign_in(HttpClient())
    assert mailbox == []


def test_a_mail_server_that_is_down_does_not_stop_the_sign_in(owner, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens there
    sign_in(HttpClient())
    sign_in(HttpClient(), SAFARI_IPHONE)
    assert KnownDevice.objects.filter(user=owner).count() == 2


def test_the_security_page_lists_the_browsers_signed_in_from(owner, mailbox):
    client = HttpClient()
    sign_in(client, CHROME_MAC)
    page = client.get(reverse("accounts:security")).content.decode()
    assert "<td>Chrome on macOS</td>" in page

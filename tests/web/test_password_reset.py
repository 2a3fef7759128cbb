"""Password reset by e-mail, sent through a real SMTP server on loopback."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from knead.audit.models import Action, AuditEvent

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lavender-table-oak-river"
LINK = re.compile(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def owner(users):
    user = users["owner"]
    user.email = "owner.a@example.test"
    user.save()
    return user


def ask_for_reset(address: str) -> HttpClient:
    client = HttpClient()
    response = client.post(reverse("accounts:password_reset"), {"email": address})
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    return client


def signs_in(password: str) -> bool:
    client = HttpClient()
    client.post(reverse("accounts:login"), {"username": "owner_a", "password": password})
    return "_auth_user_id" in client.session


def test_the_sign_in_page_links_to_password_reset(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{reverse("accounts:password_reset")}">Forgot your password?</a>' in page


def test_the_reset_pages_need_no_sign_in(client):
    assert client.get(reverse("accounts:password_reset")).status_code == 200
    assert client.get(reverse("accounts:password_reset_done")).status_code == 200
    assert client.get(reverse("accounts:password_reset_complete")).status_code == 200


def test_the_reset_mail_reaches_the_smtp_server_and_its_link_sets_a_new_password(owner, mailbox):
    client = ask_for_reset("Owner.A@example.test")

    assert len(mailbox) == 1
    received = mailbox[0]
    assert received.rcpt_tos == ["owner.a@example.test"]
    assert received.message["To"] == "owner.a@example.test"
    assert received.message["From"] == "Knead <knead@example.test>"
    assert received.message["Subject"] == "Reset your Knead password"
    link = LINK.search(received.body)
    assert link is not None
    assert received.body.strip() == (
        'Someone asked to reset the password of the Knead account "owner_a".\n\n'
        "To choose a new password, open this link within an hour:\n\n"
        f"http://testserver{link.group(1)}\n\n"
        "If you did not ask for this, ignore this e-mail: your password stays as it is."
    )

    form_page = client.get(link.group(1), follow=True)
    assert b"Choose a new password" in form_page.content
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_complete")
    assert signs_in(NEW_PASSWORD)
    assert not signs_in(PASSWORD)
    assert AuditEvent.objects.filter(
        action=Action.UPDATE, user=owner, detail="password reset by e-mail"
    ).exists()


def test_a_reset_link_works_only_once(owner, mailbox):
    client = ask_for_reset("owner.a@example.test")
    path = LINK.search(mailbox[0].body).group(1)
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = HttpClient().get(path, follow=True)
    assert b"This link no longer works" in again.content
    assert b"new_password1" not in again.content


def test_an_address_without_an_account_gets_no_mail_and_the_page_says_the_same(owner, mailbox):
    client = ask_for_reset("nobody@example.test")
    assert mailbox == []
    page = client.get(reverse("accounts:password_reset_done")).content.decode()
    assert "If that address belongs to a Knead account" in page


def _settings_in_a_fresh_process(tmp_path, **environ: str) -> list[str]:
    env = {
        "PATH": os.environ["PATH"],
        "KNEAD_DATA_DIR": str(tmp_path),
        "SECRET_KEY": "test-only-key",
        **environ,
    }
    script = (
        "from knead import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, "
        "s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.DEFAULT_FROM_EMAIL, sep='|')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip().split("|")


def test_mail_settings_come_from_the_environment(tmp_path):
    assert _settings_in_a_fresh_process(
        tmp_path,
        EMAIL_HOST="smtp.example.test",
        EMAIL_PORT="587",
        EMAIL_HOST_USER="knead",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_TLS="1",
        DEFAULT_FROM_EMAIL="Willow Creek <billing@example.test>",
    ) == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.test",
        "587",
        "knead",
        "s3cret",
        "True",
        "Willow Creek <billing@example.test>",
    ]


def test_a_debug_demo_without_a_mail_server_prints_mail_to_the_console(tmp_path):
    assert _settings_in_a_fresh_process(tmp_path, DEBUG="1")[0] == (
        "django.core.mail.backends.console.EmailBackend"
    )


def test_production_without_a_mail_server_sends_to_a_local_mta(tmp_path):
    assert _settings_in_a_fresh_process(tmp_path)[:3] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "localhost",
        "25",
    ]

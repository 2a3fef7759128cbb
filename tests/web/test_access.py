"""Sign-in everywhere, idle logout, roles, the admin, and secure headers."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from knead.accounts.models import User

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url", ["/", "/clients/", "/visits/", "/practice/payers/", "/audit/", "/clients/1/"]
)
def test_every_page_but_sign_in_needs_a_signed_in_user(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_htmx_requests_without_a_session_are_told_to_go_to_sign_in(client):
    response = client.post(reverse("visits:units"), headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == reverse("accounts:login")


def test_the_sign_in_page_is_public(client):
    assert client.get(reverse("accounts:login")).status_code == 200


def test_an_idle_session_is_signed_out(as_role, records, settings):
    settings.IDLE_MINUTES = 15
    client = as_role("owner")
    assert client.get("/").status_code == 200
    session = client.session
    session["last_seen"] = time.time() - 16 * 60
    session.save()
    response = client.get("/clients/")
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert client.get("/").status_code == 302


def test_an_active_session_stays_signed_in(as_role, records):
    client = as_role("owner")
    session = client.session
    session["last_seen"] = time.time() - 14 * 60
    session.save()
    assert client.get("/clients/").status_code == 200


def test_a_correct_password_signs_in(client, users):
    response = client.post(reverse("accounts:login"), {"username": "owner_a", "password": PASSWORD})
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(users["owner"].pk)


def test_passwords_are_hashed_with_argon2_outside_tests(settings):
    from django.contrib.auth.hashers import make_password

    from knead import settings as knead_settings

    settings.PASSWORD_HASHERS = knead_settings.PASSWORD_HASHERS
    assert make_password("a long passphrase").startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    ("role", "url_name", "status"),
    [
        ("front_desk", "visits:new", 403),
        ("biller", "visits:new", 403),
        ("therapist", "visits:new", 200),
        ("therapist", "practice:provider_new", 403),
        ("owner", "practice:provider_new", 200),
        ("therapist", "practice:payer_new", 403),
        ("biller", "practice:payer_new", 200),
        ("front_desk", "practice:settings", 403),
        ("front_desk", "clients:new", 200),
    ],
)
def test_roles_decide_what_each_user_can_open(as_role, records, role, url_name, status):
    assert as_role(role).get(reverse(url_name)).status_code == status


def test_only_owners_remove_clients(as_role, records):
    client = records["client"]
    assert (
        as_role("front_desk").post(reverse("clients:delete", args=[client.pk])).status_code == 403
    )


def test_the_django_admin_is_for_superusers_only(as_role, records, users):
    staff = users["owner"]
    staff.is_staff = True
    staff.save()
    assert as_role("owner").get("/admin/").status_code == 302
    User.objects.create_superuser("root", password=PASSWORD)
    from .conftest import signed_in

    assert signed_in(User.objects.get(username="root")).get("/admin/").status_code == 200


def test_pages_carry_secure_headers_and_are_never_cached(as_role, records):
    response = as_role("owner").get("/clients/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_forms_need_a_csrf_token(users, records):
    from django.test import Client as HttpClient

    client = HttpClient(enforce_csrf_checks=True)
    client.force_login(users["owner"])
    response = client.post(reverse("clients:new"), {"first_name": "X"})
    assert response.status_code == 403

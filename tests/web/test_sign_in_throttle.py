"""Sign-in throttling with django-axes: per username, in the database, with a plain message."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.test import Client as HttpClient
from django.urls import reverse

from knead.audit.models import Action, AuditEvent
from knead.cli import main

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = (
    "Too many wrong passwords for this username. Try again in 30 minutes "
    "or ask the practice owner to unlock it."
)


def sign_in(client: HttpClient, username: str, password: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def wrong(client: HttpClient, username: str, times: int) -> list[int]:
    return [sign_in(client, username, "nope-nope-nope").status_code for _ in range(times)]


def test_five_wrong_passwords_lock_that_username_with_a_plain_message(client, users):
    assert wrong(client, "owner_a", 4) == [200, 200, 200, 200]
    fifth = sign_in(client, "owner_a", "nope-nope-nope")
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()
    correct = sign_in(client, "owner_a", PASSWORD)
    assert correct.status_code == 429
    assert LOCKED in correct.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_do_not_lock(client, users):
    wrong(client, "owner_a", 4)
    response = sign_in(client, "owner_a", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(users["owner"].pk)


def test_another_user_behind_the_same_address_still_signs_in(client, users):
    wrong(client, "owner_a", 5)
    colleague = HttpClient(REMOTE_ADDR="127.0.0.1")
    response = sign_in(colleague, "biller_a", PASSWORD)
    assert response.status_code == 302
    assert colleague.session["_auth_user_id"] == str(users["biller"].pk)


def test_the_locked_user_is_locked_from_every_address(users):
    wrong(HttpClient(REMOTE_ADDR="10.0.0.1"), "owner_a", 5)
    elsewhere = HttpClient(REMOTE_ADDR="10.0.0.2")
    assert sign_in(elsewhere, "owner_a", PASSWORD).status_code == 429


def test_an_address_is_locked_only_at_fifty_wrong_passwords(users):
    office = HttpClient(REMOTE_ADDR="10.0.0.7")
    for n in range(49):
        sign_in(office, f"nobody{n}", "nope-nope-nope")
    assert sign_in(HttpClient(REMOTE_ADDR="10.0.0.7"), "owner_a", PASSWORD).status_code == 302
    sign_in(office, "nobody49", "nope-nope-nope")
    refused = sign_in(HttpClient(REMOTE_ADDR="10.0.0.7"), "biller_a", PASSWORD)
    assert refused.status_code == 429
    assert "Too many wrong passwords from this network" in refused.content.decode()
    assert sign_in(HttpClient(REMOTE_ADDR="10.0.0.8"), "biller_a", PASSWORD).status_code == 302


def test_the_lockout_lives_in_the_database_for_every_app_server(client, users):
    wrong(client, "owner_a", 5)
    assert AccessAttempt.objects.get(username="owner_a").failures_since_start == 5
    # A fresh handler is what another app server, or this one after a restart, starts with.
    AxesProxyHandler.get_implementation(force=True)
    assert sign_in(HttpClient(), "owner_a", PASSWORD).status_code == 429


def test_the_lockout_ends_after_thirty_minutes(client, users):
    wrong(client, "owner_a", 5)
    attempt = AccessAttempt.objects.get(username="owner_a")
    attempt.attempt_time -= dt.timedelta(minutes=31)
    attempt.save()
    assert sign_in(client, "owner_a", PASSWORD).status_code == 302


def test_a_correct_password_clears_that_usernames_failures(client, users):
    wrong(client, "owner_a", 4)
    assert sign_in(client, "owner_a", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    assert wrong(client, "owner_a", 4) == [200, 200, 200, 200]
    assert sign_in(client, "owner_a", PASSWORD).status_code == 302


def test_knead_unlock_lets_a_locked_username_sign_in_at_once(client, users, practice, capsys):
    wrong(client, "owner_a", 5)
    assert main(["unlock", "owner_a"]) == 0
    assert capsys.readouterr().out == "owner_a can sign in again.\n"
    assert sign_in(client, "owner_a", PASSWORD).status_code == 302
    unlocked = AuditEvent.objects.get(action=Action.UNLOCK)
    assert (unlocked.practice, unlocked.object_id) == (practice, str(users["owner"].pk))


def test_knead_unlock_says_when_a_username_was_not_locked(users, capsys):
    assert main(["unlock", "owner_a"]) == 0
    assert capsys.readouterr().out == "owner_a was not locked.\n"
    assert not AuditEvent.objects.filter(action=Action.UNLOCK).exists()


def test_wrong_passwords_and_refused_sign_ins_are_audited(client, users):
    wrong(client, "owner_a", 5)
    sign_in(client, "owner_a", PASSWORD)
    events = list(AuditEvent.objects.order_by("id").values_list("action", "detail", "ip"))
    assert events == [
        *[(Action.LOGIN_FAILED, "bad credentials", "127.0.0.1")] * 5,
        (Action.LOGIN_LOCKED, "too many wrong passwords", "127.0.0.1"),
    ]


def test_refused_sign_ins_show_in_the_audit_trail_of_the_users_practice(client, users, practice):
    wrong(client, "owner_a", 5)
    sign_in(client, "owner_a", PASSWORD)
    events = AuditEvent.objects.filter(practice=practice, object_id=str(users["owner"].pk))
    assert sorted(events.values_list("action", flat=True)) == sorted(
        [Action.LOGIN_FAILED] * 5 + [Action.LOGIN_LOCKED]
    )


def test_the_owner_sees_a_locked_member_and_unlocks_them(as_role, users, practice):
    wrong(HttpClient(), "biller_a", 5)
    owner = as_role("owner")
    page = owner.get(reverse("accounts:locked")).content.decode()
    assert "biller_a" in page and "owner_a" not in page
    response = owner.post(reverse("accounts:locked"), {"username": "biller_a"})
    assert response.status_code == 302
    assert "biller_a" not in owner.get(reverse("accounts:locked")).content.decode()
    assert sign_in(HttpClient(), "biller_a", PASSWORD).status_code == 302
    unlocked = AuditEvent.objects.get(action=Action.UNLOCK)
    assert (unlocked.user, unlocked.object_id) == (users["owner"], str(users["biller"].pk))


def test_an_owner_cannot_unlock_someone_outside_the_practice(as_role, users, other_records):
    wrong(HttpClient(), "owner_b", 5)
    owner = as_role("owner")
    assert owner.post(reverse("accounts:locked"), {"username": "owner_b"}).status_code == 404
    assert sign_in(HttpClient(), "owner_b", PASSWORD).status_code == 429


@pytest.mark.parametrize("role", ["therapist", "front_desk", "biller"])
def test_only_owners_open_the_locked_sign_ins(as_role, users, role):
    assert as_role(role).get(reverse("accounts:locked")).status_code == 403

"""/healthz: JSON for load balancers and monitoring, without signing in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from knead.jobs.models import Worker

pytestmark = pytest.mark.django_db


def _worker(name: str, seen_seconds_ago: float, stopped: bool = False) -> Worker:
    now = timezone.now()
    return Worker.objects.create(
        worker_id=name,
        hostname="host-a",
        pid=4242,
        started_at=now - dt.timedelta(hours=1),
        seen_at=now - dt.timedelta(seconds=seen_seconds_ago),
        stopped_at=now if stopped else None,
    )


def test_healthz_answers_200_when_the_database_answers_and_a_worker_beats(client):
    _worker("w1", seen_seconds_ago=2)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "worker": "ok", "workers": 1}


def test_healthz_answers_503_naming_the_worker_when_none_runs(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["workers"] == 0
    assert body["worker"] == (
        "no worker has sent a heartbeat in the last 30 s: start `knead worker`"
    )


def test_a_stopped_worker_or_one_silent_past_its_lease_does_not_count(client, settings):
    settings.JOB_LEASE_SECONDS = 30
    _worker("stopped", seen_seconds_ago=1, stopped=True)
    _worker("silent", seen_seconds_ago=31)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["workers"] == 0


def test_healthz_needs_no_sign_in_and_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    _worker("w1", seen_seconds_ago=0)
    assert client.get("/healthz").status_code == 200
    # Every other page still redirects to HTTPS.
    assert client.get("/accounts/login/").status_code == 301


def test_healthz_refuses_a_post(client):
    assert client.post("/healthz").status_code == 405

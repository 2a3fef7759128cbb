"""One "today": the date in each practice's own time zone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from knead.practice import clock
from knead.practice.models import Practice

MOMENT = dt.datetime(2026, 12, 8, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def at_moment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: MOMENT)


def test_at_0830_utc_honolulu_is_still_on_the_7th_and_new_york_on_the_8th(at_moment: None):
    honolulu = Practice(name="Island Massage", time_zone="Pacific/Honolulu")
    new_york = Practice(name="Hudson Bodywork", time_zone="America/New_York")
    assert clock.today(honolulu) == dt.date(2026, 12, 7)
    assert clock.today(new_york) == dt.date(2026, 12, 8)


def test_a_moment_falls_on_the_date_of_the_practices_zone():
    late = dt.datetime(2026, 3, 2, 4, 0, tzinfo=dt.UTC)
    assert clock.date_of(late, Practice(time_zone="America/Los_Angeles")) == dt.date(2026, 3, 1)
    assert clock.date_of(late, Practice(time_zone="Europe/Berlin")) == dt.date(2026, 3, 2)


def test_without_a_practice_today_is_in_the_installs_zone(at_moment: None, settings):
    settings.TIME_ZONE = "Pacific/Honolulu"
    assert clock.today() == dt.date(2026, 12, 7)


def test_a_new_practice_takes_the_installs_time_zone(settings):
    settings.TIME_ZONE = "America/Chicago"
    assert Practice(name="Prairie Massage").time_zone == "America/Chicago"


def test_an_unknown_time_zone_is_refused_in_plain_words():
    practice = Practice(name="Nowhere Massage", time_zone="Mars/Olympus_Mons")
    with pytest.raises(ValidationError) as refused:
        practice.full_clean()
    assert refused.value.message_dict["time_zone"] == [
        "'Mars/Olympus_Mons' is not a time zone name (e.g. America/New_York)."
    ]


@pytest.mark.django_db
def test_the_owner_sets_the_time_zone_on_the_practice_settings_page(as_role, practice):
    page = as_role("owner").get(reverse("practice:settings"))
    assert b'name="time_zone"' in page.content
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    response = as_role("owner").post(
        reverse("practice:settings"), data | {"time_zone": "Pacific/Honolulu"}
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.time_zone == "Pacific/Honolulu"

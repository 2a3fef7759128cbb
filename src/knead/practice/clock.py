"""The one "today": the date in the practice's time zone.

Every service, view and command asks here, never ``dt.date.today()`` or ``timezone.localdate()``
(a test greps for them), so a practice in Honolulu and one in New York each see their own date
at the same instant. It reads Django's clock (``timezone.now``), which the demo's story clock
sets while it writes history.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from knead.practice.models import Practice


def zone(practice: Practice | None) -> dt.tzinfo:
    """The practice's time zone; the install's ``TIME_ZONE`` without a practice."""
    if practice is None:
        return timezone.get_default_timezone()
    return ZoneInfo(practice.time_zone)


def today(practice: Practice | None = None) -> dt.date:
    """Today's date in the practice's time zone (the install's, without a practice; the
    machine's, for a command that runs without Django's settings)."""
    if practice is None and not settings.configured:
        # The pure commands (scrub, superbill, x12 837) never set Django up.
        return dt.datetime.now().date()
    return date_of(timezone.now(), practice)


def date_of(moment: dt.datetime, practice: Practice | None = None) -> dt.date:
    """The date an aware ``moment`` falls on in the practice's time zone."""
    return moment.astimezone(zone(practice)).date()

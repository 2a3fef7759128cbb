"""The demo's story clock.

The demo writes months of billing history (claims, batches, 999s, ERAs, ledger entries) through
the same services the app uses. Those services date what they do with Django's clock
(``django.utils.timezone.now`` and ``localdate``), so the demo sets that clock to each day of
its story while it acts: a batch built on 06/05 is dated 06/05, the claims in it were submitted
on 06/05, and the ERA that pays them is posted on its own, later, date.

Only the demo uses this, in one thread (``knead demo`` and the tests that seed the demo); the
clock is Django's again when the ``with`` block ends, even on an error.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone


@contextmanager
def story_day(day: dt.date, hour: int = 9) -> Iterator[None]:
    """Within the block, Django's clock reads ``day`` at ``hour`` local time, moving on with
    the real time that passes (so records made one after another keep their order)."""
    real_now = timezone.now
    start = time.monotonic()
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))

    def story_now() -> dt.datetime:
        return moment + dt.timedelta(seconds=time.monotonic() - start)

    timezone.now = story_now  # type: ignore[assignment]
    try:
        yield
    finally:
        timezone.now = real_now  # type: ignore[assignment]

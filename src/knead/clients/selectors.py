"""Read-side queries for clients: when a coverage was last verified. (How much of a benefit
year, referral or authorization is used is counted in ``knead.visits.selectors``.)"""

from __future__ import annotations

import datetime as dt

from knead.clients.models import Coverage


def last_verified(coverage: Coverage) -> dt.date | None:
    call = coverage.verifications.filter(deleted_at__isnull=True).first()
    return call.called_on if call else None

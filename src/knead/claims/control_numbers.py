"""The one control-number sequence: ISA13 and GS06 for every interchange the web app, the
worker and the ``knead x12`` commands write, kept in the database.

Each number is taken by locking its counter row (SELECT … FOR UPDATE on PostgreSQL; SQLite
serialises writers) and incrementing it in the same transaction, so a CLI run and a web batch
at the same moment never get the same number. Counters are per sender ID and kind, not per
practice: ISA13 must be unique for the sender a clearinghouse sees, and practices billed by
one service can share a submitter ID.
"""

from __future__ import annotations

from django.db import transaction

from knead.billing.x12.envelope import MAX_CONTROL_NUMBER
from knead.claims.models import ControlNumber


class DbControlNumbers:
    """The x12 core's ``ControlNumbers`` kept in the database, one counter per sender and kind;
    after 999999999 a counter wraps to 1."""

    def next_interchange(self, sender: str) -> int:
        return self._next(sender, "interchange")

    def next_group(self, sender: str) -> int:
        return self._next(sender, "group")

    def _next(self, sender: str, kind: str) -> int:
        with transaction.atomic():
            counter, _ = ControlNumber.objects.select_for_update().get_or_create(
                sender=sender, kind=kind
            )
            counter.last = counter.last % MAX_CONTROL_NUMBER + 1
            counter.save(update_fields=["last"])
            return counter.last

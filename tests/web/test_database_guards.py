"""The database itself refuses changes to signed notes, their services, amendments, the audit
trail and the ledger: each direct attempt below skips the models' Python guards (a plain
``Model.save``, ``QuerySet.update``, ``bulk_update``, the base manager's ``delete``, raw SQL)
and must be refused by a trigger, with the row left as it was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from knead.audit.models import AuditEvent
from knead.ledger.models import Entry
from knead.visits.models import Amendment, ServiceLine, Visit
from knead.visits.services import amend_visit


def sign_visit_unbilled(visit: Visit, user: Any) -> Visit:
    """Sign the note as the signing service does, without charging it."""
    Visit.objects.filter(pk=visit.pk).update(signed_at=timezone.now(), signed_by=user)
    visit.refresh_from_db()
    return visit


@pytest.fixture
def signed(records, users) -> dict[str, Any]:
    """A signed visit with one service line and one amendment, an unsigned visit of the same
    client, an audit entry and a ledger entry (not the visit's charge, which would make the
    line's deletion a ``ProtectedError`` before the database is asked)."""
    visit = sign_visit_unbilled(records["visit"], users["therapist"])
    unsigned = Visit.objects.create(
        practice=visit.practice,
        client=visit.client,
        provider=visit.provider,
        date=dt.date(2026, 3, 11),
        diagnoses=["M5450"],
    )
    return {
        "visit": visit,
        "line": visit.lines.get(),
        "unsigned": unsigned,
        "amendment": amend_visit(
            visit, user=users["therapist"], reason="Late entry", text="Client drank water."
        ),
        "event": AuditEvent.objects.create(
            practice=visit.practice, action="view", object_type="visit", object_id="7"
        ),
        "entry": Entry.objects.create(
            practice=visit.practice,
            client=visit.client,
            kind="charge",
            amount=Decimal("60.00"),
            posted_on=dt.date(2026, 3, 4),
        ),
        "owner": users["owner"],
    }


def _sql(statement: str, *params: Any) -> Callable[[dict[str, Any]], Any]:
    def run(s: dict[str, Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, [s[name].pk for name in params])

    return run


def _plain_save(name: str, **changes: Any) -> Callable[[dict[str, Any]], Any]:
    """``save()`` without the model's own guard, as a model without one would save."""

    def run(s: dict[str, Any]) -> None:
        record = s[name]
        for field, value in changes.items():
            setattr(record, field, value)
        models.Model.save(record)

    return run


def _bulk_update(name: str, **changes: Any) -> Callable[[dict[str, Any]], Any]:
    def run(s: dict[str, Any]) -> None:
        record = s[name]
        for field, value in changes.items():
            setattr(record, field, value)
        type(record)._base_manager.bulk_update([record], list(changes))

    return run


def _update(name: str, **changes: Any) -> Callable[[dict[str, Any]], Any]:
    def run(s: dict[str, Any]) -> None:
        record = s[name]
        values = {k: (s[v] if isinstance(v, str) and v in s else v) for k, v in changes.items()}
        type(record)._base_manager.filter(pk=record.pk).update(**values)

    return run


def _delete(name: str) -> Callable[[dict[str, Any]], Any]:
    def run(s: dict[str, Any]) -> None:
        record = s[name]
        type(record)._base_manager.filter(pk=record.pk).delete()

    return run


ATTEMPTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "visit save() changing the subjective": _plain_save("visit", subjective="Rewritten"),
    "visit update() of the assessment": _update("visit", assessment="Rewritten"),
    "visit update() unsigning it": _update("visit", signed_at=None),
    "visit update() of the signer": _update("visit", signed_by="owner"),
    "visit update() of the date without a correction": _update("visit", date=dt.date(2026, 3, 3)),
    "visit update() of the diagnoses without a correction": _update("visit", diagnoses=["M545"]),
    "visit bulk_update() of the plan": _bulk_update("visit", plan="Rewritten"),
    "raw SQL UPDATE of the visit's note": _sql(
        "UPDATE visits_visit SET objective = 'Rewritten' WHERE id = %s", "visit"
    ),
    "raw SQL DELETE of the visit": _sql("DELETE FROM visits_visit WHERE id = %s", "visit"),
    "service line save() changing the minutes": _plain_save("line", minutes=45, units=3),
    "service line update() of the charge": _update("line", charge=Decimal("1.00")),
    "service line update() marking it replaced without a correction": _update(
        "line", replaced_at=dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC)
    ),
    "service line update() moving it to another visit": _update("line", visit="unsigned"),
    "service line bulk_update() of the code": _bulk_update("line", code="97140"),
    "raw SQL UPDATE of the service line": _sql(
        "UPDATE visits_serviceline SET units = 8 WHERE id = %s", "line"
    ),
    "service line delete()": _delete("line"),
    "raw SQL DELETE of the service line": _sql(
        "DELETE FROM visits_serviceline WHERE id = %s", "line"
    ),
    "amendment update() of its text": _update("amendment", text="Rewritten"),
    "raw SQL DELETE of the amendment": _sql(
        "DELETE FROM visits_amendment WHERE id = %s", "amendment"
    ),
    "audit entry save()": _plain_save("event", action="update"),
    "audit entry update()": _update("event", detail="Rewritten"),
    "audit entry bulk_update()": _bulk_update("event", object_id="8"),
    "audit entry delete()": _delete("event"),
    "raw SQL UPDATE of the audit entry": _sql(
        "UPDATE audit_auditevent SET user_id = NULL, action = 'list' WHERE id = %s", "event"
    ),
    "raw SQL DELETE of the audit trail": _sql(
        "DELETE FROM audit_auditevent WHERE id = %s", "event"
    ),
    "ledger entry update() of the amount": _update("entry", amount=Decimal("0.00")),
    "ledger entry delete()": _delete("entry"),
    "raw SQL UPDATE of the ledger entry": _sql(
        "UPDATE ledger_entry SET memo = 'x' WHERE id = %s", "entry"
    ),
}


def _stored(s: dict[str, Any]) -> dict[str, Any]:
    """Every guarded row as the database holds it."""
    return {
        "visit": Visit.objects.filter(pk=s["visit"].pk).values().first(),
        "line": ServiceLine.objects.filter(pk=s["line"].pk).values().first(),
        "amendment": Amendment.objects.filter(pk=s["amendment"].pk).values().first(),
        "event": AuditEvent.objects.filter(pk=s["event"].pk).values().first(),
        "entry": Entry.objects.filter(pk=s["entry"].pk).values().first(),
    }


@pytest.mark.parametrize("attempt", list(ATTEMPTS))
def test_the_database_refuses_a_direct_change(signed, attempt):
    before = _stored(signed)
    with pytest.raises(IntegrityError, match="knead: "), transaction.atomic():
        ATTEMPTS[attempt](signed)
    assert _stored(signed) == before


def test_signing_amending_and_soft_deleting_still_work(signed, users):
    visit = signed["visit"]
    assert visit.signed_by == users["therapist"]
    assert list(visit.amendments.values_list("text", flat=True)) == ["Client drank water."]
    visit.soft_delete(users["owner"])
    assert Visit.objects.get(pk=visit.pk).deleted_at is not None


def test_an_unsigned_note_and_its_lines_change_freely(records):
    visit = records["visit"]
    Visit.objects.filter(pk=visit.pk).update(subjective="Hip pain", date=dt.date(2026, 3, 5))
    ServiceLine.objects.filter(visit=visit).update(minutes=45, units=3)
    ServiceLine.objects.filter(visit=visit).delete()
    visit.refresh_from_db()
    assert (visit.subjective, visit.date, visit.lines.count()) == (
        "Hip pain",
        dt.date(2026, 3, 5),
        0,
    )


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_database_and_keeps_the_triggers(signed):
    call_command("flush", interactive=False, verbosity=0)
    assert (AuditEvent.objects.count(), Entry.objects.count(), Visit.objects.count()) == (0, 0, 0)
    event = AuditEvent.objects.create(action="view", object_type="visit", object_id="9")
    with (
        pytest.raises(IntegrityError, match="knead: the audit trail is append-only"),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()

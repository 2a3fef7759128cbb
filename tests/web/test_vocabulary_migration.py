"""The migrations that moved stored values to the billing core's vocabulary, both ways."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("practice", "0004_practice_require_two_factor"),
    ("clients", "0002_referral_document_checks"),
]
AFTER = [("practice", "0005_core_payer_kinds"), ("clients", "0003_core_vocabulary")]


def _migrate(targets: list[tuple[str, str]]) -> StateApps:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _stored(apps: StateApps) -> tuple[str, str, str]:
    payer = apps.get_model("practice", "Payer").objects.get()
    case = apps.get_model("clients", "Case").objects.get()
    coverage = apps.get_model("clients", "Coverage").objects.get()
    return payer.kind, case.kind, coverage.relationship


def test_old_workers_comp_and_relationship_codes_become_core_values_and_back():
    old = _migrate(BEFORE)
    practice = old.get_model("practice", "Practice").objects.create(name="Synthetic Massage")
    payer = old.get_model("practice", "Payer").objects.create(
        practice=practice, name="State L&I", payer_id="LNI01", kind="wc"
    )
    client = old.get_model("clients", "Client").objects.create(
        practice=practice, first_name="Ada", last_name="Testcase", date_of_birth=dt.date(1980, 1, 2)
    )
    old.get_model("clients", "Case").objects.create(
        practice=practice, client=client, kind="wc", accident_date=dt.date(2026, 3, 1)
    )
    old.get_model("clients", "Coverage").objects.create(
        practice=practice, client=client, payer=payer, member_id="M1", relationship="01"
    )

    assert _stored(_migrate(AFTER)) == ("workers_comp", "employment", "spouse")
    assert _stored(_migrate(BEFORE)) == ("wc", "wc", "01")
    _migrate(AFTER)

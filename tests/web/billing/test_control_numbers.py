"""One control-number sequence in the database: the web app's batches, the worker and
``knead x12 837`` take ISA13 and GS06 from the same counters, so no number is issued twice."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from knead.claims.control_numbers import DbControlNumbers
from knead.claims.models import ControlNumber
from knead.claims.services import build_batch, create_claims, scrub_claim
from knead.cli import main
from tests.x12.support import FIXTURES

from .factories import billing_setup, signed_visit

pytestmark = pytest.mark.django_db
ONE_LINE = [("97124", 30, 2, "60.00", [])]


def test_numbers_are_counted_per_sender_and_kind():
    numbers = DbControlNumbers()
    assert [
        numbers.next_interchange("A"),
        numbers.next_interchange("A"),
        numbers.next_group("A"),
        numbers.next_interchange("B"),
    ] == [1, 2, 1, 1]
    assert sorted(ControlNumber.objects.values_list("sender", "kind", "last")) == [
        ("A", "group", 1),
        ("A", "interchange", 2),
        ("B", "interchange", 1),
    ]


def test_a_counter_wraps_to_one_after_nine_digits():
    ControlNumber.objects.create(sender="A", kind="interchange", last=999_999_999)
    assert DbControlNumbers().next_interchange("A") == 1


def _web_batch(setup, practice, users, day: dt.date) -> tuple[str, int, int]:
    visit = signed_visit(setup, day, ONE_LINE, users["owner"])
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    scrub_claim(claim, user=users["biller"], as_of=dt.date(2026, 3, 31))
    batch = build_batch(
        [claim], user=users["biller"], practice=practice, as_of=dt.date(2026, 3, 31)
    ).batch
    return batch.sender_id, batch.interchange_control, batch.group_control


def _cli_batch(tmp_path, sender: str) -> tuple[int, int]:
    config = tmp_path / "clearinghouse.json"
    config.write_text(
        json.dumps(
            {
                "sender_id": sender,
                "receiver_id": "CLEARHOUSE01",
                "submitter": {
                    "name": "Synthetic Bodywork LLC",
                    "id": sender,
                    "contact_name": "Billing Desk",
                    "phone": "3605550142",
                },
                "receiver": {"name": "Example Clearinghouse", "id": "CLEARHOUSE01"},
            }
        )
    )
    claim = json.loads((FIXTURES / "claims" / "four-claims.json").read_text())[0]
    source = tmp_path / "one.json"
    source.write_text(json.dumps(claim))
    out = tmp_path / "out.837"
    command = ["x12", "837", str(source), "--config", str(config), "--as-of", "2026-10-31"]
    assert main([*command, "-o", str(out)]) == 0
    text = out.read_text()
    isa13 = re.search(r"\*00501\*(\d{9})\*", text)
    gs06 = re.search(r"~GS\*HC\*[^*]*\*[^*]*\*\d{8}\*\d{4}\*(\d+)\*", text)
    assert isa13 and gs06
    return int(isa13.group(1)), int(gs06.group(1))


def test_cli_runs_and_web_batches_interleave_without_repeating_a_number(
    practice, users, tmp_path, monkeypatch
):
    monkeypatch.setenv("KNEAD_DATA_DIR", str(tmp_path))
    setup = billing_setup(practice, users["therapist"])
    sender, *first = _web_batch(setup, practice, users, dt.date(2026, 3, 2))
    issued = [
        tuple(first),
        _cli_batch(tmp_path, sender),
        _web_batch(setup, practice, users, dt.date(2026, 3, 9))[1:],
        _cli_batch(tmp_path, sender),
    ]
    assert issued == [(1, 1), (2, 2), (3, 3), (4, 4)]

"""The folder transport: batches go to outbound/, files in inbound/ are imported once and moved
to inbound/done/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from knead.claims.models import Claim
from knead.claims.services import create_claims
from knead.claims.transport import FolderTransport
from knead.remittance.models import Remittance

from .factories import billing_setup, signed_visit
from .test_end_to_end import _era2


def test_send_writes_the_whole_file_and_receive_lists_inbound_files(tmp_path):
    transport = FolderTransport(tmp_path)
    where = transport.send("batch.x12", "ISA*00~")
    assert (tmp_path / "outbound" / "batch.x12").read_text() == "ISA*00~"
    assert where.endswith("outbound/batch.x12")
    assert transport.receive() == []
    (tmp_path / "inbound").mkdir()
    (tmp_path / "inbound" / "a.835").write_text("X")
    (tmp_path / "inbound" / "b.835.part").write_text("half")
    assert [f.name for f in transport.receive()] == ["a.835"]
    transport.done("a.835")
    assert transport.receive() == [] and (tmp_path / "inbound" / "done" / "a.835").exists()


@pytest.mark.django_db
def test_picking_up_an_835_from_the_inbound_folder_posts_it_once(
    practice, users, as_role, settings, tmp_path
):
    settings.DATA_DIR = tmp_path
    setup = billing_setup(practice, users["therapist"])
    visit = signed_visit(
        setup, dt.date(2026, 3, 2), [("97124", 30, 2, "60.00", [])], users["owner"]
    )
    [claim] = create_claims([visit], user=users["biller"], practice=practice)
    Claim.objects.filter(pk=claim.pk).update(status="accepted")
    inbound = tmp_path / "exchange" / str(practice.pk) / "inbound"
    inbound.mkdir(parents=True)
    (inbound / "era.835").write_text(_era2(claim.claim_id, "KN0", "KN1", "KN2"))
    client = as_role("biller")
    client.post(reverse("remittance:inbound"))
    assert Remittance.objects.count() == 1
    assert Claim.objects.get(pk=claim.pk).status == "paid"
    assert not (inbound / "era.835").exists() and (inbound / "done" / "era.835").exists()
    client.post(reverse("remittance:inbound"))
    assert Remittance.objects.count() == 1

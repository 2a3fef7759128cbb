"""999 and 277CA readers on fixtures written for these tests (both pass pyx12)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from knead.billing.x12.acknowledgement import read_999
from knead.billing.x12.claim_status import read_277ca
from knead.billing.x12.errors import X12Error
from knead.cli import main

from .support import FIXTURES, fixture, pyx12_errors


@pytest.mark.parametrize("name", ["batch-partly-rejected.999", "claims-acknowledged.277"])
def test_fixtures_are_valid_for_pyx12(name):
    assert pyx12_errors(fixture(name)) == []


def test_999_reports_which_set_was_rejected_and_why():
    ack = read_999(fixture("batch-partly-rejected.999"))
    (group,) = ack.groups
    assert (group.functional_code, group.group_control, group.status) == ("HC", "1", "P")
    assert (group.sets_included, group.sets_received, group.sets_accepted) == (2, 2, 1)
    assert not group.accepted and not ack.accepted
    first, second = group.sets
    assert (first.control_number, first.accepted, first.errors) == ("0001", True, ())
    assert (second.control_number, second.status, second.codes) == ("0002", "R", ("5",))
    clm, hi = second.errors
    assert (clm.segment_id, clm.segment_position, clm.loop, clm.code) == ("CLM", "22", "2300", "8")
    assert [(e.element, e.reference, e.code, e.bad_value) for e in clm.elements] == [
        ("2", "782", "6", "12O.00")
    ]
    assert [(e.element, e.code, e.bad_value) for e in hi.elements] == [("1:2", "7", "M545")]


def test_999_accepted_batch():
    text = fixture("batch-partly-rejected.999")
    start, end = text.index("AK2*837*0002"), text.index("AK9")
    accepted = text[:start] + text[end:].replace("AK9*P*2*2*1", "AK9*A*1*1*1")
    accepted = accepted.replace("SE*12*0001", "SE*6*0001")  # ST AK1 AK2 IK5 AK9 SE
    assert read_999(accepted).accepted


def test_999_ik5_without_ak2_is_an_error():
    text = fixture("batch-partly-rejected.999").replace("AK2*837*0001*005010X222A1~\n", "")
    with pytest.raises(X12Error) as caught:
        read_999(text.replace("SE*12*0001", "SE*11*0001"))
    assert caught.value.segment_id == "IK5"


def test_277ca_marks_each_claim_accepted_or_rejected():
    report = read_277ca(fixture("claims-acknowledged.277"))
    assert report.problems == ()
    accepted, rejected = report.claims
    assert (accepted.claim_id, accepted.status, accepted.payer_claim_id) == (
        "KN-T-0001",
        "accepted",
        "PVH2026110300017",
    )
    (status,) = accepted.statuses
    assert (
        status.category,
        status.code,
        status.entity,
        status.date,
        status.action,
        status.amount,
    ) == ("A2", "20", "PR", date(2026, 11, 3), "WQ", Decimal("145.00"))
    assert (rejected.claim_id, rejected.status, rejected.accepted) == (
        "KN-T-0003",
        "rejected",
        False,
    )
    assert [(s.category, s.code, s.entity) for s in rejected.statuses] == [
        ("A7", "21", "PR"),
        ("A7", "562", "85"),
    ]
    (line,) = rejected.lines
    assert (line.procedure, line.charge, line.control_number) == ("HC 97112", Decimal("42.00"), "2")
    assert [(s.category, s.code) for s in line.statuses] == [("A7", "453")]


def test_277ca_claim_without_a_status_category_is_a_problem():
    text = fixture("claims-acknowledged.277").replace("STC*A2:20:PR", "STC*P1:20:PR")
    report = read_277ca(text)
    assert report.claims[0].status == "unknown"
    assert "no acceptance or rejection category" in report.problems[0].message


def test_277ca_claim_only_received_is_neither_accepted_nor_rejected():
    # A1: "received. This does not mean that the claim has been accepted for adjudication."
    text = fixture("claims-acknowledged.277").replace("STC*A2:20:PR", "STC*A1:19:PR")
    report = read_277ca(text)
    assert (report.claims[0].status, report.claims[0].accepted) == ("received", False)
    assert report.problems == ()


def test_cli_999_and_277_json(capsys):
    assert main(["x12", "999", str(FIXTURES / "batch-partly-rejected.999"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["accepted"] is False
    assert [s["accepted"] for s in doc["groups"][0]["sets"]] == [True, False]
    assert main(["x12", "277", str(FIXTURES / "claims-acknowledged.277"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(c["id"], c["status"]) for c in doc["claims"]] == [
        ("KN-T-0001", "accepted"),
        ("KN-T-0003", "rejected"),
    ]


def test_cli_reader_given_the_wrong_kind_exits_2(capsys):
    assert main(["x12", "999", str(FIXTURES / "claims-acknowledged.277"), "--json"]) == 2
    assert "GS01 'HN' is not the functional group this reader handles (FA)" in (
        capsys.readouterr().err
    )

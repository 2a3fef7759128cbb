"""``knead x12 835 FILE --json``: the JSON contract, exact decimals, exit 2 on unreadable files."""

from __future__ import annotations

import json

import pytest

from knead.cli import main

from .support import FIXTURES


def _run(capsys, *argv):
    code = main(["x12", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_output_keeps_every_number_as_an_exact_decimal_string(capsys):
    code, out, err = _run(capsys, "835", str(FIXTURES / "two-payers.835"), "--json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["problems"] == []
    first, second = doc["payments"]
    assert {k: first[k] for k in ("trace", "method", "amount", "date")} == {
        "trace": "TRACE1001",
        "method": "ACH",
        "amount": "92.50",
        "date": "2026-02-13",
    }
    assert first["payer"]["name"] == "NORTHWIND MUTUAL"
    assert first["payee"]["id"] == "1234567893"
    assert first["provider_adjustments"] == [
        {
            "reason": "WO",
            "reference": "NW0099",
            "amount": "10.00",
            "provider_id": "1234567893",
            "fiscal_period_end": "2026-12-31",
            "segment": 44,
        },
        {
            "reason": "L6",
            "reference": "INTEREST",
            "amount": "-2.50",
            "provider_id": "1234567893",
            "fiscal_period_end": "2026-12-31",
            "segment": 44,
        },
    ]
    claim = first["claims"][0]
    assert {
        k: claim[k]
        for k in ("id", "status", "charge", "paid", "patient_responsibility", "payer_claim_id")
    } == {
        "id": "MT1001",
        "status": "1",
        "charge": "150.00",
        "paid": "84.00",
        "patient_responsibility": "36.00",
        "payer_claim_id": "NW0001",
    }
    assert claim["adjustments"] == [
        {"group": "PR", "reason": "3", "amount": "15.00", "quantity": None, "segment": 15}
    ]
    service = claim["services"][0]
    assert {
        k: service[k] for k in ("code", "modifiers", "charge", "paid", "units", "date", "remarks")
    } == {
        "code": "97124",
        "modifiers": ["GP"],
        "charge": "90.00",
        "paid": "54.00",
        "units": "3",
        "date": "2026-01-20",
        "remarks": [],
    }
    assert [a["amount"] for a in service["adjustments"]] == ["15.00", "6.00", "15.00"]
    assert first["claims"][2]["patient_responsibility"] == "-16.00"
    assert first["claims"][1]["services"][0]["remarks"] == ["N115"]
    six = second["claims"][0]["services"][0]["adjustments"]
    assert [(a["reason"], a["amount"], a["quantity"]) for a in six[:6]] == [
        ("45", "40.00", None),
        ("P12", "20.00", None),
        ("253", "2.00", None),
        ("A2", "3.00", None),
        ("94", "-5.00", None),
        ("16", "10.00", "1"),
    ]


def test_problems_are_listed_with_their_segment(capsys, tmp_path):
    text = (FIXTURES / "two-payers.835").read_text().replace("BPR*I*92.50*", "BPR*I*92.51*")
    path = tmp_path / "off-by-a-cent.835"
    path.write_text(text)
    code, out, _ = _run(capsys, "835", str(path), "--json")
    problems = json.loads(out)["problems"]
    assert code == 0
    assert [(p["segment"], p["segment_id"]) for p in problems] == [(4, "BPR")]
    assert "BPR02 92.51" in problems[0]["message"]


def test_an_unreadable_file_exits_2_with_the_reason_on_stderr_and_no_output(capsys, tmp_path):
    text = (FIXTURES / "two-payers.835").read_text().replace("SE*19*0002", "SE*18*0002")
    path = tmp_path / "bad-count.835"
    path.write_text(text)
    code, out, err = _run(capsys, "835", str(path), "--json")
    assert (code, out) == (2, "")
    assert "segment 64 (SE): SE01 says 18 segments but the set has 19" in err


def test_a_missing_file_exits_2(capsys, tmp_path):
    code, out, err = _run(capsys, "835", str(tmp_path / "nope.835"), "--json")
    assert (code, out) == (2, "")
    assert "No such file" in err


def test_text_summary_names_claims_and_adjustments(capsys):
    code, out, _ = _run(capsys, "835", str(FIXTURES / "two-payers.835"))
    assert code == 0
    assert "claim MT1002 status 4: billed 60.00, paid 0.00 (CO-50 60.00)" in out


def test_held_output_spills_to_a_temporary_file_and_releases_everything_in_order():
    import io

    from knead.commands.x12 import _HeldOutput

    held = _HeldOutput(limit=10)
    for n in range(100):
        held.write(f"{n},")
    out = io.StringIO()
    held.release(out)
    held.close()
    assert out.getvalue() == "".join(f"{n}," for n in range(100))


def test_held_output_in_memory_releases_every_part_in_order():
    import io

    from knead.commands.x12 import _HeldOutput

    held = _HeldOutput()
    for n in range(1000):  # several release blocks
        held.write(f"{n},")
    out = io.StringIO()
    held.release(out)
    assert out.getvalue() == "".join(f"{n}," for n in range(1000))


def test_options_before_the_file_give_the_same_document(capsys):
    # "FILE --json" runs without the argparse parser; "--json FILE" goes through it.
    path = str(FIXTURES / "two-payers.835")
    direct = _run(capsys, "835", path, "--json")
    parsed = _run(capsys, "835", "--json", path)
    assert direct == parsed
    assert direct[0] == 0 and json.loads(direct[1])["payments"]


def test_help_is_still_the_parsers(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["x12", "835", "--help"])
    assert exit_.value.code == 0
    assert "usage: knead x12 835 [-h] [--json] FILE" in capsys.readouterr().out

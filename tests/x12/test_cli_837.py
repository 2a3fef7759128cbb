"""``knead x12 837 CLAIMS.json``: scrubbed claims are written, rejected ones named, exit 1."""

from __future__ import annotations

import json

import pytest

from knead.cli import main

from .support import FIXTURES, pyx12_errors

# The command takes its control numbers from the database sequence the web app uses.
pytestmark = pytest.mark.django_db

CONFIG = {
    "sender_id": "ALDERSUB",
    "receiver_id": "CLEARHOUSE01",
    "submitter": {
        "name": "Alder Street Bodywork LLC",
        "id": "ALDERSUB",
        "contact_name": "Billing Desk",
        "phone": "3605550142",
    },
    "receiver": {"name": "Example Clearinghouse", "id": "CLEARHOUSE01"},
}


def test_rejected_claim_is_named_and_the_others_are_written(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("KNEAD_DATA_DIR", str(tmp_path))
    config = tmp_path / "clearinghouse.json"
    config.write_text(json.dumps(CONFIG))
    out = tmp_path / "batch.837"
    code = main(["x12", "837", str(FIXTURES / "claims" / "four-claims.json"), "-o", str(out)])
    err = capsys.readouterr().err
    # KN-T-0004 goes to Washington L&I, whose payer rules require a referral it lacks.
    assert code == 1
    assert "claim KN-T-0004 not written: REFERRAL_MISSING" in err
    text = out.read_text()
    assert [
        c for c in ("KN-T-0001", "KN-T-0002", "KN-T-0003", "KN-T-0004") if f"CLM*{c}*" in text
    ] == ["KN-T-0001", "KN-T-0002", "KN-T-0003"]
    assert pyx12_errors(text) == []
    assert "*ZZ*ALDERSUB       *ZZ*CLEARHOUSE01   *" in text


def test_control_numbers_advance_between_runs(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("KNEAD_DATA_DIR", str(tmp_path))
    (tmp_path / "clearinghouse.json").write_text(json.dumps(CONFIG))
    claims = json.loads((FIXTURES / "claims" / "four-claims.json").read_text())[:1]
    source = tmp_path / "one.json"
    source.write_text(json.dumps(claims[0]))
    for expected in ("000000001", "000000002"):
        assert main(["x12", "837", str(source), "-o", str(tmp_path / "out.837")]) == 0
        assert f"*00501*{expected}*" in (tmp_path / "out.837").read_text()
    capsys.readouterr()


def test_malformed_claim_json_exits_2(capsys, tmp_path):
    source = tmp_path / "bad.json"
    source.write_text('{"id": 5}')
    assert main(["x12", "837", str(source)]) == 2
    assert "knead x12 837" in capsys.readouterr().err


def test_as_of_scrubs_the_claims_as_of_that_day(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("KNEAD_DATA_DIR", str(tmp_path))
    (tmp_path / "clearinghouse.json").write_text(json.dumps(CONFIG))
    out = tmp_path / "batch.837"
    # As of 10/06/2026 the lines of 10/07 (KN-T-0003) and 10/08 (KN-T-0004) are in the future.
    code = main(
        [
            "x12",
            "837",
            str(FIXTURES / "claims" / "four-claims.json"),
            "-o",
            str(out),
            "--as-of",
            "2026-10-06",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "claim KN-T-0003 not written: DOS_IN_FUTURE" in err
    assert "claim KN-T-0004 not written:" in err and "DOS_IN_FUTURE" in err
    text = out.read_text()
    assert [
        c for c in ("KN-T-0001", "KN-T-0002", "KN-T-0003", "KN-T-0004") if f"CLM*{c}*" in text
    ] == ["KN-T-0001", "KN-T-0002"]


def test_a_bad_as_of_date_exits_2_and_writes_nothing(capsys, tmp_path):
    out = tmp_path / "batch.837"
    code = main(
        [
            "x12",
            "837",
            str(FIXTURES / "claims" / "four-claims.json"),
            "-o",
            str(out),
            "--as-of",
            "2026-13-01",
        ]
    )
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "knead x12 837: --as-of must be a date YYYY-MM-DD, not '2026-13-01'; nothing done"
    )
    assert not out.exists()

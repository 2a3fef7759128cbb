"""``knead x12 270 INQUIRY.json``: one inquiry or a list, written as one 270 interchange;
errors name the field and write nothing."""

from __future__ import annotations

import json

import pytest

from knead.billing.x12.envelope_reader import read_transaction_sets
from knead.cli import main

# The command takes its control numbers from the database sequence the web app uses.
pytestmark = pytest.mark.django_db

INQUIRY = {
    "provider": {"name": "Fernwood Bodywork PLLC", "npi": "1234567893", "tax_id": "91-2345678"},
    "payer": {"name": "Salish Health Plan", "id": "SAL01"},
    "subscriber": {
        "member_id": "SAL-778899",
        "last_name": "Testperson",
        "first_name": "Robin",
        "birth_date": "1984-06-09",
    },
    "service_date": "2026-11-22",
    "trace": "KNE000000001",
}


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("KNEAD_DATA_DIR", str(tmp_path))
    return tmp_path


def _write(data_dir, content, *extra):
    source = data_dir / "inquiry.json"
    source.write_text(json.dumps(content))
    out = data_dir / "out.270"
    return main(["x12", "270", str(source), "-o", str(out), *extra]), out


def test_an_inquiry_is_written_with_the_subscriber_and_the_massage_service_types(data_dir):
    code, out = _write(data_dir, INQUIRY)
    assert code == 0
    segments = out.read_text().split("~")
    # Expected segments written out from the inquiry above (005010X279A1 loops 2100A-2110C).
    for expected in (
        "NM1*PR*2*SALISH HEALTH PLAN*****PI*SAL01",
        "NM1*1P*2*FERNWOOD BODYWORK PLLC*****XX*1234567893",
        "TRN*1*KNE000000001*1912345678",
        "NM1*IL*1*TESTPERSON*ROBIN****MI*SAL-778899",
        "DMG*D8*19840609",
        "DTP*291*D8*20261122",
        "EQ*30",
        "EQ*AE",
        "EQ*PT",
        "EQ*33",
        "EQ*1",
    ):
        assert expected in segments
    (inquiry_set,), _, problems = read_transaction_sets(out.read_text(), {"270": "HS"}, None)
    assert problems == [] and inquiry_set[0].kind == "270"


def test_inquiries_to_several_payers_need_the_clearinghouse_settings(data_dir, capsys):
    other = INQUIRY | {"payer": {"name": "Northwind Mutual", "id": "NWM01"}}
    code, out = _write(data_dir, [INQUIRY, other])
    assert code == 2 and not out.exists()
    assert "need the clearinghouse settings (--config)" in capsys.readouterr().err


def test_a_list_gives_one_set_each_and_control_numbers_move_on(data_dir):
    second = INQUIRY | {"trace": "KNE000000002"}
    code, out = _write(data_dir, [INQUIRY, second], "--test")
    sets, _, _ = read_transaction_sets(out.read_text(), {"270": "HS"}, None)
    assert code == 0 and len(sets) == 2
    assert out.read_text().split("*")[15] == "T"  # ISA15 test indicator
    _, again = _write(data_dir, INQUIRY)
    assert again.read_text().split("*")[13] == "000000002"  # ISA13, one more than the first


@pytest.mark.parametrize(("change", "message"), [
    ({"provider": INQUIRY["provider"] | {"npi": "1234567890"}},
     "[0].provider.npi: NPI 1234567890 fails its check digit: the last digit should be 3."),
    ({"subscriber": INQUIRY["subscriber"] | {"member_id": ""}},
     "[0].subscriber.member_id is missing"),
    ({"service_date": "2026-02-30"}, "[0].service_date '2026-02-30' is not a date"),
    ({"service_types": ["ZZZ"]}, "[0].service_types must be a list of service type codes"),
    ({"service_types": [["30"]]}, "[0].service_types must be a list of service type codes"),
])  # fmt: skip
def test_a_bad_inquiry_is_named_with_its_field_and_nothing_is_written(
    data_dir, capsys, change, message
):
    code, out = _write(data_dir, [INQUIRY | change])
    assert code == 2 and not out.exists()
    assert message in capsys.readouterr().err

"""``knead superbill`` and ``knead cms1500``: exit codes, files written or not, modes."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader

from knead.cli import main

from .factories import claim_data


def _write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _pages(path) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages]


def test_superbill_command_writes_the_pdf(tmp_path):
    claim = _write(tmp_path, "claim.json", claim_data())
    out = tmp_path / "superbill.pdf"
    assert main(["superbill", str(claim), "-o", str(out), "--issued", "2026-10-31"]) == 0
    (page,) = _pages(out)
    assert "Superbill" in page and "SAL-778899" in page


def test_superbill_command_prints_scrub_errors_and_writes_nothing(tmp_path, capsys):
    claim = _write(tmp_path, "claim.json", claim_data(note_signed=False))
    out = tmp_path / "superbill.pdf"
    assert main(["superbill", str(claim), "-o", str(out), "--issued", "2026-10-31"]) == 1
    assert not out.exists()
    printed = capsys.readouterr().out
    assert "error: KN-1001: The clinical note for this visit is not signed." in printed
    assert "[NOTE_UNSIGNED]" in printed


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "x"', "not valid JSON"),
        (json.dumps(claim_data(lines=[])), "lines: needs at least one service line"),
        (json.dumps(claim_data(diagnoses="M5450")), "diagnoses: must be a list"),
    ],
)
def test_superbill_command_exits_2_on_malformed_input(tmp_path, capsys, content, message):
    claim = tmp_path / "claim.json"
    claim.write_text(content, encoding="utf-8")
    out = tmp_path / "superbill.pdf"
    assert main(["superbill", str(claim), "-o", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_cms1500_command_prints_a_list_of_claims_with_continuation_pages(tmp_path):
    lines = [
        {"service_date": f"2026-09-{day:02d}", "code": "97124", "units": 1, "minutes": 15,
         "charge": "35.00", "pointers": [1]}
        for day in range(1, 8)
    ]  # fmt: skip
    claims = _write(tmp_path, "claims.json", [claim_data(), claim_data(id="KN-7", lines=lines)])
    out = tmp_path / "forms.pdf"
    assert main(["cms1500", str(claims), "-o", str(out)]) == 0
    pages = _pages(out)
    assert len(pages) == 3  # 1 page + 2 pages (7 lines)
    assert "HEALTH INSURANCE CLAIM FORM" in pages[0]
    assert "PAGE 2 OF 2" in pages[2]


def test_cms1500_command_data_only_mode_with_offsets(tmp_path):
    claims = _write(tmp_path, "claim.json", claim_data())
    out, grid = tmp_path / "red.pdf", tmp_path / "red.txt"
    args = ["cms1500", str(claims), "-o", str(out), "--mode", "data-only",
            "--offset-x", "1.5", "--offset-y", "-2", "--text", str(grid)]  # fmt: skip
    assert main(args) == 0
    (page,) = _pages(out)
    assert "HEALTH INSURANCE CLAIM FORM" not in page
    assert "SAL-778899" in page
    assert "M5450" in grid.read_text(encoding="utf-8")


def test_cms1500_command_exits_2_on_malformed_input(tmp_path, capsys):
    claims = _write(tmp_path, "claim.json", claim_data(place_of_service="XX"))
    out = tmp_path / "forms.pdf"
    assert main(["cms1500", str(claims), "-o", str(out)]) == 2
    assert "place_of_service" in capsys.readouterr().err
    assert not out.exists()

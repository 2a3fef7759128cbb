"""NCCI PTP/MUE loaders on synthetic files in the official CMS layouts (billing-rules.md §1.1, §2.1),
and the rules data directory that the rules loader prefers."""

from __future__ import annotations

import datetime as dt

import pytest

from knead.billing.errors import InvalidCode
from knead.billing.ncci import import_mue_file, import_ptp_file, mue_effective_from_name
from knead.billing.rules import load_rules
from knead.cli import main

# Synthetic rows in the ccipra .TXT layout: col1, col2, prior-1996 flag, effective,
# deletion or *, modifier indicator, rationale. Heading lines come first, as in CMS files.
PTP_TXT = (
    "CPT codes and descriptions only are copyright American Medical Association.\n"
    "Column 1\tColumn 2\t*=in existence prior to 1996\tEffective Date\tDeletion Date\t"
    "Modifier\tPTP Edit Rationale\n"
    "97140\t97530\t\t20150101\t*\t1\tMutually exclusive procedures\n"
    "97750\t97110\t\t20200101\t20241231\t1\tMisuse of column two code with column one code\n"
    "97750\t97110\t\t20250101\t*\t0\tMisuse of column two code with column one code\n"
    "98943\t97124\t*\t19960101\t*\t9\tStandards of medical / surgical practice\n"
)
MUE_CSV = (
    '"CMS MUE practitioner services table, synthetic test copy"\n'
    "HCPCS/CPT Code,Practitioner Services MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
    '97124,4,"3 Date of Service Edit: Clinical",Clinical: Data\n'
    '97110,6,"3 Date of Service Edit: Clinical",Clinical: Data\n'
    '97014,1,"2 Date of Service Edit: Policy",CMS Policy\n'
    '97032,3,"1 Line Edit",Clinical: Data\n'
)


@pytest.fixture
def rules_dir(tmp_path):
    (tmp_path / "ccipra-v999r0-f1.txt").write_text(PTP_TXT, encoding="latin-1")
    (tmp_path / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv").write_text(MUE_CSV)
    return tmp_path / "rules"


def test_ptp_import_keeps_dates_and_indicators(rules_dir):
    count = import_ptp_file(rules_dir.parent / "ccipra-v999r0-f1.txt", rules_dir)
    assert count == 4
    ncci = load_rules(rules_dir).ncci
    # 97750/97110: indicator 1 through 2024-12-31, then indicator 0 from 2025-01-01.
    assert ncci.ptp_edit("97750", "97110", dt.date(2024, 12, 31)).modifier_indicator == 1
    assert ncci.ptp_edit("97110", "97750", dt.date(2025, 1, 1)).modifier_indicator == 0
    assert ncci.ptp_edit("97750", "97110", dt.date(2019, 12, 31)) is None
    # Indicator 9 never applies.
    assert ncci.ptp_edit("98943", "97124", dt.date(2026, 1, 1)) is None
    edit = ncci.ptp_edit("97140", "97530", dt.date(2026, 1, 1))
    assert (edit.column1, edit.column2, edit.source) == ("97140", "97530", "ccipra-v999r0-f1.txt")


def test_imported_ptp_replaces_the_shipped_table(rules_dir):
    shipped = load_rules(rules_dir).ncci  # nothing imported yet
    assert shipped.ptp_edit("98940", "97140", dt.date(2026, 1, 1)) is not None
    import_ptp_file(rules_dir.parent / "ccipra-v999r0-f1.txt", rules_dir)
    imported = load_rules(rules_dir)
    assert imported.origins["ptp.csv"] == str(rules_dir / "ptp.csv")
    assert imported.origins["mue.csv"] == "shipped"
    assert imported.ncci.ptp_edit("98940", "97140", dt.date(2026, 1, 1)) is None


def test_importing_the_same_file_twice_keeps_one_copy(rules_dir):
    source = rules_dir.parent / "ccipra-v999r0-f1.txt"
    import_ptp_file(source, rules_dir)
    import_ptp_file(source, rules_dir)
    lines = (rules_dir / "ptp.csv").read_text().splitlines()
    assert len(lines) == 1 + 4  # header + 4 distinct rows


def test_mue_import_reads_limits_indicators_and_the_date_from_the_name(rules_dir):
    name = "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv"
    assert import_mue_file(rules_dir.parent / name, rules_dir) == 4
    ncci = load_rules(rules_dir).ncci
    limit = ncci.mue_limit("97124", dt.date(2026, 10, 1))
    assert (limit.limit, limit.mai, limit.per_day) == (4, 3, True)
    assert ncci.mue_limit("97032", dt.date(2026, 10, 2)).per_day is False  # MAI 1, line edit
    assert ncci.mue_limit("97124", dt.date(2026, 9, 30)) is None  # before the file's date
    assert ncci.mue_limit("97010", dt.date(2026, 10, 2)) is None  # no MUE, no limit


def test_a_later_mue_file_adds_history(rules_dir, tmp_path):
    import_mue_file(rules_dir.parent / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv", rules_dir)
    later = tmp_path / "MCR_MUE_PractitionerServices_Eff_01-01-2027.csv"
    later.write_text(MUE_CSV.replace("97124,4,", "97124,5,"))
    import_mue_file(later, rules_dir)
    ncci = load_rules(rules_dir).ncci
    assert ncci.mue_limit("97124", dt.date(2026, 12, 31)).limit == 4
    assert ncci.mue_limit("97124", dt.date(2027, 1, 1)).limit == 5


def test_a_code_a_later_mue_file_leaves_out_has_no_limit_from_that_date(rules_dir, tmp_path):
    import_mue_file(rules_dir.parent / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv", rules_dir)
    later = tmp_path / "MCR_MUE_PractitionerServices_Eff_01-01-2027.csv"
    later.write_text(MUE_CSV.replace('97014,1,"2 Date of Service Edit: Policy",CMS Policy\n', ""))
    import_mue_file(later, rules_dir)
    import_mue_file(later, rules_dir)  # again: still one row for the withdrawal
    ncci = load_rules(rules_dir).ncci
    assert ncci.mue_limit("97014", dt.date(2026, 12, 31)).limit == 1
    assert ncci.mue_limit("97014", dt.date(2027, 1, 1)) is None
    assert ncci.mue_limit("97124", dt.date(2027, 1, 1)).limit == 4  # still listed
    rows = [line for line in (rules_dir / "mue.csv").read_text().splitlines() if "97014" in line]
    assert rows == [
        "97014,1,2,CMS Policy,2026-10-01,MCR_MUE_PractitionerServices_Eff_10-01-2026.csv",
        "97014,,,not in the MUE file effective 2027-01-01,2027-01-01,"
        "MCR_MUE_PractitionerServices_Eff_01-01-2027.csv",
    ]


def test_effective_date_from_file_name():
    name = "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv"
    assert mue_effective_from_name(name) == dt.date(2026, 10, 1)
    assert mue_effective_from_name("mue.csv") is None


def test_mue_file_without_a_date_needs_one(tmp_path):
    path = tmp_path / "mue-latest.csv"
    path.write_text(MUE_CSV)
    with pytest.raises(InvalidCode, match="give the effective date"):
        import_mue_file(path, tmp_path / "rules")
    assert import_mue_file(path, tmp_path / "rules", dt.date(2026, 7, 1)) == 4


def test_broken_ptp_row_names_file_and_line(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("97140\t97530\t\t2015-13-45\t*\t1\tx\n")
    with pytest.raises(InvalidCode, match=r"bad\.txt line 1: effective date"):
        import_ptp_file(path, tmp_path / "rules")
    path.write_text("97140\t97530\t\t20150101\t*\t4\tx\n")
    with pytest.raises(InvalidCode, match="modifier indicator must be 0, 1 or 9"):
        import_ptp_file(path, tmp_path / "rules")


def test_not_an_mue_file(tmp_path):
    path = tmp_path / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv"
    path.write_text("code,limit\n97124,4\n")
    with pytest.raises(InvalidCode, match="no 'HCPCS/CPT Code' header"):
        import_mue_file(path, tmp_path / "rules")


def test_cli_imports_into_the_data_dir(rules_dir, capsys):
    ptp = str(rules_dir.parent / "ccipra-v999r0-f1.txt")
    mue = str(rules_dir.parent / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv")
    assert main(["rules", "import-ptp", ptp, "--data-dir", str(rules_dir)]) == 0
    assert main(["rules", "import-mue", mue, "--data-dir", str(rules_dir)]) == 0
    out = capsys.readouterr().out
    assert "Imported 4 PTP edits" in out and "Imported 4 MUE limits" in out
    assert (rules_dir / "ptp.csv").exists() and (rules_dir / "mue.csv").exists()


def test_cli_uses_knead_data_dir(rules_dir, monkeypatch):
    monkeypatch.setenv("KNEAD_DATA_DIR", str(rules_dir.parent / "data"))
    ptp = str(rules_dir.parent / "ccipra-v999r0-f1.txt")
    assert main(["rules", "import-ptp", ptp]) == 0
    assert (rules_dir.parent / "data" / "rules" / "ptp.csv").exists()
    assert load_rules().origins["ptp.csv"].endswith("data/rules/ptp.csv")


def test_cli_missing_file_exits_2(tmp_path, capsys):
    assert (
        main(["rules", "import-ptp", str(tmp_path / "nope.txt"), "--data-dir", str(tmp_path)]) == 2
    )
    assert "knead rules import-ptp" in capsys.readouterr().err


def test_shipped_rows_name_their_source():
    ncci = load_rules().ncci
    for edits in ncci.ptp.values():
        assert all("billing-rules.md" in e.source for e in edits)
    for rows in ncci.mue.values():
        assert all("billing-rules.md" in r.source for r in rows)


def test_a_later_ptp_file_deletes_an_edit_it_republishes_with_a_deletion_date(rules_dir, tmp_path):
    # Quarter 1 has 97140/97530 in force from 2015-01-01; quarter 2 republishes the same edit
    # with deletion date 2026-06-30 (the last day in force). From 2026-07-01 there is no edit.
    import_ptp_file(rules_dir.parent / "ccipra-v999r0-f1.txt", rules_dir)
    later = tmp_path / "ccipra-v999r1-f1.txt"
    later.write_text(
        "Column 1\tColumn 2\t*\tEffective Date\tDeletion Date\tModifier\tRationale\n"
        "97140\t97530\t\t20150101\t20260630\t1\tMutually exclusive procedures\n",
        encoding="latin-1",
    )
    import_ptp_file(later, rules_dir)
    ncci = load_rules(rules_dir).ncci
    assert ncci.ptp_edit("97140", "97530", dt.date(2026, 6, 30)) is not None
    assert ncci.ptp_edit("97140", "97530", dt.date(2026, 7, 1)) is None


def test_a_later_ptp_file_changes_an_edits_indicator(rules_dir, tmp_path):
    # The same edit (97140/97530 from 2015-01-01) goes from indicator 1 to 9 (does not apply).
    import_ptp_file(rules_dir.parent / "ccipra-v999r0-f1.txt", rules_dir)
    later = tmp_path / "ccipra-v999r1-f1.txt"
    later.write_text(
        "97140\t97530\t\t20150101\t*\t9\tMutually exclusive procedures\n",
        encoding="latin-1",
    )
    import_ptp_file(later, rules_dir)
    assert load_rules(rules_dir).ncci.ptp_edit("97140", "97530", dt.date(2026, 1, 1)) is None


def test_a_duplicated_edit_in_one_ptp_file_keeps_the_row_in_force(tmp_path):
    # Same pair and effective date twice: one row deleted 2020-12-31, one still in force.
    source = tmp_path / "ccipra-v999r0-f2.txt"
    source.write_text(
        "97530\t97116\t\t20150101\t*\t1\tMutually exclusive procedures\n"
        "97530\t97116\t\t20150101\t20201231\t1\tMutually exclusive procedures\n",
        encoding="latin-1",
    )
    import_ptp_file(source, tmp_path / "rules")
    ncci = load_rules(tmp_path / "rules").ncci
    assert ncci.ptp_edit("97530", "97116", dt.date(2026, 1, 1)) is not None

"""CARC/RARC tables: texts and typical fixes as the rule book gives them (billing-rules.md §8.2)."""

from __future__ import annotations

from knead.billing.x12.adjustment_codes import carc, rarc, table_source
from knead.cli import main

from .support import FIXTURES


def test_carc_text_and_fix_depend_on_the_group():
    co = carc("CO", "96")
    pr = carc("PR", "96")
    assert co.description == "Non-covered charge(s). At least one Remark Code must be provided."
    assert co.fix.startswith("Check the RARC.")
    assert pr.fix == "Bill the patient."
    assert carc("CO", "45").fix == "Contractual write-off. No action."
    assert carc("CO", "236").fix.startswith("NCCI PTP edit.")


def test_unknown_codes_are_none_not_guessed():
    assert carc("CO", "9999") is None
    assert rarc("ZZ999") is None


def test_tables_name_their_source_and_rarc_texts_are_marked_unverified():
    source, _effective = table_source("carc.json")
    assert "billing-rules.md section 8.2" in source
    assert "UNVERIFIED" in table_source("rarc.json")[0]
    assert rarc("M80").verified is False


def test_text_summary_explains_each_reason_code(capsys):
    assert main(["x12", "835", str(FIXTURES / "two-payers.835")]) == 0
    out = capsys.readouterr().out
    assert "CO-50: These are non-covered services because this is not deemed a" in out
    assert "    typical fix: Appeal with records" in out

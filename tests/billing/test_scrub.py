"""The scrubber: each rule fires on the problem it names, and only then.

Claims start from the documented examples (docs/examples/claims) and change one fact.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knead.billing.claim_json import claim_from_dict
from knead.billing.forms.cms1500 import cms1500_boxes
from knead.billing.rules import load_rules
from knead.billing.scrub import RULES, Purpose, Severity, add_months, scrub
from knead.cli import main

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 10, 20)
RULEBOOK = load_rules()


def example(name: str = "commercial") -> dict:
    return json.loads((ROOT / f"docs/examples/claims/{name}.json").read_text())


def run(data: dict, as_of: dt.date = AS_OF, purpose: Purpose = Purpose.CLAIM, rules=RULEBOOK):
    return scrub(claim_from_dict(data), rules, as_of, purpose)


def rule_ids(data: dict, **kwargs) -> list[str]:
    return [f.rule for f in run(data, **kwargs)]


def changed(name: str = "commercial", **changes) -> dict:
    """The example with nested changes: changed(lines__0__minutes=7) sets lines[0].minutes."""
    data = copy.deepcopy(example(name))
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value
    return data


@pytest.mark.parametrize("name", [p.stem for p in (ROOT / "docs/examples/claims").glob("*.json")])
def test_examples_have_no_errors(name):
    assert [f for f in run(example(name)) if f.severity is Severity.ERROR] == []


def test_clean_commercial_claim_has_no_findings():
    assert run(example()) == []


def test_billing_npi_check_digit():
    findings = run(changed(billing_provider__npi="1234567890"))
    assert [f.rule for f in findings] == ["NPI_CHECK_DIGIT"]
    finding = findings[0]
    assert finding.severity is Severity.ERROR
    assert finding.line is None
    assert (finding.box, finding.loop) == ("33a", "2010AA NM109")
    assert "last digit should be 3" in finding.message  # billing-rules.md §5.1 worked example


def test_rendering_npi_length_points_at_2310b():
    findings = run(changed(rendering_provider__npi="155859879"))
    assert [(f.rule, f.box, f.loop) for f in findings] == [("NPI_FORMAT", "24J", "2310B NM109")]


def test_referring_npi_checked_and_missing_npi_warned():
    data = changed(
        referring_provider={"name": {"last": "Lee", "first": "Kim"}, "npi": "2000000001"}
    )
    # 2 + base 000000000 → Luhn sum 24 + 4 = 28, check digit 2, so 2000000001 is invalid.
    assert rule_ids(data) == ["NPI_CHECK_DIGIT"]
    data = changed(referring_provider={"name": {"last": "Lee", "first": "Kim"}})
    assert rule_ids(data) == ["REFERRING_NPI_MISSING"]


@pytest.mark.parametrize(
    ("kind", "value"), [("EIN", "07-1234567"), ("SSN", "666-12-3456"), ("EIN", "12-34567")]
)
def test_tax_id_rules(kind, value):
    assert rule_ids(
        changed(billing_provider__tax_id_kind=kind, billing_provider__tax_id=value)
    ) == ["TAX_ID_INVALID"]


def test_billing_zip_must_have_9_digits_for_the_837():
    data = changed()
    data["billing_provider"]["address"]["zip"] = "98101"
    assert rule_ids(data) == ["BILLING_ZIP_NOT_9_DIGITS"]


def test_direct_claim_without_coverage():
    data = changed()
    del data["coverage"]
    assert rule_ids(data) == ["COVERAGE_MISSING"]


def test_blank_payer_and_member_ids_when_built_in_code():
    import dataclasses

    claim = claim_from_dict(example())
    coverage = claim.coverage
    blank = dataclasses.replace(
        coverage,
        payer=dataclasses.replace(coverage.payer, payer_id=" "),
        subscriber=dataclasses.replace(coverage.subscriber, member_id=""),
    )
    findings = scrub(dataclasses.replace(claim, coverage=blank), RULEBOOK, AS_OF)
    assert [f.rule for f in findings] == ["PAYER_ID_MISSING", "MEMBER_ID_MISSING"]


@pytest.mark.parametrize(
    ("code", "rule"),
    [("M54.5", ["DX_NOT_BILLABLE"]), ("M79.1", ["DX_NOT_BILLABLE"]),
     ("S16.1", ["DX_7TH_CHARACTER", "INJURY_DX_WITHOUT_CASE"]),
     ("Q99.99", ["DX_INVALID"]), ("12345", ["DX_INVALID"])],
)  # fmt: skip
def test_diagnosis_validity(code, rule):
    findings = run(changed(diagnoses=[code, "M62.830"]))
    assert [f.rule for f in findings] == rule
    assert findings[0].message.startswith("Diagnosis A:")


def test_valid_seventh_character_code_passes_with_its_case():
    assert rule_ids(example("auto-pip")) == ["MASSAGE_WITH_MANUAL_THERAPY"]


def test_no_diagnosis():
    assert "DX_MISSING" in rule_ids(changed(diagnoses=[]))


def test_more_than_12_diagnoses():
    codes = ["M54.50", "M54.2", "M54.6", "M62.830", "M79.10", "M79.11", "M79.12", "M79.18",
             "M79.7", "G44.209", "M54.40", "M54.41", "M54.42"]  # fmt: skip
    assert rule_ids(changed(diagnoses=codes)) == ["DX_TOO_MANY"]


def test_pointer_rules():
    assert rule_ids(changed(lines__0__pointers=[3])) == ["DX_POINTER_INVALID"]
    assert rule_ids(changed(lines__0__pointers=[])) == ["DX_POINTER_MISSING"]
    data = changed(diagnoses=["M54.50", "M54.2", "M54.6", "M62.830", "M79.18"])
    data["lines"][0]["pointers"] = [1, 2, 3, 4, 5]
    assert rule_ids(data) == ["DX_POINTER_TOO_MANY"]


def test_injury_code_without_case_and_case_without_injury_code():
    findings = run(changed(diagnoses=["S16.1XXA"], lines__0__pointers=[1]))
    assert [(f.rule, f.severity) for f in findings] == [
        ("INJURY_DX_WITHOUT_CASE", Severity.WARNING)
    ]
    data = changed("auto-pip", diagnoses=["M54.2"])
    data["lines"][1]["pointers"] = [1]
    data["lines"][0]["pointers"] = [1]
    assert "INJURY_CASE_WITHOUT_INJURY_DX" in rule_ids(data)


def test_unknown_procedure():
    findings = run(changed(lines__0__code="99999"))
    assert [(f.rule, f.line) for f in findings] == [("PROCEDURE_UNKNOWN", 1)]


def test_single_timed_service_under_8_minutes():
    findings = run(changed(lines__0__minutes=7, lines__0__units=1))
    assert [(f.rule, f.line) for f in findings] == [("TIMED_UNDER_8_MINUTES", 1)]


def test_units_not_matching_minutes_under_cms():
    # 60 minutes of 97124 → 4 units (table 53-67); 3 billed.
    findings = run(changed(lines__0__units=3))
    assert [f.rule for f in findings] == ["UNITS_MINUTES_MISMATCH"]
    assert "Bill 97124 x 4" in findings[0].fix


def test_units_rule_follows_the_payer(tmp_path):
    # CMS Example 1 billed per AMA (2 + 2): wrong under CMS, right under a payer using AMA.
    data = changed(lines=[
        {"service_date": "2026-10-05", "code": "97112", "minutes": 24, "units": 2,
         "charge": "60.00", "pointers": [1], "modifiers": ["GP"]},
        {"service_date": "2026-10-05", "code": "97110", "minutes": 23, "units": 2,
         "charge": "60.00", "pointers": [1], "modifiers": ["GP"]},
    ])  # fmt: skip
    assert rule_ids(data) == ["UNITS_MINUTES_MISMATCH"]
    payer_rules = {"entries": [
        {"match": "default", "effective": "2000-01-01", "rules": {}},
        {"match": "payer:EVG01", "effective": "2026-01-01", "rules": {"unit_rule": "ama"}},
    ]}  # fmt: skip
    (tmp_path / "payer_rules.json").write_text(json.dumps(payer_rules))
    assert rule_ids(data, rules=load_rules(tmp_path)) == []
    # The same payer rule dated after the visit does not apply yet.
    payer_rules["entries"][1]["effective"] = "2026-11-01"
    (tmp_path / "payer_rules.json").write_text(json.dumps(payer_rules))
    assert rule_ids(data, rules=load_rules(tmp_path)) == ["UNITS_MINUTES_MISMATCH"]


def test_cms_example_2_either_allocation_is_accepted():
    for first, second in ((2, 1), (1, 2)):
        data = changed(lines=[
            {"service_date": "2026-10-05", "code": "97112", "minutes": 20, "units": first,
             "charge": "60.00", "pointers": [1]},
            {"service_date": "2026-10-05", "code": "97110", "minutes": 20, "units": second,
             "charge": "60.00", "pointers": [1]},
        ])  # fmt: skip
        assert rule_ids(data) == []


def test_timed_code_without_minutes_is_a_warning():
    data = changed()
    del data["lines"][0]["minutes"]
    findings = run(data)
    assert [(f.rule, f.severity) for f in findings] == [("TIMED_MINUTES_MISSING", Severity.WARNING)]


def test_untimed_code_more_than_one_unit():
    data = changed()
    data["lines"].append({"service_date": "2026-10-05", "code": "97010", "units": 2,
                          "charge": "20.00", "pointers": [1]})  # fmt: skip
    assert rule_ids(data) == ["UNTIMED_UNITS"]


def test_zero_units_and_non_positive_charge():
    assert rule_ids(changed(lines__0__charge="0.00")) == ["CHARGE_NOT_POSITIVE"]
    assert rule_ids(changed(lines__0__charge="-5.00")) == ["CHARGE_NOT_POSITIVE"]
    ids = rule_ids(changed(lines__0__units=0, lines__0__minutes=5))
    assert ids == ["UNITS_ZERO"]


def test_mue_exceeded_uses_the_shipped_97035_limit():
    # 97035 MUE = 2 per day (billing-rules.md §2.2, Functional Pathways 2017); 3 units billed.
    data = changed(lines__0__code="97035", lines__0__minutes=45, lines__0__units=3)
    findings = run(data)
    assert [f.rule for f in findings] == ["MUE_EXCEEDED"]
    assert "allows 2 a day" in findings[0].message


def _two_lines(first: dict, second: dict) -> dict:
    base = {"service_date": "2026-10-05", "charge": "40.00", "pointers": [1]}
    return changed(lines=[{**base, **first}, {**base, **second}])


def test_ncci_pair_needs_a_modifier_on_column_2():
    # 97140 (column 1) + 97530 (column 2), indicator 1 (CMS MLN Example 9).
    data = _two_lines({"code": "97140", "minutes": 15, "units": 1},
                      {"code": "97530", "minutes": 15, "units": 1})  # fmt: skip
    findings = run(data)
    assert [(f.rule, f.line) for f in findings] == [("NCCI_MODIFIER_NEEDED", 2)]
    data["lines"][1]["modifiers"] = ["59"]
    assert rule_ids(data) == []
    data["lines"][1]["modifiers"] = ["XU"]
    assert rule_ids(data) == []
    # The modifier on the column 1 code does not bypass the edit.
    data["lines"][1]["modifiers"] = []
    data["lines"][0]["modifiers"] = ["59"]
    assert rule_ids(data) == ["NCCI_MODIFIER_NEEDED"]


def test_ncci_indicator_0_never_together(tmp_path):
    (tmp_path / "ptp.csv").write_text(
        "column1,column2,effective,deleted,modifier_indicator,rationale,source\n"
        "97124,97110,2020-01-01,,0,Invented for a test,synthetic\n"
    )
    data = _two_lines(
        {"code": "97124", "minutes": 15, "units": 1},
        {"code": "97110", "minutes": 15, "units": 1, "modifiers": ["59"]},
    )
    findings = run(data, rules=load_rules(tmp_path))
    assert [(f.rule, f.line) for f in findings] == [("NCCI_NEVER_TOGETHER", 2)]


def test_ncci_edit_deleted_before_the_visit_does_not_apply(tmp_path):
    (tmp_path / "ptp.csv").write_text(
        "column1,column2,effective,deleted,modifier_indicator,rationale,source\n"
        "97124,97110,2020-01-01,2026-09-30,0,Invented for a test,synthetic\n"
    )
    data = _two_lines({"code": "97124", "minutes": 15, "units": 1},
                      {"code": "97110", "minutes": 15, "units": 1})  # fmt: skip
    assert rule_ids(data, rules=load_rules(tmp_path)) == []


def test_massage_with_manual_therapy_is_a_warning_by_default(tmp_path):
    data = _two_lines({"code": "97124", "minutes": 30, "units": 2},
                      {"code": "97140", "minutes": 15, "units": 1})  # fmt: skip
    findings = run(data)
    assert [(f.rule, f.severity) for f in findings] == [
        ("MASSAGE_WITH_MANUAL_THERAPY", Severity.WARNING)
    ]
    for policy, expected in (("error", [Severity.ERROR]), ("allowed", [])):
        (tmp_path / "payer_rules.json").write_text(json.dumps({"entries": [
            {"match": "default", "effective": "2000-01-01",
             "rules": {"massage_with_manual_therapy": policy}}]}))  # fmt: skip
        assert [f.severity for f in run(data, rules=load_rules(tmp_path))] == expected


def test_modifier_59_with_an_x_modifier_and_too_many_modifiers():
    assert rule_ids(changed(lines__0__modifiers=["GP", "59", "XS"])) == ["MODIFIER_59_WITH_X"]
    assert rule_ids(changed(lines__0__modifiers=["GP", "KX", "LT", "RT", "76"])) == [
        "MODIFIERS_TOO_MANY"
    ]


def test_gp_missing_where_the_payer_requires_it():
    data = changed(lines__0__modifiers=[])
    assert rule_ids(data) == []  # the commercial default does not require GP
    data["coverage"]["payer"].update(kind="medicare", filing_indicator="MB")
    findings = run(data)
    assert [(f.rule, f.line) for f in findings] == [("GP_MISSING", 1)]


def test_duplicate_line():
    data = changed()
    data["lines"].append(dict(data["lines"][0]))
    assert "LINE_DUPLICATE" in rule_ids(data)


def test_paper_payer_more_than_6_lines(tmp_path):
    paper = {"match": "default", "effective": "2000-01-01", "rules": {"paper_claims": True}}
    (tmp_path / "payer_rules.json").write_text(json.dumps({"entries": [paper]}))
    data = changed()
    data["lines"] = [
        {"service_date": f"2026-10-0{day}", "code": "97124", "minutes": 60, "units": 4,
         "charge": "120.00", "pointers": [1]}
        for day in range(1, 8)
    ]  # fmt: skip
    assert rule_ids(data, rules=load_rules(tmp_path)) == ["LINES_OVER_PAPER_LIMIT"]
    assert rule_ids(data) == []


def test_max_units_per_day_regence_example():
    # Regence WA: 4 units a day in all (billing-rules.md §1.3); 4 + 1 billed.
    data = _two_lines({"code": "97124", "minutes": 60, "units": 4},
                      {"code": "97010", "units": 1})  # fmt: skip
    data["coverage"]["payer"]["payer_id"] = "REGWA"
    assert rule_ids(data) == ["MAX_UNITS_PER_DAY"]


def test_referral_rules():
    wc = example("workers-comp")
    assert rule_ids(wc) == []
    del wc["referral"], wc["referring_provider"]
    assert rule_ids(wc) == ["REFERRAL_MISSING"]
    assert rule_ids(changed("workers-comp", referral__expires="2026-10-01")) == ["REFERRAL_EXPIRED"]
    assert rule_ids(changed("workers-comp", referral__visits_used=6)) == ["REFERRAL_VISITS_USED_UP"]


def test_referral_date_and_visit_findings_point_at_the_box_the_referral_number_prints_in():
    (page,) = cms1500_boxes(claim_from_dict(example("workers-comp"))).pages
    assert page.values["23"] == "RX-4471"  # the example's referral number
    assert RULES["REFERRAL_EXPIRED"].box == RULES["REFERRAL_VISITS_USED_UP"].box == "23"


def test_authorization_rules(tmp_path):
    name = "referral-authorization"
    assert rule_ids(changed(name, authorization__ends="2026-10-01")) == ["AUTH_EXPIRED"]
    assert rule_ids(changed(name, authorization__visits_used=8)) == ["AUTH_VISITS_USED_UP"]
    # 32 allowed, 30 used, this visit bills 3 + 1 = 4 units.
    findings = run(changed(name, authorization__units_used=30))
    assert [f.rule for f in findings] == ["AUTH_UNITS_USED_UP"]
    assert "has 2 left" in findings[0].message
    (tmp_path / "payer_rules.json").write_text(json.dumps({"entries": [
        {"match": "default", "effective": "2000-01-01",
         "rules": {"authorization_required": True}}]}))  # fmt: skip
    assert rule_ids(example(), rules=load_rules(tmp_path)) == ["AUTH_MISSING"]


def test_visit_limit_and_coverage_dates():
    name = "referral-authorization"
    assert rule_ids(changed(name, coverage__visits_used_this_year=20)) == ["VISIT_LIMIT_REACHED"]
    assert rule_ids(changed(name, coverage__terminates="2026-10-01")) == ["COVERAGE_NOT_ACTIVE"]
    assert rule_ids(changed(name, coverage__effective="2026-11-01")) == ["COVERAGE_NOT_ACTIVE"]


def test_credentialing():
    findings = run(changed(coverage__provider_status="not_credentialed"))
    assert [(f.rule, f.severity) for f in findings] == [
        ("PROVIDER_NOT_CREDENTIALED", Severity.ERROR)
    ]
    findings = run(changed(coverage__provider_status="pending"))
    assert [(f.rule, f.severity) for f in findings] == [
        ("PROVIDER_NOT_CREDENTIALED", Severity.WARNING)
    ]
    # A superbill client files the claim themselves; credentialing does not matter.
    assert rule_ids(example("superbill")) == []


def test_replacement_without_original_claim_number_and_secondary_without_cob():
    assert rule_ids(changed(frequency="7")) == ["ORIGINAL_CLAIM_NUMBER_MISSING"]
    assert rule_ids(changed(frequency="7", original_claim_number="EVG-1")) == []
    data = changed("secondary-payer")
    del data["coverage"]["other_payers"]
    assert rule_ids(data) == ["COB_PRIOR_PAYER_MISSING"]


def test_injury_case_missing_facts():
    data = changed("auto-pip")
    data["injury"] = {"kind": "auto"}
    ids = [(f.rule, f.severity) for f in run(data)]
    assert ("INJURY_CLAIM_NUMBER_MISSING", Severity.ERROR) in ids
    assert ("INJURY_DATE_MISSING", Severity.ERROR) in ids
    assert ("INJURY_STATE_MISSING", Severity.ERROR) in ids
    data = changed("workers-comp")
    del data["injury"]["state"]
    assert [(f.rule, f.severity) for f in run(data)] == [("INJURY_STATE_MISSING", Severity.WARNING)]


def test_future_date_of_service():
    findings = run(example(), as_of=dt.date(2026, 10, 4))
    assert [(f.rule, f.line) for f in findings] == [("DOS_IN_FUTURE", 1)]


def test_timely_filing_passed_and_soon():
    # DOS 2026-10-05 + 90 days (default) = 2027-01-03.
    assert rule_ids(example(), as_of=dt.date(2027, 1, 4)) == ["TIMELY_FILING_PASSED"]
    assert rule_ids(example(), as_of=dt.date(2027, 1, 3)) == ["TIMELY_FILING_SOON"]
    assert rule_ids(example(), as_of=dt.date(2026, 12, 21)) == ["TIMELY_FILING_SOON"]  # 13 left
    assert rule_ids(example(), as_of=dt.date(2026, 12, 20)) == []  # 14 days left is not "< 14"


def _medicare_claim_on(day: str) -> dict:
    data = changed(lines__0__service_date=day)
    data["coverage"]["payer"].update(kind="medicare", filing_indicator="MB")
    return data


def test_medicare_filing_limit_is_twelve_calendar_months():
    # §11.1: 12 months after the date of service. 2027-03-15 + 12 months = 2028-03-15, a day
    # later than 365 days would give (2028 has a Feb 29).
    data = _medicare_claim_on("2027-03-15")
    assert "TIMELY_FILING_PASSED" not in rule_ids(data, as_of=dt.date(2028, 3, 15))
    assert "TIMELY_FILING_PASSED" in rule_ids(data, as_of=dt.date(2028, 3, 16))


def test_medicare_filing_limit_from_february_29_ends_on_february_28():
    # §11.1: "A DOS of Feb 29 must be filed by Feb 28 of the next year."
    findings = run(_medicare_claim_on("2028-02-29"), as_of=dt.date(2029, 3, 1))
    (passed,) = [f for f in findings if f.rule == "TIMELY_FILING_PASSED"]
    assert passed.message == (
        "The filing limit (12 months from the date of service, 2028-02-29) passed on 2029-02-28."
    )
    on_time = rule_ids(_medicare_claim_on("2028-02-29"), as_of=dt.date(2029, 2, 28))
    assert "TIMELY_FILING_PASSED" not in on_time


@pytest.mark.parametrize(("day", "months", "expected"), [
    (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
    (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
    (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),
    (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
    (dt.date(2026, 10, 5), 12, dt.date(2027, 10, 5)),
    (dt.date(2026, 8, 31), 18, dt.date(2028, 2, 29)),
])  # fmt: skip
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


def test_unsigned_note():
    assert rule_ids(changed(note_signed=False)) == ["NOTE_UNSIGNED"]


def test_superbill_subset_keeps_clinical_checks_and_drops_payer_side_ones():
    data = changed(note_signed=False, lines__0__units=3, billing_provider__npi="1234567890")
    data["coverage"]["provider_status"] = "not_credentialed"
    data["billing_provider"]["address"]["zip"] = "98101"
    claim_ids = rule_ids(data)
    superbill_ids = rule_ids(data, purpose=Purpose.SUPERBILL)
    assert "PROVIDER_NOT_CREDENTIALED" in claim_ids
    assert "BILLING_ZIP_NOT_9_DIGITS" in claim_ids
    assert sorted(superbill_ids) == ["NOTE_UNSIGNED", "NPI_CHECK_DIGIT", "UNITS_MINUTES_MISMATCH"]
    late = rule_ids(example(), as_of=dt.date(2027, 6, 1), purpose=Purpose.SUPERBILL)
    assert late == []


def test_every_rule_is_documented():
    doc = (ROOT / "docs/scrub-rules.md").read_text()
    missing = [rule for rule in RULES if f"`{rule}`" not in doc]
    assert missing == []


def test_every_rule_has_a_source_and_a_location():
    for rule in RULES.values():
        assert rule.source and rule.checks
        assert rule.box or rule.loop


def test_cli_prints_findings_and_exits_1_on_errors(tmp_path, capsys):
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(changed(billing_provider__npi="1234567890")))
    assert main(["scrub", str(path), "--as-of", "2026-10-20"]) == 1
    findings = json.loads(capsys.readouterr().out)
    assert findings[0]["rule"] == "NPI_CHECK_DIGIT"
    assert findings[0]["severity"] == "error"
    assert findings[0]["line"] is None
    assert {"message", "fix", "box", "loop"} <= set(findings[0])


def test_cli_exits_0_on_warnings_only(capsys):
    path = ROOT / "docs/examples/claims/auto-pip.json"
    assert main(["scrub", str(path), "--as-of", "2026-10-20"]) == 0
    assert [f["rule"] for f in json.loads(capsys.readouterr().out)] == [
        "MASSAGE_WITH_MANUAL_THERAPY"
    ]


def test_cli_malformed_input_exits_2_naming_the_field(tmp_path, capsys):
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(changed(lines__0__minutes=-1)))
    assert main(["scrub", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "lines[0].minutes: must be a whole number ≥ 0" in captured.err


def test_cli_a_bad_as_of_date_exits_2_with_a_plain_message(capsys):
    path = ROOT / "docs/examples/claims/auto-pip.json"
    assert main(["scrub", str(path), "--as-of", "20/10/2026"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "knead scrub: --as-of must be a date YYYY-MM-DD, not '20/10/2026'; nothing done"
    )


def test_cli_subprocess_with_a_list_of_claims(tmp_path):
    path = tmp_path / "claims.json"
    path.write_text(json.dumps([example(), changed(note_signed=False)]))
    result = subprocess.run(
        [sys.executable, "-m", "knead.cli", "scrub", str(path), "--as-of", "2026-10-20"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert [[f["rule"] for f in per_claim] for per_claim in json.loads(result.stdout)] == [
        [],
        ["NOTE_UNSIGNED"],
    ]


def test_auto_payer_without_case_details():
    data = changed("auto-pip", diagnoses=["M54.2"])
    del data["injury"]
    for line in data["lines"]:
        line["pointers"] = [1]
    assert "INJURY_CASE_MISSING" in rule_ids(data)


def test_untimed_code_split_over_two_lines_is_still_one_unit_a_day():
    data = _two_lines({"code": "97010", "units": 1, "modifiers": ["GP"]},
                      {"code": "97010", "units": 1, "modifiers": ["59"]})  # fmt: skip
    findings = run(data)
    assert [(f.rule, f.line) for f in findings] == [("UNTIMED_UNITS", 1)]


def test_claim_built_in_code_without_lines():
    import dataclasses

    claim = dataclasses.replace(claim_from_dict(example()), lines=())
    assert [f.rule for f in scrub(claim, RULEBOOK, AS_OF)] == ["LINES_MISSING"]


line_strategy = st.fixed_dictionaries(
    {
        "service_date": st.sampled_from(["2026-10-05", "2026-10-06", "2026-11-30"]),
        "code": st.sampled_from(["97124", "97140", "97530", "97010", "97035", "98940", "X1234"]),
        "units": st.integers(min_value=0, max_value=9),
        "charge": st.sampled_from(["-1.00", "0.00", "40.00"]),
        "pointers": st.lists(st.integers(min_value=1, max_value=14), max_size=6),
        "modifiers": st.lists(st.sampled_from(["GP", "59", "XS", "KX", "76"]), max_size=5),
    },
    optional={"minutes": st.integers(min_value=0, max_value=90)},
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(line_strategy, min_size=1, max_size=8),
    st.lists(st.sampled_from(["M54.50", "M54.5", "S16.1", "S16.1XXA", "Q99.99"]), max_size=14),
    st.sampled_from(["commercial", "auto-pip", "workers-comp", "secondary-payer", "superbill"]),
    st.sampled_from(list(Purpose)),
)
def test_scrub_never_fails_and_every_finding_is_well_formed(lines, diagnoses, name, purpose):
    data = changed(name, lines=lines, diagnoses=diagnoses)
    findings = run(data, purpose=purpose)
    for finding in findings:
        assert finding.rule in RULES
        assert finding.line is None or 1 <= finding.line <= len(lines)
        assert finding.message and finding.fix
        if purpose is Purpose.SUPERBILL:
            assert RULES[finding.rule].superbill


def test_secondary_claim_filing_clock_runs_from_the_primary_payment():
    # DOS 2026-10-08; primary paid 2026-10-20; 90 days from 2026-10-20 = 2027-01-18.
    data = example("secondary-payer")
    assert rule_ids(data, as_of=dt.date(2027, 1, 18)) == ["TIMELY_FILING_SOON"]
    findings = run(data, as_of=dt.date(2027, 1, 19))
    assert [f.rule for f in findings] == ["TIMELY_FILING_PASSED"]
    assert "prior payer's payment" in findings[0].message


def test_claim_built_in_code_keeps_diagnoses_in_wire_form():
    import dataclasses

    claim = dataclasses.replace(claim_from_dict(example()), diagnoses=("m54.50", "S16.1XXA"))
    assert claim.diagnoses == ("M5450", "S161XXA")


def test_wa_lni_needs_authorization_after_6_visits():
    # L&I grid (billing-rules.md §11.5): visits 1-6 need no authorization, visit 7 does.
    assert rule_ids(changed("workers-comp", coverage__visits_used_this_year=5)) == []
    findings = run(changed("workers-comp", coverage__visits_used_this_year=6))
    assert [f.rule for f in findings] == ["AUTH_MISSING"]
    assert "visit 7" in findings[0].message


def _second_visit(name: str, date: str) -> dict:
    """The example claim with a second visit (one 97124 line) on ``date``."""
    data = example(name)
    data["lines"].append(
        {"service_date": date, "code": "97124", "modifiers": ["GP"], "minutes": 30, "units": 2,
         "charge": "60.00", "pointers": [1]}
    )  # fmt: skip
    return data


def test_every_date_of_service_must_fall_in_coverage_referral_and_authorization():
    # The first visit (2026-10-09) is inside every range; the second is after the end date.
    name = "referral-authorization"
    data = _second_visit(name, "2026-10-16")
    data["coverage"]["terminates"] = "2026-10-15"
    findings = run(data)
    assert [f.rule for f in findings] == ["COVERAGE_NOT_ACTIVE"]
    assert "2026-10-16" in findings[0].message
    data = _second_visit(name, "2026-10-16")
    data["referral"]["expires"] = "2026-10-15"
    assert rule_ids(data) == ["REFERRAL_EXPIRED"]
    data = _second_visit(name, "2026-10-16")
    data["authorization"]["ends"] = "2026-10-15"
    assert rule_ids(data) == ["AUTH_EXPIRED"]


def test_each_date_of_service_counts_as_one_visit_against_limits():
    # Two visits on the claim. Referral: 10 allowed, 9 used -> visits 10 and 11, one too many.
    # Authorization: 8 allowed, 7 used -> 8 and 9. Plan year: 20 allowed, 19 used -> 20 and 21.
    name = "referral-authorization"
    data = _second_visit(name, "2026-10-16")
    assert rule_ids(data) == []  # 4 of 10, 4 of 8, 9 of 20 used: room for two visits
    data["referral"]["visits_used"] = 9
    assert rule_ids(data) == ["REFERRAL_VISITS_USED_UP"]
    data = _second_visit(name, "2026-10-16")
    data["authorization"]["visits_used"] = 7
    assert rule_ids(data) == ["AUTH_VISITS_USED_UP"]
    data = _second_visit(name, "2026-10-16")
    data["coverage"]["visits_used_this_year"] = 19
    assert rule_ids(data) == ["VISIT_LIMIT_REACHED"]


def test_wa_lni_authorization_counts_every_visit_on_the_claim():
    # L&I grid (billing-rules.md §11.5): visits 1-6 need no authorization. 5 used + 2 visits on
    # this claim = visits 6 and 7, so the claim needs one.
    data = _second_visit("workers-comp", "2026-10-16")
    data["coverage"]["visits_used_this_year"] = 5
    findings = run(data)
    assert [f.rule for f in findings] == ["AUTH_MISSING"]
    assert "visit 7" in findings[0].message


# --- authorizations per line, by code -------------------------------------------------------


def _two_authorizations(**coverage) -> dict:
    """referral-authorization: 97124 (3 units) and 97010 (1 unit) on 2026-10-09. AUTH-77812
    is narrowed to 97124 and AUTH-88001 covers 97010."""
    data = example("referral-authorization")
    data["authorization"]["codes"] = ["97124"]
    data["additional_authorizations"] = [
        {"number": "AUTH-88001", "starts": "2026-10-01", "ends": "2026-10-31", "codes": ["97010"],
         "visits_allowed": 2, "visits_used": 0}
    ]  # fmt: skip
    data["coverage"].update(coverage)
    return data


def test_a_line_covered_by_a_second_authorization_is_covered():
    assert rule_ids(_two_authorizations(authorization_required=True)) == []


def test_a_line_no_authorization_covers_is_an_error_where_authorization_is_required():
    data = example("referral-authorization")
    data["authorization"]["codes"] = ["97124"]
    data["coverage"]["authorization_required"] = True
    findings = run(data)
    assert [(f.rule, f.line) for f in findings] == [("AUTH_LINE_NOT_COVERED", 2)]
    assert "97010" in findings[0].message and "AUTH-77812" in findings[0].message
    # Where nobody requires authorization, an uncovered line is no finding.
    data["coverage"]["authorization_required"] = False
    assert rule_ids(data) == []


def test_the_plans_own_answer_on_authorization_overrides_the_payer_rule():
    # commercial: its payer rules do not require authorization; the coverage says it does.
    assert rule_ids(changed(coverage__authorization_required=True)) == ["AUTH_MISSING"]


def test_units_count_per_line_against_the_authorization_covering_them():
    # 14 of 17 units used. Covering 97124 only: 14 + 3 = 17, within the limit. Covering every
    # code: 14 + 3 + 1 (97010) = 18 > 17, with 3 left.
    data = example("referral-authorization")
    data["authorization"].update(units_allowed=17, codes=["97124"])
    assert rule_ids(data) == []
    data["authorization"]["codes"] = []
    findings = run(data)
    assert [f.rule for f in findings] == ["AUTH_UNITS_USED_UP"]
    assert "has 3 left" in findings[0].message


def test_each_authorization_counts_the_visits_of_the_lines_it_covers():
    # AUTH-88001 allows 2 visits and has 2 used: its 97010 line is a third.
    data = _two_authorizations()
    data["additional_authorizations"][0]["visits_used"] = 2
    findings = run(data)
    assert [f.rule for f in findings] == ["AUTH_VISITS_USED_UP"]
    assert "AUTH-88001" in findings[0].message


def test_a_line_outside_its_authorizations_dates_is_reported_with_that_authorization():
    data = _two_authorizations()
    data["additional_authorizations"][0]["starts"] = "2026-10-10"
    findings = run(data)
    assert [f.rule for f in findings] == ["AUTH_EXPIRED"]
    assert "AUTH-88001" in findings[0].message and "2026-10-09" in findings[0].message

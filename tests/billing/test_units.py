"""Minutes to units: CMS's worked examples, the rule book's CMS-vs-AMA table, properties, CLI.

Expected values come from billing-rules.md §3.1 (CMS Pub. 100-04 Ch.5 §20.2 examples 1-4 and
the minutes table) and §3.2 (comparison table), never from the code under test.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knead.billing.errors import InvalidCode
from knead.billing.units import UnitRule, allocate_units, units_follow_rule, units_for_minutes
from knead.cli import main

CMS, AMA = UnitRule.CMS, UnitRule.AMA
TIMED = ["97124", "97140", "97112", "97110", "97530", "97139", "97750", "97035", "97032", "97116"]

# The CMS table (billing-rules.md §3.1): units → (first minute, last minute).
CMS_TABLE = {1: (8, 22), 2: (23, 37), 3: (38, 52), 4: (53, 67), 5: (68, 82), 6: (83, 97),
             7: (98, 112), 8: (113, 127)}  # fmt: skip


@pytest.mark.parametrize(("units", "bounds"), CMS_TABLE.items())
def test_minutes_table_boundaries(units, bounds):
    first, last = bounds
    assert units_for_minutes(first) == units
    assert units_for_minutes(last) == units
    assert units_for_minutes(first - 1) == units - 1


def test_under_8_minutes_is_zero_units():
    assert [units_for_minutes(m) for m in range(8)] == [0] * 8


def test_cms_example_1_more_units_to_the_longer_service():
    # 24 min 97112 + 23 min 97110 = 47 min → 3 units: 97112 x 2, 97110 x 1.
    assert allocate_units({"97112": 24, "97110": 23}, CMS) == {"97112": 2, "97110": 1}


def test_cms_example_2_tie_gives_two_and_one_never_three():
    # 20 + 20 = 40 min → 3 units; either code x 2, the other x 1.
    units = allocate_units({"97112": 20, "97110": 20}, CMS)
    assert sorted(units.values()) == [1, 2]
    assert units_follow_rule({"97112": 20, "97110": 20}, {"97112": 1, "97110": 2}, CMS)
    assert units_follow_rule({"97112": 20, "97110": 20}, {"97112": 2, "97110": 1}, CMS)
    assert not units_follow_rule({"97112": 20, "97110": 20}, {"97112": 3, "97110": 0}, CMS)


def test_cms_example_3_remaining_minutes_compared():
    # 33 min 97110 + 7 min 97140 = 40 → 3 units: 97110 x 2, 97140 x 1 (7 > 3 leftover).
    assert allocate_units({"97110": 33, "97140": 7}, CMS) == {"97110": 2, "97140": 1}


def test_cms_example_4_four_codes_three_units():
    # 18 + 13 + 10 + 8 = 49 → 3 units: 97110, 97140, 97116 x 1; 97035 x 0.
    visit = {"97110": 18, "97140": 13, "97116": 10, "97035": 8}
    assert allocate_units(visit, CMS) == {"97110": 1, "97140": 1, "97116": 1, "97035": 0}


def test_two_services_of_7_minutes_bill_one_unit_of_either():
    units = allocate_units({"97124": 7, "97140": 7}, CMS)
    assert sorted(units.values()) == [0, 1]


def test_two_services_of_7_and_6_minutes_bill_the_longer():
    assert allocate_units({"97124": 6, "97140": 7}, CMS) == {"97124": 0, "97140": 1}


# billing-rules.md §3.2 comparison table: minutes → (CMS units, AMA units).
COMPARISON = [
    ({"97124": 60}, {"97124": 4}, {"97124": 4}),
    ({"97124": 52}, {"97124": 3}, {"97124": 3}),
    ({"97124": 53}, {"97124": 4}, {"97124": 4}),
    ({"97124": 7}, {"97124": 0}, {"97124": 0}),
    ({"97124": 30, "97140": 8}, {"97124": 2, "97140": 1}, {"97124": 2, "97140": 1}),
    ({"97112": 24, "97110": 23}, {"97112": 2, "97110": 1}, {"97112": 2, "97110": 2}),
    ({"97110": 33, "97140": 7}, {"97110": 2, "97140": 1}, {"97110": 2, "97140": 0}),
    (
        {"97110": 18, "97140": 13, "97116": 10, "97035": 8},
        {"97110": 1, "97140": 1, "97116": 1, "97035": 0},
        {"97110": 1, "97140": 1, "97116": 1, "97035": 1},
    ),
]


@pytest.mark.parametrize(("minutes", "cms", "ama"), COMPARISON)
def test_rule_book_comparison_table(minutes, cms, ama):
    assert allocate_units(minutes, CMS) == cms
    assert allocate_units(minutes, AMA) == ama
    assert units_follow_rule(minutes, cms, CMS)
    assert units_follow_rule(minutes, ama, AMA)


def test_comparison_ties_10_and_10():
    # 97124 = 10, 97140 = 10: CMS 1 unit (either code), AMA 2 (1 + 1).
    assert sum(allocate_units({"97124": 10, "97140": 10}, CMS).values()) == 1
    assert allocate_units({"97124": 10, "97140": 10}, AMA) == {"97124": 1, "97140": 1}
    assert sum(allocate_units({"97112": 20, "97110": 20}, AMA).values()) == 2
    assert allocate_units({"97124": 7, "97140": 7}, AMA) == {"97124": 0, "97140": 0}


def test_untimed_codes_are_one_unit_a_day_and_not_in_the_total():
    # 97010 for 30 min is 1 unit; 97124 alone for 7 min stays 0 (untimed minutes do not count).
    assert allocate_units({"97010": 30, "97124": 7}, CMS) == {"97010": 1, "97124": 0}
    assert allocate_units({"G0283": 20, "98940": 5}, AMA) == {"G0283": 1, "98940": 1}


def test_unknown_code_and_negative_minutes_are_refused():
    with pytest.raises(InvalidCode, match="not a procedure code"):
        allocate_units({"99999": 10})
    with pytest.raises(InvalidCode, match="cannot be negative"):
        allocate_units({"97124": -1})


def test_billed_units_that_skip_the_larger_leftover_do_not_follow_cms():
    # Example 3 billed the other way round: 97110 x 3, 97140 x 0 is wrong (3 min < 7 min).
    assert not units_follow_rule({"97110": 33, "97140": 7}, {"97110": 3, "97140": 0}, CMS)


visits = st.dictionaries(
    st.sampled_from(TIMED), st.integers(min_value=0, max_value=130), min_size=1, max_size=5
)


@settings(max_examples=200, deadline=None)
@given(visits, st.sampled_from([CMS, AMA]))
def test_each_code_units_are_supported_by_its_own_minutes(minutes, rule):
    for code, units in allocate_units(minutes, rule).items():
        if minutes[code] == 0:
            assert units == 0
        else:
            assert minutes[code] > 15 * (units - 1)


@settings(max_examples=200, deadline=None)
@given(visits)
def test_cms_total_never_exceeds_the_table(minutes):
    total = sum(minutes.values())
    table_units = (
        0
        if total < 8
        else next((u for u, (lo, hi) in CMS_TABLE.items() if lo <= total <= hi), (total + 7) // 15)
    )
    assert sum(allocate_units(minutes, CMS).values()) == table_units


@settings(max_examples=200, deadline=None)
@given(visits, st.sampled_from(TIMED), st.sampled_from([CMS, AMA]))
def test_more_minutes_never_mean_fewer_total_units(minutes, code, rule):
    more = dict(minutes)
    more[code] = more.get(code, 0) + 1
    assert sum(allocate_units(more, rule).values()) >= sum(allocate_units(minutes, rule).values())


@settings(max_examples=200, deadline=None)
@given(visits, st.sampled_from([CMS, AMA]))
def test_the_allocation_always_follows_its_own_rule_check(minutes, rule):
    assert units_follow_rule(minutes, allocate_units(minutes, rule), rule)


@settings(max_examples=100, deadline=None)
@given(visits)
def test_cms_never_gives_a_code_more_than_one_unit_beyond_its_full_blocks(minutes):
    for code, units in allocate_units(minutes, CMS).items():
        assert units - minutes[code] // 15 in (0, 1)


def test_cli_prints_units_json(capsys):
    assert main(["units", "97112=24", "97110=23"]) == 0
    assert json.loads(capsys.readouterr().out) == {"97112": 2, "97110": 1}


def test_cli_ama_method(capsys):
    assert main(["units", "--method", "ama", "97112=24", "97110=23"]) == 0
    assert json.loads(capsys.readouterr().out) == {"97112": 2, "97110": 2}


@pytest.mark.parametrize("arg", ["99999=10", "97124=-5", "97124", "97124=ten", "=5"])
def test_cli_bad_input_exits_2_with_a_message(arg, capsys):
    assert main(["units", arg]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("knead units:")


def test_cli_as_a_subprocess():
    result = subprocess.run(
        [sys.executable, "-m", "knead.cli", "units", "97110=33", "97140=7"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert json.loads(result.stdout) == {"97110": 2, "97140": 1}

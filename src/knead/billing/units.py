"""Minutes to billable units: the CMS total-time 8-minute rule and the AMA per-code midpoint rule.

Rules, table and CMS's worked examples: billing-rules.md §3. Timed codes share the day's units
under the CMS rule; under the AMA rule each code stands alone. Untimed codes are 1 unit a day.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from knead.billing.codes.procedures import catalog
from knead.billing.errors import InvalidCode

UNIT_MINUTES = 15
# A unit is earned once more than half of it (the midpoint, 7.5 minutes) has been given.
_MIDPOINT_PAD = 7


class UnitRule(StrEnum):
    CMS = "cms"  # total timed minutes set the day's units (Medicare, Medicaid, most federal payers)
    AMA = "ama"  # each timed code is rounded on its own (many commercial payers)


def units_for_minutes(minutes: int) -> int:
    """Units the CMS table gives for a number of timed minutes: 8-22 → 1, 23-37 → 2, …"""
    return 0 if minutes < 8 else (minutes + _MIDPOINT_PAD) // UNIT_MINUTES


def allocate_units(
    minutes_by_code: Mapping[str, int], rule: UnitRule = UnitRule.CMS
) -> dict[str, int]:
    """Return the units for each code of one day's visit, in the input's order.

    Raises InvalidCode for an unknown code or negative minutes.
    """
    procedures = catalog().procedures
    timed: dict[str, int] = {}
    units: dict[str, int] = {}
    for code, minutes in minutes_by_code.items():
        if minutes < 0:
            raise InvalidCode(f"Minutes for {code} cannot be negative ({minutes}).")
        procedure = procedures.get(code)
        if procedure is None:
            catalog().get(code)  # raises with the list of known codes
        elif procedure.timed:
            timed[code] = minutes
        units[code] = 1
    allocated = _cms_total_time(timed) if rule is UnitRule.CMS else _ama_per_code(timed)
    units.update(allocated)
    return units


def _ama_per_code(timed: Mapping[str, int]) -> dict[str, int]:
    return {code: units_for_minutes(minutes) for code, minutes in timed.items()}


def _cms_total_time(timed: Mapping[str, int]) -> dict[str, int]:
    total_units = units_for_minutes(sum(timed.values()))
    # Full 15-minute blocks first: a code done for 15 minutes earns at least 1 unit, 30 at least 2.
    units = {code: minutes // UNIT_MINUTES for code, minutes in timed.items()}
    remaining = total_units - sum(units.values())
    if remaining > 0:
        # Then the largest leftover minutes; ties go to the longer service, then the first listed.
        order = sorted(
            (code for code, minutes in timed.items() if minutes % UNIT_MINUTES),
            key=lambda code: (-(timed[code] % UNIT_MINUTES), -timed[code]),
        )
        for code in order[:remaining]:
            units[code] += 1
    return units


def units_follow_rule(
    minutes_by_code: Mapping[str, int], units_by_code: Mapping[str, int], rule: UnitRule
) -> bool:
    """Whether billed units for one day's timed codes follow ``rule``.

    Under the AMA rule each code's units must match its own minutes. Under the CMS rule every
    allocation CMS accepts passes, including either choice on a tie (Example 2): the total
    matches the table, each code has its full 15-minute blocks and at most one unit more, and
    the extra units went to the largest leftover minutes.
    """
    if rule is UnitRule.AMA:
        return all(
            units_by_code.get(c, 0) == units_for_minutes(m) for c, m in minutes_by_code.items()
        )
    if sum(units_by_code.get(c, 0) for c in minutes_by_code) != units_for_minutes(
        sum(minutes_by_code.values())
    ):
        return False
    lowest_extra, highest_skipped = UNIT_MINUTES, -1
    for code, minutes in minutes_by_code.items():
        blocks, leftover = divmod(minutes, UNIT_MINUTES)
        extra = units_by_code.get(code, 0) - blocks
        if extra not in (0, 1) or (extra == 1 and leftover == 0):
            return False
        if extra:
            lowest_extra = min(lowest_extra, leftover)
        elif leftover:
            highest_skipped = max(highest_skipped, leftover)
    return highest_skipped <= lowest_extra

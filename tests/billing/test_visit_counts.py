"""Visit counts: one set of rules for benefit years, injury cases, referrals and authorizations.

Every expected count is worked out by hand in the test from the visits listed beside it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from knead.billing.visit_counts import (
    AuthorizationTerms,
    CoverageTerms,
    LineFacts,
    ReferralTerms,
    Usage,
    VisitFacts,
    authorization_usage,
    benefit_year,
    case_usage,
    coverage_usage,
    covering_authorization,
    referral_usage,
)

D = dt.date
HEALTH_PLAN, PIP_CARRIER = 3, 9


def visit(id: int, day: dt.date, **facts) -> VisitFacts:
    """A signed visit billed to coverage 1 (health plan 3) unless told otherwise."""
    defaults = {"signed": True, "coverage_id": 1, "coverage_payer_id": HEALTH_PLAN}
    return VisitFacts(id=id, date=day, **(defaults | facts))


# --- benefit years ------------------------------------------------------------------------


def test_a_benefit_year_without_a_start_is_the_calendar_year():
    assert benefit_year(None, D(2026, 3, 4)) == (D(2026, 1, 1), D(2026, 12, 31))


def test_a_benefit_year_runs_from_the_anniversary_of_its_start():
    start = D(2025, 7, 1)
    assert benefit_year(start, D(2026, 3, 4)) == (D(2025, 7, 1), D(2026, 6, 30))
    assert benefit_year(start, D(2026, 6, 30)) == (D(2025, 7, 1), D(2026, 6, 30))
    assert benefit_year(start, D(2026, 7, 1)) == (D(2026, 7, 1), D(2027, 6, 30))
    # A start entered years ago still means "every July 1".
    assert benefit_year(D(2019, 7, 1), D(2026, 7, 1)) == (D(2026, 7, 1), D(2027, 6, 30))


def test_a_benefit_year_starting_february_29_starts_february_28_in_other_years():
    start = D(2024, 2, 29)
    assert benefit_year(start, D(2025, 2, 27)) == (D(2024, 2, 29), D(2025, 2, 27))
    assert benefit_year(start, D(2025, 2, 28)) == (D(2025, 2, 28), D(2026, 2, 27))


def test_the_benefit_year_counts_signed_visits_billed_to_the_coverage_in_its_dates():
    terms = CoverageTerms(1, visits_per_year=20, benefit_year_start=None)
    visits = [
        visit(1, D(2026, 1, 5)),  # counts
        visit(2, D(2025, 12, 31)),  # last year
        visit(3, D(2026, 2, 1), signed=False),  # unsigned
        visit(4, D(2026, 2, 2), case_id=7, case_payer_id=PIP_CARRIER),  # a PIP visit
        visit(5, D(2026, 2, 3), case_id=8, case_payer_id=None),  # case without a carrier
        visit(6, D(2026, 2, 4), self_pay=True),  # nobody billed
        visit(7, D(2026, 2, 5), coverage_id=2),  # another coverage
        visit(8, D(2026, 3, 1)),  # counts
    ]
    # Visits 1, 5 and 8 count: 3 of 20, 17 left.
    usage = coverage_usage(terms, visits, on=D(2026, 3, 4))
    assert (usage.used, usage.allowed, usage.remaining) == (3, 20, 17)
    # Before visit 8, a claim for it finds visits 1 and 5 used.
    assert coverage_usage(terms, visits, on=D(2026, 3, 1), before=visits[-1]).used == 2


def test_visits_on_the_same_day_count_in_record_order_before_a_visit():
    terms = CoverageTerms(1, visits_per_year=2)
    first, second = visit(10, D(2026, 4, 1)), visit(11, D(2026, 4, 1))
    assert coverage_usage(terms, [first, second], on=D(2026, 4, 1), before=second).used == 1
    assert coverage_usage(terms, [first, second], on=D(2026, 4, 1), before=first).used == 0


def test_a_pip_visit_counts_against_its_case_and_not_the_health_plan():
    pip = visit(1, D(2026, 5, 1), case_id=7, case_payer_id=PIP_CARRIER)
    plan = visit(2, D(2026, 5, 2))
    assert case_usage(7, [pip, plan]) == 1
    assert coverage_usage(CoverageTerms(1, 12), [pip, plan], on=D(2026, 5, 2)).used == 1


def test_usage_never_reports_a_negative_remainder():
    assert Usage(22, 20).remaining == 0
    assert Usage(22, 20).exhausted
    assert Usage(5, None).remaining is None
    assert not Usage(5, None).exhausted


# --- referrals ----------------------------------------------------------------------------


def test_a_referral_counts_signed_visits_naming_it_inside_its_dates():
    terms = ReferralTerms(5, issued=D(2026, 1, 10), expires=D(2026, 2, 28), visits_allowed=6)
    visits = [
        visit(1, D(2026, 1, 9), referral_id=5),  # before it was issued
        visit(2, D(2026, 1, 10), referral_id=5),  # counts (first day)
        visit(3, D(2026, 2, 28), referral_id=5),  # counts (last day)
        visit(4, D(2026, 3, 1), referral_id=5),  # after it expired
        visit(5, D(2026, 2, 1), referral_id=5, signed=False),  # unsigned
        visit(6, D(2026, 2, 2), referral_id=6),  # another referral
    ]
    assert referral_usage(terms, visits) == Usage(2, 6)


def test_a_referral_without_an_expiry_counts_from_its_issue_date_on():
    terms = ReferralTerms(5, issued=D(2026, 1, 10))
    visits = [visit(1, D(2026, 1, 9), referral_id=5), visit(2, D(2027, 6, 1), referral_id=5)]
    assert referral_usage(terms, visits).used == 1


def test_a_referral_for_an_injury_case_counts_only_that_cases_visits():
    terms = ReferralTerms(5, issued=D(2026, 1, 1), case_id=7)
    visits = [
        visit(1, D(2026, 2, 1), referral_id=5, case_id=7, case_payer_id=PIP_CARRIER),
        visit(2, D(2026, 2, 2), referral_id=5),  # a health-plan visit naming it by mistake
    ]
    assert referral_usage(terms, visits).used == 1


# --- authorizations -----------------------------------------------------------------------

MASSAGE = AuthorizationTerms(
    1, "PA-1", HEALTH_PLAN, D(2026, 1, 1), D(2026, 6, 30), codes=("97124", "97140"),
    visits_approved=12, units_approved=48,
)  # fmt: skip
HOT_PACK = AuthorizationTerms(
    2, "PA-2", HEALTH_PLAN, D(2026, 1, 1), D(2026, 6, 30), codes=("97010",), visits_approved=6
)
EVERY_CODE = AuthorizationTerms(3, "PA-3", HEALTH_PLAN, D(2026, 1, 1), D(2026, 12, 31))
BY_ID = {a.id: a for a in (MASSAGE, HOT_PACK, EVERY_CODE)}


def test_each_line_counts_against_the_authorization_covering_its_code():
    both = visit(
        1, D(2026, 2, 1), authorization_ids=(1, 2),
        lines=(LineFacts("97124", 4), LineFacts("97010", 1)),
    )  # fmt: skip
    # PA-1 covers 97124 (4 units); PA-2 covers 97010 (1 unit); each counts the visit once.
    assert authorization_usage(MASSAGE, [both], BY_ID).visits == Usage(1, 12)
    assert authorization_usage(MASSAGE, [both], BY_ID).units == Usage(4, 48)
    assert authorization_usage(HOT_PACK, [both], BY_ID).visits == Usage(1, 6)
    assert authorization_usage(HOT_PACK, [both], BY_ID).units == Usage(1, None)


def test_a_visit_counts_against_an_authorization_only_if_it_covers_one_of_its_lines():
    hot_pack_only = visit(1, D(2026, 2, 1), authorization_ids=(1,), lines=(LineFacts("97010", 1),))
    assert authorization_usage(MASSAGE, [hot_pack_only], BY_ID).visits.used == 0


def test_an_authorization_counts_only_inside_its_dates_and_for_its_payer_and_case():
    line = (LineFacts("97124", 2),)
    visits = [
        visit(1, D(2025, 12, 31), authorization_ids=(1,), lines=line),  # before it starts
        visit(2, D(2026, 7, 1), authorization_ids=(1,), lines=line),  # after it ends
        visit(3, D(2026, 2, 1), authorization_ids=(1,), lines=line, signed=False),  # unsigned
        # A PIP visit is billed to the carrier, not the health plan that gave PA-1.
        visit(4, D(2026, 2, 2), authorization_ids=(1,), lines=line, case_id=7,
              case_payer_id=PIP_CARRIER),
        visit(5, D(2026, 2, 3), authorization_ids=(1,), lines=line, self_pay=True),
        visit(6, D(2026, 2, 4), authorization_ids=(1,), lines=line),  # counts: 1 visit, 2 units
    ]  # fmt: skip
    usage = authorization_usage(MASSAGE, visits, BY_ID)
    assert (usage.visits.used, usage.units.used) == (1, 2)


def test_an_authorization_for_a_case_counts_only_that_cases_visits():
    pip = dataclasses.replace(MASSAGE, payer_id=PIP_CARRIER, case_id=7)
    line = (LineFacts("97124", 2),)
    visits = [
        visit(1, D(2026, 2, 1), authorization_ids=(1,), lines=line, case_id=7,
              case_payer_id=PIP_CARRIER),
        visit(2, D(2026, 2, 2), authorization_ids=(1,), lines=line, case_id=8,
              case_payer_id=PIP_CARRIER),
    ]  # fmt: skip
    assert authorization_usage(pip, visits, {1: pip}).visits.used == 1


def test_a_line_two_authorizations_cover_counts_against_only_one():
    # PA-3 covers every code, PA-1 names 97124: the one naming the code covers the line.
    v = visit(1, D(2026, 2, 1), authorization_ids=(1, 3), lines=(LineFacts("97124", 4),))
    assert authorization_usage(MASSAGE, [v], BY_ID).units.used == 4
    assert authorization_usage(EVERY_CODE, [v], BY_ID).units.used == 0
    assert authorization_usage(EVERY_CODE, [v], BY_ID).visits.used == 0


def test_covering_prefers_dates_that_include_the_day_then_a_named_code_then_the_order_given():
    expired = dataclasses.replace(MASSAGE, id=4, number="PA-OLD", ends=D(2026, 1, 31))
    assert covering_authorization("97124", D(2026, 3, 1), [expired, MASSAGE]) is MASSAGE
    assert covering_authorization("97124", D(2026, 3, 1), [EVERY_CODE, MASSAGE]) is MASSAGE
    assert covering_authorization("97530", D(2026, 3, 1), [MASSAGE, EVERY_CODE]) is EVERY_CODE
    assert covering_authorization("97530", D(2026, 3, 1), [MASSAGE, HOT_PACK]) is None
    # Only an expired one covers the code: it is the one (the scrubber reports its dates).
    assert covering_authorization("97124", D(2026, 3, 1), [expired]) is expired
    twin = dataclasses.replace(MASSAGE, id=5, number="PA-TWIN")
    assert covering_authorization("97124", D(2026, 3, 1), [twin, MASSAGE]) is twin
